import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DataError } from '../../src/errors.js';
import { accuracy, confusionMatrix, macroF1, perClassMetrics, splitMetrics } from '../../src/evaluate/metrics.js';
import { assertClose } from '../helpers.js';
import { preds } from './trial-fixtures.js';

// labels    0 0 1 1 2 2 2
// predicted 0 1 1 1 2 0 1
const labels = [0, 0, 1, 1, 2, 2, 2];
const predicted = [0, 1, 1, 1, 2, 0, 1];

test('confusion matrix: rows are actual classes, columns predicted classes', () => {
  assert.deepEqual(confusionMatrix(labels, predicted, 3), [
    [1, 1, 0],
    [0, 2, 0],
    [1, 1, 1],
  ]);
});

test('accuracy, per-class precision / recall / F1 / support and macro-F1 match hand computation', () => {
  const m = confusionMatrix(labels, predicted, 3);
  assert.equal(accuracy(m), 4 / 7);
  const per = perClassMetrics(m);
  // precision = diagonal / column sum; recall = diagonal / row sum
  assertClose(per.map((c) => c.precision), [1 / 2, 2 / 4, 1 / 1], 1e-12, 1e-12, 'precision');
  assertClose(per.map((c) => c.recall), [1 / 2, 2 / 2, 1 / 3], 1e-12, 1e-12, 'recall');
  assertClose(per.map((c) => c.f1), [0.5, 2 / 3, 0.5], 1e-12, 1e-12, 'f1');
  assert.deepEqual(per.map((c) => c.support), [2, 2, 3]);
  assertClose([macroF1(m)], [(0.5 + 2 / 3 + 0.5) / 3], 1e-12, 1e-12, 'macro-F1');
});

test('0/0 is 0, and a class neither present nor predicted does not enter macro-F1', () => {
  // class 1 is present but never predicted; class 2 is absent and never predicted
  const m = confusionMatrix([0, 0, 1], [0, 0, 0], 3);
  const per = perClassMetrics(m);
  assert.deepEqual(per[1], { precision: 0, recall: 0, f1: 0, support: 1 });
  assert.deepEqual(per[2], { precision: 0, recall: 0, f1: 0, support: 0 });
  // class 0: precision 2/3, recall 1, F1 0.8; class 1: 0; class 2 left out
  assertClose([macroF1(m)], [0.4], 1e-12, 1e-12, 'macro-F1');
  assert.equal(accuracy([[0, 0], [0, 0]]), 0);
});

test('splitMetrics gathers everything for one split', () => {
  const s = splitMetrics(preds(labels, predicted), 3);
  assert.equal(s.n, 7);
  assert.equal(s.accuracy, 4 / 7);
  assert.equal(s.perClass.length, 3);
  assert.deepEqual(s.confusion[2], [1, 1, 1]);
});

test('invalid inputs raise typed errors that say what was wrong', () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), (e: unknown) => e instanceof ArgumentError && /2 labels but 1 predictions/.test(e.message));
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), (e: unknown) => e instanceof DataError && e.code === 'DATA_ERROR' && /labels\[1\] is 3/.test(e.message) && /\[0, 2\]/.test(e.message));
  assert.throws(() => confusionMatrix([0, 1], [0, 1.5], 3), (e: unknown) => e instanceof DataError && /predictions\[1\] is 1.5/.test(e.message));
  assert.throws(() => confusionMatrix([0], [0], 0), ArgumentError);
  assert.throws(() => splitMetrics({ ids: [], labels: [], predictions: [] }, 2), (e: unknown) => e instanceof DataError && /no examples/.test(e.message));
  assert.throws(() => splitMetrics({ ids: ['a'], labels: [0, 1], predictions: [0, 1] }, 2), (e: unknown) => e instanceof ArgumentError && /1 ids, 2 labels/.test(e.message));
  assert.throws(() => accuracy([[1, 2], [3]]), (e: unknown) => e instanceof ArgumentError && /row 1 has 1 cells, expected 2/.test(e.message));
});
