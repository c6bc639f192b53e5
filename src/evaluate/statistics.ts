// The statistics behind every comparison adaptlab makes: spread over seeds (Student's t, and a
// bounded interval for accuracies), paired per-example tests (exact McNemar / sign test), a seeded
// paired bootstrap, Holm's correction and the validation resolution. All exact or deterministic:
// the same records give the same numbers.
//
// The distribution functions (Student's t CDF and quantile, the exact binomial tails of
// mcnemarExact and binomialUpperTail) are written here by hand, on purpose. The alternative is
// stdlib's packages (@stdlib/stats-base-dists-t-quantile, -t-cdf, -binomial-cdf; 0.2.3 when
// checked): each is a tree of dozens of @stdlib/math-base-* and constants packages (t-quantile
// alone pulls in the incomplete-beta inverse), general-purpose for real df, where adaptlab needs
// integer df (seeds − 1) and integer counts, for which exact finite series and exact integer sums
// exist and fit in a page. A library would not spare the checking either: SciPy 1.10's t.ppf is
// off by up to 5e-9. So the code stays, and is pinned instead: test/evaluate/statistics.test.ts
// compares every function with SciPy over df 1..1000, probabilities 1e-15..1 − 1e-9, binomial n
// up to 10,000 and tails down to 1e-290 (test/fixtures/statistics/gen_statistics_fixtures.py
// writes the reference values, cross-checked there against mpmath at 60 digits).
import { ArgumentError } from '../errors.js';
import type { SeedStat } from '../record/run-record.js';
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

function checkDf(df: number, where: string): void {
  if (!Number.isInteger(df) || df < 1) throw new ArgumentError(`${where}: degrees of freedom must be an integer >= 1 (seeds − 1), got ${String(df)}`);
}

/**
 * Student's t with integer df, split into the central probability A = P(|T| <= t) and its
 * complement 1 − A = P(|T| > t), each computed without cancellation.
 *
 * A is the finite trigonometric series of Abramowitz & Stegun 26.7.3 (odd df = 2m + 1) and
 * 26.7.4 (even df = 2m), with s = sin θ, c = cos θ, tan θ = |t|/√df:
 *   even: A = s · Σ_{k<m} r_k c^{2k},                  r_k = (1/2)_k / k!
 *   odd:  A = (2/π) (θ + s c Σ_{k<m} q_k c^{2k}),     q_k = (2k)!! / (2k+1)!!
 * Both series summed to infinity give exactly 1 (s Σ r_k c^{2k} = s (1 − c²)^{−1/2};
 * s Σ q_k c^{2k+1} = arcsin c = π/2 − θ), so the complement is the rest of the same series, a sum
 * of positive terms:
 *   even: 1 − A = s · Σ_{k>=m} r_k c^{2k}
 *   odd:  1 − A = (2/π) s c Σ_{k>=m} q_k c^{2k}       (df = 1: (2/π) atan(1/|t|))
 * Computing 1 − A as one minus the finite sum would lose every digit of a small tail (the lower
 * CDF at 1e-6 came out with a 2e-9 relative error at df = 1000, at 1e-15 with none right). The
 * rest of the series converges like c^{2k}, c² = df/(df + t²): it is summed only when A > 0.8,
 * i.e. t² is not small against df, where it takes about 40·df/t² terms.
 */
