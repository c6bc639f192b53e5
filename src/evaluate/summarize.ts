// From the TrialRecords of one modality (strategies × seeds) to what the summary, the note and the
// recommender read: per-strategy statistics over seeds, the learning-rate plan of each strategy,
// and the paired confusion diffs of every strategy against `scratch` and against `frozen`.
import { ArgumentError, DataError } from '../errors.js';
import type { StrategySummary, TrialRecord } from '../record/run-record.js';
import { STRATEGY_NAMES, type Modality, type StrategyName } from '../record/vocabulary.js';
import { compareConfusion, compareConfusionPerSeed } from './confusion-diff.js';
import { seedStat, validationResolution } from './statistics.js';
import { strategySanity } from './sanity.js';
import type { StrategyConfusionDiff } from '../record/evaluation.js';

export type TrialConfig = TrialRecord['config'];

export interface TrialsSummary {
  modality: Modality;
  /** Every seed some strategy was run with (sorted). */
  seeds: number[];
  classCount: number;
  sizes: { validation: number; test: number };
  /** Accuracy points one validation example is worth (100 / N). */
  validationResolution: number;
  strategies: Partial<Record<StrategyName, StrategySummary>>;
  /** The training plan (learning rates, depth, BN policy) of each strategy, from its first seed. */
  plans: Partial<Record<StrategyName, TrialConfig>>;
  /** Every strategy vs `scratch` and vs `frozen` (each unordered pair once), on validation and on test, over all seeds. */
  diffs: StrategyConfusionDiff[];
}

export interface SummarizeOptions {
  /** Significance level of the confusion-pair tests (after Holm), default 0.05. */
  alpha?: number;
  /**
   * Baselines every other strategy's confusion pattern is compared with, in order (those that ran);
   * each strategy says whether it is one (adapt/strategy-answers.ts: confusionBaselines()).
   */
  baselines: readonly StrategyName[];
}

/** The records grouped by strategy (in STRATEGY_NAMES order), each sorted by seed; one record per (strategy, seed). */
export function groupTrials(records: readonly TrialRecord[]): { modality: Modality; seeds: number[]; byStrategy: Map<StrategyName, TrialRecord[]> } {
  if (records.length === 0) throw new ArgumentError('summarize: no trial records given');
  const modality = records[0].modality;
  const byStrategy = new Map<StrategyName, TrialRecord[]>();
  for (const r of records) {
    if (r.modality !== modality) throw new ArgumentError(`summarize: records of one modality only; found '${modality}' and '${r.modality}'`);
    if (!STRATEGY_NAMES.includes(r.strategy)) throw new DataError(`summarize: unknown strategy '${String(r.strategy)}'; expected one of ${STRATEGY_NAMES.join(', ')}`);
    const list = byStrategy.get(r.strategy) ?? [];
    if (list.some((x) => x.seed === r.seed)) throw new DataError(`summarize: two records for ${r.strategy} seed ${r.seed}; each (strategy, seed) must be run once`);
    list.push(r);
    byStrategy.set(r.strategy, list);
  }
  const ordered = new Map<StrategyName, TrialRecord[]>();
  for (const name of STRATEGY_NAMES) {
    const list = byStrategy.get(name);
    if (list) ordered.set(name, list.sort((x, y) => x.seed - y.seed));
  }
  // Every seed that some strategy ran, sorted. A race stops strategies early, so strategies may
  // have different seeds; comparisons pair each two strategies on the seeds both ran.
  const seeds = [...new Set(records.map((r) => r.seed))].sort((x, y) => x - y);
  return { modality, seeds, byStrategy: ordered };
}

function classCountOf(records: readonly TrialRecord[]): number {
  const k = records[0].metrics.validation.confusion.length;
  for (const r of records) {
    for (const split of ['validation', 'test'] as const) {
      if (r.metrics[split].confusion.length !== k) {
        throw new DataError(`summarize: ${r.strategy} seed ${r.seed} has a ${r.metrics[split].confusion.length}-class ${split} confusion matrix, others ${k}; all trials must use the same classes`);
      }
    }
  }
  return k;
}

function meanOf(records: readonly TrialRecord[], pick: (r: TrialRecord) => number): number {
  return records.reduce((s, r) => s + pick(r), 0) / records.length;
}

