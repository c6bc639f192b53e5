// The statistics behind every comparison adaptlab makes: spread over seeds (Student's t), paired
// per-example tests (exact McNemar / sign test), a seeded paired bootstrap, Holm's correction and
// the validation resolution. All exact or deterministic: the same records give the same numbers.
import { ArgumentError } from '../errors.js';
import type { SeedStat } from '../adapt/run-record.js';
import { createRng } from './random.js';

function checkValues(values: readonly number[], where: string, min = 1): void {
  if (values.length < min) throw new ArgumentError(`${where}: needs at least ${min} value(s), got ${values.length}`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${where}: value ${i} is ${String(v)}, expected a finite number`);
  });
}

export function mean(values: readonly number[]): number {
  checkValues(values, 'mean');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1 denominator); needs two values to say anything about spread. */
export function sampleSd(values: readonly number[]): number {
  checkValues(values, 'sampleSd', 2);
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * P(|T| <= t) for Student's t with integer df, by the finite trigonometric series of
 * Abramowitz & Stegun 26.7.3 (odd df) and 26.7.4 (even df). Exact up to rounding for every
 * integer df, with no table and no incomplete-beta approximation.
 */
function tCentralProbability(t: number, df: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const c2 = c * c;
  if (df % 2 === 1) {
    if (df === 1) return (2 / Math.PI) * theta;
    let term = c;
    let sum = c;
    for (let k = 1; k <= (df - 3) / 2; k++) {
      term *= (c2 * (2 * k)) / (2 * k + 1);
      sum += term;
    }
    return Math.min(1, (2 / Math.PI) * (theta + s * sum));
  }
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= (df - 2) / 2; k++) {
    term *= (c2 * (2 * k - 1)) / (2 * k);
    sum += term;
  }
  return Math.min(1, s * sum);
}

/** Student's t cumulative distribution function, integer df >= 1. */
export function tCdf(t: number, df: number): number {
  checkDf(df, 'tCdf');
  if (Number.isNaN(t)) throw new ArgumentError('tCdf: t is NaN');
  const half = tCentralProbability(t, df) / 2;
  return t >= 0 ? 0.5 + half : 0.5 - half;
}

function checkDf(df: number, where: string): void {
  if (!Number.isInteger(df) || df < 1) throw new ArgumentError(`${where}: degrees of freedom must be an integer >= 1 (seeds − 1), got ${String(df)}`);
}

/**
 * The p-quantile of Student's t with integer df (e.g. tQuantile(0.975, 2) = 4.303). Inverts the
 * exact CDF by bisection: slow-ish but only called a handful of times per report, and accurate
 * to ~1e-12 for every df.
 */
export function tQuantile(p: number, df: number): number {
  checkDf(df, 'tQuantile');
  if (!(p > 0 && p < 1)) throw new ArgumentError(`tQuantile: p must be in (0, 1), got ${String(p)}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  const target = 2 * p - 1; // P(|T| <= t)
  let lo = 0;
  let hi = 1;
  while (tCentralProbability(hi, df) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCentralProbability(mid, df) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Two-sided t interval of the mean; null with a single value (no spread to measure). */
export function tInterval(values: readonly number[], level = 0.95): [number, number] | null {
  checkValues(values, 'tInterval');
  checkLevel(level, 'tInterval');
  if (values.length < 2) return null;
  const m = mean(values);
  const half = (tQuantile(0.5 + level / 2, values.length - 1) * sampleSd(values)) / Math.sqrt(values.length);
  return [m - half, m + half];
}

function checkLevel(level: number, where: string): void {
  if (!(level > 0 && level < 1)) throw new ArgumentError(`${where}: the confidence level must be in (0, 1), e.g. 0.95, got ${String(level)}`);
}

/**
 * Mean, sample sd and 95% t interval over seeds. With one seed the spread is unknown: sd and the
 * interval are NaN (null in JSON) rather than a zero-width interval that would claim certainty.
 */
export function seedStat(values: readonly number[]): SeedStat {
  checkValues(values, 'seedStat');
  const m = mean(values);
  if (values.length === 1) return { mean: m, sd: Number.NaN, ci95: [Number.NaN, Number.NaN], values: [...values] };
  const ci = tInterval(values, 0.95) as [number, number];
  return { mean: m, sd: sampleSd(values), ci95: ci, values: [...values] };
}

/**
 * Exact two-sided McNemar test (a two-sided binomial test of b vs c at p = 1/2, doubling the
 * smaller tail, capped at 1). b and c are the discordant counts; concordant pairs carry no
 * information about a difference. Up to 1000 discordant pairs the tail is summed in exact
 * integers (BigInt) and rounded once; beyond, in log space so it cannot underflow.
 */
export function mcnemarExact(b: number, c: number): number {
  for (const [name, v] of [['b', b], ['c', c]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`mcnemarExact: ${name} must be a count (integer >= 0), got ${String(v)}`);
  }
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  if (n <= 1000) {
    let term = 1n; // C(n, 0)
    let sum = 1n;
    for (let i = 1; i <= k; i++) {
      term = (term * BigInt(n - i + 1)) / BigInt(i); // exact: C(n, i) = C(n, i−1)·(n−i+1)/i
      sum += term;
    }
    return Math.min(1, (2 * Number(sum)) / 2 ** n);
  }
  // log P(X = i) = log C(n, i) − n log 2, accumulated with log-sum-exp.
  let logC = 0;
  let logSum = -Infinity;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    const lt = logC - n * Math.LN2;
    const hiL = Math.max(logSum, lt);
    logSum = hiL + Math.log(Math.exp(logSum - hiL) + Math.exp(lt - hiL));
  }
  return Math.min(1, 2 * Math.exp(logSum));
}

export interface SignTest {
  /** Examples where A scores higher than B. */
  onlyA: number;
  /** Examples where B scores higher than A. */
  onlyB: number;
  pValue: number;
}

/**
 * Paired exact sign test over examples: counts the examples where A's outcome is above B's and
 * the reverse, ties dropped. With 0/1 outcomes (one seed) this is exactly McNemar's test; with
 * outcomes averaged over seeds it keeps the example as the unit of evidence, so repeating the
 * same examples under more seeds does not pretend to be more data.
 */
export function pairedSignTest(a: readonly number[], b: readonly number[]): SignTest {
  if (a.length !== b.length) throw new ArgumentError(`pairedSignTest: ${a.length} outcomes for A but ${b.length} for B; they must be the same examples`);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) onlyA++;
    else if (b[i] > a[i]) onlyB++;
  }
  return { onlyA, onlyB, pValue: mcnemarExact(onlyA, onlyB) };
}

