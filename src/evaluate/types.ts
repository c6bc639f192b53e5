// Plain-data results of evaluating one trained model on one split. Computed from labels and
// predictions only: no tensors, so every layer above can store, compare and present them.

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
}
