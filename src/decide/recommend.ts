// The decision: which adaptation depth to use. Pure: evidence in, a Recommendation out, with the
// rule that produced it spelled out in its reasons. The burden of proof lies on added cost: a
// dearer depth is used only when the evidence shows the cheaper ones fall short.
//
// THE RULE (ruleText() writes the same words, with the run's numbers, into every Recommendation):
//  1. Gates. A strategy whose freeze audit failed, or that did not learn (not significantly above
//     the majority-class rate), collapsed (predicts only a few classes) or did not train (a
//     trainable parameter never moved), is excluded: it is never recommended and never serves as
//     evidence that another strategy pays off.
//  2. The remaining strategies are ordered by cost: training FLOPs, then stored bytes, then the
//     fixed order scratch, frozen, partial_unfreeze, full_finetune (ties favour the simpler).
//  3. The best is the highest mean validation accuracy over seeds (ties: the cheaper).
//  4. When the cheapest is also the best it is recommended, whatever the resolution: nothing
//     cheaper exists and nothing dearer is better.
//  5. Otherwise every other strategy c gets the paired difference d = accuracy(c) − accuracy(best)
//     on the same validation examples and the seeds both ran, with a 95% interval [lo, hi]: the
//     wider end on each side of a Student-t interval over per-seed differences (training noise)
//     and a seeded paired bootstrap over examples (which examples happened to be there).
//       acceptable (non-inferior)  lo > −margin
//       ruled out (inferior)       hi < −margin
//       open (worse, inconclusive) otherwise
//  6. The recommendation is the cheapest acceptable strategy (the best always is). It is settled
//     when every cheaper strategy is ruled out; otherwise the cheapest strategy not ruled out is
//     named with the evidence that would settle it, and the recommendation is provisional.
//  7. It is provisional too when another strategy was undertrained (still improving when its
//     budget ended) and more budget could change the decision: it is cheaper than the choice, or
//     the choice is more than the margin below 100% (so the other could still beat it by more).
//  8. No strategy is recommended when none passes the gates, or when only one strategy was run.

import { ArgumentError } from '../errors.js';
import type { Recommendation, SeedStat } from '../record/run-record.js';
import { STRATEGY_NAMES, type StrategyName } from '../record/vocabulary.js';
import { hiddenPatternChanges } from '../evaluate/confusion-diff.js';
import { pairedDifference, seedStat } from '../evaluate/statistics.js';
import type { StrategyConfusionDiff } from '../record/evaluation.js';
import { bytes, className, examples, flops, pct, pctInterval, points, pointsInterval, pValue, signedPoints } from './format.js';
import { suggestNextExperiments, type NextExperiment } from './next-experiments.js';
import { evidenceToSettle, settlingMargin } from './settling.js';
import type { StrategyAssessment, StrategyEvidence, Verdict } from './assessment.js';
import { isScratchBaseline } from '../adapt/strategy-answers.js';

export type { StrategyAssessment, StrategyEvidence, Verdict } from './assessment.js';

/** Default non-inferiority margin: 1 accuracy point. */
export const DEFAULT_MARGIN = 0.01;

export interface RecommendInput {
  strategies: StrategyEvidence[];
  /** Non-inferiority margin as a fraction of accuracy (0.01 = 1 point). */
  margin?: number;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  bootstrap?: { resamples?: number; seed?: number };
  /** Paired confusion comparisons on the validation split, for the headline-vs-pattern flag. */
  confusionDiffs?: StrategyConfusionDiff[];
  classNames?: string[];
}

export interface RecommendResult extends Recommendation {
  /** The rule, in words, with this run's numbers. */
  rule: string;
  margin: number;
  level: number;
  validationN: number;
  /** Every seed some strategy ran. */
  seeds: number[];
  /** Highest mean validation accuracy among eligible strategies (null when none). */
  best: StrategyName | null;
  /** Every strategy, cheapest first. */
  assessments: StrategyAssessment[];
  /** Ordered suggestions for the next, smaller experiment. */
  nextExperiments: NextExperiment[];
}

