// Exercise 5 — find a case where the headline score moved less than the error pattern.
//
// `run` holds the TrialRecords of a small text lab (a small BERT, Spam Assassin easy_ham /
// hard_ham / spam; fixtures/text-run.json). The lab compares every strategy with scratch and with
// frozen, on validation and on test (summarizeTrials().diffs). Find one comparison where the
// accuracy change is within noise, yet some class pair's confusion changed significantly: the
// case a single score would hide.
//
// Check:  npm run build:ts && npm run exercise -- 5
// Read:   academy/topics/transfer-and-fine-tuning.md ("Headline score vs error pattern")
import { confusionBaselines, summarizeTrials } from '../../../../src/index.js';
import type { HiddenPatternCase, RunFixture } from '../contracts.js';

export function findHiddenPattern(run: RunFixture): HiddenPatternCase {
  const { diffs } = summarizeTrials(run.records, { baselines: confusionBaselines() });

  // TODO(a) This picks the comparison whose accuracy moved most: the headline moved there. You
  //   want the opposite: accuracy within noise (d.accuracy.pValue >= d.alpha) and a pair whose
  //   change is significant (c.significant). src/evaluate/confusion-diff.ts has a helper for it.
  const d = [...diffs].sort((a, b) => Math.abs(b.accuracy.difference) - Math.abs(a.accuracy.difference))[0];

  // TODO(b) The pair: one that changed significantly in that comparison.
  const pair = [...d.improved, ...d.worsened].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))[0];

  return {
    strategy: d.strategy,
    baseline: d.baseline,
    split: d.split,
    accuracyChangePoints: 100 * d.accuracy.difference,
    actual: run.classNames[pair.actual],
    predicted: run.classNames[pair.predicted],
  };
}
