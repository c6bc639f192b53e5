// checkLabOptions: every bad lab option is a UsageError that names the field (and its CLI flag),
// found before anything loads; the defaults and every boundary value pass.
import { STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLabOptions } from '../../src/lab/check-options.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import { UsageError } from '../../src/errors.js';

/** The defaults with some fields replaced (values typed loosely: library callers may be plain JS). */
function withOptions(patch: Record<string, unknown>): LabOptions {
  return { ...DEFAULT_LAB_OPTIONS, ...patch } as LabOptions;
}

const BAD: { field: string; flag: string; patch: Record<string, unknown>; also?: RegExp }[] = [
  { field: 'modalities', flag: '--modality', patch: { modalities: [] } },
  { field: 'modalities', flag: '--modality', patch: { modalities: ['audio'] }, also: /"audio"/ },
  { field: 'modalities', flag: '--modality', patch: { modalities: ['vision', 'vision'] } },
  { field: 'data', flag: '--data', patch: { data: 'photos/' }, also: /--modality vision/ },
  { field: 'backbone', flag: '--backbone', patch: { backbone: 'bert/' }, also: /--modality text/ },
  { field: 'strategies', flag: '--strategies', patch: { strategies: [] } },
  { field: 'strategies', flag: '--strategies', patch: { strategies: ['frozen', 'nope'] as never }, also: new RegExp(`unknown strategy nope; choose from ${STRATEGY_NAMES.join(', ')}`) },
  { field: 'strategies', flag: '--strategies', patch: { strategies: ['frozen', 'frozen'] }, also: /frozen is listed twice/ },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [] } },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0] }, also: /at least 2/ },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0, -1] }, also: /got -1/ },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0, 1.5] }, also: /got 1\.5/ },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0, 2 ** 32] } },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0, Number.NaN] } },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [0, '1'] } },
  { field: 'seeds', flag: '--seeds', patch: { seeds: [3, 1, 3] }, also: /seed 3 is listed twice/ },
  { field: 'seeds', flag: '--seeds', patch: { seeds: Array.from({ length: 1001 }, (_, i) => i) }, also: /at most 1000/ },
  { field: 'margin', flag: '--margin', patch: { margin: 0 } },
  { field: 'margin', flag: '--margin', patch: { margin: -0.01 } },
  { field: 'margin', flag: '--margin', patch: { margin: Number.NaN } },
  { field: 'margin', flag: '--margin', patch: { margin: 5 }, also: /margin 5 is a fraction of accuracy in \(0, 1\): 0\.05 means 5 points/ },
  { field: 'margin', flag: '--margin', patch: { margin: 1 }, also: /0\.01 means 1 point\b/ },
  { field: 'margin', flag: '--margin', patch: { margin: 150 } },
  { field: 'margin', flag: '--margin', patch: { margin: Number.POSITIVE_INFINITY } },
  { field: 'folds', flag: '--folds', patch: { folds: 0 } },
  { field: 'folds', flag: '--folds', patch: { folds: 51 } },
  { field: 'folds', flag: '--folds', patch: { folds: 2.5 } },
  { field: 'folds', flag: '--folds', patch: { folds: 'x' } },
  { field: 'epochs', flag: '--epochs', patch: { epochs: 0 }, also: /must be an integer in 1\.\.10000; got 0\./ },
  { field: 'epochs', flag: '--epochs', patch: { epochs: 10001 } },
  { field: 'epochs', flag: '--epochs', patch: { epochs: 2.5 } },
  { field: 'partialK', flag: '--partial-k', patch: { partialK: 0 } },
  { field: 'partialK', flag: '--partial-k', patch: { partialK: 1.5 } },
  { field: 'headLr', flag: '--head-lr', patch: { headLr: 0 } },
  { field: 'headLr', flag: '--head-lr', patch: { headLr: Number.POSITIVE_INFINITY } },
  { field: 'backboneLr', flag: '--backbone-lr', patch: { backboneLr: -1e-3 } },
  { field: 'probeLr', flag: '--probe-lr', patch: { probeLr: Number.NaN } },
  { field: 'validationFraction', flag: '--validation-fraction', patch: { validationFraction: 0 } },
  { field: 'validationFraction', flag: '--validation-fraction', patch: { validationFraction: 1 } },
  { field: 'testFraction', flag: '--test-fraction', patch: { testFraction: -0.1 } },
  { field: 'testFraction', flag: '--test-fraction', patch: { testFraction: 1.5 } },
  { field: 'validationFraction', flag: '--validation-fraction', patch: { validationFraction: 0.7, testFraction: 0.5 }, also: /testFraction \(--test-fraction\).*< 1/ },
  { field: 'validationFraction', flag: '--validation-fraction', patch: { validationFraction: 0.5, testFraction: 0.5 } },
  { field: 'labelBudget', flag: '--label-budget', patch: { labelBudget: 0 } },
  { field: 'labelBudget', flag: '--label-budget', patch: { labelBudget: 2.5 } },
  { field: 'splitSeed', flag: '--split-seed', patch: { splitSeed: -1 } },
  { field: 'splitSeed', flag: '--split-seed', patch: { splitSeed: 2 ** 32 } },
  { field: 'splitSeed', flag: '--split-seed', patch: { splitSeed: 0.5 } },
  { field: 'imageSize', flag: '--image-size', patch: { imageSize: 7 } },
  { field: 'imageSize', flag: '--image-size', patch: { imageSize: 1025 } },
  { field: 'imageSize', flag: '--image-size', patch: { imageSize: 64.5 } },
  { field: 'schedule', flag: '--schedule', patch: { schedule: 'sweep' } },
  { field: 'schedule', flag: '--schedule', patch: { schedule: undefined } },
  { field: 'budget', flag: '--budget', patch: { budget: {} }, also: /seconds and\/or flops/ },
  { field: 'budget', flag: '--budget', patch: { budget: 900 } },
  { field: 'budget', flag: '--budget', patch: { budget: null } },
  { field: 'budget.seconds', flag: '--budget', patch: { budget: { seconds: 0 } } },
  { field: 'budget.seconds', flag: '--budget', patch: { budget: { seconds: Number.POSITIVE_INFINITY } } },
  { field: 'budget.flops', flag: '--budget', patch: { budget: { flops: -1 } } },
  { field: 'budget.flops', flag: '--budget', patch: { budget: { seconds: 60, flops: Number.NaN } } },
  { field: 'out', flag: '--out', patch: { out: '' } },
  { field: 'out', flag: '--out', patch: { out: '   ' } },
  { field: 'out', flag: '--out', patch: { out: undefined } },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const { field, flag, patch, also } of BAD) {
  const label = JSON.stringify(patch, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)).slice(0, 80);
  test(`checkLabOptions rejects ${label} naming ${field} (${flag})`, () => {
    // data/backbone are only wrong with two modalities (the default).
    assert.throws(
      () => checkLabOptions(withOptions(patch)),
      (err: unknown) => {
        assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
        assert.equal(err.code, 'USAGE_ERROR');
        assert.match(err.message, new RegExp(`\\b${escape(field)} \\(${escape(flag)}\\)`), err.message);
        if (also) assert.match(err.message, also);
        return true;
      },
    );
  });
}