function checkInput(input: RecommendInput): { margin: number; level: number; resamples: number; seed: number; n: number; seeds: number[] } {
  const margin = input.margin ?? DEFAULT_MARGIN;
  if (!(typeof margin === 'number' && margin > 0 && margin < 1)) throw new ArgumentError(`recommend: margin must be a fraction of accuracy in (0, 1), e.g. 0.01 for 1 point; got ${String(margin)}`);
  const level = input.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new ArgumentError(`recommend: level must be in (0, 1), e.g. 0.95; got ${String(level)}`);
  const resamples = input.bootstrap?.resamples ?? 2000;
  const seed = input.bootstrap?.seed ?? 0;
  const list = input.strategies;
  if (!Array.isArray(list) || list.length === 0) throw new ArgumentError('recommend: no strategies given; pass the evidence of at least one strategy');
  const names = new Set<StrategyName>();
  const seeds = new Set<number>();
  let n = -1;
  for (const e of list) {
    if (!STRATEGY_NAMES.includes(e.strategy)) throw new ArgumentError(`recommend: unknown strategy '${String(e.strategy)}'; expected one of ${STRATEGY_NAMES.join(', ')}`);
    if (names.has(e.strategy)) throw new ArgumentError(`recommend: ${e.strategy} is given twice`);
    names.add(e.strategy);
    if (e.seeds.length === 0) throw new ArgumentError(`recommend: ${e.strategy} has no seeds`);
    if (new Set(e.seeds).size !== e.seeds.length) throw new ArgumentError(`recommend: ${e.strategy} lists a seed twice: [${e.seeds.join(', ')}]`);
    for (const s of e.seeds) seeds.add(s);
    if (e.correct.length !== e.seeds.length) throw new ArgumentError(`recommend: ${e.strategy} lists ${e.seeds.length} seeds but ${e.correct.length} rows of per-example correctness`);
    e.correct.forEach((row, s) => {
      if (n < 0) n = row.length;
      if (row.length !== n) throw new ArgumentError(`recommend: ${e.strategy} seed ${e.seeds[s]} has ${row.length} validation outcomes, expected ${n}; every run must be scored on the same validation examples`);
    });
    for (const [k, v] of Object.entries(e.cost)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentError(`recommend: ${e.strategy} cost.${k} is ${String(v)}, expected a finite number >= 0`);
    }
  }
  if (n === 0) throw new ArgumentError('recommend: the validation split has no examples');
  return { margin, level, resamples, seed, n, seeds: [...seeds].sort((a, b) => a - b) };
}

/** Cheapest first: training FLOPs, then stored bytes, then the fixed strategy order. */
export function byCost<T extends { strategy: StrategyName; cost: { trainFlops: number; storedBytes: number } }>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) => a.cost.trainFlops - b.cost.trainFlops || a.cost.storedBytes - b.cost.storedBytes || STRATEGY_NAMES.indexOf(a.strategy) - STRATEGY_NAMES.indexOf(b.strategy),
  );
}

export function verdictOf(ci: readonly [number, number], margin: number): Verdict {
  const [lo, hi] = ci;
  if (lo > -margin) return 'non-inferior';
  if (hi < -margin) return 'inferior';
  if (hi < 0) return 'worse';
  return 'inconclusive';
}

/** Acceptable: shown within the margin of the best (or the best itself). */
export function isAcceptable(v: Verdict): boolean {
  return v === 'best' || v === 'non-inferior';
}

/** Open: neither shown acceptable nor ruled out. */
export function isOpen(v: Verdict): boolean {
  return v === 'worse' || v === 'inconclusive';
}

const VERDICT_WORDS: Record<Verdict, string> = {
  best: 'the best',
  'non-inferior': 'acceptable: non-inferior (the lower end is above −margin)',
  inferior: 'ruled out: inferior (even the upper end loses more than the margin)',
  worse: 'open: significantly worse, but possibly within the margin',
  inconclusive: 'open: inconclusive (the interval holds both no difference and a loss larger than the margin)',
  'audit-failed': 'excluded (freeze audit failed)',
  excluded: 'excluded (sanity gates)',
};

function ruleText(margin: number, level: number, n: number, resamples: number, seed: number): string {
  const lvl = Math.round(level * 100);
  return (
    `Rule: strategies that failed their freeze audit, did not learn (not above the majority-class rate), collapsed onto a few classes or did not train are excluded. ` +
    `The rest are ordered by cost (training FLOPs, then stored bytes); the best is the highest mean validation accuracy. ` +
    `If the cheapest is also the best, it is recommended. Otherwise each cheaper strategy is compared with the best on the same ${n} validation examples and the seeds both ran: ` +
    `the wider, on each side, of a ${lvl}% Student-t interval over per-seed differences and a paired bootstrap over examples (${resamples} resamples, seed ${seed}). ` +
    `It is acceptable when the lower end is above −${points(margin)} points and ruled out when the upper end is below it. ` +
    `The cheapest acceptable strategy is recommended; the decision is settled when every cheaper one is ruled out, and provisional while a cheaper one is open or another strategy was still improving when its budget ended.`
  );
}

