// What to run next, cheapest useful experiment first. A recommendation is a point on a cost curve:
// the next experiment probes whether something smaller still works (or, when the evidence was
// insufficient, what would make it sufficient). Suggestions use the run's own numbers.
import type { StrategyName } from '../record/vocabulary.js';
import { seedsNeeded } from './settling.js';
import { points } from './format.js';
import type { StrategyAssessment, StrategyEvidence } from './assessment.js';

export interface NextExperiment {
  /** 1 = run this first. */
  rank: number;
  /** The strategy the experiment runs (null: a data or protocol change). */
  strategy: StrategyName | null;
  label: string;
  why: string;
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

type Draft = Omit<NextExperiment, 'rank'>;

/** lr / 3 to two significant digits: a step down that is clearly smaller, not a new search. */
function lower(lr: number): string {
  return String(Number((lr / 3).toPrecision(2)));
}

function sdOf(values: readonly number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
}

function moreEvidence(ctx: NextContext, about: readonly StrategyAssessment[]): Draft[] {
  const out: Draft[] = [];
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
  const drafts: Draft[] = [];
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
      const slower = lr ? `a lower learning rate (${lower(lr)} instead of ${lr})` : 'a lower learning rate';
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
    const fewerEpochs = (): Draft | null =>
      cfg && sel !== null && sel < cfg.epochs
        ? { strategy: chosen, label: `${chosen} with ${sel} epoch(s) instead of ${cfg.epochs}`, why: `Validation selected epoch ${sel} at the latest; the remaining epochs cost compute without improving the selected model.` }
        : null;
    if (chosen === 'scratch') {
      drafts.push({
        strategy: 'scratch',
        label: 'Transfer is not justified: try a smaller scratch model or a shorter schedule',
        why: 'Training from scratch matched the pretrained strategies within the margin, so the next saving is in the scratch model itself.',
      });
      const f = fewerEpochs();
      if (f) drafts.push(f);
    } else if (chosen === 'frozen') {
      const f = fewerEpochs();
      if (f) drafts.push(f);
      drafts.push({
        strategy: 'frozen',
        label: 'frozen with a smaller label budget (--label-budget)',
        why: 'The linear probe is already acceptable and the head is a single linear layer: what is left to save is labelled data.',
      });
    } else if (chosen === 'partial_unfreeze') {
      const k = cfg?.partialK ?? null;
      if (k !== null && k > 1) {
        drafts.push({ strategy: 'partial_unfreeze', label: `partial_unfreeze with ${k - 1} unfrozen group(s) instead of ${k}`, why: 'Fewer unfrozen groups train and store less; it may stay within the margin.' });
      } else {
        drafts.push({ strategy: 'partial_unfreeze', label: 'partial_unfreeze with fewer unfrozen groups', why: 'Unfreezing less trains and stores less; it may stay within the margin.' });
      }
      const lr = cfg?.backboneLr ?? null;
      drafts.push({
        strategy: 'partial_unfreeze',
        label: lr !== null ? `partial_unfreeze with a lower backbone learning rate (${lower(lr)} instead of ${lr})` : 'partial_unfreeze with a lower backbone learning rate',
        why: 'A gentler update of the unfrozen groups keeps more of the pretrained features and can close the gap to frozen.',
      });
    } else if (chosen === 'full_finetune') {
      const partial = assess.get('partial_unfreeze');
      const k = ev.get('partial_unfreeze')?.config?.partialK ?? null;
      drafts.push({
        strategy: 'partial_unfreeze',
        label: k !== null ? `partial_unfreeze with more unfrozen groups (${k + 1} instead of ${k})` : 'partial_unfreeze with more unfrozen groups',
        why: partial ? `partial_unfreeze was ${partial.verdict} against the best; unfreezing a little more may reach the margin at lower cost.` : 'No partial depth was run; it is the natural step below full fine-tuning.',
      });
      drafts.push(
        cfg && cfg.layerDecay === null
          ? { strategy: 'full_finetune', label: 'full_finetune with layer-wise learning-rate decay (--layer-decay 0.75)', why: 'Lower rates for early layers keep general features and often make a shallower update enough.' }
          : { strategy: 'full_finetune', label: 'LP-FT: the head first on frozen features, then everything (--strategies lp_ft)', why: 'A trained head before unfreezing distorts the pretrained features less.' },
      );
    }
  }
  return drafts.map((d, i) => ({ rank: i + 1, ...d }));
}
