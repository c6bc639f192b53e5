// Classification metrics from labels and predictions: the confusion matrix first, everything
// else read off it, so the numbers a report shows always agree with the matrix it draws.
//
// Convention for empty ratios: 0/0 is defined as 0 (precision of a class never predicted, recall
// of a class absent from the split, F1 when precision + recall = 0), as scikit-learn does with
// zero_division=0. A metric is never NaN, so it can be averaged and written to JSON.
import { ArgumentError, DataError } from '../errors.js';
import type { ClassMetrics, ConfusionMatrix, Predictions, SplitMetrics } from '../record/evaluation.js';

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** Throws unless k is a usable class count. */
export function checkClassCount(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`${where}: the class count must be an integer >= 1, got ${String(k)}`);
}

/** Throws unless every value is an integer class index in [0, k). */
function checkIndices(values: readonly number[], k: number, what: string, where: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new DataError(`${where}: ${what}[${i}] is ${String(v)}, but class indices must be integers in [0, ${k - 1}] for ${k} classes`);
    }
  }
}

/** Throws unless m is a k×k matrix of finite non-negative counts. */
export function checkConfusionMatrix(m: ConfusionMatrix, where: string): number {
  if (!Array.isArray(m) || m.length === 0) throw new ArgumentError(`${where}: expected a non-empty k×k confusion matrix`);
  const k = m.length;
  m.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw new ArgumentError(`${where}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} cells, expected ${k} (one per class)`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: cell [${i}][${j}] is ${String(v)}, expected a count >= 0`);
    });
  });
  return k;
}

/** k×k matrix, rows = actual class, columns = predicted class. */
export function confusionMatrix(labels: readonly number[], predictions: readonly number[], k: number): ConfusionMatrix {
  const where = 'confusionMatrix';
  checkClassCount(k, where);
  if (labels.length !== predictions.length) {
    throw new ArgumentError(`${where}: ${labels.length} labels but ${predictions.length} predictions; they must describe the same examples`);
  }
  checkIndices(labels, k, 'labels', where);
  checkIndices(predictions, k, 'predictions', where);
  const m: ConfusionMatrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predictions[i]] += 1;
  return m;
}

export function total(m: ConfusionMatrix): number {
  return m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
}

/** Fraction of examples on the diagonal (0 for an empty matrix, by the 0/0 convention). */
export function accuracy(m: ConfusionMatrix): number {
  checkConfusionMatrix(m, 'accuracy');
  let right = 0;
  for (let i = 0; i < m.length; i++) right += m[i][i];
  return ratio(right, total(m));
}

/** Precision, recall, F1 and support of every class (0/0 = 0). */
export function perClassMetrics(m: ConfusionMatrix): ClassMetrics[] {
  const k = checkConfusionMatrix(m, 'perClassMetrics');
  return Array.from({ length: k }, (_, c) => {
    const tp = m[c][c];
    const support = m[c].reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += m[r][c];
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

/**
 * Unweighted mean F1 over the classes that occur in the split or are predicted at least once
 * (scikit-learn's default label set). A class that is neither would add a meaningless 0.
 */
export function macroF1(m: ConfusionMatrix): number {
  const per = perClassMetrics(m);
  let sum = 0;
  let count = 0;
  per.forEach((c, i) => {
    const predicted = m.reduce((s, row) => s + row[i], 0);
    if (c.support > 0 || predicted > 0) {
      sum += c.f1;
      count += 1;
    }
  });
  return ratio(sum, count);
}

/** Throws unless ids, labels and predictions describe the same examples. */
export function checkPredictions(p: Predictions, where: string): void {
  if (p.ids.length !== p.labels.length || p.labels.length !== p.predictions.length) {
    throw new ArgumentError(`${where}: ${p.ids.length} ids, ${p.labels.length} labels and ${p.predictions.length} predictions; all three must have one entry per example`);
  }
}

/** Every metric of one split, from its per-example predictions. */
export function splitMetrics(p: Predictions, k: number): SplitMetrics {
  checkPredictions(p, 'splitMetrics');
  if (p.labels.length === 0) throw new DataError('splitMetrics: the split has no examples; nothing can be evaluated on it');
  const confusion = confusionMatrix(p.labels, p.predictions, k);
  return { accuracy: accuracy(confusion), macroF1: macroF1(confusion), perClass: perClassMetrics(confusion), confusion, n: p.labels.length };
}