/** The "headline hides the pattern" flags of the given validation comparisons. */
function headlineFlags(diffs: readonly StrategyConfusionDiff[], names: readonly string[] | undefined): string[] {
  const flags: string[] = [];
  for (const d of diffs) {
    if (d.split !== 'validation') continue;
    const hidden = hiddenPatternChanges(d);
    if (hidden.length === 0) continue;
    const top = hidden[0];
    const verb = top.delta < 0 ? 'fell' : 'rose';
    const more = hidden.length > 1 ? ` (and ${hidden.length - 1} more significant pair change(s))` : '';
    flags.push(
      `headline-hides-pattern: ${d.strategy} vs ${d.baseline} on validation: accuracy ${signedPoints(d.accuracy.difference)} points is within noise ` +
        `(paired ${pValue(d.accuracy.pValue)}), but "${className(names, top.actual)}" predicted as "${className(names, top.predicted)}" ${verb} ` +
        `from ${examples(top.countA)} to ${examples(top.countB)} examples per run (${top.onlyA} vs ${top.onlyB} discordant examples, Holm-adjusted ${pValue(top.adjustedP)})${more}.`,
    );
  }
  return flags;
}

function accuracyRows(e: StrategyEvidence): number[] {
  return e.correct.map((row) => row.reduce((s, v) => s + (v ? 1 : 0), 0) / row.length);
}

function describeCost(a: StrategyAssessment): string {
  return `${flops(a.cost.trainFlops)} to train, ${bytes(a.cost.storedBytes)} stored`;
}

function describeAccuracy(s: SeedStat): string {
  return Number.isFinite(s.ci95[0]) ? `${pct(s.mean)} (95% CI ${pctInterval(s.ci95)} over ${s.values.length} seeds)` : `${pct(s.mean)} (one seed, no interval)`;
}

/** Per-example correctness of `e` restricted to `seeds`, in that order. */
function rowsFor(e: StrategyEvidence, seeds: readonly number[]): boolean[][] {
  return seeds.map((s) => e.correct[e.seeds.indexOf(s)]);
}

