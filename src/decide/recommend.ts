// The decision: which adaptation depth to use. Pure: evidence in, a Recommendation out, with the
// rule that produced it spelled out in its reasons.
//
// THE RULE (the same words go into every Recommendation's first reason):
//  1. Strategies whose freeze audit failed are excluded: their numbers do not measure what their
//     name says. They are listed as failed and never recommended.
//  2. The remaining strategies are ordered by cost: training FLOPs, then stored bytes, then the
//     fixed order scratch, frozen, partial_unfreeze, full_finetune (ties favour the simpler).
//  3. The best is the highest mean validation accuracy over seeds (ties: the cheaper).
//  4. For every other strategy c, the paired difference d = accuracy(c) − accuracy(best) on the
//     same validation examples and seeds gets a 95% interval [lo, hi]: the wider end on each side
//     of (a) a Student-t interval over the per-seed differences (training noise) and (b) a seeded
//     paired bootstrap over validation examples of the seed-averaged correctness (which examples
//     happened to be in the split). The two-sided 95% lower end is the usual one-sided 97.5%
//     non-inferiority bound.
//     c is  non-inferior  when lo > −margin          (it loses at most the margin, with confidence)
//           inferior      when hi < −margin          (it loses more than the margin, with confidence)
//           worse         when hi < 0 otherwise      (significantly worse; may exceed the margin)
//           inconclusive  otherwise                  (the interval holds both 0 and −margin)
//  5. The recommendation is the cheapest non-inferior strategy (the best always qualifies).
//  6. No strategy is crowned (evidence 'insufficient') when one validation example is worth more
//     than the margin (100/N points > margin: the split cannot resolve it), when fewer than two
//     strategies passed their audit, or when every comparison is inconclusive (the intervals
//     overlap everything: nothing can be shown acceptable or ruled out).
import { ArgumentError } from '../errors.js';
import type { Recommendation, SeedStat, TrialRecord } from '../adapt/run-record.js';
import { STRATEGY_NAMES, type StrategyName } from '../adapt/types.js';
import { hiddenPatternChanges } from '../evaluate/confusion-diff.js';
import { pairedDifference, seedStat, type PairedDifference } from '../evaluate/statistics.js';
import type { StrategyConfusionDiff } from '../evaluate/types.js';
import { bytes, className, examples, flops, pct, pctInterval, points, pointsInterval, pValue, signedPoints } from './format.js';
import { suggestNextExperiments, type NextExperiment } from './next-experiments.js';

/** Default non-inferiority margin: 1 accuracy point. */
export const DEFAULT_MARGIN = 0.01;

/** What recommend() needs to know about one strategy. */
export interface StrategyEvidence {
  strategy: StrategyName;
  /** Seeds, in the order of `correct`; every strategy must list the same seeds. */
  seeds: number[];
  /** correct[s][i]: validation example i was classified correctly by the model of seeds[s]. The example order is the same for every strategy. */
  correct: boolean[][];
  cost: { trainFlops: number; storedBytes: number };
  audit: { passed: boolean; failures: string[] };
  /** The training plan, used to make next-experiment suggestions concrete. */
  config?: TrialRecord['config'];
  /** Epoch chosen by validation, per seed. */
  selectedEpochs?: number[];
}

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

export type Verdict = 'best' | 'non-inferior' | 'inferior' | 'worse' | 'inconclusive' | 'audit-failed' | 'not-compared';

export interface StrategyAssessment {
  strategy: StrategyName;
  /** 1 = cheapest. */
  costRank: number;
  cost: { trainFlops: number; storedBytes: number };
  /** Validation accuracy over seeds. */
  accuracy: SeedStat;
  auditPassed: boolean;
  /** accuracy(strategy) − accuracy(best), paired; null for the best and for excluded strategies. */
  vsBest: PairedDifference | null;
  verdict: Verdict;
}

export interface RecommendResult extends Recommendation {
  /** The rule, in words, with this run's numbers. */
  rule: string;
  margin: number;
  level: number;
  validationN: number;
  seeds: number[];
  /** Highest mean validation accuracy among audited strategies (null when none). */
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
  const seeds = list[0].seeds;
  let n = -1;
  for (const e of list) {
    if (!STRATEGY_NAMES.includes(e.strategy)) throw new ArgumentError(`recommend: unknown strategy '${String(e.strategy)}'; expected one of ${STRATEGY_NAMES.join(', ')}`);
    if (names.has(e.strategy)) throw new ArgumentError(`recommend: ${e.strategy} is given twice`);
    names.add(e.strategy);
    if (e.seeds.length === 0) throw new ArgumentError(`recommend: ${e.strategy} has no seeds`);
    if (e.seeds.join(',') !== seeds.join(',')) {
      throw new ArgumentError(`recommend: ${list[0].strategy} has seeds [${seeds.join(', ')}] but ${e.strategy} has [${e.seeds.join(', ')}]; paired comparisons need the same seeds in the same order`);
    }
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
  return { margin, level, resamples, seed, n, seeds };
}

/** Cheapest first: training FLOPs, then stored bytes, then the fixed strategy order. */
export function byCost<T extends { strategy: StrategyName; cost: { trainFlops: number; storedBytes: number } }>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) => a.cost.trainFlops - b.cost.trainFlops || a.cost.storedBytes - b.cost.storedBytes || STRATEGY_NAMES.indexOf(a.strategy) - STRATEGY_NAMES.indexOf(b.strategy),
  );
}

