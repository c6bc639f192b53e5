// adaptlab::max_pool2d (native/src/kernels/max_pool2d.cc) against libtorch's aten::max_pool2d,
// bit for bit: values, argmax indices (which decide where the gradient goes) and input gradients,
// over window shapes, borders, ceil mode, dilation, ties, NaN and -inf, and the cases it hands to aten.
import test from 'node:test';
import assert from 'node:assert/strict';
import { callOp } from '../../src/tensor/dispatch.js';
import { Tensor, fromTypedArray, randn, randint, tidy } from '../../src/tensor/index.js';
import * as F from '../../src/tensor/functional.js';

type Pair = [number, number];
type Pool = [kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, ceil: boolean];

const CASES: Pool[] = [
  [[3, 3], [2, 2], [1, 1], [1, 1], false], // the ResNet stem
  [[2, 2], [2, 2], [0, 0], [1, 1], false],
  [[3, 3], [1, 1], [1, 1], [1, 1], false],
  [[3, 2], [2, 1], [1, 0], [2, 1], true],
  [[2, 3], [3, 2], [1, 1], [1, 2], true],
  [[4, 4], [3, 3], [2, 2], [1, 1], true],
  [[1, 1], [1, 1], [0, 0], [1, 1], false],
  [[5, 5], [2, 2], [2, 2], [2, 2], false],
];

function bits(t: Tensor): Buffer {
  return Buffer.from(t.bytes());
}

function pool(op: string, x: Tensor, c: Pool): [Tensor, Tensor] {
  const [v, i] = callOp(op, [x.handle, ...c]) as unknown as [Tensor['handle'], Tensor['handle']];
  return [new Tensor(v), new Tensor(i)];
}

function assertSame(x: Tensor, c: Pool, what: string): void {
  tidy(() => {
    const [va, ia] = pool('aten::max_pool2d_with_indices', x, c);
    const [vb, ib] = pool('adaptlab::max_pool2d_with_indices', x, c);
    assert.deepEqual(vb.shape, va.shape, `${what} ${JSON.stringify(c)}: shape`);
    assert.ok(bits(vb).equals(bits(va)), `${what} ${JSON.stringify(c)}: values differ`);
    assert.ok(bits(ib).equals(bits(ia)), `${what} ${JSON.stringify(c)}: indices differ`);
  });
}

/** Float data with many ties (a few distinct values), NaN and -inf sprinkled in. */
function hostile(shape: number[], seedShift: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = (i * 2654435761 + seedShift * 40503) >>> 0;
    const k = r % 97;
    data[i] = k === 0 ? NaN : k < 12 ? -Infinity : (r >>> 8) % 4; // ties at 0..3
  }
  return fromTypedArray(data, shape);
}

test('values and indices equal aten::max_pool2d_with_indices bit for bit', () => {
  for (const c of CASES) {
    tidy(() => {
      assertSame(randn([2, 3, 11, 13]), c, 'normal data');
      assertSame(randn([2, 3, 16, 16]).relu(), c, 'after a ReLU (ties at 0)');
      assertSame(hostile([2, 3, 9, 14], c[0][0]), c, 'ties, NaN, -inf');
    });
  }
  // every element -inf: the index is each window's first in-bounds element
  tidy(() => assertSame(fromTypedArray(new Float32Array(2 * 7 * 7).fill(-Infinity), [1, 2, 7, 7]), CASES[0], 'all -inf'));
  // the ResNet-18 stem on a training batch
  tidy(() => assertSame(randn([8, 64, 32, 32]).relu(), CASES[0], 'stem'));
});

test('the input gradient equals the one through aten::max_pool2d', () => {
  for (const c of CASES) {
    tidy(() => {
      const x = randint(0, 3, [2, 3, 12, 10]).to('float32'); // ties everywhere
      const g = randn(F.maxPool2d(x, c[0], c[1], c[2], c[3], c[4]).shape);
      const grads = ['aten::max_pool2d', 'adaptlab::max_pool2d'].map((op) => {
        const leaf = x.clone().requiresGrad_();
        const y = new Tensor(callOp(op, [leaf.handle, ...c]) as unknown as Tensor['handle']);
        y.backward(g);
        return bits(leaf.grad as Tensor);
      });
      assert.ok(grads[1].equals(grads[0]), `${JSON.stringify(c)}: gradients differ`);
    });
  }
});

test('what the fast forward does not take goes to aten: other dtypes, layouts, 3-d input, bad arguments', () => {
  tidy(() => {
    const c = CASES[0];
    assertSame(randn([2, 3, 9, 9], 'float64'), c, 'float64');
    assertSame(randn([2, 9, 9, 3]).permute([0, 3, 1, 2]), c, 'channels-last strides');
    const three = randn([3, 9, 9]);
    assert.ok(bits(F.maxPool2d(three, 3, 2, 1)).equals(bits(new Tensor(callOp('aten::max_pool2d', [three.handle, [3, 3], [2, 2], [1, 1], [1, 1], false]) as unknown as Tensor['handle']))));
    // padding over half the kernel: aten's own message
    assert.throws(() => F.maxPool2d(randn([1, 1, 8, 8]), 2, 2, 2), /pad should be (at most|smaller than or equal to) half/);
  });
});
