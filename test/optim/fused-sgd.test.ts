// The fused SGD update (adaptlab::sgd_step_, native/src/kernels/sgd_step.cc) against the same
// update written in per-tensor aten operators (loopOps), bit for bit, on parameters large enough
// that libtorch splits them over threads and vectorises them, with sizes that leave remainders,
// for every combination of decay, momentum and nesterov, over several steps (the first starts the
// momentum buffers), with a parameter that has no gradient on some steps, and with parameters the
// fused pass hands to aten's list operators (float64, non-contiguous) in the same list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, randn, tidy } from '../../src/tensor/index.js';
import { SGD } from '../../src/optim/index.js';
import { callOp } from '../../src/tensor/dispatch.js';

const SIZES = [[100_003], [37, 1_001], [3], [64, 3, 7, 7], [16], [33], [5, 7]];
/** Parameter i's initial values: float32 and contiguous, except a float64 one and a transposed one. */
function initial(shape: number[], i: number): Tensor {
  if (i === 5) return randn(shape, 'float64').mul(0.3);
  if (i === 6) return randn([shape[1], shape[0]]).t().mul(0.2); // strides of a transpose survive clone()
  return randn(shape).mul(0.1 * (i + 1));
}

function run(options: { lr: number; weightDecay: number; momentum: number; nesterov: boolean }, foreach: boolean, init: Tensor[], grads: Tensor[][]): Buffer[] {
  const params = init.map((t) => t.clone().requiresGrad_());
  const opt = new SGD([{ params, ...options }], { foreach });
  const out: Buffer[] = [];
  grads.forEach((row, step) => {
    params.forEach((p, i) => (p.grad = step === 1 && i === 2 ? null : row[i].clone())); // param 2 skips step 2
    opt.step();
    out.push(...params.map((p) => Buffer.from(p.bytes())));
  });
  const state = opt.stateDict();
  for (const t of state.state.values()) {
    out.push(Buffer.from(t.bytes()));
    t.dispose();
  }
  opt.dispose();
  params.forEach((p) => p.dispose());
  return out;
}

for (const weightDecay of [0, 5e-4]) {
  for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
    test(`SGD weightDecay ${weightDecay} momentum ${momentum} nesterov ${nesterov}: fused and per-tensor updates are identical`, () => {
      const options = { lr: 0.01, weightDecay, momentum, nesterov };
      // the same random inputs for both paths: reseed by drawing them once
      const init = tidy(() => SIZES.map(initial));
      const grads = tidy(() => [0, 1, 2, 3].map(() => SIZES.map((shape, i) => randn(shape, i === 5 ? 'float64' : 'float32'))));
      // (5, 7) with the strides of a transpose, (1, 5), after the clone each run makes
      assert.equal(tidy(() => callOp('aten::stride.int', [init[6].clone().handle, 0])), 1, 'parameter 6 should stay non-contiguous');
      const fused = run(options, true, init, grads);
      const loop = run(options, false, init, grads);
      assert.equal(fused.length, loop.length);
      fused.forEach((b, k) => assert.ok(b.equals(loop[k]), `record ${k} (of ${fused.length}) differs between the fused and the per-tensor update`));
      // and the update did something: the parameters moved
      assert.ok(!fused[0].equals(Buffer.from(init[0].bytes())), 'the first step left parameter 0 unchanged');
      [init, grads].flat(2).forEach((t) => t.dispose());
    });
  }
}
