// The Module base: naming and order (checked against PyTorch's own names for the same model),
// state dicts, strict/non-strict loading, train/eval and its hooks, and disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, ones, zeros, randn, tidy, noGrad, manualSeed } from '../../src/tensor/index.js';
import { Module, Linear, Conv2d, BatchNorm2d, ReLU, Sequential, countElements, MultiHeadSelfAttention } from '../../src/nn/index.js';
import { StateDictError } from '../../src/errors.js';
import { readJsonFixture, snapshot } from '../helpers.js';

/** conv (no bias) + batch norm, as in a ResNet stem. (N, 2, H, W) -> (N, 3, H, W) */
class Block extends Module {
  readonly conv = this.module('conv', new Conv2d(2, 3, 3, { padding: 1, bias: false }));
  readonly bn = this.module('bn', new BatchNorm2d(3));
  forward(x: Tensor): Tensor {
    return tidy(() => this.bn.forward(this.conv.forward(x)).relu());
  }
}

/** The same model as `Net` in gen_nn_fixtures.py. (N, 2, H, W) -> (N, 2) */
class Net extends Module {
  readonly scale = this.param('scale', ones([1]));
  readonly cache = this.buffer('cache', zeros([2]), false); // non-persistent: not in the state dict
  readonly stem = this.module('stem', new Block());
  readonly head = this.module('head', new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2)));
  forward(x: Tensor): Tensor {
    return tidy(() => this.head.forward(this.stem.forward(x).mean([2, 3])).mul(this.scale));
  }
}

/** Holds a given tensor as its `weight` (to tie weights across modules). */
class Holder extends Module {
  constructor(readonly weight: Tensor) {
    super();
    this.param('weight', weight);
  }
}

/** `Tied` in gen_nn_fixtures.py: b.weight is a.weight. */
class Tied extends Module {
  readonly a = this.module('a', new Linear(4, 4, { bias: false }));
  readonly b = this.module('b', new Holder(this.a.weight));
}

interface Names {
  namedModules: string[];
  namedParameters: string[];
  namedBuffers: string[];
  stateDict: [string, number[]][];
}
const names = readJsonFixture<{ net: Names; tied: Names }>('nn', 'module_names.json');

function allValues(m: Module): number[][] {
  return [...m.stateDict().values()].map((t) => t.toArray());
}

test('names and order of modules, parameters, buffers and state dict match PyTorch', () => {
  const net = new Net();
  assert.deepEqual(
    net.namedModules().map(([k]) => k),
    names.net.namedModules,
  );
  assert.deepEqual(
    net.namedParameters().map(([k]) => k),
    names.net.namedParameters,
  );
  assert.deepEqual(
    net.namedBuffers().map(([k]) => k),
    names.net.namedBuffers,
  );
  assert.deepEqual(
    net.namedBuffers({ persistentOnly: true }).map(([k]) => k),
    names.net.namedBuffers.filter((k) => k !== 'cache'),
  );
  assert.deepEqual(
    [...net.stateDict()].map(([k, t]) => [k, t.shape]),
    names.net.stateDict,
  );
  assert.deepEqual(
    net.namedChildren().map(([k]) => k),
    ['stem', 'head'],
  );
  // The named tensors are the modules' own fields, not copies.
  assert.equal(net.stateDict().get('stem.bn.running_mean'), net.stem.bn.runningMean);
  assert.equal(net.namedParameters()[1][1], net.stem.conv.weight);
  // Parameters require grad; buffers do not.
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  assert.ok(net.namedBuffers().every(([, b]) => !b.requiresGrad));
  net.dispose();
});

test('a tensor shared by two modules is one parameter but appears under both state-dict names', () => {
  const tied = new Tied();
  assert.equal(tied.b.weight, tied.a.weight);
  assert.deepEqual(
    tied.namedParameters().map(([k]) => k),
    names.tied.namedParameters,
  );
  assert.equal(tied.parameters().length, 1);
  assert.deepEqual(
    [...tied.stateDict()].map(([k, t]) => [k, t.shape]),
    names.tied.stateDict,
  );
  assert.equal(countElements(tied.stateDict().values()), 16); // counted once, not 32
  const before = snapshot().liveTensors;
  tied.dispose(); // disposing the shared tensor twice is harmless
  assert.ok(tied.a.weight.isDisposed);
  assert.equal(snapshot().liveTensors, before - 1);
});

