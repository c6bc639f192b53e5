// How far this evidence is from settling the decision: the smallest margin at which it settles,
// and how many more seeds or validation examples would settle each open comparison at the
// margin asked for. Pure functions of the assessments recommend() made.
import { tQuantile } from '../evaluate/statistics.js';
import type { StrategyName } from '../record/vocabulary.js';
import { points, signedPoints } from './format.js';
import type { StrategyAssessment } from './assessment.js';

/** The choice at margin m: the cheapest acceptable, settled when nothing cheaper is still open. */
function decisionAt(eligible: readonly StrategyAssessment[], m: number): { strategy: StrategyName; settled: boolean } | null {
  for (const a of eligible) {
    if (a.verdict === 'best') return { strategy: a.strategy, settled: true };
    if (!a.vsBest) continue;
    const [lo, hi] = a.vsBest.ci;
    if (lo > -m) return { strategy: a.strategy, settled: true };
    if (!(hi < -m)) {
      // open at m: the choice would be the next acceptable one, unsettled
      const rest = eligible.slice(eligible.indexOf(a) + 1).find((b) => b.verdict === 'best' || (b.vsBest !== null && b.vsBest.ci[0] > -m));
      return rest ? { strategy: rest.strategy, settled: false } : null;
    }
  }
  return null;
}

/**
 * The smallest margin (a fraction) at which every strategy cheaper than the choice is either
 * acceptable or ruled out, with the choice there. `eligible` is cheapest first. Margins are only
 * tried where a verdict can change: at each interval end.
 */
export function settlingMargin(eligible: readonly StrategyAssessment[], margin: number): { margin: number; strategy: StrategyName } | null {
  const ends = new Set<number>([margin]);
  for (const a of eligible) {
    if (!a.vsBest) continue;
    for (const end of a.vsBest.ci) if (end < 0) ends.add(-end);
  }
  const tries = [...ends].flatMap((m) => [m * (1 - 1e-9), m * (1 + 1e-9)]).filter((m) => m > 0 && m < 1).sort((x, y) => x - y);
  for (const m of tries) {
    const d = decisionAt(eligible, m);
    if (d?.settled) return { margin: Number(m.toPrecision(6)), strategy: d.strategy };
  }
  return null;
}

function sd(values: readonly number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
}

/** Smallest seed count whose t half-width sd·t(S−1)/√S falls below `target` (null past the cap). */
export function seedsNeeded(spread: number, target: number, cap = 50): number | null {
  if (!(spread > 0)) return 2;
  for (let s = 2; s <= cap; s++) if ((tQuantile(0.975, s - 1) * spread) / Math.sqrt(s) < target) return s;
  return null;
}

/**
 * For each open comparison: the interval must shrink until it no longer straddles −margin, i.e.
 * its half-width must fall below |d + margin|. The seed interval shrinks with more seeds (t over
 * per-seed differences), the example interval with √N.
 */
export function evidenceToSettle(open: readonly StrategyAssessment[], margin: number, n: number, seeds: number): string[] {
  const out: string[] = [];
  for (const a of open) {
    const v = a.vsBest;
    if (!v) continue;
    const gap = Math.abs(v.difference + margin);
    const where = `${a.strategy} (${signedPoints(v.difference)} points, interval ${signedPoints(v.ci[0])} to ${signedPoints(v.ci[1])})`;
    if (gap < 0.1 / Math.max(1, n)) {
      out.push(`${where} sits on the ${points(margin)}-point margin itself; no practical amount of evidence separates it from the margin, so decide the margin first.`);
      continue;
    }
    const exHalf = (v.exampleCi[1] - v.exampleCi[0]) / 2;
    const parts: string[] = [];
    if (v.seedCi) {
      const seedHalf = (v.seedCi[1] - v.seedCi[0]) / 2;
      if (seedHalf >= gap) {
        const need = seedsNeeded(sd(v.perSeed), gap);
        parts.push(need ? `about ${need} seeds (now ${v.perSeed.length})` : `many more seeds than ${v.perSeed.length} (the seeds disagree widely)`);
      }
    } else if (seeds <= 1) {
      parts.push('at least 3 seeds');
    }
    if (exHalf >= gap) {
      const factor = Math.ceil((exHalf / gap) ** 2);
      parts.push(`about ${factor * n} validation examples (now ${n}; with cross-validation, labelled examples)`);
    }
    out.push(parts.length ? `${where}: ${parts.join(' and ')} would settle it at the ${points(margin)}-point margin.` : `${where}: one more round of seeds should settle it.`);
  }
  return out;
}
