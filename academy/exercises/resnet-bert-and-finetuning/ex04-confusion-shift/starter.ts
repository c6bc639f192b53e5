// Exercise 4 — find the class pair whose confusion changed most after transfer.
//
// `baseline` and `adapted` are the validation predictions of two strategies, one entry per seed
// (baseline[s] and adapted[s] were trained with the same seed, on the same examples). Find the
// off-diagonal cell (actual class ≠ predicted class) whose count changed most between them, in
// examples per run (the mean over seeds), and say whether the change is more than noise.
//
// The checker calls this on two comparisons of the vision run (fixtures/vision-run.json):
// scratch → partial_unfreeze and frozen → partial_unfreeze, and recomputes the answer with the
// library's compareConfusion.
//
// Check:  npm run build:ts && npm run exercise -- 4
// Read:   academy/topics/transfer-and-fine-tuning.md ("Reading the confusion pattern")
import { confusionMatrix } from '../../../../src/index.js';
import { mostConfused } from '../../../../src/evaluate/confusion-diff.js';
import type { Predictions } from '../../../../src/index.js';
import type { ChangedPair } from '../contracts.js';

/** The confusion matrix averaged over seeds: examples per run. */
function meanMatrix(runs: Predictions[], k: number): number[][] {
  const sum = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const p of runs) confusionMatrix(p.labels, p.predictions, k).forEach((row, i) => row.forEach((v, j) => (sum[i][j] += v / runs.length)));
  return sum;
}

export function mostChangedPair(baseline: Predictions[], adapted: Predictions[], classNames: string[]): ChangedPair {
  const k = classNames.length;
  const before = meanMatrix(baseline, k);
  const after = meanMatrix(adapted, k);

  // TODO(a) This finds the most frequent confusion *after* adaptation. The question is which
  //   confusion *changed* most: compare before and after cell by cell (off the diagonal). The
  //   library does it with its statistics: compareConfusion() in src/evaluate/confusion-diff.ts.
  const top = mostConfused(after, 1)[0];

  return {
    actual: classNames[top.actual],
    predicted: classNames[top.predicted],
    baselineCount: before[top.actual][top.predicted],
    adaptedCount: after[top.actual][top.predicted],
    direction: after[top.actual][top.predicted] < before[top.actual][top.predicted] ? 'improved' : 'worsened',
    // TODO(b) Is the change more than noise? compareConfusion tests every pair (exact McNemar /
    //   sign test, Holm-adjusted over the pairs).
    significant: false,
  };
}
