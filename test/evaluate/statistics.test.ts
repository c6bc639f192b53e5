import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import {
  binomialUpperTail,
  fractionInterval,
  holmAdjust,
  mcnemar,
  mcnemarExact,
  mean,
  pairedBootstrap,
  pairedDifference,
  pairedSignTest,
  sampleSd,
  seedStat,
  tCdf,
  tInterval,
  tQuantile,
  validationResolution,
} from '../../src/evaluate/statistics.js';
import { createRng } from '../../src/evaluate/random.js';
import { assertClose, readJsonFixture } from '../helpers.js';

test('Student t 97.5% quantiles match published tables to 3 decimals', () => {
  const table: [number, number][] = [
    [1, 12.706],
    [2, 4.303],
    [4, 2.776],
    [10, 2.228],
    [30, 2.042],
  ];
  for (const [df, q] of table) assert.equal(tQuantile(0.975, df).toFixed(3), q.toFixed(3), `df=${df}`);
  // other levels and the lower tail
  assert.equal(tQuantile(0.995, 3).toFixed(3), '5.841');
  assert.equal(tQuantile(0.95, 7).toFixed(3), '1.895');
  assert.equal(tQuantile(0.025, 2).toFixed(3), '-4.303');
  assert.equal(tQuantile(0.5, 5), 0);
  // the CDF inverts the quantile, and is symmetric
  assertClose([tCdf(tQuantile(0.9, 6), 6), tCdf(-1.5, 9) + tCdf(1.5, 9)], [0.9, 1], 1e-10, 1e-10, 'cdf');
  assert.throws(() => tQuantile(0.975, 0), (e: unknown) => e instanceof ArgumentError && /degrees of freedom/.test(e.message));
  assert.throws(() => tQuantile(1, 3), ArgumentError);
});

test('mean, sample sd, the t interval and the bounded interval over seeds', () => {
  assert.equal(mean([1, 2, 6]), 3);
  assertClose([sampleSd([1, 2, 6])], [Math.sqrt(7)], 1e-12, 1e-12, 'sd');
  const half = (4.302652729911275 * 0.02) / Math.sqrt(3);
  assertClose(tInterval([0.8, 0.82, 0.84])!, [0.82 - half, 0.82 + half], 1e-9, 1e-12, 't interval');
  const s = seedStat([0.8, 0.82, 0.84]);
  assert.deepEqual(Object.keys(s).sort(), ['ci95', 'mean', 'sd', 'values']);
  assertClose([s.mean, s.sd], [0.82, 0.02], 1e-12, 1e-12, 'mean/sd');
  // the ends solve (m − μ)² = k μ (1 − μ), k = t² se² / (m (1 − m)): the textbook quadratic formula
  const k = half ** 2 / (0.82 * 0.18);
  const root = Math.sqrt((2 * 0.82 + k) ** 2 - 4 * (1 + k) * 0.82 ** 2);
  assertClose(s.ci95, [(2 * 0.82 + k - root) / (2 * (1 + k)), (2 * 0.82 + k + root) / (2 * (1 + k))], 1e-9, 1e-12, 'ci');
  assert.deepEqual(s.values, [0.8, 0.82, 0.84]);
  // one seed: spread unknown, not zero
  const one = seedStat([0.9]);
  assert.equal(one.mean, 0.9);
  assert.ok(Number.isNaN(one.sd) && Number.isNaN(one.ci95[0]) && Number.isNaN(one.ci95[1]));
  assert.equal(fractionInterval([0.9]), null);
  assert.throws(() => seedStat([]), ArgumentError);
  assert.throws(() => sampleSd([1]), ArgumentError);
  // accuracies are fractions: a percentage is refused rather than given a meaningless interval
  assert.throws(() => seedStat([0.9, 92.5]), (e: unknown) => e instanceof ArgumentError && /fraction in \[0, 1\]/.test(e.message));
  assert.throws(() => fractionInterval([-0.1, 0.5]), ArgumentError);
});