test('the default lab options pass', () => {
  assert.doesNotThrow(() => checkLabOptions(DEFAULT_LAB_OPTIONS));
});

test('boundary and typical values pass', () => {
  const good: Record<string, unknown>[] = [
    { modalities: ['vision'], data: 'photos/', backbone: 'r18.safetensors', arch: 'resnet18', imageSize: 8 },
    { modalities: ['text'], imageSize: 1024 },
    { strategies: ['frozen'] },
    { seeds: [0, 2 ** 32 - 1] },
    { seeds: Array.from({ length: 1000 }, (_, i) => i) },
    { margin: 0.999 },
    { margin: 1e-6 },
    { folds: 1 },
    { folds: 50 },
    { folds: 'auto' },
    { epochs: 1, partialK: 1, labelBudget: 1 },
    { epochs: 10000, partialK: 99 },
    { headLr: 1e-2, backboneLr: 3e-3, probeLr: 0.1 },
    { validationFraction: 0.2, testFraction: 0.3 },
    { validationFraction: 0.49, testFraction: 0.5 },
    { validationFraction: 0.9 },
    { testFraction: 0.9 },
    { splitSeed: 2 ** 32 - 1 },
    { schedule: 'grid' },
    { budget: { seconds: 900 } },
    { budget: { flops: 2e15 } },
    { budget: { seconds: 60, flops: 1e12 } },
    { quick: true, out: 'runs/x' },
  ];
  for (const patch of good) assert.doesNotThrow(() => checkLabOptions(withOptions(patch)), JSON.stringify(patch));
});

test('checkLabOptions does not change the options it checks', () => {
  const o = withOptions({ budget: { seconds: 60 }, folds: 3, seeds: [5, 1, 3] });
  const before = structuredClone(o);
  checkLabOptions(o);
  assert.deepEqual(o, before);
});
