// Checks exercise 5 on the constructed text run: the named comparison (one of the lab's, every
// strategy vs scratch and vs frozen) must have an accuracy change within noise and a class pair
// whose confusion changed significantly — what hiddenPatternChanges reports. Any such case passes.
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import type { Ex05Module, HiddenPatternCase } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { checkPoints } from './numbers.js';
import { Report, errorText } from './report.js';

export function checkHeadlineVsPattern(mod: Ex05Module, report: Report): void {
  const run = loadRun('text-run.json');
  const { stats } = analyse(run);
  let answer: HiddenPatternCase;
  try {
    answer = mod.findHiddenPattern(copy(run));
  } catch (e) {
    report.fail(`findHiddenPattern threw: ${errorText(e)}`);
    return;
  }
  const d = stats.diffs.find((x) => x.strategy === answer?.strategy && x.baseline === answer?.baseline && x.split === answer?.split);
  if (!d) {
    const available = [...new Set(stats.diffs.map((x) => `${x.strategy} vs ${x.baseline}`))].join('; ');
    const swapped = stats.diffs.some((x) => x.strategy === answer?.baseline && x.baseline === answer?.strategy);
    report.fail(
      `there is no comparison ${answer?.strategy} vs ${answer?.baseline} on ${answer?.split}` +
        (swapped ? ': swap strategy and baseline (the baseline is scratch or frozen, the strategy the one compared with it).' : `. The lab compares (split 'validation' or 'test'): ${available}.`),
    );
    return;
  }
  const where = `${d.strategy} vs ${d.baseline} (${d.split})`;
  checkPoints(report, 'accuracyChangePoints', answer.accuracyChangePoints, 100 * d.accuracy.difference, 'the mean over seeds of accuracy(strategy) \u2212 accuracy(baseline) on that split, in points.', 'it is the strategy minus the baseline.');
  const withinNoise = d.accuracy.pValue >= d.alpha;
  if (!withinNoise) {
    report.fail(
      `${where}: the accuracy moved by ${(100 * d.accuracy.difference).toFixed(2)} points with paired p = ${d.accuracy.pValue.toPrecision(2)} < ${d.alpha}: here the headline did move. ` +
        `Look for a comparison whose accuracy change is within noise (paired p \u2265 ${d.alpha}) while a class pair changed significantly.`,
    );
    return;
  }
  report.pass(`${where}: accuracy ${(100 * d.accuracy.difference).toFixed(2)} points is within noise (paired p = ${d.accuracy.pValue.toPrecision(2)})`);
  const names = run.classNames;
  const i = names.indexOf(String(answer.actual));
  const j = names.indexOf(String(answer.predicted));
  if (i < 0 || j < 0 || i === j) {
    report.fail(`actual and predicted must be two different class names from ${names.join(', ')}; got ${JSON.stringify(answer.actual)} \u2192 ${JSON.stringify(answer.predicted)}.`);
    return;
  }
  const pair = `"${names[i]}" predicted as "${names[j]}"`;
  const change = [...d.improved, ...d.worsened].find((c) => c.actual === i && c.predicted === j);
  const hidden = hiddenPatternChanges(d).find((c) => c.actual === i && c.predicted === j);
  if (hidden) {
    report.pass(`${where}: ${pair} went from ${hidden.countA.toFixed(2)} to ${hidden.countB.toFixed(2)} per run (Holm-adjusted p = ${hidden.adjustedP.toPrecision(2)}): the error pattern moved more than the headline`);
  } else if (change) {
    report.fail(`${where}: ${pair} changed (${change.countA.toFixed(2)} \u2192 ${change.countB.toFixed(2)} per run) but within noise (Holm-adjusted p = ${change.adjustedP.toPrecision(2)}); pick a pair whose change is significant.`);
  } else {
    report.fail(`${where}: ${pair} did not change at all. Read the comparison's improved and worsened pairs (compareConfusion / summarizeTrials().diffs).`);
  }
}
