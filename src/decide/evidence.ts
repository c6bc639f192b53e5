// From the TrialRecords of one modality to recommend()'s input: per-example validation
// correctness of every (strategy, seed), all in one example order (matched by id), plus costs,
// audits, sanity gates and training plans.
import { DataError } from '../errors.js';
import type { TrialRecord } from '../record/run-record.js';
import { auditFailures, groupTrials } from '../evaluate/summarize.js';
import { strategySanity } from '../evaluate/sanity.js';
import type { StrategyConfusionDiff } from '../record/evaluation.js';
import type { RecommendInput, StrategyEvidence } from './recommend.js';

export interface EvidenceOptions {
  margin?: number;
  classNames?: string[];
  /** Confusion comparisons (e.g. TrialsSummary.diffs); only validation ones are used. */
  confusionDiffs?: StrategyConfusionDiff[];
  bootstrap?: { resamples?: number; seed?: number };
}

export function evidenceFromTrials(records: readonly TrialRecord[], options: EvidenceOptions = {}): RecommendInput {
  const { byStrategy } = groupTrials(records);
  const ref = [...byStrategy.values()][0][0].predictions.validation;
  const order = new Map<string, number>();
  ref.ids.forEach((id, i) => order.set(id, i));
  if (order.size !== ref.ids.length) throw new DataError('evidence: the validation split has repeated example ids; ids must identify examples uniquely');

  const correctness = (r: TrialRecord): boolean[] => {
    const p = r.predictions.validation;
    const where = `${r.strategy} seed ${r.seed}`;
    if (p.ids.length !== ref.ids.length || p.labels.length !== p.ids.length || p.predictions.length !== p.ids.length) {
      throw new DataError(`evidence: ${where} has ${p.ids.length} ids, ${p.labels.length} labels and ${p.predictions.length} predictions on validation; expected ${ref.ids.length} of each (the same examples as every other trial)`);
    }
    const out = new Array<boolean>(ref.ids.length);
    const seen = new Set<number>();
    p.ids.forEach((id, j) => {
      const i = order.get(id);
      if (i === undefined) throw new DataError(`evidence: ${where} has validation example '${id}' that other trials do not; all trials must use the same split`);
      if (seen.has(i)) throw new DataError(`evidence: ${where} lists validation example '${id}' twice`);
      seen.add(i);
      if (p.labels[j] !== ref.labels[i]) throw new DataError(`evidence: example '${id}' has label ${p.labels[j]} in ${where} but ${ref.labels[i]} elsewhere; all trials must use the same split`);
      out[i] = p.predictions[j] === p.labels[j];
    });
    return out;
  };

  const classCount = options.classNames?.length ?? records[0].metrics.validation.confusion.length;
  const strategies: StrategyEvidence[] = [];
  for (const [strategy, list] of byStrategy) {
    const failures = auditFailures(list);
    strategies.push({
      strategy,
      seeds: list.map((r) => r.seed),
      correct: list.map(correctness),
      cost: {
        trainFlops: list.reduce((s, r) => s + r.cost.trainFlops, 0) / list.length,
        storedBytes: list.reduce((s, r) => s + r.cost.storedBytes, 0) / list.length,
      },
      audit: { passed: failures.length === 0, failures },
      sanity: strategySanity(list, classCount),
      config: { ...list[0].config },
      selectedEpochs: list.map((r) => r.selectedEpoch),
    });
  }
  return {
    strategies,
    margin: options.margin,
    classNames: options.classNames,
    confusionDiffs: options.confusionDiffs?.filter((d) => d.split === 'validation'),
    bootstrap: options.bootstrap,
  };
}
