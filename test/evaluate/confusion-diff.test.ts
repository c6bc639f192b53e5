import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DataError } from '../../src/errors.js';
import { compareConfusion, compareConfusionPerSeed, confusionChange, hiddenPatternChanges, mostConfused } from '../../src/evaluate/confusion-diff.js';
import { confusionMatrix } from '../../src/evaluate/metrics.js';
import type { Predictions } from '../../src/record/evaluation.js';
import { preds, withErrors } from './trial-fixtures.js';

// 30 examples, 10 per class: e0..e9 class 0, e10..e19 class 1, e20..e29 class 2.
const labels = [...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)];
// A confuses 8 of class 0 as 1 and 2 of class 2 as 0.
const A = preds(labels, withErrors(labels, { 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 20: 0, 21: 0 }));
// B fixes class 0, keeps the same two 2 → 0 errors, and adds 1 → 2 (e10) and 2 → 1 (e22).
const B = preds(labels, withErrors(labels, { 10: 2, 20: 0, 21: 0, 22: 1 }));

test('confusionChange is after − before, cell by cell', () => {
  const a = confusionMatrix(A.labels, A.predictions, 3);
  const b = confusionMatrix(B.labels, B.predictions, 3);
  assert.deepEqual(a, [[2, 8, 0], [0, 10, 0], [2, 0, 8]]);
  assert.deepEqual(confusionChange(a, b), [[8, -8, 0], [0, -1, 1], [0, 1, -1]]);
  assert.throws(() => confusionChange(a, [[1]]), ArgumentError);
});

test('mostConfused lists off-diagonal cells, largest first, ties by class index', () => {
  const a = confusionMatrix(A.labels, A.predictions, 3);
  assert.deepEqual(mostConfused(a, 5), [
    { actual: 0, predicted: 1, count: 8 },
    { actual: 2, predicted: 0, count: 2 },
  ]);
  const m = [[0, 3, 3], [3, 9, 1], [0, 0, 0]];
  assert.deepEqual(mostConfused(m, 10, 2), [
    { actual: 0, predicted: 1, count: 3 },
    { actual: 0, predicted: 2, count: 3 },
    { actual: 1, predicted: 0, count: 3 },
  ]);
  assert.deepEqual(mostConfused(m, 1).length, 1);
});

test('one seed: improved and worsened pairs with exact McNemar and Holm-adjusted significance', () => {
  const c = compareConfusion([A], [B], 3);
  assert.deepEqual(c.diff, [[8, -8, 0], [0, -1, 1], [0, 1, -1]]);
  assert.equal(c.improved.length, 1);
  const fixed = c.improved[0];
  assert.deepEqual([fixed.actual, fixed.predicted, fixed.countA, fixed.countB, fixed.delta, fixed.onlyA, fixed.onlyB], [0, 1, 8, 0, -8, 8, 0]);
  assert.equal(fixed.pValue, 2 / 256);
  // three pairs have discordant examples: (0→1), (1→2), (2→1); Holm multiplies the smallest by 3
  assert.equal(fixed.adjustedP, 6 / 256);
  assert.equal(fixed.significant, true);
  // the unchanged 2 → 0 errors are concordant and do not appear; the two new errors are within noise
  assert.deepEqual(
    c.worsened.map((w) => [w.actual, w.predicted, w.delta, w.onlyA, w.onlyB, w.pValue, w.significant]),
    [
      [1, 2, 1, 0, 1, 1, false],
      [2, 1, 1, 0, 1, 1, false],
    ],
  );
  // accuracy 20/30 → 26/30: A-only right 2 (e10, e22), B-only right 8
  assert.deepEqual([c.accuracy.accuracyA, c.accuracy.accuracyB, c.accuracy.onlyA, c.accuracy.onlyB], [20 / 30, 26 / 30, 2, 8]);
  assert.equal(c.accuracy.pValue, (2 * (1 + 10 + 45)) / 1024);
  // headline within noise (p ≈ 0.11) but 0 → 1 changed significantly: the pattern is hidden
  assert.deepEqual(hiddenPatternChanges(c).map((x) => [x.actual, x.predicted]), [[0, 1]]);
});

test('a raw p < 0.05 can be within noise after Holm', () => {
  // only 6 of class 0 fixed: raw p = 0.03125, but four pairs are tested
  // ((0→1), (1→2), (2→1), and (2→0), which this A does not make and B does twice)
  const A6 = preds(labels, withErrors(labels, { 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 }));
  const c = compareConfusion([A6], [B], 3);
  assert.equal(c.improved[0].pValue, 0.03125);
  assert.equal(c.improved[0].adjustedP, 0.125);
  assert.deepEqual(c.worsened.map((w) => [w.actual, w.predicted, w.delta]), [[2, 0, 2], [1, 2, 1], [2, 1, 1]]);
  assert.equal(c.improved[0].significant, false);
  assert.deepEqual(hiddenPatternChanges(c), []);
});

test('over seeds: counts are means per run and the test counts examples, not example × seed', () => {
  // seed 1: both strategies make the same predictions (no change)
  const c = compareConfusion([A, A], [B, A], 3, { seeds: [10, 11] });
  assert.deepEqual(c.seeds, [10, 11]);
  const fixed = c.improved[0];
  assert.deepEqual([fixed.countA, fixed.countB, fixed.delta], [8, 4, -4]);
  // 8 examples are confused more often under A; repeating them under a second seed adds no examples
  assert.deepEqual([fixed.onlyA, fixed.onlyB, fixed.pValue], [8, 0, 2 / 256]);
  assert.deepEqual(c.diff[0], [4, -4, 0]);
  const per = compareConfusionPerSeed([A, A], [B, A], 3, { seeds: [10, 11] });
  assert.equal(per.length, 2);
  assert.deepEqual(per[0].seeds, [10]);
  assert.equal(per[0].improved[0].delta, -8);
  assert.deepEqual([per[1].improved.length, per[1].worsened.length], [0, 0]);
});

test('examples are paired by id, not by position', () => {
  const order = labels.map((_, i) => i).reverse();
  const shuffled: Predictions = { ids: order.map((i) => B.ids[i]), labels: order.map((i) => B.labels[i]), predictions: order.map((i) => B.predictions[i]) };
  assert.deepEqual(compareConfusion([A], [shuffled], 3), compareConfusion([A], [B], 3));
});

test('comparisons of different examples or mislabelled ids are refused', () => {
  const other = preds(labels, labels, 'x');
  assert.throws(() => compareConfusion([A], [other], 3), (e: unknown) => e instanceof DataError && /'e0' is in A but not in B/.test(e.message));
  const relabelled = { ...B, labels: withErrors(labels, { 0: 2 }) };
  assert.throws(() => compareConfusion([A], [relabelled], 3), (e: unknown) => e instanceof DataError && /label 0 in A but 2 in B/.test(e.message));
  assert.throws(() => compareConfusion([A], [B, B], 3), ArgumentError);
  assert.throws(() => compareConfusion([A], [B], 3, { alpha: 2 }), ArgumentError);
});
