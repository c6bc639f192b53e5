// Checks exercise 7 on the constructed LoRA run: the two costs LoRA is meant to save, read from the
// records (stored bytes per task, training FLOPs actually computed) rather than from the trainable
// parameter count; lora's accuracy gap to full_finetune; its verdict as recommend() reads the same
// evidence (the paired interval, not the mean); whether that makes the saving real; and what the
// rule recommends. Every expected value is computed from the run, so the checks hold for any run
// with lora and full_finetune trials.
import type { StrategyName } from '../../../../src/record/vocabulary.js';
import type { StrategyAssessment, Verdict } from '../../../../src/decide/recommend.js';
import type { TrialRecord } from '../../../../src/record/run-record.js';
import type { Ex07Module, LoraSavingReading, RunFixture } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { checkPoints } from './numbers.js';
import { Report, errorText, isFiniteNumber } from './report.js';

/** A ratio is right within 2% of its value (0.009 for 0.00906 and 0.71 for 0.708 pass). */
const RATIO_TOLERANCE = 0.02;
const near = (a: number, b: number): boolean => Math.abs(a - b) <= RATIO_TOLERANCE * Math.abs(b);

const VERDICTS: readonly Verdict[] = ['best', 'non-inferior', 'inferior', 'worse', 'inconclusive', 'audit-failed', 'excluded'];

/** "−1.33 to +0.49 points" */
function interval(a: StrategyAssessment): string {
  if (!a.vsBest) return a.eligible ? 'none (it is the best)' : 'none (it was excluded)';
  return `${a.vsBest.ci.map((x) => `${x < 0 ? '\u2212' : '+'}${Math.abs(100 * x).toFixed(2)}`).join(' to ')} points`;
}

/** What a verdict means under the rule. */
function meaning(v: Verdict): string {
  switch (v) {
    case 'best':
      return 'it is the best';
    case 'non-inferior':
      return 'acceptable: the lower end is above \u2212margin';
    case 'inferior':
      return 'ruled out: even the upper end is below \u2212margin';
    case 'worse':
      return 'open: the whole interval is below 0, but not below \u2212margin';
    case 'inconclusive':
      return 'open: the interval holds both 0 and \u2212margin';
    default:
      return 'excluded before any comparison';
  }
}

/** Feedback on a ratio: right, inverted, a percentage, the saving instead of the ratio, or a named wrong quantity. */
function checkRatio(report: Report, field: string, given: unknown, expected: number, how: string, wrong: { value: number; why: string }[]): void {
  if (!isFiniteNumber(given)) {
    report.fail(`${field} is ${String(given)}: ${how}`);
  } else if (near(given, expected)) {
    report.pass(`${field} = ${given.toPrecision(3)} (lora ÷ full_finetune)`);
  } else if (wrong.some((w) => near(given, w.value))) {
    report.fail(`${field} = ${given.toPrecision(3)} ${wrong.find((w) => near(given, w.value))!.why}: ${how}`);
  } else if (near(given, 1 / expected)) {
    report.fail(`${field} = ${given.toPrecision(3)} is inverted: report lora ÷ full_finetune, not full_finetune ÷ lora.`);
  } else if (near(given, 100 * expected)) {
    report.fail(`${field} = ${given.toPrecision(3)} is a percentage: report the plain fraction (divide by 100).`);
  } else if (near(given, 1 - expected) && Math.abs(1 - 2 * expected) > 0.05) {
    report.fail(`${field} = ${given.toPrecision(3)} is the saving (1 \u2212 ratio); report the ratio lora ÷ full_finetune.`);
  } else {
    report.fail(`${field} = ${given.toPrecision(3)} does not match the run: ${how}`);
  }
}

