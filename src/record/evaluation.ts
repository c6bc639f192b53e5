// Plain-data results of evaluating one trained model on one split. Computed from labels and
// predictions only: no tensors, so every layer above can store, compare and present them.
import type { StrategyName } from './vocabulary.js';

/** Rows = actual class, columns = predicted class (the fastai / scikit-learn convention). */
export type ConfusionMatrix = number[][];

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this class in the split. */
  support: number;
}

export interface SplitMetrics {
  /** Fraction in [0, 1]. */
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  confusion: ConfusionMatrix;
  /** Examples evaluated. */
  n: number;
}

/** Per-example predictions, in the split's order (ids identify the examples across trials). */
export interface Predictions {
  ids: string[];
  labels: number[];
  predictions: number[];
  /** Probability the model gave each prediction (softmax of its logits), to 4 decimals; absent in older records. */
  confidence?: number[];
}

/** One off-diagonal cell of a confusion matrix: `count` examples of `actual` predicted as `predicted`. */
export interface ConfusedPair {
  actual: number;
  predicted: number;
  count: number;
}

/**
 * How one confusion (actual → predicted, actual ≠ predicted) changed from a baseline A to a
 * strategy B on the same examples. Counts are per seed; over several seeds they are means.
 */
export interface PairChange {
  actual: number;
  predicted: number;
  /** Examples of `actual` predicted as `predicted` under A and under B. */
  countA: number;
  countB: number;
  /** countB − countA: negative means B makes this confusion less often (improved). */
  delta: number;
  /** Discordant examples of class `actual`: confused (more often) under A than B, and the reverse. */
  onlyA: number;
  onlyB: number;
  /** Exact two-sided McNemar / sign test on onlyA vs onlyB. */
  pValue: number;
  /** Holm-adjusted over every pair with discordant examples in the same comparison. */
  adjustedP: number;
  /** adjustedP < alpha; false means the change is within noise. */
  significant: boolean;
}

/** Paired accuracy of A and B on the same examples. */
export interface AccuracyChange {
  accuracyA: number;
  accuracyB: number;
  /** accuracyB − accuracyA (fraction). */
  difference: number;
  /** Examples right (more often) under A than B, and the reverse. */
  onlyA: number;
  onlyB: number;
  pValue: number;
}

/** The comparison of two strategies' predictions on one seed (or aggregated over seeds). */
export interface ConfusionComparison {
  /** Seeds paired (A's seed s against B's seed s). */
  seeds: number[];
  /** Examples compared (per seed). */
  n: number;
  /** B − A per cell; over several seeds, the mean per seed. */
  diff: ConfusionMatrix;
  accuracy: AccuracyChange;
  /** Pairs B confuses less often than A, largest |delta| first. */
  improved: PairChange[];
  /** Pairs B confuses more often than A, largest |delta| first. */
  worsened: PairChange[];
  alpha: number;
}

/** A ConfusionComparison of one strategy against a baseline strategy on one split. */
export interface StrategyConfusionDiff extends ConfusionComparison {
  /** B. */
  strategy: StrategyName;
  /** A. */
  baseline: StrategyName;
  split: 'validation' | 'test';
  /** The same comparison seed by seed. */
  perSeed: ConfusionComparison[];
}
