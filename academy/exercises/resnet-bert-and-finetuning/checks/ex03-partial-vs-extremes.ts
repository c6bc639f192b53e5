// Checks exercise 3 on the constructed vision run: partial_unfreeze against both extremes
// (frozen below it, full_finetune above it), the cheapest acceptable depth as recommend() reads
// the same evidence, and whether transfer beat scratch.
import { STRATEGY_NAMES } from '../../../../src/adapt/types.js';
import type { Ex03Module, PartialReading } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { checkPoints } from './numbers.js';
import { Report, errorText } from './report.js';

export function checkPartialRun(mod: Ex03Module, report: Report): void {
  const run = loadRun('vision-run.json');
  const { rec, meanAccuracy } = analyse(run);
  let answer: PartialReading;
  try {
    answer = mod.readPartialRun(copy(run));
  } catch (e) {
    report.fail(`readPartialRun threw: ${errorText(e)}`);
    return;
  }
  if (!answer || typeof answer !== 'object') {
    report.fail('readPartialRun must return { partialMinusFrozenPoints, partialMinusFullPoints, cheapestAcceptable, transferBeatsScratch }.');
    return;
  }
  const partial = meanAccuracy('partial_unfreeze');
  const how = 'average metrics.validation.accuracy over the seeds of each strategy, subtract, and multiply by 100.';
  checkPoints(report, 'partialMinusFrozenPoints', answer.partialMinusFrozenPoints, 100 * (partial - meanAccuracy('frozen')), how, 'it is partial_unfreeze minus frozen.');
  checkPoints(report, 'partialMinusFullPoints', answer.partialMinusFullPoints, 100 * (partial - meanAccuracy('full_finetune')), how, 'it is partial_unfreeze minus full_finetune.');

  const margin = (100 * run.margin).toFixed(2);
  const named = answer.cheapestAcceptable;
  const expected = rec.strategy!;
  const byName = new Map(rec.assessments.map((a) => [a.strategy, a]));
  if (!STRATEGY_NAMES.includes(named)) {
    report.fail(`cheapestAcceptable is ${JSON.stringify(named)}; name one of ${STRATEGY_NAMES.join(', ')}.`);
  } else if (named === expected) {
    report.pass(`cheapestAcceptable = ${named}: the cheapest depth whose paired interval vs ${rec.best} stays above \u2212${margin} points`);
  } else if (named === rec.best) {
    report.fail(
      `cheapestAcceptable is ${named}, the highest mean validation accuracy. The track asks for the cheapest depth whose evidence is acceptable: ` +
        `rank the strategies by training FLOPs (record.cost.trainFlops), and for each cheaper one check whether the 95% interval of its paired difference from ${rec.best} ` +
        `stays above \u2212${margin} points (the run's margin). At least one cheaper strategy passes.`,
    );
  } else {
    const a = byName.get(named)!;
    const why =
      a.verdict === 'inferior' || a.verdict === 'worse'
        ? `its paired interval vs ${rec.best} is ${a.vsBest!.ci.map((x) => (100 * x).toFixed(2)).join(' to ')} points, entirely below 0 and reaching past \u2212${margin}: it is ${a.verdict}, not acceptable`
        : `a cheaper strategy is also acceptable, or this one is not (verdict: ${a.verdict})`;
    report.fail(`cheapestAcceptable is ${named}, but ${why}.${named === 'scratch' ? ' scratch is the baseline transfer must beat, not a depth of transfer.' : ''}`);
  }

  const scratch = byName.get('scratch')!;
  const beats = scratch.verdict === 'inferior' || scratch.verdict === 'worse';
  report.expect(
    answer.transferBeatsScratch === beats,
    `transferBeatsScratch = ${beats}`,
    typeof answer.transferBeatsScratch !== 'boolean'
      ? 'transferBeatsScratch must be true or false: is scratch shown worse than the best strategy?'
      : `transferBeatsScratch = ${answer.transferBeatsScratch}, but scratch's paired interval vs ${rec.best} is ${scratch.vsBest!.ci.map((x) => (100 * x).toFixed(2)).join(' to ')} points (verdict: ${scratch.verdict}).`,
  );
}
