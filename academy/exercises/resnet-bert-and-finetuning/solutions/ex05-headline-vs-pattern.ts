// Reference solution of exercise 5: the first validation comparison in which hiddenPatternChanges
// finds a significant pair change while the paired accuracy test does not reject.
import { confusionBaselines, summarizeTrials } from '../../../../src/index.js';
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import type { HiddenPatternCase, RunFixture } from '../contracts.js';

export function findHiddenPattern(run: RunFixture): HiddenPatternCase {
  const { diffs } = summarizeTrials(run.records, { baselines: confusionBaselines() });
  for (const d of diffs.filter((x) => x.split === 'validation')) {
    const [pair] = hiddenPatternChanges(d);
    if (!pair) continue;
    return {
      strategy: d.strategy,
      baseline: d.baseline,
      split: d.split,
      accuracyChangePoints: 100 * d.accuracy.difference,
      actual: run.classNames[pair.actual],
      predicted: run.classNames[pair.predicted],
    };
  }
  throw new Error('no comparison hides a pattern change in this run');
}
