// Which examples each strategy's gallery shows: on one seed's predictions of one split, the
// examples the strategy got wrong and, against a baseline trained on the same seed, those
// transfer fixed (the baseline wrong, the strategy right) and broke (the baseline right, the
// strategy wrong). Plain data from the trial records; what an example looks like is given to
// the report separately (ExampleDisplay), so nothing here depends on the modality.
import type { TrialRecord } from '../record/run-record.js';
import type { Predictions } from '../record/evaluation.js';
import type { ReportSplit } from './types.js';

/** Examples shown per strategy at most (wrong and fixed together). */
export const GALLERY_LIMIT = 24;
/** Fixed examples shown at least, when there are that many, so wrong ones cannot crowd them out. */
const FIXED_AT_LEAST = 8;

export interface GalleryExample {
  id: string;
  /** Class indices. */
  actual: number;
  predicted: number;
  /** Probability the model gave its prediction (softmax); null when the record holds none. */
  confidence: number | null;
  /** The baseline's prediction on the same seed, when compared. */
  baseline: { predicted: number; confidence: number | null } | null;
}

export interface StrategyGallery {
  strategy: string;
  seed: number;
  split: ReportSplit;
  /** Examples in the split, and how many this seed got wrong. */
  examples: number;
  wrong: number;
  /** Against the baseline's same seed; null for the baseline itself, or when the baseline did not run this seed. */
  against: { baseline: string; fixed: number; broke: number } | null;
  /** Examples it got wrong, those transfer broke first, then the most confident; at most GALLERY_LIMIT with `fixed`. */
  shownWrong: (GalleryExample & { broke: boolean })[];
  /** Examples transfer fixed, the most confident first. */
  shownFixed: GalleryExample[];
}

/** One example of a Predictions record, by position. */
function exampleAt(p: Predictions, i: number): { id: string; actual: number; predicted: number; confidence: number | null } {
  const c = Array.isArray(p.confidence) ? p.confidence[i] : undefined;
  return { id: String(p.ids[i]), actual: p.labels[i], predicted: p.predictions[i], confidence: typeof c === 'number' && Number.isFinite(c) ? c : null };
}

/** Most confident first; examples without a confidence last; ties keep the split's order. */
function byConfidence<T extends { confidence: number | null; order: number }>(a: T, b: T): number {
  return (b.confidence ?? -1) - (a.confidence ?? -1) || a.order - b.order;
}

/**
 * The seed a strategy's gallery uses: the smallest seed every strategy ran (so all galleries show
 * the same seed), else the smallest seed it ran with the baseline, else its smallest.
 */
function gallerySeed(seeds: readonly number[], common: readonly number[], baselineSeeds: readonly number[]): number {
  const shared = (pool: readonly number[]): number | undefined => seeds.filter((s) => pool.includes(s)).sort((a, b) => a - b)[0];
  return shared(common) ?? shared(baselineSeeds) ?? [...seeds].sort((a, b) => a - b)[0];
}

/**
 * One gallery per strategy of `trials` (one modality; a seed's folds already joined), in the
 * order strategies first appear in `order` (others after, by first appearance in `trials`).
 * `baseline` names the strategy fixed and broke are counted against; null for none.
 */
export function buildGalleries(trials: readonly TrialRecord[], split: ReportSplit, baseline: string | null, order: readonly string[] = []): StrategyGallery[] {
  const byStrategy = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const p = t.predictions?.[split];
    if (!p || !Array.isArray(p.ids) || p.ids.length !== p.labels?.length || p.ids.length !== p.predictions?.length) continue;
    byStrategy.set(String(t.strategy), [...(byStrategy.get(String(t.strategy)) ?? []), t]);
  }
  const names = [...order.filter((s) => byStrategy.has(s)), ...[...byStrategy.keys()].filter((s) => !order.includes(s))];
  const seedsOf = (s: string): number[] => (byStrategy.get(s) ?? []).map((t) => t.seed);
  const common = names.length === 0 ? [] : seedsOf(names[0]).filter((seed) => names.every((s) => seedsOf(s).includes(seed)));
  const base = baseline !== null && byStrategy.has(baseline) ? baseline : null;

  return names.map((strategy): StrategyGallery => {
    const seed = gallerySeed(seedsOf(strategy), common, base === null ? [] : seedsOf(base));
    const own = byStrategy.get(strategy)!.find((t) => t.seed === seed)!.predictions[split];
    const other = base === null || base === strategy ? undefined : byStrategy.get(base)!.find((t) => t.seed === seed)?.predictions[split];
    const baseAt = new Map<string, number>();
    other?.ids.forEach((id, i) => baseAt.set(String(id), i));
    const wrong: (GalleryExample & { broke: boolean; order: number })[] = [];
    const fixed: (GalleryExample & { order: number })[] = [];
    let broke = 0;
    for (let i = 0; i < own.ids.length; i++) {
      const e = exampleAt(own, i);
      const j = baseAt.get(e.id);
      const b = other !== undefined && j !== undefined ? exampleAt(other, j) : null;
      const vs = b === null ? null : { predicted: b.predicted, confidence: b.confidence };
      if (e.predicted !== e.actual) {
        const isBroke = b !== null && b.predicted === b.actual;
        if (isBroke) broke++;
        wrong.push({ ...e, baseline: vs, broke: isBroke, order: i });
      } else if (b !== null && b.predicted !== b.actual) {
        fixed.push({ ...e, baseline: vs, order: i });
      }
    }
    wrong.sort((a, b) => Number(b.broke) - Number(a.broke) || byConfidence(a, b));
    fixed.sort(byConfidence);
    const fixedShown = Math.min(fixed.length, Math.max(FIXED_AT_LEAST, GALLERY_LIMIT - wrong.length));
    const strip = <T extends { order: number }>({ order: _, ...rest }: T): Omit<T, 'order'> => rest;
    return {
      strategy,
      seed,
      split,
      examples: own.ids.length,
      wrong: wrong.length,
      against: other === undefined ? null : { baseline: base!, fixed: fixed.length, broke },
      shownWrong: wrong.slice(0, GALLERY_LIMIT - fixedShown).map(strip),
      shownFixed: fixed.slice(0, fixedShown).map(strip),
    };
  });
}

/**
 * Every example id a gallery of these trials could show, on either split and against any of
 * `baselines` (or none): what the lab needs displays for.
 */
export function galleryExampleIds(trials: readonly TrialRecord[], baselines: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const split of ['validation', 'test'] as const) {
    for (const baseline of [null, ...baselines]) {
      for (const g of buildGalleries(trials, split, baseline)) for (const e of [...g.shownWrong, ...g.shownFixed]) ids.add(e.id);
    }
  }
  return ids;
}
