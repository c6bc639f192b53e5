// adaptlab::dropout (native/src/kernels/dropout.cc) against libtorch's aten::dropout, bit for bit:
// the Bernoulli mask against aten's own bernoulli_ from the same seed, the generator's state after
// it (the next random draw), the dropout output and the input gradient.
import test from 'node:test';
import assert from 'node:assert/strict';
import { callOp } from '../../src/tensor/dispatch.js';
import { Tensor, empty, manualSeed, rand, randn, tidy } from '../../src/tensor/index.js';
import * as F from '../../src/tensor/functional.js';

type Handle = Tensor['handle'];
const bits = (t: Tensor): Buffer => Buffer.from(t.bytes());

test('the mask and the generator state after it equal aten bernoulli_ from the same seed', () => {
  // sizes across the engine's 624-word twists and the kernel's 4096-element blocks; `shift` draws
  // first, so the mask starts at different points of the state
  for (const [n, shift, p] of [[1, 0, 0.9], [311, 7, 0.9], [5000, 0, 0.5], [9000, 623, 0.1], [1250, 1, 1 - 1e-9]] as const) {
    tidy(() => {
      const run = (fill: (like: Tensor) => Tensor): [Buffer, Buffer] => {
        manualSeed(1234);
        if (shift > 0) rand([shift]);
        const mask = fill(empty([n]));
        return [bits(mask), bits(rand([16]))];
      };
      const [atenMask, atenNext] = run((t) => new Tensor(callOp('aten::bernoulli_.float', [t.handle, p, null]) as unknown as Handle));
      const [ourMask, ourNext] = run((t) => new Tensor(callOp('adaptlab::bernoulli_mask', [t.handle, p]) as unknown as Handle));
      assert.ok(ourMask.equals(atenMask), `n ${n} shift ${shift} p ${p}: masks differ`);
      assert.ok(ourNext.equals(atenNext), `n ${n} shift ${shift} p ${p}: the generator was left in another state`);
      const kept = new Float32Array(ourMask.buffer, ourMask.byteOffset, n).reduce((a, v) => a + v, 0);
      if (n >= 1000) assert.ok(Math.abs(kept / n - p) < 0.05, `n ${n}: kept ${kept} of ${n} for p ${p}`);
    });
  }
});

test('dropout output and input gradient equal aten::dropout', () => {
  for (const shape of [[32, 4, 16, 16], [3, 129]]) {
    tidy(() => {
      const x = randn(shape);
      const g = randn(shape);
      const run = (op: string): Buffer[] => {
        manualSeed(7);
        const leaf = x.clone().requiresGrad_();
        const y = new Tensor(callOp(op, [leaf.handle, 0.1, true]) as unknown as Handle);
        y.backward(g);
        return [bits(y), bits(leaf.grad as Tensor), bits(rand([4]))];
      };
      const aten = run('aten::dropout');
      const ours = run('adaptlab::dropout');
      ['output', 'input gradient', 'next draw'].forEach((what, k) => assert.ok(ours[k].equals(aten[k]), `${JSON.stringify(shape)}: ${what} differs`));
    });
  }
});

test('F.dropout uses it, and what the fast mask does not take goes to aten', () => {
  tidy(() => {
    const x = randn([64, 8]);
    manualSeed(3);
    const viaF = bits(F.dropout(x, 0.25, true));
    manualSeed(3);
    assert.ok(viaF.equals(bits(new Tensor(callOp('aten::dropout', [x.handle, 0.25, true]) as unknown as Handle))));
    const x64 = randn([5, 7], 'float64');
    manualSeed(3);
    const a = bits(new Tensor(callOp('adaptlab::dropout', [x64.handle, 0.5, true]) as unknown as Handle));
    manualSeed(3);
    assert.ok(a.equals(bits(new Tensor(callOp('aten::dropout', [x64.handle, 0.5, true]) as unknown as Handle))), 'float64');
    assert.ok(bits(new Tensor(callOp('adaptlab::dropout', [x.handle, 0.5, false]) as unknown as Handle)).equals(bits(x)), 'not training: the input');
  });
});