export function recommend(input: RecommendInput): RecommendResult {
  const { margin, level, resamples, seed, n, seeds } = checkInput(input);
  const ordered = byCost(input.strategies);
  const rule = ruleText(margin, level, n, resamples, seed);
  const reasons: string[] = [rule];
  const flags: string[] = [];
  const resolution = 1 / n;

  const assessments: StrategyAssessment[] = ordered.map((e, i) => {
    const sane = !(e.sanity?.excluded ?? false);
    return {
      strategy: e.strategy,
      costRank: i + 1,
      cost: { ...e.cost },
      accuracy: seedStat(accuracyRows(e)),
      auditPassed: e.audit.passed,
      eligible: e.audit.passed && sane,
      undertrained: e.sanity?.undertrained ?? false,
      vsBest: null,
      verdict: !e.audit.passed ? 'audit-failed' : !sane ? 'excluded' : 'inconclusive',
    };
  });
  const evidenceOf = new Map(ordered.map((e) => [e.strategy, e]));

  reasons.push(`One validation example is worth ${points(resolution)} points (N = ${n}), ${resolution > margin ? 'coarser' : 'no coarser'} than the ${points(margin)}-point margin.`);
  if (resolution > margin) flags.push(`validation-coarse: one validation example moves accuracy by ${points(resolution)} points, more than the ${points(margin)}-point margin; comparisons within the margin need about ${Math.ceil(1 / margin)} or more validation examples (or cross-validation, --folds).`);
  for (const a of assessments) {
    const e = evidenceOf.get(a.strategy)!;
    if (!a.auditPassed) {
      const detail = e.audit.failures.length > 0 ? `: ${e.audit.failures.join('; ')}` : '';
      reasons.push(`${a.strategy} is excluded and never recommended: its freeze audit failed${detail}.`);
      flags.push(`audit-failed: ${a.strategy}${detail}.`);
    }
    for (const problem of e.sanity?.problems ?? []) {
      flags.push(`${problem}.`);
      if (a.verdict === 'excluded' && !problem.startsWith('undertrained') && !problem.startsWith('unstable')) reasons.push(`${a.strategy} is excluded and never used as evidence: ${problem}.`);
    }
  }
  if (seeds.length === 1) flags.push('single-seed: only one seed per strategy; training noise is not measured, only the bootstrap over examples is used.');
  flags.push(...headlineFlags(input.confusionDiffs ?? [], input.classNames));

  const eligible = assessments.filter((a) => a.eligible);
  let best: StrategyAssessment | null = null;
  for (const a of eligible) if (!best || a.accuracy.mean > best.accuracy.mean) best = a; // cost order: ties keep the cheaper
  if (best) {
    best.verdict = 'best';
    const be = evidenceOf.get(best.strategy)!;
    for (const a of eligible) {
      if (a === best) continue;
      const ae = evidenceOf.get(a.strategy)!;
      const common = ae.seeds.filter((s) => be.seeds.includes(s));
      if (common.length === 0) throw new ArgumentError(`recommend: ${a.strategy} and ${best.strategy} share no seed; paired comparisons need at least one`);
      a.vsBest = pairedDifference(rowsFor(be, common), rowsFor(ae, common), { resamples, seed, level });
      a.verdict = verdictOf(a.vsBest.ci, margin);
    }
    reasons.push(`Best validation accuracy: ${best.strategy}, ${describeAccuracy(best.accuracy)}.`);
    for (const a of eligible) {
      if (a === best || !a.vsBest) continue;
      reasons.push(
        `${a.strategy} (cost rank ${a.costRank}: ${describeCost(a)}): ${pct(a.accuracy.mean)}, ${signedPoints(a.vsBest.difference)} points vs ${best.strategy} ` +
          `(95% interval ${pointsInterval(a.vsBest.ci)} over ${a.vsBest.perSeed.length} paired seed(s)): ${VERDICT_WORDS[a.verdict]}.`,
      );
    }
  }

  // The cheapest acceptable and the cheapest not ruled out (the best is both, so both exist once a best does).
  const chosen = eligible.find((a) => isAcceptable(a.verdict)) ?? null;
  const notRuledOut = eligible.find((a) => a.verdict !== 'inferior') ?? null;
  const onlyOneRun = assessments.length < 2;
  let evidence: Recommendation['evidence'] = 'insufficient';
  let settled = false;
  let evidenceNeeded: string[] = [];
  let settling: Recommendation['settlingMargin'] = null;
  if (onlyOneRun) {
    reasons.push(`Evidence is insufficient: only ${assessments[0].strategy} was run; a depth can only be recommended against another one measured on the same examples. No strategy is recommended.`);
  } else if (!chosen || !best) {
    reasons.push('Evidence is insufficient: no strategy passed the audit and the sanity gates, so nothing can be recommended. See the flags for what went wrong.');
  } else {
    settled = notRuledOut === chosen;
    const open = eligible.filter((a) => a.costRank < chosen.costRank && isOpen(a.verdict));
    // An undertrained strategy could still move. It matters when it is cheaper than the choice (it
    // might become acceptable), or when the choice is far enough below 100% that it could beat it
    // by more than the margin; a choice within the margin of 100% cannot be beaten so.
    const beatable = 1 - chosen.accuracy.mean > margin;
    const restsOnUndertrained = eligible.filter((a) => a !== chosen && a.undertrained && (a.costRank < chosen.costRank || beatable));
    const alone = eligible.length === 1;
    evidence = settled && restsOnUndertrained.length === 0 && !alone ? 'sufficient' : 'provisional';
    if (alone) {
      reasons.push(`Recommended: ${chosen.strategy} (${describeCost(chosen)}), the only strategy that passed the audit and the sanity gates; with nothing to compare it with, the recommendation is provisional.`);
    } else if (chosen === eligible[0] && chosen === best) {
      reasons.push(`Recommended: ${chosen.strategy} (${describeCost(chosen)}): it is the cheapest strategy that passed the gates and also the best by mean validation accuracy, so no added cost is justified.`);
    } else if (settled) {
      const cheaper = eligible.filter((a) => a.costRank < chosen.costRank).map((a) => a.strategy);
      const why = chosen === best ? 'it has the best validation accuracy' : `it is non-inferior to ${best.strategy}`;
      const rest = cheaper.length === 0 ? 'no strategy that passed the gates is cheaper' : `every cheaper strategy (${cheaper.join(', ')}) is ruled out`;
      reasons.push(`Recommended: ${chosen.strategy} (${describeCost(chosen)}), because ${why} and ${rest}.`);
    } else {
      reasons.push(
        `Provisional: ${chosen.strategy} (${describeCost(chosen)}) is the cheapest strategy shown acceptable, but ${open.map((a) => a.strategy).join(' and ')} ` +
          `${open.length === 1 ? 'is' : 'are'} cheaper and not ruled out; the cheapest depth not ruled out is ${notRuledOut!.strategy}.`,
      );
      evidenceNeeded = evidenceToSettle(open, margin, n, seeds.length);
      for (const line of evidenceNeeded) reasons.push(`To settle it: ${line}`);
    }
    if (restsOnUndertrained.length > 0) {
      const names = restsOnUndertrained.map((a) => a.strategy).join(', ');
      const epochs = evidenceOf.get(restsOnUndertrained[0].strategy)?.config?.epochs;
      reasons.push(`Provisional: the decision rests on ${names}, which ${restsOnUndertrained.length === 1 ? 'was' : 'were'} still improving when the budget ended${epochs ? `; try ${2 * epochs} epochs instead of ${epochs}` : ''}.`);
    }
    settling = settlingMargin(eligible, margin);
    if (settling && !(chosen === eligible[0] && chosen === best)) {
      reasons.push(
        Math.abs(settling.margin - margin) < 1e-12 || settling.margin < margin
          ? `The smallest margin this evidence settles is ${points(settling.margin)} points, where the choice is ${settling.strategy}.`
          : `At the ${points(margin)}-point margin the decision is open; it settles at a margin of ${points(settling.margin)} points, where the choice is ${settling.strategy}.`,
      );
    }
  }

  transferReasons(assessments, best, margin, reasons, flags, evidenceOf);

  const nextExperiments = suggestNextExperiments({
    chosen: chosen && !onlyOneRun ? chosen.strategy : null,
    insufficient: onlyOneRun ? 'too-few' : chosen ? null : 'none-eligible',
    assessments,
    evidence: ordered,
    margin,
    n,
    seeds: seeds.length,
  });

  return {
    strategy: evidence === 'insufficient' ? null : chosen!.strategy,
    reasons,
    evidence,
    flags,
    cheapestNotRuledOut: evidence === 'insufficient' ? null : notRuledOut!.strategy,
    settled,
    settlingMargin: settling,
    evidenceNeeded,
    rule,
    margin,
    level,
    validationN: n,
    seeds: [...seeds],
    best: best?.strategy ?? null,
    assessments,
    nextExperiments,
  };
}

