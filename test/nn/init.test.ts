// PyTorch's default initialisation: the bounds and spread of Linear/Conv2d's uniform init, and
// bit-for-bit equality with torch.nn under the same manualSeed (libtorch's CPU generator is the
// one PyTorch uses, and the layers draw in the same order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, empty, manualSeed } from '../../src/tensor/index.js';
import { Module, Linear, Conv2d, Embedding, init } from '../../src/nn/index.js';
import { readJsonFixture, type TensorFixture } from '../helpers.js';

type Params = Record<string, TensorFixture>;
interface InitFixture {
  linear: { seed: number; inFeatures: number; outFeatures: number; params: Params };
  conv2d: { seed: number; inChannels: number; outChannels: number; kernelSize: number; params: Params };
  sequence: { seed: number; first: Params; second: Params };
  kaimingNormalFanOutRelu: { seed: number; weight: TensorFixture };
  kaimingUniformFanOutRelu: { seed: number; weight: TensorFixture };
  kaimingUniformFloat64: { seed: number; shape: number[]; float64: number[] };
  embedding: { seed: number; numEmbeddings: number; embeddingDim: number; paddingIdx: number; params: Params };
}
const fx = readJsonFixture<InitFixture>('nn', 'init.json');

/** Exact equality with the fixture, as float32 bits; names the first differing element. */
function assertSameFloat32(actual: Tensor, expected: TensorFixture, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.data<Float32Array>();
  const e = Float32Array.from(expected.data);
  const i = a.findIndex((v, k) => !Object.is(v, e[k]));
  assert.equal(i, -1, i < 0 ? '' : `${what}: element ${i} is ${a[i]}, PyTorch has ${e[i]}`);
}

function assertSameParams(m: Module, expected: Params, what: string): void {
  const named = m.namedParameters();
  assert.deepEqual(
    named.map(([k]) => k),
    Object.keys(expected),
    `${what}: parameter names`,
  );
  for (const [k, t] of named) assertSameFloat32(t, expected[k], `${what} ${k}`);
}

/** min, max, mean and population variance of a tensor's elements */
function stats(t: Tensor): { min: number; max: number; mean: number; variance: number } {
  const d = t.toArray();
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
  return { min: Math.min(...d), max: Math.max(...d), mean, variance };
}

/**
 * U(-b, b) checks: inside the bounds; and, with tolerances of about 4 standard errors for n
 * samples, reaching near both ends, centred, with variance b^2/3. Seeded, so deterministic.
 */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const s = stats(t);
  const n = t.numel;
  assert.ok(s.min >= -bound && s.max <= bound, `${what}: [${s.min}, ${s.max}] leaves [-${bound}, ${bound}]`);
  // P(max < (1 - gap) b) = (1 - gap/2)^n, below 1e-6 for gap = 28 / n
  const gap = 28 / n;
  if (gap < 1) assert.ok(s.min < -(1 - gap) * bound && s.max > (1 - gap) * bound, `${what}: [${s.min}, ${s.max}] does not fill [-${bound}, ${bound}]`);
  // sd of the mean is b / sqrt(3n); of the variance, about 0.9 / sqrt(n) of b^2/3
  assert.ok(Math.abs(s.mean) < (4 * bound) / Math.sqrt(3 * n), `${what}: mean ${s.mean}`);
  const expectedVar = (bound * bound) / 3;
  assert.ok(Math.abs(s.variance - expectedVar) < ((4 * 0.9) / Math.sqrt(n)) * expectedVar, `${what}: variance ${s.variance}, expected about ${expectedVar}`);
}

test('Linear default init: weight and bias uniform in +-1/sqrt(fan_in)', () => {
  manualSeed(0);
  const lin = new Linear(100, 60);
  assertUniform(lin.weight, 1 / Math.sqrt(100), 'Linear(100, 60).weight');
  assertUniform(lin.bias!, 1 / Math.sqrt(100), 'Linear(100, 60).bias');
  lin.dispose();
});

