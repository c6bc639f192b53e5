// End-to-end training on a fixed toy problem: 64 random inputs with fixed random labels (4
// classes), memorised by a small MLP and by a small conv net (Conv2d + BatchNorm2d + relu + max
// pooling + Linear), each with SGD and with AdamW. Memorising random labels needs every piece
// (forward, backward, the optimizer's update) to be right; the final loss and accuracy are
// measured in eval mode, so BatchNorm's running statistics must have followed training too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, F, randn, randint, manualSeed, tidy, noGrad } from '../../src/tensor/index.js';
import { Module, Linear, Conv2d, BatchNorm2d, ReLU, Sequential } from '../../src/nn/index.js';
import { SGD, AdamW, type Optimizer } from '../../src/optim/index.js';
import { snapshot } from '../helpers.js';

const N = 64;
const CLASSES = 4;

/** (N, 1, 8, 8) -> conv 3x3 (8 ch) -> BN -> relu -> maxpool 2 -> (N, 8*4*4) -> (N, 4) */
class TinyConvNet extends Module {
  readonly conv = this.module('conv', new Conv2d(1, 8, 3, { padding: 1 }));
  readonly bn = this.module('bn', new BatchNorm2d(8));
  readonly fc = this.module('fc', new Linear(8 * 4 * 4, CLASSES));
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = F.maxPool2d(this.bn.forward(this.conv.forward(x)).relu(), 2);
      return this.fc.forward(h.flatten(1));
    });
  }
}

interface Net extends Module {
  forward(x: Tensor): Tensor;
}

/** Full-batch training for `steps`; returns eval-mode loss and accuracy on the same data. */
function fit(model: Net, opt: Optimizer, x: Tensor, y: Tensor, steps: number): { loss: number; accuracy: number } {
  model.train();
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  }
  model.eval();
  return noGrad(() =>
    tidy(() => {
      const logits = model.forward(x);
      const loss = F.crossEntropy(logits, y).item();
      const accuracy = logits.argmax(1).eq(y).float().mean().item();
      return { loss, accuracy };
    }),
  );
}

const cases: { name: string; inputShape: number[]; model: () => Net; optimizer: (m: Net) => Optimizer; steps: number }[] = [
  {
    name: 'MLP with SGD (momentum)',
    inputShape: [N, 8],
    model: () => new Sequential(new Linear(8, 64), new ReLU(), new Linear(64, CLASSES)),
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.2, momentum: 0.9 }),
    steps: 300,
  },
  {
    name: 'MLP with AdamW',
    inputShape: [N, 8],
    model: () => new Sequential(new Linear(8, 64), new ReLU(), new Linear(64, CLASSES)),
    optimizer: (m) => new AdamW(m.parameters(), { lr: 0.02 }),
    steps: 300,
  },
  {
    name: 'conv net with SGD (momentum)',
    inputShape: [N, 1, 8, 8],
    model: () => new TinyConvNet(),
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }),
    steps: 200,
  },
  {
    name: 'conv net with AdamW',
    inputShape: [N, 1, 8, 8],
    model: () => new TinyConvNet(),
    optimizer: (m) => new AdamW(m.parameters(), { lr: 0.01 }),
    steps: 200,
  },
];

for (const c of cases) {
  test(`${c.name} memorises ${N} random labels: loss < 0.05, accuracy 100%`, () => {
    const baseline = snapshot();
    manualSeed(0);
    const x = randn(c.inputShape);
    const y = randint(0, CLASSES, [N]);
    const model = c.model();
    const opt = c.optimizer(model);
    const { loss, accuracy } = fit(model, opt, x, y, c.steps);
    assert.ok(loss < 0.05, `${c.name}: final loss ${loss}`);
    assert.equal(accuracy, 1, `${c.name}: accuracy ${accuracy}`);
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
    assert.deepEqual(snapshot(), baseline, 'everything released');
  });
}