/** McNemar on per-example correctness of two strategies (same examples, same order). */
export function mcnemar(correctA: readonly boolean[], correctB: readonly boolean[]): SignTest {
  return pairedSignTest(correctA.map(Number), correctB.map(Number));
}

/** Per-example mean over seeds of a 0/1 outcome: rows[s][i] → out[i]. */
export function seedAveraged(rows: readonly (readonly boolean[])[], where = 'seedAveraged'): number[] {
  if (rows.length === 0) throw new ArgumentError(`${where}: no seeds`);
  const n = rows[0].length;
  rows.forEach((r, s) => {
    if (r.length !== n) throw new ArgumentError(`${where}: seed #${s} has ${r.length} examples, seed #0 has ${n}; every seed must cover the same examples`);
  });
  const out = new Array<number>(n).fill(0);
  for (const r of rows) for (let i = 0; i < n; i++) if (r[i]) out[i] += 1;
  return out.map((v) => v / rows.length);
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  level?: number;
}

export interface BootstrapInterval {
  /** mean(b) − mean(a) on the data as observed. */
  difference: number;
  ci: [number, number];
  resamples: number;
  seed: number;
}

/** Linear-interpolation quantile of sorted values (the "type 7" rule of R and NumPy). */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile CI of mean(b) − mean(a) by resampling examples with replacement, keeping each
 * example's pair together (the paired bootstrap). Deterministic for a given seed.
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): BootstrapInterval {
  const resamples = options.resamples ?? 2000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  checkLevel(level, 'pairedBootstrap');
  if (!Number.isInteger(resamples) || resamples < 1) throw new ArgumentError(`pairedBootstrap: resamples must be an integer >= 1, got ${String(resamples)}`);
  if (a.length !== b.length) throw new ArgumentError(`pairedBootstrap: ${a.length} outcomes for A but ${b.length} for B; they must be the same examples`);
  if (a.length === 0) throw new ArgumentError('pairedBootstrap: no examples to resample');
  checkValues(a, 'pairedBootstrap (A)');
  checkValues(b, 'pairedBootstrap (B)');
  const n = a.length;
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = b[i] - a[i];
    sum += d[i];
  }
  const rng = createRng(seed);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    stats[r] = s / n;
  }
  stats.sort();
  const tail = (1 - level) / 2;
  return { difference: sum / n, ci: [sortedQuantile(stats, tail), sortedQuantile(stats, 1 - tail)], resamples, seed };
}