function tSplit(t: number, df: number): { central: number; tail: number } {
  const a = Math.abs(t);
  if (a === 0) return { central: 0, tail: 1 };
  if (a === Infinity) return { central: 1, tail: 0 };
  const rootDf = Math.sqrt(df);
  // s and c from whichever of tan θ and cot θ is at most 1: no overflow of t², no 0 · ∞
  let s: number;
  let c: number;
  if (a <= rootDf) {
    c = 1 / Math.hypot(1, a / rootDf);
    s = (a / rootDf) * c;
  } else {
    s = 1 / Math.hypot(1, rootDf / a);
    c = (rootDf / a) * s;
  }
  const c2 = c * c;
  const m = Math.floor(df / 2);
  const odd = df % 2 === 1;
  // df = 1 (Cauchy): both parts in closed form, each accurate on its own
  if (df === 1) return { central: (2 / Math.PI) * Math.atan2(a, 1), tail: (2 / Math.PI) * Math.atan2(1, a) };
  // the finite part: terms k = 0 .. m − 1
  let term = 1;
  let sum = 1;
  for (let k = 1; k < m; k++) {
    term *= odd ? (c2 * (2 * k)) / (2 * k + 1) : (c2 * (2 * k - 1)) / (2 * k);
    sum += term;
  }
  const central = Math.min(1, odd ? (2 / Math.PI) * (Math.atan2(a, rootDf) + s * c * sum) : s * sum);
  if (central <= 0.8) return { central, tail: 1 - central };
  // the rest: terms k = m, m + 1, ... The first is coefficient(m) · c^{2m}, with c^{2m} taken as
  // exp(−m log(1 + t²/df)) (one rounding, however large m) rather than by m multiplications.
  let coefficient = 1;
  for (let k = 1; k <= m; k++) coefficient *= odd ? (2 * k) / (2 * k + 1) : (2 * k - 1) / (2 * k);
  const logC2 = a <= rootDf ? -Math.log1p((a / rootDf) ** 2) : 2 * Math.log(rootDf / a) - Math.log1p((rootDf / a) ** 2);
  let rest = coefficient * Math.exp(m * logC2);
  let restSum = 0;
  for (let k = m; rest > 0 && rest > restSum * 1e-18; k++) {
    restSum += rest;
    rest *= odd ? (c2 * (2 * k + 2)) / (2 * k + 3) : (c2 * (2 * k + 1)) / (2 * k + 2);
  }
  const tail = odd ? (2 / Math.PI) * s * c * restSum : s * restSum;
  return { central: 1 - tail, tail };
}

/**
 * Student's t cumulative distribution function, integer df >= 1. The smaller of the two tails is
 * computed directly, so small lower-tail probabilities keep their relative accuracy (pinned
 * against SciPy down to 1e-15 in test/evaluate/statistics.test.ts).
 */
export function tCdf(t: number, df: number): number {
  checkDf(df, 'tCdf');
  if (Number.isNaN(t)) throw new ArgumentError('tCdf: t is NaN');
  const half = tSplit(t, df).tail / 2; // P(T > |t|)
  return t < 0 ? half : 1 - half;
}

/**
 * The p-quantile of Student's t with integer df (e.g. tQuantile(0.975, 2) = 4.303). Inverts the
 * CDF by bisection to the last bit: on the central probability 1 − 2·min(p, 1 − p) near the
 * middle, on the tail probability 2·min(p, 1 − p) (never 1 − p of a small p, which would round)
 * beyond. Slow-ish but only called a handful of times per report.
 */
