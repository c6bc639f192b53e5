// 1,000 training steps inside tidy scopes must not accumulate native memory: live tensor handles
// and native bytes are the same after step 10 and after step 1000 (the model, its gradients and
// the optimizer state are all allocated by then), and back at the baseline once the model, the
// optimizer and the data are disposed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, randn, randint, manualSeed, tidy } from '../../src/tensor/index.js';
import { Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { AdamW, SGD, LrScheduler, cosine, type Optimizer } from '../../src/optim/index.js';
import { snapshot } from '../helpers.js';

const STEPS = 1000;

for (const kind of ['AdamW', 'SGD'] as const) {
  test(`${kind}: ${STEPS} training steps in tidy scopes leak no tensors or native bytes`, () => {
    const baseline = snapshot();
    manualSeed(3);
    const x = randn([32, 16]);
    const y = randint(0, 3, [32]);
    const model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 3));
    const backbone = model.layers[0].parameters();
    const head = model.layers[2].parameters();
    const groups = [
      { name: 'backbone', params: backbone, lr: 1e-3 },
      { name: 'head', params: head, lr: 1e-2, weightDecay: 0 },
    ];
    const opt: Optimizer = kind === 'AdamW' ? new AdamW(groups) : new SGD(groups, { momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    const sched = new LrScheduler(opt, cosine({ totalSteps: STEPS, warmupSteps: 50 }));

    let atStep10: ReturnType<typeof snapshot> | undefined;
    for (let step = 1; step <= STEPS; step++) {
      tidy(() => {
        opt.zeroGrad();
        F.crossEntropy(model.forward(x), y).backward();
        opt.step();
        sched.step();
        if (step % 100 === 0) opt.stateDict(); // a checkpoint snapshot, released by the scope
      });
      if (step === 10) atStep10 = snapshot();
    }
    assert.deepEqual(snapshot(), atStep10, 'memory at step 1000 equals memory at step 10');
    assert.equal(opt.stepCount, STEPS);

    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
    assert.deepEqual(snapshot(), baseline, 'back at the baseline after disposing model, optimizer and data');
  });
}