test('stateDict / loadStateDict round trip copies every parameter and buffer', () => {
  manualSeed(1);
  const a = new Net();
  const b = new Net();
  tidy(() => {
    // Make a's buffers differ from a fresh model's: one train-mode step updates the running stats.
    a.forward(randn([2, 2, 4, 4]));
  });
  assert.notDeepEqual(allValues(a), allValues(b));
  const result = b.loadStateDict(a.stateDict());
  assert.deepEqual(result, { missing: [], unexpected: [] });
  assert.deepEqual(allValues(b), allValues(a));
  assert.deepEqual(b.stem.bn.numBatchesTracked!.toArray(), [1]);
  // Values were copied into b's own tensors: changing a afterwards leaves b alone.
  assert.notEqual(b.stem.conv.weight, a.stem.conv.weight);
  noGrad(() => {
    a.stem.conv.weight.mul_(2);
  });
  assert.notDeepEqual(b.stem.conv.weight.toArray(), a.stem.conv.weight.toArray());
  // and the two models now compute the same function (a's conv doubled, so compare b with a copy)
  const c = new Net();
  c.loadStateDict(b.stateDict());
  c.eval();
  b.eval();
  tidy(() => {
    const x = randn([1, 2, 3, 3]);
    assert.ok(b.forward(x).equal(c.forward(x)));
  });
  // b's parameters stay trainable leaves after loading
  assert.ok(b.parameters().every((p) => p.requiresGrad && p.isLeaf));
  for (const m of [a, b, c]) m.dispose();
});

/** Asserts fn throws a StateDictError and returns it. */
function stateDictError(fn: () => unknown): StateDictError {
  let caught: unknown;
  assert.throws(() => {
    try {
      fn();
    } catch (e) {
      caught = e;
      throw e;
    }
  }, StateDictError);
  const e = caught as StateDictError;
  assert.equal(e.code, 'STATE_DICT_MISMATCH');
  return e;
}

test('strict loading names missing and unexpected keys and changes nothing', () => {
  const src = new Net();
  const dst = new Net();
  const original = allValues(dst);
  const state = new Map(src.stateDict());
  state.delete('head.2.bias');
  state.delete('stem.bn.running_var');
  const extra = zeros([5]);
  state.set('head.3.weight', extra);

  const e = stateDictError(() => dst.loadStateDict(state, { source: 'ckpt.safetensors' }));
  assert.deepEqual(e.missing, ['stem.bn.running_var', 'head.2.bias']);
  assert.deepEqual(e.unexpected, ['head.3.weight']);
  assert.deepEqual(e.shapeMismatches, []);
  assert.match(e.message, /missing keys in ckpt\.safetensors: stem\.bn\.running_var, head\.2\.bias/);
  assert.match(e.message, /unexpected keys in ckpt\.safetensors: head\.3\.weight/);
  assert.match(e.message, /strict: false/); // says what to do
  assert.deepEqual(allValues(dst), original, 'a failed strict load must not change any tensor');

  // Only missing keys (as after cutting a head off a checkpoint)
  state.delete('head.3.weight');
  const e2 = stateDictError(() => dst.loadStateDict(state));
  assert.deepEqual(e2.unexpected, []);
  assert.doesNotMatch(e2.message, /unexpected/);
  assert.match(e2.message, /missing keys: stem\.bn\.running_var, head\.2\.bias/);

  extra.dispose();
  src.dispose();
  dst.dispose();
});

test('a shape mismatch is reported with both shapes, in strict and non-strict mode', () => {
  const src = new Net();
  const dst = new Net();
  const original = allValues(dst);
  const wrong = zeros([3, 4]); // head.2.weight is (2, 4): a different class count
  const state = new Map(src.stateDict());
  state.set('head.2.weight', wrong);
  for (const strict of [true, false]) {
    const e = stateDictError(() => dst.loadStateDict(state, { strict }));
    assert.deepEqual(e.shapeMismatches, [{ key: 'head.2.weight', expected: [2, 4], found: [3, 4] }]);
    assert.match(e.message, /shape mismatch for head\.2\.weight: expected \[2, 4\], found \[3, 4\]/);
    assert.match(e.message, /replace the head/);
    assert.deepEqual(allValues(dst), original);
  }
  wrong.dispose();
  src.dispose();
  dst.dispose();
});