export function tQuantile(p: number, df: number): number {
  checkDf(df, 'tQuantile');
  if (!(p > 0 && p < 1)) throw new ArgumentError(`tQuantile: p must be in (0, 1), got ${String(p)}`);
  if (p === 0.5) return 0;
  const q = p < 0.5 ? p : 1 - p; // P(T > x) for the x >= 0 sought; exact for p >= 1/2
  // both targets are exact in floating point: 2q doubles, and 1 − 2q for q in [1/4, 1/2)
  const byCentral = q >= 0.25;
  const target = byCentral ? 1 - 2 * q : 2 * q;
  const below = (x: number): boolean => {
    const split = tSplit(x, df);
    return byCentral ? split.central < target : split.tail > target;
  };
  let lo = 0;
  let hi = 1;
  while (below(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 2200; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (below(mid)) lo = mid;
    else hi = mid;
  }
  const x = (lo + hi) / 2;
  return p < 0.5 ? -x : x;
}

/**
 * Two-sided t interval of the mean; null with a single value (no spread to measure). Symmetric
 * and unbounded: for differences; fractions in [0, 1] (accuracies over seeds) use
 * fractionInterval.
 */
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
 * Two-sided interval for the mean of values that are fractions in [0, 1] (accuracies, F1
 * scores over seeds) that always lies within [0, 1] and always contains the mean: Wilson's score
 * interval, with the binomial n replaced by the effective sample size the values' own spread
 * implies and the normal quantile by Student's t on n − 1 degrees of freedom.
 *
 * The ordinary t interval is the set of μ with (m − μ)² <= t² se², se = sd/√n. Write se² as
 * φ m (1 − m) / n (φ: the dispersion of the seeds relative to a proportion's variance) and let
 * the variance follow the candidate mean, as a proportion's does: the interval becomes the set of
 * μ with
 *
 *   (m − μ)² <= k μ (1 − μ),   k = t_{n−1, 1−α/2}² · se² / (m (1 − m)),
 *
 * a quadratic whose roots are the ends. At μ = 0 and μ = 1 the right side is 0, so both roots
 * lie in [0, 1]; at μ = m the left side is 0, so m lies between them. Why this one:
 *  - bounded by construction, not by clipping: near 100% the interval is squeezed on the side
 *    that has no room (three seeds at 93%, 96%, 99.5%: 79.0–99.4%, where the t interval says
 *    88.1–104.2%);
 *  - the reported mean is always inside it; a t interval on the mean of per-seed logits is
 *    centred on another average and can miss the arithmetic mean (in the simulation below, 20
 *    widely spread seeds near 99%: two times in three);
 *  - no continuity correction: m is 0 or 1 only when every value is (values lie in [0, 1]), then
 *    sd = 0 and the interval is the point [m, m], as the t interval gives; per-seed logits are
 *    infinite at a seed scoring exactly 0% or 100%, and the offset that makes them finite moves
 *    the interval by as much as the data;
 *  - near 1/2 it is the t interval: at m = 1/2 with t half-width h its half-width is
 *    h / √(1 + 4h²), within 1% of h up to h = 7 points and within 10% up to 24 points;
 *  - in simulation (test/fixtures/statistics/simulate_intervals.py: seed accuracies logit-normal
 *    around 50–99%, 200 validation examples, 3–10 seeds) it covered the true mean accuracy
 *    92.6–96.3% of the time (the t interval 90.9–95.4%, per-seed logits 88.0–96.4%, the logit of
 *    the mean as this one but up to 1.5× wider near 99%), while the symmetric t interval reached
 *    past 100% in up to 83% of runs.
 * The ends are computed in the forms lo = 2m² / (2m + k + D) and 1 − hi = 2(1 − m)² /
 * (2(1 − m) + k + D), D = √(k (k + 4 m (1 − m))), which lose no digits near 0 or 1.
 * With sd = 0 the interval is [m, m]; with one value, null (no spread to measure).
 */
export function fractionInterval(values: readonly number[], level = 0.95): [number, number] | null {
  checkValues(values, 'fractionInterval');
  checkLevel(level, 'fractionInterval');
  checkFractions(values, 'fractionInterval');
  if (values.length < 2) return null;
  const m = mean(values);
  const sd = sampleSd(values);
  const q = 1 - m;
  if (sd === 0 || m <= 0 || q <= 0) return [m, m];
  const tq = tQuantile(0.5 + level / 2, values.length - 1);
  const k = (tq * tq * sd * sd) / values.length / (m * q);
  const d = Math.sqrt(k * (k + 4 * m * q));
  const lo = (2 * m * m) / (2 * m + k + d);
  const hi = 1 - (2 * q * q) / (2 * q + k + d);
  // min/max only guard the last bit of rounding when k is tiny; the algebra puts m inside
  return [Math.min(m, lo), Math.max(m, hi)];
}

function checkFractions(values: readonly number[], where: string): void {
  values.forEach((v, i) => {
    if (v < 0 || v > 1) throw new ArgumentError(`${where}: value ${i} is ${v}, expected a fraction in [0, 1] (an accuracy or F1 score, not a percentage)`);
  });
}

/**
 * Mean, sample sd and 95% interval over seeds of a fraction in [0, 1] (accuracy, macro-F1): the
 * bounded interval of fractionInterval, which stays within [0, 1] and contains the mean. With
 * one seed the spread is unknown: sd and the interval are NaN (null in JSON) rather than a
 * zero-width interval that would claim certainty.
 */
export function seedStat(values: readonly number[]): SeedStat {
  checkValues(values, 'seedStat');
  checkFractions(values, 'seedStat');
  const m = mean(values);
  if (values.length === 1) return { mean: m, sd: Number.NaN, ci95: [Number.NaN, Number.NaN], values: [...values] };
  const ci = fractionInterval(values, 0.95) as [number, number];
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
