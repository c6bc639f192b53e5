// Racing: gather the evidence the decision needs instead of a fixed grid. A first round runs
// every strategy on the first seeds; after each round the decision is made on everything so far,
// strategies that can no longer change it stop, and the ones still in question get the next
// seed. Pure: the decision and the seeds run so far in, the next round (or why it ends) out.
import type { StrategyName } from '../record/vocabulary.js';
import { isOpen, type RecommendResult } from './recommend.js';

/** Seeds every strategy runs in a race's first round (fewer when fewer are allowed). */
export const FIRST_ROUND_SEEDS = 2;

export interface Unit {
  strategy: StrategyName;
  seed: number;
}

export interface NextRound {
  /** The trials to run next; empty when the race is over. */
  units: Unit[];
  /** Strategies that get no more seeds, and why. */
  stopped: { strategy: StrategyName; reason: string }[];
  /** Why another round runs, or why the race ends. */
  next: string;
}

/** The first round: every strategy on the first FIRST_ROUND_SEEDS seeds (a grid: on every seed). */
export function firstRound(strategies: readonly StrategyName[], seeds: readonly number[], schedule: 'race' | 'grid'): Unit[] {
  const first = schedule === 'grid' ? seeds : seeds.slice(0, FIRST_ROUND_SEEDS);
  return strategies.flatMap((strategy) => first.map((seed) => ({ strategy, seed })));
}

/**
 * What the race does after a decision. Strategies that stay: the best (every comparison is made
 * against it) and every strategy that could still be the answer — eligible, not ruled out, and
 * no dearer than the cheapest acceptable one. The rest stop: excluded by the gates, ruled out,
 * or dearer than a strategy already shown acceptable. Each staying strategy gets its next seed.
 */
export function nextRound(decision: RecommendResult, seedsRun: ReadonlyMap<StrategyName, readonly number[]>, seeds: readonly number[]): NextRound {
  const chosen = decision.assessments.find((a) => a.strategy === decision.strategy);
  const stopped: NextRound['stopped'] = [];
  const staying: StrategyName[] = [];
  for (const a of decision.assessments) {
    let reason: string | null = null;
    if (!a.eligible) reason = a.auditPassed ? 'excluded by the sanity gates' : 'freeze audit failed';
    else if (a.verdict === 'inferior') reason = `ruled out: loses more than the margin to ${decision.best}`;
    else if (chosen && a.costRank > chosen.costRank && a.verdict !== 'best') reason = `dearer than ${chosen.strategy}, which is already acceptable`;
    if (reason) stopped.push({ strategy: a.strategy, reason });
    else staying.push(a.strategy);
  }
  if (decision.evidence === 'insufficient') return { units: [], stopped, next: 'ended: no strategy can be recommended on this evidence, and more seeds of the same strategies would not change which ones passed the gates' };
  if (decision.settled) return { units: [], stopped, next: `ended: no strategy cheaper than ${decision.strategy} is still open` };
  const open = decision.assessments.filter((a) => a.eligible && isOpen(a.verdict) && staying.includes(a.strategy)).map((a) => a.strategy);
  const units: Unit[] = [];
  for (const strategy of staying) {
    const ran = seedsRun.get(strategy) ?? [];
    const seed = seeds.find((s) => !ran.includes(s));
    if (seed !== undefined) units.push({ strategy, seed });
  }
  if (units.length === 0) return { units, stopped, next: `ended: every allowed seed has run and ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} still open` };
  return { units, stopped, next: `another seed for ${units.map((u) => u.strategy).join(', ')}: ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} still open against ${decision.best}` };
}