test('non-strict loading loads the keys that match and returns the others', () => {
  const src = new Net();
  const dst = new Net();
  const state = new Map(src.stateDict());
  state.delete('head.2.weight');
  state.delete('head.2.bias');
  const extra = ones([1]);
  state.set('fc.weight', extra);
  const headBefore = dst.head.layers[2] as Linear;
  const headWeight = headBefore.weight.toArray();
  const result = dst.loadStateDict(state, { strict: false });
  assert.deepEqual(result, { missing: ['head.2.weight', 'head.2.bias'], unexpected: ['fc.weight'] });
  assert.deepEqual(dst.stem.conv.weight.toArray(), src.stem.conv.weight.toArray());
  assert.deepEqual((dst.head.layers[0] as Linear).weight.toArray(), (src.head.layers[0] as Linear).weight.toArray());
  assert.deepEqual(headBefore.weight.toArray(), headWeight, 'missing keys keep their current values');
  extra.dispose();
  src.dispose();
  dst.dispose();
});

test('train()/eval() reach every descendant, change behaviour, and run mode hooks after the switch', () => {
  const net = new Net();
  const modes = (): boolean[] => net.namedModules().map(([, m]) => m.training);
  assert.ok(modes().every((t) => t));
  assert.equal(net.eval(), net); // chainable
  assert.ok(modes().every((t) => !t));

  // Eval mode: BatchNorm uses running stats and leaves them alone.
  tidy(() => {
    const rm = net.stem.bn.runningMean!.toArray();
    net.forward(randn([2, 2, 3, 3]));
    assert.deepEqual(net.stem.bn.runningMean!.toArray(), rm);
    assert.deepEqual(net.stem.bn.numBatchesTracked!.toArray(), [0]);
  });

  const calls: [string, boolean, boolean][] = [];
  const bn = net.stem.bn;
  const off = bn.onModeChange((m, training) => {
    assert.equal(m, bn);
    // hooks run after the whole tree switched, so they see the final state everywhere
    calls.push(['bn', training, net.head.training]);
  });
  net.onModeChange((m, training) => calls.push(['root', training, m.training]));
  net.train();
  assert.ok(modes().every((t) => t));
  // An adaptation strategy's hook can override a child's mode: keep BN frozen in eval.
  const freeze = bn.onModeChange((m, training) => {
    if (training) m.setOwnTraining(false);
  });
  net.train();
  assert.equal(bn.training, false);
  assert.equal(net.stem.conv.training, true);
  tidy(() => {
    net.forward(randn([2, 2, 3, 3]));
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [0]); // frozen BN did not count the batch
  });
  freeze();
  off();
  net.eval();
  // Hook order: root first (pre-order), then bn; the removed hooks no longer run.
  assert.deepEqual(calls, [
    ['root', true, true],
    ['bn', true, true],
    ['root', true, true],
    ['bn', true, true],
    ['root', false, false],
  ]);
  // Training mode counts batches again once the freeze hook is gone.
  net.train();
  tidy(() => net.forward(randn([2, 2, 3, 3])));
  assert.deepEqual(bn.numBatchesTracked!.toArray(), [1]);
  net.dispose();
});

test('dispose() frees every parameter, buffer and gradient: live tensors and bytes back to baseline', () => {
  const before = snapshot();
  const net = new Net();
  const att = new MultiHeadSelfAttention(4, 2);
  tidy(() => {
    const loss = net.forward(randn([2, 2, 4, 4])).sum().add(att.forward(randn([1, 3, 4])).sum());
    loss.backward();
  });
  for (const p of [...net.parameters(), ...att.parameters()]) {
    const g = p.grad; // a new handle on the gradient the parameter holds
    assert.ok(g !== null);
    g.dispose();
  }
  assert.ok(snapshot().liveTensors > before.liveTensors);
  assert.ok(snapshot().nativeBytes > before.nativeBytes);
  net.dispose();
  att.dispose();
  assert.ok(net.parameters().every((p) => p.isDisposed));
  assert.ok(net.namedBuffers().every(([, b]) => b.isDisposed));
  assert.ok(net.cache.isDisposed);
  assert.deepEqual(snapshot(), before);
  // A disposed module's tensors refuse use with a typed error rather than crashing.
  assert.throws(() => net.stem.conv.weight.toArray(), { code: 'DISPOSED_TENSOR' });
});