function verdictOf(d: PairedDifference, margin: number): Verdict {
  const [lo, hi] = d.ci;
  if (lo > -margin) return 'non-inferior';
  if (hi < -margin) return 'inferior';
  if (hi < 0) return 'worse';
  return 'inconclusive';
}

const VERDICT_WORDS: Record<Verdict, string> = {
  best: 'the best',
  'non-inferior': 'non-inferior (the lower end is above −margin)',
  inferior: 'inferior (even the upper end loses more than the margin)',
  worse: 'significantly worse (the whole interval is below 0 and reaches past −margin)',
  inconclusive: 'inconclusive (the interval holds both no difference and a loss larger than the margin)',
  'audit-failed': 'excluded (freeze audit failed)',
  'not-compared': 'not compared',
};

function ruleText(margin: number, level: number, seeds: number, n: number, resamples: number, seed: number): string {
  const lvl = Math.round(level * 100);
  return (
    `Rule: strategies whose freeze audit passed are ordered by cost (training FLOPs, then stored bytes); ` +
    `the best is the highest mean validation accuracy; a strategy is non-inferior when the lower end of the ${lvl}% interval ` +
    `of its paired difference from the best (candidate − best) is above −${points(margin)} points. ` +
    `The interval is the wider, on each side, of a Student-t interval over the ${seeds} paired seed(s) and a paired bootstrap ` +
    `over the ${n} validation examples (${resamples} resamples, seed ${seed}). The cheapest non-inferior strategy is recommended. ` +
    `No strategy is crowned when one validation example is worth more than the margin, when fewer than two strategies pass their audit, ` +
    `or when every comparison is inconclusive.`
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

export function recommend(input: RecommendInput): RecommendResult {
  const { margin, level, resamples, seed, n, seeds } = checkInput(input);
  const ordered = byCost(input.strategies);
  const rule = ruleText(margin, level, seeds.length, n, resamples, seed);
  const reasons: string[] = [rule];
  const flags: string[] = [];
  const resolution = 1 / n;

  const assessments: StrategyAssessment[] = ordered.map((e, i) => ({
    strategy: e.strategy,
    costRank: i + 1,
    cost: { ...e.cost },
    accuracy: seedStat(accuracyRows(e)),
    auditPassed: e.audit.passed,
    vsBest: null,
    verdict: e.audit.passed ? 'not-compared' : 'audit-failed',
  }));
  const evidenceOf = new Map(ordered.map((e) => [e.strategy, e]));

  const tooCoarse = resolution > margin;
  reasons.push(
    `One validation example is worth ${points(resolution)} points (N = ${n}), ${tooCoarse ? 'coarser' : 'no coarser'} than the ${points(margin)}-point margin.`,
  );
  if (tooCoarse) {
    flags.push(`validation-too-coarse: one validation example moves accuracy by ${points(resolution)} points, more than the ${points(margin)}-point margin; at least ${Math.ceil(1 / margin)} validation examples are needed to resolve it.`);
  }
  for (const a of assessments) {
    if (a.auditPassed) continue;
    const failures = evidenceOf.get(a.strategy)!.audit.failures;
    const detail = failures.length > 0 ? `: ${failures.join('; ')}` : '';
    reasons.push(`${a.strategy} is excluded and never recommended: its freeze audit failed${detail}.`);
    flags.push(`audit-failed: ${a.strategy}${detail}.`);
  }
  if (seeds.length === 1) flags.push('single-seed: only one seed per strategy; training noise is not measured, only the bootstrap over examples is used.');
  flags.push(...headlineFlags(input.confusionDiffs ?? [], input.classNames));

  const eligible = assessments.filter((a) => a.auditPassed);
  let best: StrategyAssessment | null = null;
  for (const a of eligible) if (!best || a.accuracy.mean > best.accuracy.mean) best = a; // cost order: ties keep the cheaper
  if (best) {
    best.verdict = 'best';
    const be = evidenceOf.get(best.strategy)!;
    for (const a of eligible) {
      if (a === best) continue;
      a.vsBest = pairedDifference(be.correct, evidenceOf.get(a.strategy)!.correct, { resamples, seed, level });
      a.verdict = verdictOf(a.vsBest, margin);
    }
    reasons.push(`Best validation accuracy: ${best.strategy}, ${describeAccuracy(best.accuracy)}.`);
    for (const a of assessments) {
      if (a === best || !a.auditPassed || !a.vsBest) continue;
      reasons.push(
        `${a.strategy} (cost rank ${a.costRank}: ${describeCost(a)}): ${pct(a.accuracy.mean)}, ${signedPoints(a.vsBest.difference)} points vs ${best.strategy} ` +
          `(95% interval ${pointsInterval(a.vsBest.ci)}): ${VERDICT_WORDS[a.verdict]}.`,
      );
    }
  }

  const compared = eligible.filter((a) => a !== best);
  let insufficient: 'too-coarse' | 'too-few' | 'overlap' | null = null;
  if (tooCoarse) insufficient = 'too-coarse';
  else if (eligible.length < 2) insufficient = 'too-few';
  else if (compared.every((a) => a.verdict === 'inconclusive')) insufficient = 'overlap';

  let chosen: StrategyAssessment | null = null;
  if (insufficient === null) {
    chosen = eligible.find((a) => a.verdict === 'best' || a.verdict === 'non-inferior') ?? null;
  }
  if (insufficient === 'too-coarse') {
    reasons.push(`Evidence is insufficient: with ${n} validation examples a single example (${points(resolution)} points) outweighs the ${points(margin)}-point margin, so no difference within the margin can be resolved. No strategy is recommended.`);
  } else if (insufficient === 'too-few') {
    reasons.push(`Evidence is insufficient: ${eligible.length} strateg${eligible.length === 1 ? 'y' : 'ies'} passed the freeze audit; a recommendation needs at least two to compare. No strategy is recommended.`);
  } else if (insufficient === 'overlap') {
    reasons.push(
      `Evidence is insufficient: every comparison with ${best!.strategy} is inconclusive — each interval holds both no difference and a loss larger than ${points(margin)} points — so no cheaper strategy can be shown acceptable or ruled out. No strategy is recommended.`,
    );
    flags.push('intervals-overlap: every strategy overlaps the best; more seeds or validation examples are needed before ranking.');
  } else if (chosen) {
    const why = chosen.verdict === 'best' ? 'it has the best validation accuracy and no cheaper strategy is non-inferior to it' : `it is the cheapest strategy non-inferior to ${best!.strategy}`;
    reasons.push(`Recommended: ${chosen.strategy} (${describeCost(chosen)}), because ${why}.`);
    const cheaperOpen = eligible.filter((a) => a.costRank < chosen!.costRank && a.verdict === 'inconclusive');
    for (const a of cheaperOpen) {
      reasons.push(`${a.strategy} is cheaper but could not be shown non-inferior or ruled out (95% interval ${pointsInterval(a.vsBest!.ci)}); more evidence could make it the better choice.`);
    }
  }

  // What the paired scratch baseline says about transfer.
  const scratch = assessments.find((a) => a.strategy === 'scratch');
  if (!scratch) {
    reasons.push('No scratch baseline was run: the gain from transfer is not measured.');
    flags.push('no-scratch-baseline: the benefit of pretrained weights is not measured against training from scratch.');
  } else if (!scratch.auditPassed) {
    reasons.push('The scratch baseline is excluded (audit failed): the gain from transfer is not measured.');
  } else if (best && scratch.verdict === 'best') {
    reasons.push(`scratch has the best validation accuracy: transfer is not justified on this data.`);
    flags.push('transfer-not-justified: training from scratch is at least as accurate as every pretrained strategy.');
  } else if (scratch.vsBest && scratch.verdict === 'non-inferior') {
    reasons.push(`scratch is within the margin of ${best!.strategy} (${signedPoints(scratch.vsBest.difference)} points, 95% interval ${pointsInterval(scratch.vsBest.ci)}): transfer is not justified by accuracy alone.`);
    flags.push(`transfer-not-justified: scratch is non-inferior to ${best!.strategy} within ${points(margin)} points.`);
  } else if (scratch.vsBest && (scratch.verdict === 'inferior' || scratch.verdict === 'worse')) {
    reasons.push(`Transfer pays off: scratch is ${signedPoints(scratch.vsBest.difference)} points vs ${best!.strategy} (95% interval ${pointsInterval(scratch.vsBest.ci)}, paired ${pValue(scratch.vsBest.signTest.pValue)}).`);
  } else if (scratch.vsBest) {
    reasons.push(`Whether transfer beats scratch is not settled: ${signedPoints(scratch.vsBest.difference)} points vs ${best!.strategy} (95% interval ${pointsInterval(scratch.vsBest.ci)}).`);
  }

  const nextExperiments = suggestNextExperiments({
    chosen: chosen?.strategy ?? null,
    insufficient,
    assessments,
    evidence: ordered,
    margin,
    n,
    seeds: seeds.length,
  });

  return {
    strategy: chosen?.strategy ?? null,
    reasons,
    evidence: chosen ? 'sufficient' : 'insufficient',
    flags,
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
