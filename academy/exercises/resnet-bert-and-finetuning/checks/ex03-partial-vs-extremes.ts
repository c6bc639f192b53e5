// Checks exercise 3 on the constructed vision run: partial_unfreeze against both extremes
// (frozen below it, full_finetune above it), the cheapest acceptable depth as recommend() reads
// the same evidence, and whether transfer beat scratch.
import { STRATEGY_NAMES } from '../../../../src/record/vocabulary.js';
import type { StrategyAssessment } from '../../../../src/decide/recommend.js';
import type { Ex03Module, PartialReading, RunFixture } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { checkPoints } from './numbers.js';
import { Report, errorText } from './report.js';

/** "−7.52 to −2.48 points", or why there is no interval. */
function interval(a: StrategyAssessment): string {
  if (a.vsBest) return `${a.vsBest.ci.map((x) => (100 * x).toFixed(2)).join(' to ')} points`;
  if (!a.eligible) return `none: it was ${a.auditPassed ? 'excluded by the sanity gates' : 'excluded (freeze audit failed)'}`;
  return 'none: it is the best';
}

/** The rule's words for a verdict: acceptable, ruled out or open. */
function verdictWords(a: StrategyAssessment): string {
  switch (a.verdict) {
    case 'inferior':
      return 'it is inferior (ruled out: even the upper end is below \u2212margin), not acceptable';
    case 'worse':
      return 'it is worse (open: significantly worse, possibly within the margin), not shown acceptable';
    case 'inconclusive':
      return 'it is inconclusive (open), not shown acceptable';
    case 'excluded':
    case 'audit-failed':
      return 'it is excluded and never recommended';
    default:
      return `verdict: ${a.verdict}`;
  }
}

export function checkPartialRun(mod: Ex03Module, report: Report, run: RunFixture = loadRun('vision-run.json')): void {
  const { rec, meanAccuracy } = analyse(run);
  if (rec.strategy === null) {
    report.fail(`recommend() names no depth on this run (evidence: ${rec.evidence}), so there is no cheapest acceptable depth to read.`);
    return;
  }
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
  const expected = rec.strategy;
  const byName = new Map(rec.assessments.map((a) => [a.strategy, a]));
  if (!STRATEGY_NAMES.includes(named)) {
    report.fail(`cheapestAcceptable is ${JSON.stringify(named)}; name one of ${STRATEGY_NAMES.join(', ')}.`);
  } else if (named === expected) {
    report.pass(
      `cheapestAcceptable = ${named}: the cheapest depth whose paired interval vs ${rec.best} stays above \u2212${margin} points` +
        ` (evidence: ${rec.evidence}${rec.settled ? '' : `; ${rec.cheapestNotRuledOut} is cheaper and not ruled out`})`,
    );
  } else if (named === rec.best) {
    report.fail(
      `cheapestAcceptable is ${named}, the highest mean validation accuracy. The track asks for the cheapest depth whose evidence is acceptable: ` +
        `rank the strategies by training FLOPs (record.cost.trainFlops), and for each cheaper one check whether the 95% interval of its paired difference from ${rec.best} ` +
        `stays above \u2212${margin} points (the run's margin). At least one cheaper strategy passes.`,
    );
  } else {
    const a = byName.get(named);
    const why = !a
      ? `${named} was not run`
      : a.verdict === 'non-inferior'
        ? `a cheaper strategy (${expected}) is also acceptable`
        : `its paired interval vs ${rec.best} is ${interval(a)}: ${verdictWords(a)}`;
    report.fail(`cheapestAcceptable is ${named}, but ${why}.${named === 'scratch' ? ' scratch is the baseline transfer must beat, not a depth of transfer.' : ''}`);
  }

  const scratch = byName.get('scratch');
  // A scratch the sanity gates excluded is no baseline: transfer is not shown to beat it.
  const beats = scratch !== undefined && scratch.eligible && (scratch.verdict === 'inferior' || scratch.verdict === 'worse');
  const scratchWhy = !scratch
    ? 'no scratch baseline was run'
    : !scratch.eligible
      ? `scratch was excluded by ${scratch.auditPassed ? 'the sanity gates' : 'its freeze audit'}, so it is no baseline and never evidence that transfer pays off, however low it scored`
      : `scratch's paired interval vs ${rec.best} is ${interval(scratch)} (verdict: ${scratch.verdict})`;
  report.expect(
    answer.transferBeatsScratch === beats,
    `transferBeatsScratch = ${beats}`,
    typeof answer.transferBeatsScratch !== 'boolean'
      ? 'transferBeatsScratch must be true or false: is scratch shown worse than the best strategy?'
      : `transferBeatsScratch = ${answer.transferBeatsScratch}, but ${scratchWhy}.`,
  );
}
