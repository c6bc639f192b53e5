// Checks exercise 4 on two comparisons of the constructed vision run (scratch → partial_unfreeze
// and frozen → partial_unfreeze): the learner's pair must be the off-diagonal cell whose mean
// count per run changed most, as compareConfusion computes it, with its counts, direction and
// significance.
import { compareConfusion, mostConfused } from '../../../../src/evaluate/confusion-diff.js';
import type { StrategyName } from '../../../../src/record/vocabulary.js';
import type { ConfusionMatrix, PairChange, Predictions } from '../../../../src/record/evaluation.js';
import type { ChangedPair, Ex04Module } from '../contracts.js';
import type { RunFixture } from '../fixtures/build.js';
import { copy, loadRun } from './analysis.js';
import { Report, errorText, isFiniteNumber } from './report.js';

const COMPARISONS: [StrategyName, StrategyName][] = [
  ['scratch', 'partial_unfreeze'],
  ['frozen', 'partial_unfreeze'],
];

function validationRuns(run: RunFixture, strategy: StrategyName): Predictions[] {
  return run.records.filter((r) => r.strategy === strategy).sort((a, b) => a.seed - b.seed).map((r) => r.predictions.validation);
}

function meanConfusion(run: RunFixture, strategy: StrategyName): ConfusionMatrix {
  const list = run.records.filter((r) => r.strategy === strategy);
  const k = run.classNames.length;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const r of list) r.metrics.validation.confusion.forEach((row, i) => row.forEach((v, j) => (m[i][j] += v / list.length)));
  return m;
}

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 0.01;

function checkOne(mod: Ex04Module, run: RunFixture, baseline: StrategyName, adapted: StrategyName, report: Report): void {
  const label = `${baseline} \u2192 ${adapted}`;
  const names = run.classNames;
  const a = validationRuns(run, baseline);
  const b = validationRuns(run, adapted);
  const cmp = compareConfusion(a, b, names.length, { seeds: run.seeds });
  const changes = [...cmp.improved, ...cmp.worsened];
  const largest = Math.max(...changes.map((c) => Math.abs(c.delta)));
  let answer: ChangedPair;
  try {
    answer = mod.mostChangedPair(copy(a), copy(b), [...names]);
  } catch (e) {
    report.fail(`${label}: mostChangedPair threw: ${errorText(e)}`);
    return;
  }
  const i = names.indexOf(String(answer?.actual));
  const j = names.indexOf(String(answer?.predicted));
  if (i < 0 || j < 0) {
    report.fail(`${label}: actual and predicted must be class names from classNames (${names.join(', ')}); got ${JSON.stringify(answer?.actual)} \u2192 ${JSON.stringify(answer?.predicted)}.`);
    return;
  }
  const pair = `"${names[i]}" predicted as "${names[j]}"`;
  if (i === j) {
    report.fail(`${label}: ${pair} is a diagonal cell, the correct predictions. A confusion is an off-diagonal cell (actual \u2260 predicted).`);
    return;
  }
  const found: PairChange | undefined = changes.find((c) => c.actual === i && c.predicted === j);
  const delta = found?.delta ?? 0;
  if (Math.abs(delta) < largest - 1e-9) {
    const after = mostConfused(meanConfusion(run, adapted), 1)[0];
    const before = mostConfused(meanConfusion(run, baseline), 1)[0];
    let hint = `another pair changed by ${largest.toFixed(2)} examples per run, yours by ${Math.abs(delta).toFixed(2)}. Compare the two mean confusion matrices cell by cell (compareConfusion, or confusionChange) over the off-diagonal cells.`;
    if (after && after.actual === i && after.predicted === j) {
      hint = `that is the most frequent confusion *after* adaptation (${after.count.toFixed(2)} per run), but it moved by only ${Math.abs(delta).toFixed(2)}. The question is which confusion changed most: compare the matrices before and after, cell by cell (compareConfusion).`;
    } else if (before && before.actual === i && before.predicted === j) {
      hint = `that is the most frequent confusion *before* adaptation (${before.count.toFixed(2)} per run); ${hint}`;
    }
    report.fail(`${label}: ${pair} is not the pair that changed most: ${hint}`);
    return;
  }
  report.pass(`${label}: ${pair} changed most (${found!.countA.toFixed(2)} \u2192 ${found!.countB.toFixed(2)} per run)`);
  const S = run.seeds.length;
  const counts = [answer.baselineCount, answer.adaptedCount];
  if (!counts.every(isFiniteNumber)) {
    report.fail(`${label}: baselineCount and adaptedCount must be numbers (mean examples per run).`);
  } else if (near(counts[0], found!.countA) && near(counts[1], found!.countB)) {
    report.pass(`${label}: counts per run are right`);
  } else if (near(counts[0], S * found!.countA) && near(counts[1], S * found!.countB)) {
    report.fail(`${label}: baselineCount and adaptedCount are sums over the ${S} seeds; report the mean per run (divide by ${S}), as the lab's notes do.`);
  } else {
    report.fail(`${label}: baselineCount ${counts[0]} and adaptedCount ${counts[1]} are not the mean counts per run of that cell (rows = actual class, columns = predicted class).`);
  }
  const direction = delta < 0 ? 'improved' : 'worsened';
  report.expect(answer.direction === direction, `${label}: direction ${direction}`, `${label}: direction is ${JSON.stringify(answer.direction)}, but the count went ${delta < 0 ? 'down (fewer such mistakes: improved)' : 'up (more such mistakes: worsened)'}.`);
  report.expect(
    answer.significant === found!.significant,
    `${label}: significant = ${found!.significant} (Holm-adjusted p ${found!.adjustedP.toPrecision(2)})`,
    `${label}: significant is ${String(answer.significant)}, but compareConfusion's Holm-adjusted p for this pair is ${found!.adjustedP.toPrecision(2)} (alpha ${cmp.alpha}).`,
  );
}

export function checkConfusionShift(mod: Ex04Module, report: Report): void {
  const run = loadRun('vision-run.json');
  for (const [baseline, adapted] of COMPARISONS) checkOne(mod, run, baseline, adapted, report);
}