test('accuracy intervals over seeds stay within [0, 1] where the t interval does not', () => {
  // three seeds near the ceiling: the t interval reaches 104.2%; the bounded one is squeezed there
  const high = [0.93, 0.96, 0.995];
  assert.ok(tInterval(high)![1] > 1);
  const ci = seedStat(high).ci95;
  assert.ok(ci[0] >= 0 && ci[1] <= 1 && ci[1] > 0.99, `${ci}`);
  assertClose(ci, [0.79, 0.994], 0, 0.0005, 'near 100%');
  // and near the floor (the t interval starts below 0%), mirrored exactly
  const low = high.map((v) => 1 - v);
  assert.ok(tInterval(low)![0] < 0);
  assertClose(seedStat(low).ci95, [1 - ci[1], 1 - ci[0]], 1e-12, 1e-12, 'mirror');
  // seeds at exactly 100% or 0% need no correction: the ends stay strictly inside while the seeds disagree
  for (const v of [[1, 1, 0.98], [0, 0, 0.1], [0, 1], [1, 0.999, 1, 1, 1]]) {
    const [lo, hi] = seedStat(v).ci95;
    assert.ok(lo > 0 && hi < 1 && lo < mean(v) && mean(v) < hi, `${v}: [${lo}, ${hi}]`);
  }
  // no spread: the point, as the t interval gives
  assert.deepEqual(seedStat([1, 1, 1]).ci95, [1, 1]);
  assert.deepEqual(seedStat([0, 0]).ci95, [0, 0]);
  assert.deepEqual(seedStat([0.75, 0.75, 0.75]).ci95, [0.75, 0.75]);
});

test('the bounded interval always lies within [0, 1] and contains the mean', () => {
  const rng = createRng(11);
  // seeds clustered anywhere in [0, 1], at the ends, spread wide, with ties and exact 0s and 1s
  const draw = (centre: number, spread: number): number => {
    const u = rng.next();
    if (u < 0.1) return 0;
    if (u > 0.9) return 1;
    return Math.min(1, Math.max(0, centre + spread * (rng.next() - 0.5)));
  };
  let checked = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const n = 2 + rng.int(14);
    const centre = rng.next();
    const spread = [0, 1e-9, 0.01, 0.1, 0.5, 2][rng.int(6)];
    const values = Array.from({ length: n }, () => (rng.next() < 0.5 ? draw(centre, spread) : Math.round(draw(centre, spread) * 200) / 200));
    for (const level of [0.95, 0.5, 0.999]) {
      const [lo, hi] = fractionInterval(values, level)!;
      const m = mean(values);
      assert.ok(Number.isFinite(lo) && Number.isFinite(hi), `${values} level ${level}: [${lo}, ${hi}]`);
      assert.ok(lo >= 0 && hi <= 1, `${values} level ${level}: [${lo}, ${hi}] leaves [0, 1]`);
      assert.ok(lo <= m && m <= hi, `${values} level ${level}: [${lo}, ${hi}] misses the mean ${m}`);
      checked++;
    }
    const ci = seedStat(values).ci95;
    assert.deepEqual(ci, fractionInterval(values, 0.95));
  }
  assert.equal(checked, 9000);
});

test('away from 0 and 1 the bounded interval agrees with the t interval', () => {
  const rng = createRng(5);
  let worst = 0;
  for (let trial = 0; trial < 2000; trial++) {
    // 3 to 12 seeds around 50% (45–55%): t half-widths up to ~15 points
    const n = 3 + rng.int(10);
    const values = Array.from({ length: n }, () => 0.45 + 0.1 * rng.next());
    const [tLo, tHi] = tInterval(values)!;
    const [lo, hi] = fractionInterval(values)!;
    const width = tHi - tLo;
    const gap = Math.max(Math.abs(lo - tLo), Math.abs(hi - tHi));
    worst = Math.max(worst, gap / width);
    assert.ok(gap <= 0.1 * width, `${values}: t [${tLo}, ${tHi}], bounded [${lo}, ${hi}]`);
  }
  assert.ok(worst > 0, 'the two are different methods');
  // typical seeds (sd 1–2 points, 5 seeds) at 50–80% agree to within 2% of the width
  for (const centre of [0.5, 0.6, 0.7, 0.8]) {
    const values = [-0.02, -0.01, 0, 0.01, 0.02].map((d) => centre + d);
    const [tLo, tHi] = tInterval(values)!;
    const [lo, hi] = fractionInterval(values)!;
    assert.ok(Math.max(Math.abs(lo - tLo), Math.abs(hi - tHi)) <= 0.02 * (tHi - tLo), `${centre}: t [${tLo}, ${tHi}], bounded [${lo}, ${hi}]`);
  }
});

