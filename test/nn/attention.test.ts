// MultiHeadSelfAttention beyond the oracle: masking semantics, dropout in train/eval, argument
// errors and tensor hygiene. (Numerical agreement with HF BERT is in oracle.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, tidy, manualSeed, cat } from '../../src/tensor/index.js';
import { MultiHeadSelfAttention, additiveAttentionMask, FLOAT32_MIN } from '../../src/nn/index.js';
import { ArgumentError } from '../../src/errors.js';
import { assertClose, snapshot } from '../helpers.js';

test('additiveAttentionMask: (N, T) 0/1 of any dtype -> (N, 1, 1, T) of 0 and float32 min', () => {
  tidy(() => {
    for (const dtype of ['int64', 'float32', 'bool'] as const) {
      const m = additiveAttentionMask(tensor([[1, 1, 0], [1, 0, 0]], dtype));
      assert.equal(m.dtype, 'float32');
      assert.deepEqual(m.shape, [2, 1, 1, 3]);
      assert.deepEqual(
        m.toArray().map((v) => (v === 0 ? 0 : v)),
        [0, 0, FLOAT32_MIN, 0, FLOAT32_MIN, FLOAT32_MIN],
      );
    }
    assert.equal(Math.fround(FLOAT32_MIN), FLOAT32_MIN); // exactly representable: -FLT_MAX
  });
  assert.throws(() => additiveAttentionMask(tensor([1, 0])), (e: unknown) => e instanceof ArgumentError && /\(batch, tokens\).*\[2\]/.test(e.message));
});

test('padded keys are invisible: changing a padded token does not change the other positions', () => {
  manualSeed(3);
  const att = new MultiHeadSelfAttention(8, 2).eval();
  tidy(() => {
    const x = randn([2, 4, 8]); // (N, T, H)
    const mask = additiveAttentionMask(tensor([[1, 1, 1, 1], [1, 1, 1, 0]], 'int64')); // (N, 1, 1, T)
    const out = att.forward(x, mask); // (N, T, H)
    assert.deepEqual(out.shape, [2, 4, 8]);
    // replace the padded token of sequence 1 (position 3) with something else
    const x2 = cat([x.slice(0, 0, 1), cat([x.slice(0, 1, 2).slice(1, 0, 3), randn([1, 1, 8]).mul(5)], 1)], 0);
    const out2 = att.forward(x2, mask);
    assert.ok(out2.slice(0, 0, 1).equal(out.slice(0, 0, 1)), 'sequence 0 untouched');
    assertClose(out2.slice(0, 1, 2).slice(1, 0, 3), out.slice(0, 1, 2).slice(1, 0, 3).toArray(), 1e-6, 1e-7, 'unpadded positions');
    // without the mask the change leaks into every position of sequence 1
    const leaky = att.forward(x, null).slice(0, 1, 2).slice(1, 0, 3);
    const leaky2 = att.forward(x2, null).slice(0, 1, 2).slice(1, 0, 3);
    assert.ok(!leaky.allclose(leaky2, 1e-3, 1e-3));
    // an all-keep mask is the same as no mask
    const keepAll = additiveAttentionMask(tensor([[1, 1, 1, 1], [1, 1, 1, 1]], 'int64'));
    assert.ok(att.forward(x, keepAll).equal(att.forward(x, null)));
  });
  att.dispose();
});

test('attention dropout acts in train mode only, and follows the seed', () => {
  manualSeed(4);
  const att = new MultiHeadSelfAttention(8, 2, { attentionDropout: 0.5 });
  assert.equal(att.dropout.p, 0.5);
  tidy(() => {
    const x = randn([2, 3, 8]);
    att.eval();
    const evalA = att.forward(x);
    const evalB = att.forward(x);
    assert.ok(evalA.equal(evalB), 'eval is deterministic');
    att.train(); // reaches the dropout child
    assert.equal(att.dropout.training, true);
    manualSeed(9);
    const trainA = att.forward(x);
    manualSeed(9);
    const trainB = att.forward(x);
    assert.ok(trainA.equal(trainB), 'same seed, same dropout mask');
    assert.ok(!trainA.allclose(evalA, 1e-3, 1e-3), 'dropout changed the output in train mode');
  });
  // with p = 0, train and eval agree
  const noDrop = new MultiHeadSelfAttention(8, 2, { attentionDropout: 0 });
  tidy(() => {
    const x = randn([1, 3, 8]);
    const a = noDrop.forward(x);
    const b = noDrop.eval().forward(x);
    assert.ok(a.equal(b));
  });
  att.dispose();
  noDrop.dispose();
});

test('argument errors name the problem', () => {
  assert.throws(() => new MultiHeadSelfAttention(10, 3), (e: unknown) => e instanceof ArgumentError && /hidden size 10 .* heads 3/.test(e.message));
  const att = new MultiHeadSelfAttention(6, 2);
  assert.equal(att.headDim, 3);
  tidy(() => {
    assert.throws(() => att.forward(randn([2, 4, 5])), (e: unknown) => e instanceof ArgumentError && /\(batch, tokens, 6\), got \[2, 4, 5\]/.test(e.message));
    assert.throws(() => att.forward(randn([4, 6])), ArgumentError);
  });
  att.dispose();
});

test('forward leaves only its output alive, and gradients reach every projection', () => {
  const att = new MultiHeadSelfAttention(4, 2, { attentionDropout: 0.1 });
  const x = randn([2, 3, 4]).requiresGrad_();
  const mask = additiveAttentionMask(tensor([[1, 1, 0], [1, 1, 1]], 'int64'));
  const before = snapshot().liveTensors;
  const out = att.forward(x, mask);
  assert.equal(snapshot().liveTensors, before + 1);
  tidy(() => out.square().sum().backward());
  out.dispose();
  for (const [name, p] of att.namedParameters()) {
    tidy(() => {
      const g = p.grad;
      assert.ok(g !== null && g.abs().sum().item() > 0, `${name} has a gradient`);
    });
  }
  tidy(() => assert.ok(x.grad!.abs().sum().item() > 0));
  x.dispose();
  mask.dispose();
  att.dispose();
  assert.equal(snapshot().liveTensors, before - 2 - 6);
});
