// What the report takes in. Only the lab's own records plus optional extras; nothing here is
// computed by the report beyond averaging over seeds.
import type { Summary, TrialRecord } from '../adapt/run-record.js';
import type { ConfusionMatrix } from '../evaluate/types.js';
import type { Modality, StrategyName } from '../adapt/types.js';

export type ReportSplit = 'validation' | 'test';

/** A precomputed difference of mean confusion matrices: `strategy − baseline`, same split. */
export interface ConfusionDiff {
  strategy: StrategyName;
  baseline: StrategyName;
  split: ReportSplit;
  diff: ConfusionMatrix;
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
   * Diffs computed elsewhere (e.g. by the evaluation layer). When a modality has any, they are
   * shown as given instead of the report's own `mean(strategy) − mean(baseline)`.
   */
  confusionDiffs?: Partial<Record<Modality, ConfusionDiff[]>>;
}