interface QuantileCase {
  p: number;
  df: number;
  /** scipy.stats.t.ppf as returned */
  x: number;
  /** after one Newton step on SciPy's t.cdf / t.sf */
  xPolished: number;
}
interface Banded<T> {
  central: T[];
  deep: T[];
}
interface ScipyFixture {
  generator: string;
  scipy: string;
  referenceError: Record<'tQuantile' | 'tQuantilePolished' | 'tCdf' | 'binomialUpperTail' | 'mcnemarExact', { central: number; deep: number }>;
  tQuantile: Banded<QuantileCase>;
  tCdf: Banded<{ x: number; df: number; p: number }>;
  binomialUpperTail: Banded<{ k: number; n: number; p: number; tail: number }>;
  mcnemarExact: Banded<{ b: number; c: number; p: number }>;
}

const scipy = readJsonFixture<ScipyFixture>('statistics', 'scipy.json');

/**
 * Fails naming the count and the worst cases if any |actual − expected| exceeds
 * rtol·|expected| + atol (NaN always fails).
 */
function pin<R>(what: string, rows: readonly R[], actual: (r: R) => number, expected: (r: R) => number, rtol: number, atol = 0): void {
  assert.ok(rows.length > 0, `${what}: no cases`);
  const bad: { r: R; got: number; want: number; rel: number }[] = [];
  for (const r of rows) {
    const got = actual(r);
    const want = expected(r);
    const err = Math.abs(got - want);
    if (!(err <= rtol * Math.abs(want) + atol)) bad.push({ r, got, want, rel: err / Math.abs(want) });
  }
  const key = (b: { rel: number }): number => (Number.isNaN(b.rel) ? Infinity : b.rel);
  bad.sort((a, b) => key(b) - key(a));
  assert.equal(bad.length, 0, `${what}: ${bad.length} of ${rows.length} beyond rtol ${rtol}; worst: ${bad.slice(0, 3).map((b) => `${JSON.stringify(b.r)} -> ${b.got} (rel ${b.rel.toExponential(2)})`).join('; ')}`);
}

// Tolerances (relative). The reference itself is judged first: the generator measured SciPy
// against mpmath at 60 digits, and every tolerance below is at least 10× that measured error.
//  - tQuantile 1e-12 against SciPy's quantile polished by one Newton step (within 4e-15 of
//    mpmath): bisection runs to the last bit, so the error is the CDF's (~1e-13) divided by the
//    slope; measured 5e-14. Against SciPy's raw t.ppf only 1e-8: that value is itself off by up to
//    4.8e-9 (Cephes stdtrit), so a tighter test would test SciPy.
//  - tCdf 1e-12, deep tails included: the smaller tail is summed directly as positive terms (no
//    1 − A cancellation), one rounding per term over up to ~df/2 + 40·df/t² terms; measured
//    1.1e-13 at df = 999, 2.5e-14 in the deep band. Before the tail was summed directly, the
//    lower tail at 1e-6 was off by 2e-9 and at 1e-15 entirely.
//  - binomialUpperTail 1e-10: log-space terms whose logs are sums of ~n rounded logarithms, plus
//    k·log p and (n − k)·log(1 − p) of magnitude up to ~n: the absolute error of each log term
//    grows like n·ε, ~2e-11 at n = 10,000 (measured 1.4e-11); the same bound holds in the deep
//    band (tails to 1e-290, measured 8e-12) because nothing is subtracted.
//  - mcnemarExact 1e-12 up to 1000 discordant pairs, where the sum is exact (BigInt) and rounded
//    once, so what remains is SciPy's own error (<= 1.9e-13); beyond, the log-space sum as for
//    binomialUpperTail, 1e-10.
const TOL = {
  tQuantile: 1e-12,
  tQuantileScipyPpf: 1e-8,
  tCdf: { central: 1e-12, deep: 1e-12 },
  binomialUpperTail: { central: 1e-10, deep: 1e-10 },
  mcnemarExact: 1e-12,
  mcnemarLogSpace: 1e-10,
};