/** Holm's step-down adjustment: controls the family-wise error over the given p-values. */
export function holmAdjust(pValues: readonly number[]): number[] {
  checkValues(pValues, 'holmAdjust', 0);
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Accuracy points one validation example is worth: 100 / N. */
export function validationResolution(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`validationResolution: N must be a positive integer count of validation examples, got ${String(n)}`);
  return 100 / n;
}

export interface PairedDifference {
  /** Mean over seeds of accuracy(B) − accuracy(A), as a fraction. */
  difference: number;
  /** accuracy(B) − accuracy(A) for each seed (A's seed s paired with B's seed s). */
  perSeed: number[];
  /** t interval over the per-seed differences (training noise); null with one seed. */
  seedCi: [number, number] | null;
  /** Paired bootstrap over examples of the seed-averaged correctness (sampling noise). */
  exampleCi: [number, number];
  /** The wider of the two: [min of lower ends, max of upper ends]. */
  ci: [number, number];
  signTest: SignTest;
}

/**
 * Everything adaptlab knows about accuracy(B) − accuracy(A) from per-example correctness
 * correct[s][i] of both on the same examples and seeds. The two intervals measure different
 * noise (which seed trained the model; which examples made up the split); the reported `ci`
 * takes the wider end on each side so neither source is ignored.
 */
export function pairedDifference(
  correctA: readonly (readonly boolean[])[],
  correctB: readonly (readonly boolean[])[],
  options: BootstrapOptions = {},
): PairedDifference {
  if (correctA.length !== correctB.length || correctA.length === 0) {
    throw new ArgumentError(`pairedDifference: ${correctA.length} seeds for A and ${correctB.length} for B; pair the same seeds (at least one)`);
  }
  const level = options.level ?? 0.95;
  const a = seedAveraged(correctA, 'pairedDifference (A)');
  const b = seedAveraged(correctB, 'pairedDifference (B)');
  if (a.length !== b.length) throw new ArgumentError(`pairedDifference: A covers ${a.length} examples, B ${b.length}; they must be the same examples`);
  const perSeed = correctA.map((ra, s) => {
    const rb = correctB[s];
    let diff = 0;
    for (let i = 0; i < ra.length; i++) diff += Number(rb[i]) - Number(ra[i]);
    return diff / ra.length;
  });
  const seedCi = tInterval(perSeed, level);
  const boot = pairedBootstrap(a, b, options);
  const ci: [number, number] = seedCi ? [Math.min(seedCi[0], boot.ci[0]), Math.max(seedCi[1], boot.ci[1])] : boot.ci;
  return { difference: mean(perSeed), perSeed, seedCi, exampleCi: boot.ci, ci, signTest: pairedSignTest(a, b) };
}

/**
 * Exact one-sided binomial test: P(X >= k) for X ~ Binomial(n, p). The probability mass is
 * accumulated in log space (log C(n, i) by recurrence), so large n cannot underflow.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`binomialUpperTail: n must be a count (integer >= 0), got ${String(n)}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new ArgumentError(`binomialUpperTail: k must be an integer in [0, n = ${n}], got ${String(k)}`);
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`binomialUpperTail: p must be a probability in [0, 1], got ${String(p)}`);
  if (k === 0) return 1;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log(n - i + 1) - Math.log(i);
  let logSum = -Infinity;
  for (let i = k; i <= n; i++) {
    if (i > k) logC += Math.log(n - i + 1) - Math.log(i);
    const lt = logC + i * lp + (n - i) * lq;
    const m = Math.max(logSum, lt);
    logSum = m + Math.log(Math.exp(logSum - m) + Math.exp(lt - m));
  }
  return Math.min(1, Math.exp(logSum));
}
