// What to run next, cheapest useful experiment first. A recommendation is a point on a cost curve:
// the next experiment probes whether something smaller still works (or, when the evidence was
// insufficient, what would make it sufficient). Suggestions use the run's own numbers; what to try
// once a strategy is chosen is that strategy's own answer (adapt/strategy-answers.ts).
import type { StrategyName } from '../record/vocabulary.js';
import { answersOf, lowerRate, type ExperimentHint } from '../adapt/strategy-answers.js';
import { seedsNeeded } from './settling.js';
import { points } from './format.js';
import type { StrategyAssessment, StrategyEvidence } from './assessment.js';

/** A suggestion (the strategy it runs, null for a data or protocol change; what; why) with its place in the order. */
export interface NextExperiment extends ExperimentHint {
  /** 1 = run this first. */
  rank: number;
}

export interface NextContext {
  chosen: StrategyName | null;
  /** Why nothing was recommended: only one strategy ran, or none passed the gates; null when something was. */
  insufficient: 'too-few' | 'none-eligible' | null;
  assessments: readonly StrategyAssessment[];
  evidence: readonly StrategyEvidence[];
  margin: number;
  n: number;
  seeds: number;
}


function sdOf(values: readonly number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
}

function moreEvidence(ctx: NextContext, about: readonly StrategyAssessment[]): ExperimentHint[] {
  const out: ExperimentHint[] = [];
  let exHalf = 0;
  let seedHalf = 0;
  let worstSeedSd = 0;
  for (const a of about) {
    if (!a.vsBest) continue;
    exHalf = Math.max(exHalf, (a.vsBest.exampleCi[1] - a.vsBest.exampleCi[0]) / 2);
    if (a.vsBest.seedCi) {
      seedHalf = Math.max(seedHalf, (a.vsBest.seedCi[1] - a.vsBest.seedCi[0]) / 2);
      worstSeedSd = Math.max(worstSeedSd, sdOf(a.vsBest.perSeed));
    }
  }
  const names = about.map((a) => a.strategy).join(', ');
  if (seedHalf > exHalf) {
    const need = seedsNeeded(worstSeedSd, ctx.margin);
    out.push({
      strategy: null,
      label: need ? `Run more seeds: about ${need} instead of ${ctx.seeds}` : `Run more seeds (now ${ctx.seeds})`,
      why: `Seed-to-seed variation dominates the interval for ${names} (±${points(seedHalf)} points over seeds vs ±${points(exHalf)} over examples), wider than the ${points(ctx.margin)}-point margin.`,
    });
  } else if (exHalf > 0) {
    const factor = Math.max(2, Math.ceil((exHalf / ctx.margin) ** 2));
    out.push({
      strategy: null,
      label: `Enlarge the validation split about ${factor}× (to ≈${factor * ctx.n} examples)`,
      why: `Which examples are in the split dominates the interval for ${names} (±${points(exHalf)} points over examples vs the ${points(ctx.margin)}-point margin); the half-width shrinks with √N.`,
    });
  } else if (ctx.seeds === 1) {
    out.push({ strategy: null, label: 'Run at least 3 seeds per strategy', why: 'With one seed the training noise of each strategy is unknown.' });
  }
  return out;
}

function maxSelectedEpoch(e: StrategyEvidence | undefined): number | null {
  if (!e?.selectedEpochs || e.selectedEpochs.length === 0) return null;
  return Math.max(...e.selectedEpochs);
}

export function suggestNextExperiments(ctx: NextContext): NextExperiment[] {
  const drafts: ExperimentHint[] = [];
  const ev = new Map(ctx.evidence.map((e) => [e.strategy, e]));
  const assess = new Map(ctx.assessments.map((a) => [a.strategy, a]));

  for (const a of ctx.assessments) {
    if (a.auditPassed) continue;
    const failures = ev.get(a.strategy)?.audit.failures ?? [];
    drafts.push({
      strategy: a.strategy,
      label: `Fix the freeze audit of ${a.strategy} and rerun it`,
      why: `Its frozen weights moved${failures.length ? ` (${failures.join('; ')})` : ''}, so its scores do not measure ${a.strategy}; it may well be the cheapest acceptable depth.`,
    });
  }

  // Strategies the gates flagged: what this run's own numbers say to try.
  for (const a of ctx.assessments) {
    const e = ev.get(a.strategy);
    const sanity = e?.sanity;
    if (!sanity || !e) continue;
    const epochs = e.config?.epochs;
    if (sanity.undertrained && epochs) {
      drafts.push({
        strategy: a.strategy,
        label: `${a.strategy} with ${2 * epochs} epochs instead of ${epochs}`,
        why: `Its validation accuracy was still rising at its last epoch on most seeds: the budget was too short for it, so its place in the decision is not final.`,
      });
    }
    if (sanity.didNotLearn && !sanity.undertrained) {
      const lr = e.config?.headLr;
      const slower = lr ? `a lower learning rate (${lowerRate(lr)} instead of ${lr})` : 'a lower learning rate';
      drafts.push({
        strategy: a.strategy,
        label: epochs ? `${a.strategy} with ${2 * epochs} epochs instead of ${epochs}, or with ${slower}` : `${a.strategy} with ${slower}`,
        why: 'It stayed at the majority-class rate: its budget was too short to get it started, or its training diverged.',
      });
    }
    if (sanity.unstable && !sanity.didNotLearn) {
      drafts.push({
        strategy: a.strategy,
        label: `Rerun ${a.strategy} with more seeds (${sanity.unstable.seeds.map((s) => `seed ${s}`).join(', ')} stood apart)`,
        why: `${sanity.unstable.detail}: one run that failed to converge widens every interval it enters; more seeds, or a lower learning rate${e.config ? ` than ${e.config.headLr}` : ''}, show whether it was chance.`,
      });
    }
  }

  if (ctx.insufficient === 'too-few') {
    drafts.push({
      strategy: null,
      label: 'Run at least two strategies (scratch and frozen are the cheapest pair)',
      why: 'A depth can only be recommended relative to another one measured on the same examples and seeds.',
    });
  }

  const chosen = ctx.chosen;
  if (chosen) {
    const rank = assess.get(chosen)!.costRank;
    const open = ctx.assessments.filter((a) => a.costRank < rank && a.verdict === 'inconclusive');
    for (const a of open) {
      drafts.push({
        strategy: a.strategy,
        label: `Re-test ${a.strategy} with more evidence`,
        why: `It is cheaper than ${chosen} and was neither shown non-inferior nor ruled out.`,
      });
    }
    if (open.length > 0) drafts.push(...moreEvidence(ctx, open));

    const e = ev.get(chosen);
    const cfg = e?.config;
    const sel = maxSelectedEpoch(e);
    const fewerEpochs: ExperimentHint | null =
      cfg && sel !== null && sel < cfg.epochs
        ? { strategy: chosen, label: `${chosen} with ${sel} epoch(s) instead of ${cfg.epochs}`, why: `Validation selected epoch ${sel} at the latest; the remaining epochs cost compute without improving the selected model.` }
        : null;
    drafts.push(
      ...answersOf(chosen).whenChosen({
        config: cfg,
        fewerEpochs,
        other: (name) => {
          const a = assess.get(name);
          return a ? { verdict: a.verdict, config: ev.get(name)?.config } : undefined;
        },
      }),
    );
  }
  return drafts.map((d, i) => ({ rank: i + 1, ...d }));
}