test('the SciPy fixture is complete and its reference values are accurate enough to judge by', () => {
  assert.match(scipy.scipy, /^\d+\.\d+/);
  assert.equal(scipy.generator, 'test/fixtures/statistics/gen_statistics_fixtures.py');
  const dfs = new Set(scipy.tQuantile.central.map((c) => c.df));
  assert.ok(dfs.has(1) && dfs.has(2) && dfs.has(1000) && dfs.size >= 25, 'df 1..1000');
  const ps = scipy.tQuantile.central.map((c) => c.p);
  assert.ok(Math.min(...ps) <= 1e-6 && Math.max(...ps) >= 1 - 1e-6, 'probabilities 1e-6..1 − 1e-6');
  assert.ok(Math.min(...scipy.tCdf.deep.map((c) => c.p)) <= 1e-14, 'deep CDF tails');
  assert.ok(Math.max(...scipy.binomialUpperTail.central.map((c) => c.n)) >= 10_000, 'binomial n up to 10,000');
  assert.ok(scipy.mcnemarExact.central.some((c) => c.b + c.c > 1000) && scipy.mcnemarExact.central.some((c) => c.b + c.c <= 1000), 'both McNemar paths');
  const e = scipy.referenceError;
  for (const band of ['central', 'deep'] as const) {
    assert.ok(e.tQuantilePolished[band] * 10 <= TOL.tQuantile, `polished quantile ${band}`);
    assert.ok(e.tQuantile[band] * 2 <= TOL.tQuantileScipyPpf, `raw t.ppf ${band}`);
    assert.ok(e.tCdf[band] * 10 <= TOL.tCdf[band], `t.cdf ${band}`);
    assert.ok(e.binomialUpperTail[band] * 10 <= TOL.binomialUpperTail[band], `binom.sf ${band}`);
    assert.ok(e.mcnemarExact[band] * 5 <= TOL.mcnemarExact, `McNemar ${band}`);
  }
});

test('Student t quantiles match SciPy over df 1..1000 and probabilities 1e-15..1 − 1e-9', () => {
  for (const band of ['central', 'deep'] as const) {
    const rows = scipy.tQuantile[band];
    pin(`tQuantile (${band}) vs polished t.ppf`, rows, (r) => tQuantile(r.p, r.df), (r) => r.xPolished, TOL.tQuantile);
    pin(`tQuantile (${band}) vs raw t.ppf`, rows, (r) => tQuantile(r.p, r.df), (r) => r.x, TOL.tQuantileScipyPpf, 1e-15);
  }
});

test('the Student t CDF matches SciPy, lower tails down to 1e-15 with full relative accuracy', () => {
  for (const band of ['central', 'deep'] as const) pin(`tCdf (${band})`, scipy.tCdf[band], (r) => tCdf(r.x, r.df), (r) => r.p, TOL.tCdf[band]);
  // the ends and the middle
  assert.equal(tCdf(0, 7), 0.5);
  assert.equal(tCdf(Infinity, 3), 1);
  assert.equal(tCdf(-Infinity, 3), 0);
  assert.equal(tCdf(-1e300, 2), 0);
  assert.throws(() => tCdf(Number.NaN, 3), ArgumentError);
});

test('exact binomial tails match SciPy for n up to 10,000, tails down to 1e-290', () => {
  for (const band of ['central', 'deep'] as const) {
    pin(`binomialUpperTail (${band})`, scipy.binomialUpperTail[band], (r) => binomialUpperTail(r.k, r.n, r.p), (r) => r.tail, TOL.binomialUpperTail[band]);
  }
  assert.equal(binomialUpperTail(0, 10, 0.3), 1);
  assert.equal(binomialUpperTail(3, 10, 0), 0);
  assert.throws(() => binomialUpperTail(11, 10, 0.5), ArgumentError);
});

test('exact McNemar p-values match SciPy up to 10,000 discordant pairs', () => {
  for (const band of ['central', 'deep'] as const) {
    const rows = scipy.mcnemarExact[band];
    pin(`mcnemarExact exact sums (${band})`, rows.filter((r) => r.b + r.c <= 1000), (r) => mcnemarExact(r.b, r.c), (r) => r.p, TOL.mcnemarExact);
    pin(`mcnemarExact log space (${band})`, rows.filter((r) => r.b + r.c > 1000), (r) => mcnemarExact(r.b, r.c), (r) => r.p, TOL.mcnemarLogSpace);
  }
  // below the smallest double (2 · 2^−10000): zero, not NaN
  assert.equal(mcnemarExact(0, 10_000), 0);
});

test('exact McNemar p-values for known cases', () => {
  assert.equal(mcnemarExact(0, 6), 0.03125); // 2 × (1/2)^6
  assert.equal(mcnemarExact(6, 0), 0.03125);
  assert.equal(mcnemarExact(3, 3), 1);
  assert.equal(mcnemarExact(0, 0), 1);
  assertClose([mcnemarExact(1, 9)], [(2 * (1 + 10)) / 1024], 1e-12, 0, 'b=1, c=9');
  assertClose([mcnemarExact(2, 8)], [(2 * (1 + 10 + 45)) / 1024], 1e-12, 0, 'b=2, c=8');
  // thousands of pairs stay finite (log space)
  const big = mcnemarExact(5000, 5300);
  assert.ok(big > 0.001 && big < 0.01, `p(5000, 5300) = ${big}`);
  assert.throws(() => mcnemarExact(-1, 2), ArgumentError);
  assert.throws(() => mcnemarExact(1.5, 2), ArgumentError);
});

