// Parameter groups: each group's own lr and weight decay, the one-group-per-parameter rule, the
// read-only group view, gradient clearing, and checkpoints that resume exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, StateDictError } from '../../src/errors.js';
import { Tensor, randn, zeros, fromBytes, manualSeed, tidy } from '../../src/tensor/index.js';
import { SGD, AdamW, LrScheduler, cosine, type Optimizer, type ParamGroup, type OptimizerStateMeta } from '../../src/optim/index.js';
import { snapshot } from '../helpers.js';

const SHAPES = [[4, 3], [3], [2, 2], [5]];

/** Fresh leaf parameters with fixed values. */
function makeParams(seed = 1): Tensor[] {
  manualSeed(seed);
  return SHAPES.map((s) => randn(s).requiresGrad_());
}

/** Gives every parameter a fixed gradient for `step` (seeded), except those in `skip`. */
function setGrads(params: Tensor[], step: number, options: { skip?: number[]; zero?: boolean } = {}): void {
  manualSeed(1000 + step);
  params.forEach((p, i) => {
    const g = options.zero ? zeros(p.shape) : randn(p.shape);
    p.grad = options.skip?.includes(i) ? null : g;
    g.dispose();
  });
}

const values = (ps: Tensor[]): number[][] => ps.map((p) => p.toArray());
const disposeAll = (ps: Tensor[]): void => ps.forEach((p) => p.dispose());

/** Runs `steps` updates with the fixed gradients, starting at gradient step `from`. */
function train(opt: Optimizer, params: Tensor[], steps: number, from = 0, skipAt: Record<number, number[]> = {}, sched?: LrScheduler): void {
  for (let s = from; s < from + steps; s++) {
    setGrads(params, s, { skip: skipAt[s] });
    opt.step();
    sched?.step();
  }
}