/** Readable audit failures, one per failing seed, naming (up to 5 of) the frozen tensors that moved. */
export function auditFailures(records: readonly TrialRecord[]): string[] {
  return records
    .filter((r) => !r.audit.passed)
    .map((r) => {
      const changed = r.audit.changedFrozen;
      if (changed.length === 0) return `seed ${r.seed}: freeze audit failed`;
      const shown = changed.slice(0, 5).join(', ');
      const more = changed.length > 5 ? ` and ${changed.length - 5} more` : '';
      return `seed ${r.seed}: ${changed.length} frozen tensor(s) changed (${shown}${more})`;
    });
}

/** One strategy's records (all seeds) → its StrategySummary. */
export function summarizeStrategy(records: readonly TrialRecord[], classCount = records[0]?.metrics.validation.confusion.length ?? 0): StrategySummary {
  if (records.length === 0) throw new ArgumentError('summarizeStrategy: no records');
  const failures = auditFailures(records);
  return {
    trainableParams: records[0].totals.trainable,
    totalParams: records[0].totals.total,
    audit: { passed: failures.length === 0, failures },
    sanity: strategySanity(records, classCount),
    metrics: {
      validation: {
        accuracy: seedStat(records.map((r) => r.metrics.validation.accuracy)),
        macroF1: seedStat(records.map((r) => r.metrics.validation.macroF1)),
      },
      test: {
        accuracy: seedStat(records.map((r) => r.metrics.test.accuracy)),
        macroF1: seedStat(records.map((r) => r.metrics.test.macroF1)),
      },
    },
    cost: {
      wallSeconds: meanOf(records, (r) => r.cost.wallSeconds),
      trainFlops: meanOf(records, (r) => r.cost.trainFlops),
      storedBytes: meanOf(records, (r) => r.cost.storedBytes),
      samplesPerSec: meanOf(records, (r) => r.cost.samplesPerSec),
      peakNativeBytes: meanOf(records, (r) => r.cost.peakNativeBytes),
    },
  };
}

/** Every strategy's summary, plans and paired confusion diffs for one modality. */
export function summarizeTrials(records: readonly TrialRecord[], options: SummarizeOptions): TrialsSummary {
  const { modality, seeds, byStrategy } = groupTrials(records);
  const k = classCountOf(records);
  const first = [...byStrategy.values()][0][0];
  const sizes = { validation: first.predictions.validation.ids.length, test: first.predictions.test.ids.length };
  const strategies: Partial<Record<StrategyName, StrategySummary>> = {};
  const plans: Partial<Record<StrategyName, TrialConfig>> = {};
  for (const [name, list] of byStrategy) {
    strategies[name] = summarizeStrategy(list, k);
    plans[name] = { ...list[0].config };
  }
  const diffs: StrategyConfusionDiff[] = [];
  const done = new Set<string>(); // unordered pairs: B vs A makes A vs B redundant
  for (const baseline of options.baselines) {
    const base = byStrategy.get(baseline);
    if (!base) continue;
    for (const [strategy, list] of byStrategy) {
      const key = [strategy, baseline].sort().join('|');
      if (strategy === baseline || done.has(key)) continue;
      done.add(key);
      const common = base.map((r) => r.seed).filter((seed) => list.some((r) => r.seed === seed));
      if (common.length === 0) continue;
      const bySeed = (rs: readonly TrialRecord[]): TrialRecord[] => common.map((seed) => rs.find((r) => r.seed === seed)!);
      for (const split of ['validation', 'test'] as const) {
        const a = bySeed(base).map((r) => r.predictions[split]);
        const b = bySeed(list).map((r) => r.predictions[split]);
        const opts = { seeds: common, alpha: options.alpha };
        diffs.push({ strategy, baseline, split, ...compareConfusion(a, b, k, opts), perSeed: compareConfusionPerSeed(a, b, k, opts) });
      }
    }
  }
  if (sizes.validation === 0) throw new DataError('summarize: the validation split is empty');
  return { modality, seeds, classCount: k, sizes, validationResolution: validationResolution(sizes.validation), strategies, plans, diffs };
}
