// Reference solution of exercise 3: the differences from the records, the decision from the
// library's rule (recommend), read through its assessments rather than re-implemented.
import { evidenceFromTrials, recommend, type StrategyName } from '../../../../src/index.js';
import type { PartialReading, RunFixture } from '../contracts.js';

export function readPartialRun(run: RunFixture): PartialReading {
  const meanAccuracy = (s: StrategyName): number => {
    const list = run.records.filter((r) => r.strategy === s);
    return list.reduce((sum, r) => sum + r.metrics.validation.accuracy, 0) / list.length;
  };
  const partial = meanAccuracy('partial_unfreeze');
  const rec = recommend({ ...evidenceFromTrials(run.records, { margin: run.margin }), margin: run.margin });
  const scratch = rec.assessments.find((a) => a.strategy === 'scratch');
  if (rec.strategy === null) throw new Error(`the evidence is insufficient: ${rec.reasons.at(-1)}`);
  return {
    partialMinusFrozenPoints: 100 * (partial - meanAccuracy('frozen')),
    partialMinusFullPoints: 100 * (partial - meanAccuracy('full_finetune')),
    cheapestAcceptable: rec.strategy,
    // 'inferior' and 'worse' both mean the whole interval vs the best is below zero.
    transferBeatsScratch: scratch?.verdict === 'inferior' || scratch?.verdict === 'worse',
  };
}