for (const kind of ['SGD', 'AdamW'] as const) {
  const make = (groups: ParamGroup[]): Optimizer =>
    kind === 'SGD' ? new SGD(groups, { momentum: 0.9 }) : new AdamW(groups, { betas: [0.9, 0.99] });

  test(`${kind}: a group with lr 0 is unchanged after steps while the other group moves`, () => {
    const params = makeParams();
    const before = values(params);
    const opt = make([
      { name: 'moving', params: params.slice(0, 2), lr: 0.05, weightDecay: 0.1 },
      { name: 'still', params: params.slice(2), lr: 0, weightDecay: 0.1 },
    ]);
    train(opt, params, 5);
    const after = values(params);
    assert.deepEqual(after.slice(2), before.slice(2), 'lr 0 group must not move, not even by decay');
    assert.notDeepEqual(after[0], before[0]);
    assert.notDeepEqual(after[1], before[1]);
    opt.dispose();
    disposeAll(params);
  });

  test(`${kind}: with zero gradients only decay moves parameters, and only in the decayed group`, () => {
    const params = makeParams();
    const before = values(params);
    const lr = 0.05;
    const wd = 0.1;
    const opt = make([
      { name: 'decay', params: params.slice(0, 2), lr, weightDecay: wd },
      { name: 'no_decay', params: params.slice(2), lr, weightDecay: 0 },
    ]);
    for (let s = 0; s < 4; s++) {
      setGrads(params, s, { zero: true });
      opt.step();
    }
    assert.deepEqual(values(params).slice(2), before.slice(2), 'no-decay group is untouched');
    // SGD: buf_1 = wd p_0, so p shrinks through momentum too; AdamW: p *= (1 - lr wd) each step
    // (its moments stay 0). Either way the decayed group must have shrunk towards 0.
    for (const i of [0, 1]) {
      const a = before[i].reduce((s, x) => s + x * x, 0);
      const b = params[i].toArray().reduce((s, x) => s + x * x, 0);
      assert.ok(b < a, `decayed param ${i}: norm ${b} should be below ${a}`);
    }
    if (kind === 'AdamW') {
      const expected = tidy(() => {
        const p = fromValues(before[0], SHAPES[0]); // the initial values, decayed by hand
        for (let s = 0; s < 4; s++) p.mul_(1 - lr * wd);
        return p.toArray();
      });
      assert.deepEqual(params[0].toArray(), expected, 'AdamW decay is exactly p *= 1 - lr * wd per step');
    }
    opt.dispose();
    disposeAll(params);
  });

  test(`${kind}: a no-decay group follows exactly the trajectory it has without any decay anywhere`, () => {
    const withDecay = makeParams();
    const noDecayAnywhere = makeParams();
    const a = make([
      { name: 'decay', params: withDecay.slice(0, 2), lr: 0.05, weightDecay: 0.3 },
      { name: 'no_decay', params: withDecay.slice(2), lr: 0.05, weightDecay: 0 },
    ]);
    const b = make([
      { name: 'decay', params: noDecayAnywhere.slice(0, 2), lr: 0.05, weightDecay: 0 },
      { name: 'no_decay', params: noDecayAnywhere.slice(2), lr: 0.05, weightDecay: 0 },
    ]);
    train(a, withDecay, 5);
    train(b, noDecayAnywhere, 5);
    assert.deepEqual(values(withDecay).slice(2), values(noDecayAnywhere).slice(2));
    assert.notDeepEqual(values(withDecay)[0], values(noDecayAnywhere)[0], 'the decayed group does feel the decay');
    a.dispose();
    b.dispose();
    disposeAll([...withDecay, ...noDecayAnywhere]);
  });

  test(`${kind}: save after 3 steps, restore into a new optimizer, and 3 more steps equal 6 uninterrupted`, () => {
    const baseline = snapshot();
    const skipAt = { 1: [3], 4: [0] }; // missing gradients make per-parameter step counts differ
    const groups = (ps: Tensor[]): ParamGroup[] => [
      { name: 'backbone', params: ps.slice(0, 3), lr: 0.02, weightDecay: 0.01 },
      { name: 'head', params: ps.slice(3), lr: 0.2, weightDecay: 0 },
    ];
    const schedule = cosine({ totalSteps: 6, warmupSteps: 1 });

    const straight = makeParams();
    const o1 = make(groups(straight));
    const s1 = new LrScheduler(o1, schedule);
    train(o1, straight, 6, 0, skipAt, s1);

    const resumed = makeParams();
    const o2 = make(groups(resumed));
    const s2 = new LrScheduler(o2, schedule);
    train(o2, resumed, 3, 0, skipAt, s2);
    // write: tensors as raw bytes (what safetensors stores), the rest through JSON
    const { state, ...meta } = o2.stateDict();
    const saved = [...state].map(([k, t]) => ({ k, shape: t.shape, bytes: t.bytes() }));
    state.forEach((t) => t.dispose());
    const metaJson = JSON.stringify(meta);
    const schedJson = JSON.stringify(s2.stateDict());
    o2.dispose();

    const o3 = make(groups(resumed));
    const s3 = new LrScheduler(o3, schedule);
    const loaded = new Map(saved.map(({ k, shape, bytes }) => [k, fromBytes(bytes, shape, 'float32')]));
    o3.loadStateDict({ ...(JSON.parse(metaJson) as OptimizerStateMeta), state: loaded }, { source: 'test checkpoint' });
    loaded.forEach((t) => t.dispose()); // the optimizer keeps its own copies
    s3.loadStateDict(JSON.parse(schedJson) as { step: number });
    assert.equal(o3.stepCount, 3);
    train(o3, resumed, 3, 3, skipAt, s3);

    assert.deepEqual(values(resumed), values(straight), 'resumed parameters equal uninterrupted ones bit for bit');
    const a = o1.stateDict();
    const b = o3.stateDict();
    assert.deepEqual(b.steps, a.steps);
    assert.deepEqual(b.groups, a.groups);
    assert.deepEqual([...b.state.keys()], [...a.state.keys()]);
    for (const [k, t] of a.state) assert.deepEqual(b.state.get(k)!.toArray(), t.toArray(), `state ${k}`);
    [...a.state.values(), ...b.state.values()].forEach((t) => t.dispose());
    o1.dispose();
    o3.dispose();
    disposeAll([...straight, ...resumed]);
    assert.deepEqual(snapshot(), baseline, 'no tensors left behind');
  });
}

