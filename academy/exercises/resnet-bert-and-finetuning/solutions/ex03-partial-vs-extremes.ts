// Reference solution of exercise 3: the differences from the records, the decision from the
// library's rule (recommend), read through its assessments rather than re-implemented. The rule
// names a depth whenever one strategy passed the sanity gates and another was run: settled, or
// provisional while a cheaper depth is still open (or the decision rests on an undertrained
// strategy). Either way it is the cheapest depth shown acceptable, which is what this exercise asks.
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
  // null only when no strategy passed the audit and the sanity gates, or only one strategy ran:
  // then no depth is acceptable and the reading has nothing to name.
  if (rec.strategy === null) {
    throw new Error(`no depth can be recommended (evidence: ${rec.evidence}): ${rec.reasons.find((r) => r.startsWith('Evidence is insufficient')) ?? rec.reasons.at(-1)}`);
  }
  return {
    partialMinusFrozenPoints: 100 * (partial - meanAccuracy('frozen')),
    partialMinusFullPoints: 100 * (partial - meanAccuracy('full_finetune')),
    cheapestAcceptable: rec.strategy,
    // 'inferior' and 'worse' both mean the whole interval vs the best is below zero. A scratch the
    // sanity gates excluded (verdict 'excluded', no interval) is no baseline: transfer is not shown
    // to beat it, however low it scored.
    transferBeatsScratch: scratch !== undefined && scratch.eligible && (scratch.verdict === 'inferior' || scratch.verdict === 'worse'),
  };
}