test('McNemar on per-example correctness counts only the discordant examples', () => {
  const a = [true, true, true, true, true, true, false, false];
  const b = [false, false, false, false, false, false, false, true];
  // A right & B wrong: 6 examples; A wrong & B right: 1
  const r = mcnemar(a, b);
  assert.deepEqual([r.onlyA, r.onlyB], [6, 1]);
  assertClose([r.pValue], [(2 * (1 + 7)) / 128], 1e-12, 0, 'p');
  assert.throws(() => pairedSignTest([1, 0], [1]), ArgumentError);
});

test('the paired bootstrap is deterministic for a seed and brackets the observed difference', () => {
  const a = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const b = Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 0 : 1));
  const r1 = pairedBootstrap(a, b, { seed: 42, resamples: 500 });
  const r2 = pairedBootstrap(a, b, { seed: 42, resamples: 500 });
  const r3 = pairedBootstrap(a, b, { seed: 43, resamples: 500 });
  assert.deepEqual(r1, r2);
  assert.notDeepEqual(r1.ci, r3.ci);
  assertClose([r1.difference], [(240 - 200) / 300], 1e-12, 0, 'difference');
  assert.ok(r1.ci[0] < r1.difference && r1.difference < r1.ci[1], `ci ${r1.ci} around ${r1.difference}`);
  assert.ok(r1.ci[0] > 0, 'B is clearly better, the interval excludes 0');
  // identical outcomes: no uncertainty about a zero difference
  assert.deepEqual(pairedBootstrap(a, a, { seed: 1, resamples: 50 }).ci, [0, 0]);
  // the PRNG itself repeats and stays in range
  const g1 = createRng(7);
  const g2 = createRng(7);
  const xs = Array.from({ length: 1000 }, () => g1.next());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => g2.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(mean(xs) - 0.5) < 0.05);
});

test('Holm adjustment and validation resolution', () => {
  assertClose(holmAdjust([0.01, 0.04, 0.03, 0.2]), [0.04, 0.09, 0.09, 0.2], 1e-12, 1e-12, 'holm');
  assert.deepEqual(holmAdjust([]), []);
  assert.equal(validationResolution(200), 0.5);
  assert.equal(validationResolution(50), 2);
  assert.throws(() => validationResolution(0), ArgumentError);
});

test('pairedDifference combines a t interval over seeds with a bootstrap over examples', () => {
  const n = 400;
  const row = (wrong: number) => Array.from({ length: n }, (_, i) => i >= wrong);
  // A: 40, 44, 36 wrong per seed; B: 30, 30, 30 → per-seed differences +0.025, +0.035, +0.015
  const A = [row(40), row(44), row(36)];
  const B = [row(30), row(30), row(30)];
  const d = pairedDifference(A, B, { seed: 3, resamples: 400 });
  assertClose(d.perSeed, [0.025, 0.035, 0.015], 1e-12, 1e-12, 'per seed');
  assertClose([d.difference], [0.025], 1e-12, 1e-12, 'mean');
  const half = (4.302652729911275 * 0.01) / Math.sqrt(3);
  assertClose(d.seedCi!, [0.025 - half, 0.025 + half], 1e-9, 1e-12, 'seed ci');
  assert.equal(d.ci[0], Math.min(d.seedCi![0], d.exampleCi[0]));
  assert.equal(d.ci[1], Math.max(d.seedCi![1], d.exampleCi[1]));
  // B is never wrong where A is right: every discordant example favours B
  assert.equal(d.signTest.onlyA, 0);
  assert.equal(d.signTest.onlyB, 14); // examples 30..43 are right more often under B
  // one seed: no seed interval, the bootstrap alone
  const single = pairedDifference([A[0]], [B[0]], { seed: 3, resamples: 400 });
  assert.equal(single.seedCi, null);
  assert.deepEqual(single.ci, single.exampleCi);
  assert.throws(() => pairedDifference(A, B.slice(0, 2)), ArgumentError);
});