function fromValues(v: number[], shape: number[]): Tensor {
  return fromBytes(new Uint8Array(Float32Array.from(v).buffer), shape, 'float32');
}

test('a parameter in two groups is an error naming it and both groups', () => {
  const [w, b] = makeParams();
  assert.throws(
    () =>
      new AdamW([
        { name: 'backbone', params: [['encoder.weight', w], ['encoder.bias', b]], lr: 1e-3 },
        { name: 'head', params: [['classifier.weight', w]], lr: 1e-2 },
      ]),
    (e: unknown) =>
      e instanceof ArgumentError &&
      /parameter 'classifier\.weight' of group 'head' \(float32 \[4, 3\]\) is also parameter 'encoder\.weight' of group 'backbone'/.test(e.message),
  );
  // unnamed parameters are named by position
  assert.throws(() => new SGD([{ params: [w, b], lr: 0.1 }, { params: [b], lr: 0.1 }]), /parameter #0 of group '1' \(float32 \[3\]\) is also parameter #1 of group '0'/);
  assert.throws(() => new SGD([{ params: [w, w], lr: 0.1 }]), /parameter #1 of group '0'.*is also parameter #0 of group '0'/);
  disposeAll([w, b]);
});

test('options: group values override defaults; unknown, missing and invalid options are typed errors', () => {
  const ps = makeParams();
  const opt = new AdamW(
    [
      { name: 'backbone', params: ps.slice(0, 2), lr: 1e-4 },
      { name: 'head', params: ps.slice(2), lr: 1e-3, weightDecay: 0, betas: [0.8, 0.9] },
    ],
    { weightDecay: 0.05, eps: 1e-6 },
  );
  const [bb, head] = opt.paramGroups;
  assert.deepEqual({ lr: bb.lr, wd: bb.weightDecay, betas: bb.betas, eps: bb.eps }, { lr: 1e-4, wd: 0.05, betas: [0.9, 0.999], eps: 1e-6 });
  assert.deepEqual({ lr: head.lr, wd: head.weightDecay, betas: head.betas, eps: head.eps }, { lr: 1e-3, wd: 0, betas: [0.8, 0.9], eps: 1e-6 });
  assert.equal(head.params.length, 2);
  assert.deepEqual(head.paramNames, ['#0', '#1']);
  head.lr = 5e-4; // schedules write lr
  assert.equal(opt.paramGroups[1].lr, 5e-4);
  assert.equal(opt.paramGroups[1].baseLr, 1e-3);
  assert.throws(() => (head.lr = -1), /learning rate must be a finite number >= 0, got -1/);
  assert.throws(() => ((head as { weightDecay: number }).weightDecay = 1), TypeError, 'other options are read-only');
  opt.dispose();

  assert.throws(() => new SGD([{ params: ps, lr: 0.1, betas: [0.9, 0.99] }]), /SGD has no option 'betas'; its options are lr, weightDecay, momentum, nesterov/);
  assert.throws(() => new AdamW([{ params: ps, momentum: 0.9, lr: 1 }]), /AdamW has no option 'momentum'/);
  assert.throws(() => new SGD([{ name: 'x', params: ps }]), /group 'x' \(#0\): 'lr' is required/);
  assert.throws(() => new SGD(ps, { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new AdamW(ps, { lr: 0.1, betas: [0.9, 1] }), /betas\[1\] must be a number in \[0, 1\)/);
  assert.throws(() => new SGD([{ params: [zeros([2], 'int64')], lr: 0.1 }]), /dtype int64; only floating-point/);
  assert.throws(() => new SGD([], { lr: 0.1 }), ArgumentError);
  // a plain parameter list is one group
  const single = new SGD(ps, { lr: 0.1 });
  assert.equal(single.paramGroups.length, 1);
  assert.equal(single.paramGroups[0].name, '0');
  single.dispose();
  disposeAll(ps);
});

test('zeroGrad drops gradients by default and zeroes them in place with setToNone: false', () => {
  const ps = makeParams();
  const opt = new SGD(ps, { lr: 0.1 });
  setGrads(ps, 0);
  opt.zeroGrad({ setToNone: false });
  tidy(() => ps.forEach((p) => assert.deepEqual(p.grad!.toArray(), new Array(p.numel).fill(0))));
  opt.zeroGrad();
  assert.ok(ps.every((p) => p.grad === null));
  const before = values(ps);
  opt.step(); // no gradients: nothing to do
  assert.deepEqual(values(ps), before);
  opt.dispose();
  disposeAll(ps);
});

test('loadStateDict rejects checkpoints of another kind or structure, names the problems, and changes nothing', () => {
  const ps = makeParams();
  const opt = new AdamW([
    { name: 'backbone', params: ps.slice(0, 3), lr: 1e-3 },
    { name: 'head', params: ps.slice(3), lr: 1e-2 },
  ]);
  train(opt, ps, 2);
  const good = opt.stateDict();
  const beforeState = opt.stateDict();

  const sgd = new SGD([{ name: 'backbone', params: ps.slice(0, 3), lr: 0.1 }, { name: 'head', params: ps.slice(3), lr: 0.1 }], { momentum: 0.9 });
  assert.throws(() => sgd.loadStateDict(good), (e: unknown) => e instanceof StateDictError && /checkpoint is for AdamW, this optimizer is SGD/.test(e.message));
  sgd.dispose();

  const oneGroup = new AdamW(ps, { lr: 1e-3 });
  assert.throws(() => oneGroup.loadStateDict(good), /the checkpoint has 2 \('backbone', 'head'\) parameter groups, this optimizer has 1 \('0'\)/);
  oneGroup.dispose();

  // another parameter shape in the same structure: the shapes of both the parameter and its state disagree
  const other = [zeros([4, 3]), zeros([7]), zeros([2, 2]), zeros([5])].map((t) => t.requiresGrad_());
  const wrongShape = new AdamW([{ name: 'backbone', params: other.slice(0, 3), lr: 1e-3 }, { name: 'head', params: other.slice(3), lr: 1e-2 }]);
  assert.throws(
    () => wrongShape.loadStateDict(good, { source: 'run-7/optimizer' }),
    (e: unknown) =>
      e instanceof StateDictError &&
      /\(run-7\/optimizer\)/.test(e.message) &&
      /shape mismatch for 0\.1 \(#1\): expected \[7\], found \[3\]/.test(e.message) &&
      e.shapeMismatches.length === 1,
  );
  wrongShape.dispose();
  disposeAll(other);

  // state that is missing or unexpected
  const partial = new Map(good.state);
  partial.delete('1.0.exp_avg_sq');
  partial.set('0.0.momentum_buffer', good.state.get('0.0.exp_avg')!);
  assert.throws(
    () => opt.loadStateDict({ ...good, state: partial }),
    (e: unknown) => e instanceof StateDictError && e.missing.join() === '1.0.exp_avg_sq' && e.unexpected.join() === '0.0.momentum_buffer',
  );
  assert.throws(() => opt.loadStateDict({ ...good, format: 'something' as typeof good.format }), /not an optimizer state dict/);

  // nothing changed by the failed loads
  const after = opt.stateDict();
  assert.deepEqual(after.steps, beforeState.steps);
  for (const [k, t] of beforeState.state) assert.deepEqual(after.state.get(k)!.toArray(), t.toArray());
  [...good.state.values(), ...beforeState.state.values(), ...after.state.values()].forEach((t) => t.dispose());
  opt.dispose();
  disposeAll(ps);
});

test('dispose frees the state tensors; a disposed optimizer refuses to step', () => {
  const ps = makeParams();
  const baseline = snapshot();
  const opt = new AdamW(ps, { lr: 1e-3 });
  train(opt, ps, 2);
  ps.forEach((p) => (p.grad = null));
  assert.ok(snapshot().liveTensors > baseline.liveTensors, 'AdamW holds two state tensors per parameter');
  opt.dispose();
  assert.deepEqual(snapshot(), baseline);
  assert.throws(() => opt.step(), /this optimizer was disposed/);
  disposeAll(ps);
});
