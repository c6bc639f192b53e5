// Reference solution of exercise 4: the library's paired comparison, then the largest |delta|
// over the pairs that improved or worsened (ties: the smaller p-value).
import { compareConfusion } from '../../../../src/evaluate/confusion-diff.js';
import type { Predictions } from '../../../../src/index.js';
import type { ChangedPair } from '../contracts.js';

export function mostChangedPair(baseline: Predictions[], adapted: Predictions[], classNames: string[]): ChangedPair {
  const cmp = compareConfusion(baseline, adapted, classNames.length);
  const changes = [...cmp.improved, ...cmp.worsened].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.pValue - b.pValue);
  const top = changes[0];
  if (!top) throw new Error('no confusion changed between the two strategies');
  return {
    actual: classNames[top.actual],
    predicted: classNames[top.predicted],
    baselineCount: top.countA,
    adaptedCount: top.countB,
    direction: top.delta < 0 ? 'improved' : 'worsened',
    significant: top.significant,
  };
}
