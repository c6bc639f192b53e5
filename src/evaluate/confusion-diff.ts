// How the error pattern changed between two strategies on the same examples: the cell-by-cell
// difference of their confusion matrices, the class pairs whose confusion improved or worsened,
// and whether each change is more than noise.
//
// Pairing: both strategies are evaluated on the same examples (matched by id) and the same seeds
// (A's seed s against B's seed s). For a pair (actual i → predicted j) the paired outcome of an
// example of class i is "predicted as j": under A vs under B. One seed: exact McNemar on the
// discordant examples. Several seeds: each example's outcome is averaged over seeds and an exact
// sign test counts the examples confused more often under A than under B and the reverse. The
// example stays the unit of evidence, because the same examples re-evaluated under another seed
// are not new data; counting example×seed pairs would shrink p-values by repetition alone.
// Counts (countA, countB, delta, diff) are means per seed, so they read as "examples per run".
//
// Multiple comparisons: a k-class problem has k(k−1) pairs. The p-values of one comparison are
// Holm-adjusted over the pairs that have any discordant example (a pair without one cannot show a
// change), and `significant` uses the adjusted value: with many classes a few raw p < 0.05 are
// expected by chance alone.
import { ArgumentError, DataError } from '../errors.js';
import { checkConfusionMatrix, checkClassCount, checkPredictions } from './metrics.js';
import { holmAdjust, mcnemarExact, pairedSignTest } from './statistics.js';
import type { ConfusedPair, ConfusionComparison, ConfusionMatrix, PairChange, Predictions } from '../record/evaluation.js';

/** after − before, cell by cell (positive where `after` puts more examples). */
export function confusionChange(before: ConfusionMatrix, after: ConfusionMatrix): ConfusionMatrix {
  const k = checkConfusionMatrix(before, 'confusionChange (before)');
  const k2 = checkConfusionMatrix(after, 'confusionChange (after)');
  if (k !== k2) throw new ArgumentError(`confusionChange: before is ${k}×${k} but after is ${k2}×${k2}; compare matrices of the same classes`);
  return before.map((row, i) => row.map((v, j) => after[i][j] - v));
}

/**
 * The most frequent confusions (actual ≠ predicted), largest count first, like fastai's
 * most_confused; ties are broken by class index so the order is stable.
 */
export function mostConfused(matrix: ConfusionMatrix, top = 10, minCount = 1): ConfusedPair[] {
  checkConfusionMatrix(matrix, 'mostConfused');
  if (!Number.isInteger(top) || top < 0) throw new ArgumentError(`mostConfused: top must be an integer >= 0, got ${String(top)}`);
  const pairs: ConfusedPair[] = [];
  matrix.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      if (actual !== predicted && count >= minCount && count > 0) pairs.push({ actual, predicted, count });
    }),
  );
  pairs.sort((x, y) => y.count - x.count || x.actual - y.actual || x.predicted - y.predicted);
  return pairs.slice(0, top);
}

/** B's predictions reordered to A's example order; throws unless both cover the same examples with the same labels. */
function alignTo(a: Predictions, b: Predictions, where: string): number[] {
  if (a.ids.length !== b.ids.length) throw new DataError(`${where}: A has ${a.ids.length} examples and B ${b.ids.length}; a paired comparison needs the same examples`);
  const index = new Map<string, number>();
  b.ids.forEach((id, i) => index.set(id, i));
  if (index.size !== b.ids.length) throw new DataError(`${where}: B has repeated example ids; ids must identify examples uniquely`);
  return a.ids.map((id, i) => {
    const j = index.get(id);
    if (j === undefined) throw new DataError(`${where}: example '${id}' is in A but not in B; were they evaluated on the same split?`);
    if (b.labels[j] !== a.labels[i]) throw new DataError(`${where}: example '${id}' has label ${a.labels[i]} in A but ${b.labels[j]} in B; were they evaluated on the same split?`);
    return b.predictions[j];
  });
}

export interface CompareOptions {
  /** Seed of each run pair, for the record (default 0, 1, 2 ...). */
  seeds?: number[];
  /** Significance level after Holm's adjustment (default 0.05). */
  alpha?: number;
}

function checkRuns(a: readonly Predictions[], b: readonly Predictions[], k: number, options: CompareOptions, where: string): { seeds: number[]; alpha: number } {
  checkClassCount(k, where);
  if (a.length === 0 || a.length !== b.length) {
    throw new ArgumentError(`${where}: ${a.length} runs of A and ${b.length} of B; pair one run of each per seed (at least one)`);
  }
  const seeds = options.seeds ?? a.map((_, s) => s);
  if (seeds.length !== a.length) throw new ArgumentError(`${where}: ${seeds.length} seeds given for ${a.length} run pairs`);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new ArgumentError(`${where}: alpha must be in (0, 1), got ${String(alpha)}`);
  return { seeds, alpha };
}

/**
 * Compares A and B over one or more seeds: a[s] and b[s] are the predictions of the two
 * strategies trained with the same seed, on the same examples (matched by id).
 */
