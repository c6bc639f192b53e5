// The linear probe on standardised features (src/adapt/standardize.ts): z-scores from training
// statistics, and the fold that turns a head trained on z-scores into the same head on raw features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, tensor, tidy, manualSeed, noGrad, cat, ones } from '../../src/tensor/index.js';
import { Linear } from '../../src/nn/index.js';
import { FeatureStandardizer } from '../../src/adapt/standardize.js';
import { ArgumentError } from '../../src/errors.js';
import { assertClose, snapshot } from '../helpers.js';

test('apply: z-scores with the training mean and sd; a constant feature becomes 0, not a division by zero', () => {
  const base = snapshot();
  tidy(() => {
    manualSeed(0);
    // Feature 0: offset 50, sd 3 (pooled ReLU features look like this); feature 1: constant 7.
    const train = cat([randn([64, 1]).mul(3).add(50), ones([64, 1]).mul(7)], 1);
    const s = new FeatureStandardizer(train);
    const z = s.apply(train);
    assertClose(z.mean(0), [0, 0], 0, 1e-4, 'mean of z');
    assertClose(z.var(0, 0), [1, 0], 1e-4, 1e-4, 'population variance of z');
    assert.deepEqual(s.apply(tensor([[50, 1000]])).slice(1, 1, 2).toArray(), [0], 'a feature constant in training carries no signal');
    s.dispose();
  });
  assert.deepEqual(snapshot(), base, "every tensor is released");
});

test('foldInto: the folded head on raw features predicts exactly what the head on z-scores did', () => {
  const base = snapshot();
  tidy(() => {
    manualSeed(1);
    const train = randn([32, 5]).mul(tensor([[1, 10, 0.1, 4, 2]])).add(tensor([[3, -40, 0.5, 100, 0]]));
    const fresh = randn([6, 5]).mul(4).add(20);
    const s = new FeatureStandardizer(train);
    const head = new Linear(5, 3);
    const onZ = noGrad(() => head.forward(s.apply(fresh)));
    s.foldInto(head);
    const onRaw = noGrad(() => head.forward(fresh));
    assertClose(onRaw, Array.from(onZ.toArray()), 1e-4, 1e-4, 'logits');
    assert.throws(() => s.foldInto(new Linear(4, 3)), (e: unknown) => e instanceof ArgumentError && /reads 4 features.*describe 5/.test((e as Error).message));
    s.dispose();
    head.dispose();
  });
  assert.deepEqual(snapshot(), base, "every tensor is released");
});