test('Conv2d default init: fan_in is in_channels/groups * kH * kW', () => {
  manualSeed(0);
  const conv = new Conv2d(4, 8, 3);
  assertUniform(conv.weight, 1 / Math.sqrt(4 * 9), 'Conv2d(4, 8, 3).weight');
  assertUniform(conv.bias!, 1 / Math.sqrt(4 * 9), 'Conv2d(4, 8, 3).bias');
  conv.dispose();
  // grouped: weight (8, 2, 3, 3), fan_in 2 * 9
  const grouped = new Conv2d(4, 8, 3, { groups: 2, bias: false });
  assert.deepEqual(grouped.weight.shape, [8, 2, 3, 3]);
  assert.equal(grouped.bias, null);
  assertUniform(grouped.weight, 1 / Math.sqrt(2 * 9), 'Conv2d(4, 8, 3, groups 2).weight');
  grouped.dispose();
});

test('fans() follows PyTorch: (out, in, ...kernel)', () => {
  const w = empty([8, 3, 5, 2]);
  assert.deepEqual(init.fans(w), { fanIn: 30, fanOut: 80 });
  w.dispose();
});

test('same seed, same weights as torch.nn.Linear and nn.Conv2d, bit for bit', () => {
  manualSeed(fx.linear.seed);
  const lin = new Linear(fx.linear.inFeatures, fx.linear.outFeatures);
  assertSameParams(lin, fx.linear.params, 'Linear');
  lin.dispose();

  const c = fx.conv2d;
  manualSeed(c.seed);
  const conv = new Conv2d(c.inChannels, c.outChannels, c.kernelSize);
  assertSameParams(conv, c.params, 'Conv2d');
  conv.dispose();

  // Two layers in a row continue the same stream, so whole models match when built in order.
  manualSeed(fx.sequence.seed);
  const first = new Linear(3, 2);
  const second = new Linear(2, 4, { bias: false });
  assertSameParams(first, fx.sequence.first, 'first Linear');
  assertSameParams(second, fx.sequence.second, 'second Linear');
  first.dispose();
  second.dispose();

  // A different seed gives different weights (the comparison above can fail).
  manualSeed(fx.linear.seed + 1);
  const other = new Linear(fx.linear.inFeatures, fx.linear.outFeatures);
  assert.throws(() => assertSameParams(other, fx.linear.params, 'Linear'), /element 0/);
  other.dispose();
});

test('kaiming initialisers and Embedding match torch.nn.init under the same seed', () => {
  manualSeed(fx.kaimingNormalFanOutRelu.seed);
  const w = empty(fx.kaimingNormalFanOutRelu.weight.shape);
  init.kaimingNormal_(w, 'fanOut', 'relu'); // torchvision ResNet's conv init
  assertSameFloat32(w, fx.kaimingNormalFanOutRelu.weight, 'kaimingNormal_ fan_out relu');
  w.dispose();

  manualSeed(fx.kaimingUniformFanOutRelu.seed);
  const u = empty(fx.kaimingUniformFanOutRelu.weight.shape);
  init.kaimingUniform_(u, 0, 'fanOut', 'relu');
  assertSameFloat32(u, fx.kaimingUniformFanOutRelu.weight, 'kaimingUniform_ fan_out relu');
  u.dispose();

  // float64: the bound itself must equal PyTorch's to the last bit, or every sample differs.
  const f = fx.kaimingUniformFloat64;
  manualSeed(f.seed);
  const d = empty(f.shape, 'float64');
  init.kaimingUniform_(d, Math.sqrt(5));
  assert.deepEqual(Array.from(d.data<Float64Array>()), f.float64);
  d.dispose();

  const e = fx.embedding;
  manualSeed(e.seed);
  const emb = new Embedding(e.numEmbeddings, e.embeddingDim, e.paddingIdx);
  assertSameParams(emb, e.params, 'Embedding');
  emb.dispose();
});

test('zero-element layers initialise without error, as in PyTorch', () => {
  // fan_in 0: PyTorch skips the weight and draws the bias from U(0, 0)
  const lin = new Linear(0, 3);
  assert.deepEqual(lin.weight.shape, [3, 0]);
  assert.deepEqual(lin.bias!.toArray(), [0, 0, 0]);
  lin.dispose();
  const w = empty([0, 4]);
  assert.equal(init.kaimingNormal_(w, 'fanOut'), w);
  w.dispose();
});