export function checkLoraSaving(mod: Ex07Module, report: Report, run: RunFixture = loadRun('lora-run.json')): void {
  const of = (s: StrategyName): TrialRecord[] => run.records.filter((r) => r.strategy === s);
  if (of('lora').length === 0 || of('full_finetune').length === 0) {
    report.fail('this run has no lora or no full_finetune trials: there is no saving to weigh.');
    return;
  }
  const mean = (s: StrategyName, value: (r: TrialRecord) => number): number => of(s).reduce((sum, r) => sum + value(r), 0) / of(s).length;
  const { rec, meanAccuracy } = analyse(run);
  const lora = rec.assessments.find((a) => a.strategy === 'lora')!;
  let answer: LoraSavingReading;
  try {
    answer = mod.readLoraRun(copy(run));
  } catch (e) {
    report.fail(`readLoraRun threw: ${errorText(e)}`);
    return;
  }
  if (!answer || typeof answer !== 'object') {
    report.fail('readLoraRun must return { storedBytesRatio, trainFlopsRatio, loraMinusFullPoints, loraVerdict, savingIsReal, recommended }.');
    return;
  }

  // (a) What a task stores.
  const stored = mean('lora', (r) => r.cost.storedBytes) / mean('full_finetune', (r) => r.cost.storedBytes);
  const wholeModels = mean('lora', (r) => r.totals.total) / mean('full_finetune', (r) => r.totals.total);
  checkRatio(report, 'storedBytesRatio', answer.storedBytesRatio, stored, 'average record.cost.storedBytes over the seeds of lora and of full_finetune, and divide.', [
    {
      value: wholeModels,
      why:
        'compares whole models. The model lora hands over has its adapters merged into the base weights, so it is as large as the base; ' +
        'what a task has to keep beside the shared backbone is its adapters and its head (record.cost.storedBytes)',
    },
  ]);

  // (b) What training computed.
  const flops = mean('lora', (r) => r.cost.trainFlops) / mean('full_finetune', (r) => r.cost.trainFlops);
  const params = mean('lora', (r) => r.totals.trainable) / mean('full_finetune', (r) => r.totals.trainable);
  checkRatio(report, 'trainFlopsRatio', answer.trainFlopsRatio, flops, 'average record.cost.trainFlops over the seeds of lora and of full_finetune, and divide.', [
    {
      value: params,
      why:
        'is the ratio of trainable parameters, not of the work training did. The record counts the FLOPs actually computed (record.cost.trainFlops): ' +
        "on BERT the adapters sit in every encoder layer, so the forward pass and the input gradients still run through all of them, and only the frozen weights' own gradients are saved",
    },
    { value: stored, why: 'is the ratio of stored bytes, not of the work training did (record.cost.trainFlops)' },
  ]);

  // (c) The mean gap.
  checkPoints(
    report,
    'loraMinusFullPoints',
    answer.loraMinusFullPoints,
    100 * (meanAccuracy('lora') - meanAccuracy('full_finetune')),
    'average metrics.validation.accuracy over the seeds of each strategy, subtract, and multiply by 100.',
    'it is lora minus full_finetune.',
  );

  // (d) The verdict: the paired interval, as recommend() reads it.
  const margin = (100 * run.margin).toFixed(2);
  const loraStates = `lora's paired interval vs ${rec.best} is ${interval(lora)} at a ${margin}-point margin`;
  if (!VERDICTS.includes(answer.loraVerdict)) {
    report.fail(`loraVerdict is ${JSON.stringify(answer.loraVerdict)}; it is one of ${VERDICTS.join(', ')} (recommend()'s assessments).`);
  } else if (answer.loraVerdict === lora.verdict) {
    report.pass(`loraVerdict = ${lora.verdict}: ${loraStates} (${meaning(lora.verdict)})`);
  } else {
    const fromMean = answer.loraVerdict === 'non-inferior' && lora.vsBest !== null && lora.vsBest.ci[0] <= -run.margin && lora.vsBest.difference > -run.margin;
    report.fail(
      `loraVerdict is ${answer.loraVerdict}, but ${loraStates}: ${lora.verdict} (${meaning(lora.verdict)}).` +
        (fromMean ? ` The mean gap (${(100 * lora.vsBest!.difference).toFixed(2)} points) is inside the margin, but the interval is not: a mean is not a bound on the loss.` : ''),
    );
  }

  // (e) Is the saving real?
  const settle = rec.evidenceNeeded.find((line) => line.startsWith('lora '));
  const real = lora.eligible && (lora.verdict === 'best' || lora.verdict === 'non-inferior');
  report.expect(
    answer.savingIsReal === real,
    real
      ? `savingIsReal = true: lora's loss against ${rec.best} is shown to stay within ${margin} points, so its smaller task file and cheaper training come at an accuracy the rule accepts`
      : `savingIsReal = false: ${lora.eligible ? `lora's loss against ${rec.best} is not shown to stay within ${margin} points (${lora.verdict})` : 'lora was excluded by the gates'}, so the saving is not established on this evidence` +
          (settle ? `; to settle it: ${settle}` : ''),
    typeof answer.savingIsReal !== 'boolean'
      ? 'savingIsReal must be true or false: is lora shown acceptable against the best?'
      : real
        ? `savingIsReal = false, but ${loraStates}: the loss is shown to stay within the margin, so the saving is real.`
        : `savingIsReal = true, but ${lora.eligible ? `${loraStates} (${lora.verdict}: ${meaning(lora.verdict)})` : 'lora was excluded by the sanity gates'}: the cheaper task file is real, but the evidence does not show that it costs less than the margin in accuracy.`,
  );

  // (f) What the rule names.
  const named = answer.recommended;
  const byName = new Map(rec.assessments.map((a) => [a.strategy, a]));
  if (named === rec.strategy) {
    const why = rec.strategy === null ? 'no strategy can be recommended on this evidence' : `the cheapest acceptable strategy (evidence: ${rec.evidence}${rec.settled ? '' : `; ${rec.cheapestNotRuledOut} is cheaper and not ruled out`})`;
    report.pass(`recommended = ${String(named)}: ${why}`);
  } else {
    const a = named === null ? undefined : byName.get(named);
    const chosen = rec.strategy === null ? undefined : byName.get(rec.strategy);
    let why: string;
    if (rec.strategy === null) why = 'but recommend() names no strategy on this evidence (null)';
    else if (named === null) why = `but recommend() names ${rec.strategy}`;
    else if (!a) why = `but ${named} was not run`;
    else if (named === rec.best) why = `the highest mean validation accuracy; the rule names the cheapest acceptable strategy, ${rec.strategy}`;
    else if (a.verdict === 'non-inferior') why = `but ${rec.strategy} is also acceptable and cheaper (training FLOPs first, then stored bytes)`;
    else why = `but ${named} is not shown acceptable: its paired interval vs ${rec.best} is ${interval(a)} (${a.verdict}: ${meaning(a.verdict)}); the cheapest acceptable strategy is ${rec.strategy}${chosen && chosen.costRank > a.costRank ? `, dearer but shown acceptable` : ''}`;
    report.fail(`recommended is ${String(named)}, ${why}.`);
  }
}
