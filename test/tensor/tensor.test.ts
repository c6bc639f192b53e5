import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TorchError, DisposedTensorError, ArgumentError } from '../../src/errors.js';
import { tensor, zeros, randn, fromTypedArray, arange, cat, tidy, keep, noGrad, isGradEnabled, manualSeed, F, Tensor } from '../../src/tensor/index.js';
import { snapshot } from '../helpers.js';

test('round-trips every typed-array dtype', () => {
  const cases = [
    [new Float32Array([1.5, -2]), 'float32'],
    [new Float64Array([1e-300, 3]), 'float64'],
    [new BigInt64Array([-(2n ** 40n), 7n]), 'int64'],
    [new Int32Array([-3, 4]), 'int32'],
    [new Uint8Array([0, 255]), 'uint8'],
    [new Uint8Array([1, 0]), 'bool'],
  ] as const;
  for (const [arr, dtype] of cases) {
    const t = fromTypedArray(arr, [2], dtype);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(Array.from(t.data() as ArrayLike<unknown>), Array.from(arr as ArrayLike<unknown>));
    t.dispose();
  }
});

test('element-wise, reductions and shapes follow PyTorch', () => {
  tidy(() => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(x.add(1).toArray(), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(x.sum(1).toArray(), [6, 15]);
    assert.deepEqual(x.mean(0).toArray(), [2.5, 3.5, 4.5]);
    assert.deepEqual(x.transpose(0, 1).contiguous().toArray(), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(x.slice(1, 1, 3).shape, [2, 2]);
    assert.deepEqual(x.argmax(1).toArray(), [2, 2]);
    assert.deepEqual(x.gt(3).toArray(), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(cat([x, x], 0).shape, [4, 3]);
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.deepEqual(x.indexSelect(1, tensor([2, 0], 'int64')).toArray(), [3, 1, 6, 4]);
  });
});

test('autograd computes gradients of a composed expression', () => {
  tidy(() => {
    const w = tensor([1, 2, 3]).requiresGrad_();
    const loss = w.mul(w).sum(); // d/dw = 2w
    loss.backward();
    assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
    w.grad = null;
    assert.equal(w.grad, null);
    const y = noGrad(() => w.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
  });
});

test('the same seed gives the same random numbers', () => {
  manualSeed(7);
  const a = randn([5]);
  manualSeed(7);
  const b = randn([5]);
  assert.ok(a.equal(b));
  a.dispose();
  b.dispose();
});

test('shape mismatches raise TorchError with op, inputs and libtorch message; the process survives', () => {
  const a = zeros([2, 3]);
  const b = zeros([4, 5]);
  assert.throws(
    () => a.matmul(b),
    (e: unknown) => {
      assert.ok(e instanceof TorchError);
      assert.equal(e.code, 'TORCH_ERROR');
      assert.equal(e.op, 'aten::matmul');
      assert.deepEqual(e.inputs, ['Tensor[2, 3] Float', 'Tensor[4, 5] Float']);
      assert.match(e.nativeMessage, /cannot be multiplied/);
      return true;
    },
  );
  // wrong dtype: cross-entropy targets must be integer class indices
  assert.throws(() => F.crossEntropy(a, zeros([2])), (e: unknown) => e instanceof TorchError && /Float|Long|scalar type/i.test(e.nativeMessage));
  assert.throws(() => fromTypedArray(new Float32Array(5), [2, 3]), ArgumentError);
  assert.equal(a.add(1).sum().item(), 6); // still working afterwards
  a.dispose();
  b.dispose();
});

test('dispose is idempotent and use after dispose throws DisposedTensorError', () => {
  const t = zeros([3]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.throws(() => t.add(1), DisposedTensorError);
  assert.throws(() => t.shape, DisposedTensorError);
});

test('tidy disposes intermediates, keeps results and kept tensors; using disposes at block end', () => {
  const base = snapshot();
  let kept: Tensor | undefined;
  const out = tidy(() => {
    const a = randn([64, 64]);
    const b = a.matmul(a);
    kept = keep(a.add(1));
    return { sum: b.sum(), list: [b.mean()] };
  });
  assert.equal(out.sum.isDisposed, false);
  assert.equal(out.list[0].isDisposed, false);
  assert.equal(snapshot().liveTensors, base.liveTensors + 3);
  out.sum.dispose();
  out.list[0].dispose();
  kept!.dispose();
  {
    using scoped = zeros([1000]);
    assert.equal(scoped.numel, 1000);
  }
  assert.deepEqual(snapshot(), base);
});

test('tidy rejects async functions and disposes what it made', () => {
  const base = snapshot();
  assert.throws(() => tidy(() => (zeros([2]), Promise.resolve(1)) as never), /synchronous/);
  assert.deepEqual(snapshot(), base);
});
