// The sanity gates on records built to fail (or pass) each one, and the exact binomial tail they
// rest on, checked against sums done in exact integer arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binomialUpperTail } from '../../src/evaluate/statistics.js';
import { seedSanity, strategySanity, classesNeeded } from '../../src/evaluate/sanity.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { makeRecord, preds, withErrors } from './trial-fixtures.js';

/** P(X >= k), X ~ Binomial(n, num/den), summed exactly with BigInt. */
function exactTail(k: number, n: number, num: number, den: number): number {
  let sum = 0n;
  let c = 1n;
  for (let i = 0; i <= n; i++) {
    if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
    if (i >= k) sum += c * BigInt(num) ** BigInt(i) * BigInt(den - num) ** BigInt(n - i);
  }
  return Number((sum * 10n ** 15n) / BigInt(den) ** BigInt(n)) / 1e15;
}

test('binomialUpperTail equals the exact sum, and stays finite for large n', () => {
  for (const [k, n, num, den] of [[3, 5, 1, 2], [10, 10, 1, 2], [0, 7, 1, 3], [31, 240, 1, 10], [48, 240, 1, 10], [12, 60, 1, 4]] as const) {
    const got = binomialUpperTail(k, n, num / den);
    const want = exactTail(k, n, num, den);
    assert.ok(Math.abs(got - want) < 1e-12 + 1e-9 * want, `P(X >= ${k} | ${n}, ${num}/${den}): ${got} vs ${want}`);
  }
  const big = binomialUpperTail(1200, 10000, 0.1);
  assert.ok(big > 0 && big < 1e-9, `${big}`);
  assert.throws(() => binomialUpperTail(11, 10, 0.5));
  assert.throws(() => binomialUpperTail(1, 10, 1.5));
});

const labels = Array.from({ length: 200 }, (_, i) => i % 4); // 4 balanced classes, majority 25%

function record(seed: number, predictions: number[], curve: number[] = [0.5, 0.7, 0.8, 0.8], more: Partial<TrialRecord> = {}): TrialRecord {
  const r = makeRecord({ strategy: 'full_finetune', seed, k: 4, validation: preds(labels, predictions) });
  return { ...r, curve: curve.map((v, i) => ({ epoch: i + 1, trainLoss: 1, validationAccuracy: v })), config: { ...r.config, epochs: curve.length }, ...more };
}

/** Correct on every example except those where i % every === 0 (then predicts the next class). */
function mostlyRight(every: number): number[] {
  return labels.map((l, i) => (i % every === 0 ? (l + 1) % 4 : l));
}

test('a model at chance did not learn; one predicting a single class also collapsed', () => {
  const constant = labels.map(() => 2); // always class 2: exactly the majority rate
  const s = seedSanity(record(0, constant), 4);
  assert.equal(s.majorityRate, 0.25);
  assert.equal(s.accuracy, 0.25);
  assert.ok(s.pAboveMajority > 0.4);
  assert.equal(s.learned, false);
  assert.equal(s.classesPredicted, 1);
  assert.equal(s.collapsed, true);
  const g = strategySanity([record(0, constant), record(1, constant)], 4);
  assert.equal(g.didNotLearn, true);
  assert.equal(g.collapsed, true);
  assert.equal(g.excluded, true);
  assert.match(g.problems[0], /^did not learn: full_finetune is not significantly above always guessing the most frequent class \(25\.0%\) on 2 of 2 seeds/);
  // a model that learned passes
  const ok = strategySanity([record(0, mostlyRight(5)), record(1, mostlyRight(6))], 4);
  assert.equal(ok.didNotLearn, false);
  assert.equal(ok.collapsed, false);
  assert.equal(ok.excluded, false);
  assert.deepEqual(ok.problems, []);
  assert.equal(classesNeeded(2), 2);
  assert.equal(classesNeeded(10), 5);
});

test('undertrained: still rising at the last epoch, not the small gain of a schedule that converged', () => {
  const right = mostlyRight(5);
  assert.equal(seedSanity(record(0, right, [0.3, 0.5, 0.65, 0.8]), 4).undertrained, true);
  assert.equal(seedSanity(record(0, right, [0.5, 0.78, 0.79, 0.8]), 4).undertrained, false, 'converged: +2 points over the best before the last quarter');
  assert.equal(seedSanity(record(0, right, [0.8]), 4).undertrained, true, 'a single epoch shows nothing converged');
  assert.equal(seedSanity(record(0, right, [0.5, 0.9, 0.85, 0.8]), 4).undertrained, false, 'the last epoch is not the best');
  const g = strategySanity([record(0, right, [0.3, 0.5, 0.65, 0.8]), record(1, right, [0.5, 0.78, 0.79, 0.8])], 4);
  assert.equal(g.undertrained, true, 'half the seeds still rising is enough to call the budget short');
  assert.equal(g.excluded, false, 'undertrained alone does not exclude');
  assert.match(g.problems.join('\n'), /undertrained: full_finetune's validation accuracy was still rising at its last epoch \(4\) on 1 of 2 seeds/);
});

test('unstable names the seed far from the others; did-not-train names the parameters that never moved', () => {
  const good = mostlyRight(8);
  const bad = labels.map((l, i) => (i % 3 === 0 ? l : (l + 1) % 4)); // 67 of 200 right (33.5%): learned, but far below the others
  const g = strategySanity([record(0, good), record(1, bad), record(2, mostlyRight(9))], 4);
  assert.deepEqual(g.unstable?.seeds, [1]);
  assert.match(g.unstable!.detail, /^seed 1 \(33\.5%\) far from the other seeds \(87\.\d–88\.\d%\)/);
  const frozenHead = record(0, good, undefined, {
    audit: { passed: true, checked: 10, changedFrozen: [], changedParameters: 3, unchangedTrainable: ['layer3.0.conv1.weight'] },
  });
  const t = strategySanity([frozenHead, record(1, good)], 4);
  assert.deepEqual(t.didNotTrain, ['layer3.0.conv1.weight']);
  assert.equal(t.excluded, true);
  assert.match(t.problems.join('\n'), /did not train: 1 parameter\(s\) full_finetune declares trainable never changed \(layer3\.0\.conv1\.weight\)/);
  // withErrors keeps the fixture helpers honest: 10 errors on 200 → 95%
  assert.equal(seedSanity(record(0, withErrors(labels, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, (labels[i] + 1) % 4])))), 4).accuracy, 0.95);
});
