import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import {
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
  tQuantile,
  validationResolution,
} from '../../src/evaluate/statistics.js';
import { createRng } from '../../src/evaluate/random.js';
import { assertClose } from '../helpers.js';

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

test('mean, sample sd and the t interval over seeds', () => {
  assert.equal(mean([1, 2, 6]), 3);
  assertClose([sampleSd([1, 2, 6])], [Math.sqrt(7)], 1e-12, 1e-12, 'sd');
  const s = seedStat([0.8, 0.82, 0.84]);
  assertClose([s.mean, s.sd], [0.82, 0.02], 1e-12, 1e-12, 'mean/sd');
  const half = (4.302652729911275 * 0.02) / Math.sqrt(3);
  assertClose(s.ci95, [0.82 - half, 0.82 + half], 1e-9, 1e-12, 'ci');
  assert.deepEqual(s.values, [0.8, 0.82, 0.84]);
  // one seed: spread unknown, not zero
  const one = seedStat([0.9]);
  assert.equal(one.mean, 0.9);
  assert.ok(Number.isNaN(one.sd) && Number.isNaN(one.ci95[0]) && Number.isNaN(one.ci95[1]));
  assert.throws(() => seedStat([]), ArgumentError);
  assert.throws(() => sampleSd([1]), ArgumentError);
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
