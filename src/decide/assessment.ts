// What the decision reads about each strategy (its evidence) and what it says of each (its
// assessment): the shapes recommend(), settling and the next experiments share.
import type { SeedStat, StrategySanity, TrialRecord } from '../record/run-record.js';
import type { StrategyName } from '../record/vocabulary.js';
import type { PairedDifference } from '../evaluate/statistics.js';

/** What recommend() needs to know about one strategy. */
export interface StrategyEvidence {
  strategy: StrategyName;
  /** Seeds, in the order of `correct`. Strategies may have run different seeds (a race); pairs use the seeds both ran. */
  seeds: number[];
  /** correct[s][i]: validation example i was classified correctly by the model of seeds[s]. The example order is the same for every strategy. */
  correct: boolean[][];
  cost: { trainFlops: number; storedBytes: number };
  audit: { passed: boolean; failures: string[] };
  /** The sanity gates (sanity.ts); absent = not checked. */
  sanity?: Pick<StrategySanity, 'excluded' | 'undertrained' | 'problems'> & Partial<StrategySanity>;
  /** The training plan, used to make next-experiment suggestions concrete. */
  config?: TrialRecord['config'];
  /** Epoch chosen by validation, per seed. */
  selectedEpochs?: number[];
}

export type Verdict = 'best' | 'non-inferior' | 'inferior' | 'worse' | 'inconclusive' | 'audit-failed' | 'excluded';

export interface StrategyAssessment {
  strategy: StrategyName;
  /** 1 = cheapest. */
  costRank: number;
  cost: { trainFlops: number; storedBytes: number };
  /** Validation accuracy over the strategy's seeds. */
  accuracy: SeedStat;
  auditPassed: boolean;
  /** Passed the audit and the sanity gates: it takes part in the decision. */
  eligible: boolean;
  undertrained: boolean;
  /** accuracy(strategy) − accuracy(best), paired on common seeds; null for the best and for excluded strategies. */
  vsBest: PairedDifference | null;
  verdict: Verdict;
}
