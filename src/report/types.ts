// What the report takes in. Only the lab's own records plus optional extras; nothing here is
// computed by the report beyond averaging over seeds.
import type { Summary, TrialRecord } from '../record/run-record.js';
import type { ConfusionMatrix, PairChange } from '../record/evaluation.js';
import type { Modality, StrategyName } from '../record/vocabulary.js';
import type { ExampleDisplay } from '../data/example-display.js';

export type ReportSplit = 'validation' | 'test';

/**
 * A precomputed difference of mean confusion matrices: `strategy − baseline`, same split. The
 * lab's StrategyConfusionDiff is one; its paired tests per cell (improved, worsened) are shown
 * when present.
 */
export interface ConfusionDiff {
  strategy: StrategyName;
  baseline: StrategyName;
  split: ReportSplit;
  diff: ConfusionMatrix;
  /** Seeds paired (baseline's seed s against the strategy's seed s). */
  seeds?: number[];
  /** Off-diagonal cells the strategy confuses less / more often, with their paired tests. */
  improved?: PairChange[];
  worsened?: PairChange[];
}

export interface ReportInput {
  summary: Summary;
  /** Every TrialRecord of the run (all modalities, strategies and seeds). */
  trials: TrialRecord[];
  /** The adaptation notes, in Markdown; shown per modality as a safe Markdown subset. */
  notes?: Partial<Record<Modality, string>>;
  /** Which split the confusion heatmaps and per-class table show (default: test). */
  confusionSplit?: ReportSplit;
  /**
   * Diffs computed elsewhere (e.g. the lab's paired comparisons; the summary's own
   * `confusionDiffs` are used when this is absent). Those of the shown split replace the
   * report's own `mean(strategy) − mean(baseline)`, and their paired tests mark the cells.
   */
  confusionDiffs?: Partial<Record<Modality, ConfusionDiff[]>>;
  /**
   * How examples look in the galleries of misclassified examples, by example id as the trial
   * records name them: a thumbnail or a snippet (`ExampleDisplay`, made on the data side). An
   * example without one is shown by its id.
   */
  examples?: Partial<Record<Modality, ReadonlyMap<string, ExampleDisplay>>>;
}