/** What the paired scratch baseline says about transfer; a scratch that did not pass the gates says nothing. */
function transferReasons(
  assessments: readonly StrategyAssessment[],
  best: StrategyAssessment | null,
  margin: number,
  reasons: string[],
  flags: string[],
  evidenceOf: Map<StrategyName, StrategyEvidence>,
): void {
  const scratch = assessments.find((a) => isScratchBaseline(a.strategy));
  if (!scratch) {
    reasons.push('No scratch baseline was run: the gain from transfer is not measured.');
    flags.push('no-scratch-baseline: the benefit of pretrained weights is not measured against training from scratch.');
    return;
  }
  if (!scratch.eligible) {
    const why = !scratch.auditPassed ? 'its audit failed' : (evidenceOf.get(scratch.strategy)?.sanity?.problems.find((p) => !p.startsWith('undertrained') && !p.startsWith('unstable')) ?? 'it failed the sanity gates');
    reasons.push(`The scratch baseline is excluded (${why}): the gain from transfer is not measured, and no strategy is said to pay off against it.`);
    return;
  }
  if (!best) return;
  const caveat = scratch.undertrained ? ' (scratch was still improving when its budget ended: a longer budget may narrow this)' : '';
  if (scratch.verdict === 'best') {
    reasons.push('scratch has the best validation accuracy: transfer is not justified on this data.');
    flags.push('transfer-not-justified: training from scratch is at least as accurate as every pretrained strategy.');
  } else if (scratch.vsBest && scratch.verdict === 'non-inferior') {
    reasons.push(`scratch is within the margin of ${best.strategy} (${signedPoints(scratch.vsBest.difference)} points, 95% interval ${pointsInterval(scratch.vsBest.ci)}): transfer is not justified by accuracy alone.`);
    flags.push(`transfer-not-justified: scratch is non-inferior to ${best.strategy} within ${points(margin)} points.`);
  } else if (scratch.vsBest && (scratch.verdict === 'inferior' || scratch.verdict === 'worse')) {
    reasons.push(`Transfer pays off: scratch is ${signedPoints(scratch.vsBest.difference)} points vs ${best.strategy} (95% interval ${pointsInterval(scratch.vsBest.ci)}, paired ${pValue(scratch.vsBest.signTest.pValue)})${caveat}.`);
  } else if (scratch.vsBest) {
    reasons.push(`Whether transfer beats scratch is not settled: ${signedPoints(scratch.vsBest.difference)} points vs ${best.strategy} (95% interval ${pointsInterval(scratch.vsBest.ci)}).`);
  }
}
