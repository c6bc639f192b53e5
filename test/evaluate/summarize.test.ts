import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DataError } from '../../src/errors.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { summarizeTrials } from '../../src/evaluate/summarize.js';
import { assertClose } from '../helpers.js';
import { makeRecord, preds, withErrors } from './trial-fixtures.js';

/** The confusion baselines the lab's strategies declare (adapt/strategy-answers.ts), in their order. */
const baselines: StrategyName[] = ['scratch', 'frozen'];

const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
const seeds = [1, 2, 3];
// Wrong examples per (strategy, seed): scratch is worst, full_finetune best.
const errors: Partial<Record<StrategyName, Record<number, number>[]>> = {
  scratch: [{ 0: 1, 1: 1, 4: 2, 8: 0 }, { 0: 1, 1: 1, 5: 2 }, { 0: 1, 2: 1, 4: 2, 9: 1 }],
  frozen: [{ 0: 1, 4: 2 }, { 0: 1 }, { 1: 1, 4: 2 }],
  partial_unfreeze: [{ 4: 2 }, {}, { 8: 1 }],
  full_finetune: [{}, { 4: 2 }, {}],
};

function records(strategies: StrategyName[] = ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune']) {
  return strategies.flatMap((s) =>
    seeds.map((seed, i) => makeRecord({ strategy: s, seed, k: 3, validation: preds(labels, withErrors(labels, errors[s]![i])), trainFlops: 1e9 * (i + 1), auditPassed: !(s === 'partial_unfreeze' && seed === 2) })),
  );
}

test('per-strategy summaries: seed statistics, averaged cost, aggregated audit', () => {
  const s = summarizeTrials(records(), { baselines });
  assert.deepEqual(s.seeds, seeds);
  assert.equal(s.classCount, 3);
  assert.deepEqual(s.sizes, { validation: 12, test: 12 });
  assert.equal(s.validationResolution, 100 / 12);
  const scratch = s.strategies.scratch!;
  assert.deepEqual(scratch.metrics.validation.accuracy.values, [8 / 12, 9 / 12, 8 / 12]);
  assertClose([scratch.metrics.validation.accuracy.mean], [25 / 36], 1e-12, 0, 'mean');
  assert.ok(scratch.metrics.validation.accuracy.ci95[0] < 25 / 36 && scratch.metrics.validation.accuracy.ci95[1] > 25 / 36);
  assert.equal(scratch.cost.trainFlops, 2e9); // mean of 1e9, 2e9, 3e9
  assert.equal(scratch.trainableParams, 11_177_538);
  assert.deepEqual(scratch.audit, { passed: true, failures: [] });
  const partial = s.strategies.partial_unfreeze!;
  assert.equal(partial.audit.passed, false);
  assert.deepEqual(partial.audit.failures, ['seed 2: 1 frozen tensor(s) changed (layer1.0.bn1.running_mean)']);
  assert.equal(s.plans.frozen!.backboneLr, null);
  assert.equal(s.plans.partial_unfreeze!.partialK, 2);
});

test('confusion diffs of every strategy vs scratch and vs frozen, on validation and test', () => {
  const s = summarizeTrials(records(), { baselines });
  // vs scratch: 3 strategies × 2 splits; vs frozen: partial and full × 2 (frozen vs scratch is already there)
  assert.equal(s.diffs.length, 10);
  assert.ok(!s.diffs.some((x) => x.baseline === 'frozen' && x.strategy === 'scratch'));
  const d = s.diffs.find((x) => x.strategy === 'full_finetune' && x.baseline === 'scratch' && x.split === 'validation')!;
  assert.deepEqual(d.seeds, seeds);
  assert.equal(d.perSeed.length, 3);
  // scratch confuses example 0 (class 0 → 1) in every seed; full_finetune never does
  const pair = d.improved.find((c) => c.actual === 0 && c.predicted === 1)!;
  assert.deepEqual([pair.countA, pair.countB, pair.onlyA, pair.onlyB], [2, 0, 3, 0]);
  assertClose([d.accuracy.difference], [35 / 36 - 25 / 36], 1e-12, 1e-12, 'accuracy difference');
  assert.ok(s.diffs.some((x) => x.baseline === 'frozen' && x.strategy === 'full_finetune' && x.split === 'test'));
  // without scratch, only the frozen comparisons remain
  assert.equal(summarizeTrials(records(['frozen', 'full_finetune']), { baselines }).diffs.length, 2);
});

test('unpairable records are refused with the reason', () => {
  const rs = records(['scratch', 'frozen']);
  assert.throws(() => summarizeTrials([], { baselines }), ArgumentError);
  assert.throws(() => summarizeTrials([...rs, rs[0]], { baselines }), (e: unknown) => e instanceof DataError && /two records for scratch seed 1/.test(e.message));
  // a race leaves strategies with different seeds: diffs pair on the seeds both ran
  const raced = summarizeTrials(rs.filter((r) => !(r.strategy === 'frozen' && r.seed === 3)), { baselines });
  assert.ok(raced.diffs.length > 0 && raced.diffs.every((d) => !d.seeds.includes(3)), JSON.stringify(raced.diffs.map((d) => d.seeds)));
  const text = { ...rs[1], modality: 'text' as const };
  assert.throws(() => summarizeTrials([rs[0], text], { baselines }), (e: unknown) => e instanceof ArgumentError && /one modality/.test(e.message));
});