export function compareConfusion(a: readonly Predictions[], b: readonly Predictions[], k: number, options: CompareOptions = {}): ConfusionComparison {
  const where = 'compareConfusion';
  const { seeds, alpha } = checkRuns(a, b, k, options, where);
  const ref = a[0];
  checkPredictions(ref, `${where} (A, seed ${seeds[0]})`);
  const n = ref.ids.length;
  if (n === 0) throw new DataError(`${where}: no examples to compare`);
  if (new Set(ref.ids).size !== n) throw new DataError(`${where}: A has repeated example ids; ids must identify examples uniquely`);
  const labels = ref.labels;
  for (const l of labels) if (!Number.isInteger(l) || l < 0 || l >= k) throw new DataError(`${where}: label ${String(l)} is not a class index in [0, ${k - 1}]`);
  // Every run, A and B, in the reference example order.
  const predsA: number[][] = [];
  const predsB: number[][] = [];
  a.forEach((run, s) => {
    checkPredictions(run, `${where} (A, seed ${seeds[s]})`);
    checkPredictions(b[s], `${where} (B, seed ${seeds[s]})`);
    predsA.push(s === 0 ? [...run.predictions] : alignTo(ref, run, `${where} (A, seed ${seeds[s]})`));
    predsB.push(alignTo(ref, b[s], `${where} (B, seed ${seeds[s]})`));
  });
  for (const p of [...predsA, ...predsB]) for (const v of p) if (!Number.isInteger(v) || v < 0 || v >= k) throw new DataError(`${where}: prediction ${String(v)} is not a class index in [0, ${k - 1}]`);
  const S = seeds.length;

  const diff: ConfusionMatrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const countA = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const countB = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  // Discordant example counts per pair, keyed actual * k + predicted.
  const onlyA = new Map<number, number>();
  const onlyB = new Map<number, number>();
  const rightA = new Array<number>(n).fill(0);
  const rightB = new Array<number>(n).fill(0);
  for (let e = 0; e < n; e++) {
    const y = labels[e];
    // How many seeds predicted each class for this example, under A and under B.
    const perA = new Map<number, number>();
    const perB = new Map<number, number>();
    for (let s = 0; s < S; s++) {
      perA.set(predsA[s][e], (perA.get(predsA[s][e]) ?? 0) + 1);
      perB.set(predsB[s][e], (perB.get(predsB[s][e]) ?? 0) + 1);
    }
    rightA[e] = (perA.get(y) ?? 0) / S;
    rightB[e] = (perB.get(y) ?? 0) / S;
    for (const j of new Set([...perA.keys(), ...perB.keys()])) {
      const ca = perA.get(j) ?? 0;
      const cb = perB.get(j) ?? 0;
      // Integer sums here, divided once below, so means of whole counts stay exact.
      countA[y][j] += ca;
      countB[y][j] += cb;
      if (j === y || ca === cb) continue;
      const key = y * k + j;
      const m = ca > cb ? onlyA : onlyB;
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }

  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      countA[i][j] /= S;
      countB[i][j] /= S;
      diff[i][j] = countB[i][j] - countA[i][j];
    }
  }

  const keys = [...new Set([...onlyA.keys(), ...onlyB.keys()])].sort((x, y) => x - y);
  const raw = keys.map((key) => mcnemarExact(onlyA.get(key) ?? 0, onlyB.get(key) ?? 0));
  const adjusted = holmAdjust(raw);
  const improved: PairChange[] = [];
  const worsened: PairChange[] = [];
  keys.forEach((key, t) => {
    const actual = Math.floor(key / k);
    const predicted = key % k;
    const change: PairChange = {
      actual,
      predicted,
      countA: countA[actual][predicted],
      countB: countB[actual][predicted],
      delta: diff[actual][predicted],
      onlyA: onlyA.get(key) ?? 0,
      onlyB: onlyB.get(key) ?? 0,
      pValue: raw[t],
      adjustedP: adjusted[t],
      significant: adjusted[t] < alpha,
    };
    // A pair whose mean count did not move is neither better nor worse (its test cannot be significant).
    if (change.delta < 0) improved.push(change);
    else if (change.delta > 0) worsened.push(change);
  });
  const bySize = (x: PairChange, y: PairChange) => Math.abs(y.delta) - Math.abs(x.delta) || x.pValue - y.pValue || x.actual - y.actual || x.predicted - y.predicted;
  improved.sort(bySize);
  worsened.sort(bySize);

  const accA = rightA.reduce((s, v) => s + v, 0) / n;
  const accB = rightB.reduce((s, v) => s + v, 0) / n;
  const sign = pairedSignTest(rightA, rightB);
  return {
    seeds: [...seeds],
    n,
    diff,
    accuracy: { accuracyA: accA, accuracyB: accB, difference: accB - accA, onlyA: sign.onlyA, onlyB: sign.onlyB, pValue: sign.pValue },
    improved,
    worsened,
    alpha,
  };
}

/** The same comparison seed by seed (one ConfusionComparison per seed, exact McNemar). */
export function compareConfusionPerSeed(a: readonly Predictions[], b: readonly Predictions[], k: number, options: CompareOptions = {}): ConfusionComparison[] {
  const { seeds, alpha } = checkRuns(a, b, k, options, 'compareConfusionPerSeed');
  return a.map((run, s) => compareConfusion([run], [b[s]], k, { seeds: [seeds[s]], alpha }));
}

/**
 * The pairs whose confusion changed significantly while the headline accuracy did not (paired
 * accuracy test p >= alpha): the cases where a single score would hide what transfer changed.
 * Empty when the accuracy itself moved significantly or no pair did.
 */
export function hiddenPatternChanges(cmp: ConfusionComparison): PairChange[] {
  if (cmp.accuracy.pValue < cmp.alpha) return [];
  return [...cmp.improved, ...cmp.worsened].filter((c) => c.significant).sort((x, y) => x.adjustedP - y.adjustedP || Math.abs(y.delta) - Math.abs(x.delta));
}
