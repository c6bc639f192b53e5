// `adaptlab lab` checks every option before it reads or writes anything: a bad flag exits 2 with
// a message naming the flag, the (nonexistent) --data is never opened and --out is never created.
// The new flags (--folds, --validation-fraction, --test-fraction, --schedule, --budget) map to
// the library's LabOptions.
import { STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers.js';
import { parseArgs } from '../../src/cli/parse.js';
import { budgetFrom, labCommand, labOptionsFrom } from '../../src/cli/commands/lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import { UsageError } from '../../src/errors.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-lab-options-'));
after(() => rmSync(work, { recursive: true, force: true }));

const missingData = join(work, 'no-such-data');

/** Runs `adaptlab lab ...` in this process with console output captured. */
function lab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(['lab', ...args]);
}

const BAD: { args: string[]; flag: RegExp; also?: RegExp }[] = [
  { args: ['--epochs', '0'], flag: /--epochs/, also: /got 0/ },
  { args: ['--partial-k', '0'], flag: /--partial-k/, also: /got 0/ },
  { args: ['--margin', '0'], flag: /--margin/, also: /accuracy points/ },
  { args: ['--margin', '150'], flag: /--margin/, also: /got 150/ },
  { args: ['--folds', '0'], flag: /--folds/, also: /1\.\.50; got 0/ },
  { args: ['--folds', 'x'], flag: /--folds/, also: /got "x"/ },
  { args: ['--seeds', '1'], flag: /--seeds/, also: /at least 2 seeds/ },
  { args: ['--seeds', '5'], flag: /--seeds/, also: /for 5 seeds use --num-seeds 5/ },
  { args: ['--num-seeds', '1e12'], flag: /--num-seeds/, also: /more than 1000/ },
  { args: ['--num-seeds', '1e9'], flag: /--num-seeds/, also: /more than 1000/ },
  { args: ['--budget', '10x'], flag: /--budget/, also: /90s, 15m or 1h.*2e15flop.*got "10x"/ },
  { args: ['--budget', '0s'], flag: /--budget/ },
  { args: ['--budget', '15M'], flag: /--budget/ },
  { args: ['--validation-fraction', '0.7', '--test-fraction', '0.5'], flag: /--validation-fraction.*--test-fraction/, also: /< 1/ },
  { args: ['--validation-fraction', '1'], flag: /--validation-fraction/ },
  { args: ['--strategies', 'nope'], flag: /--strategies/, also: new RegExp(`unknown strategy nope; choose from ${STRATEGY_NAMES.join(', ')}`) },
  { args: ['--schedule', 'sweep'], flag: /--schedule/ },
  { args: ['--image-size', '4'], flag: /--image-size/ },
  { args: ['--label-budget', '0'], flag: /--label-budget/ },
  { args: ['--split-seed', '-1'], flag: /--split-seed/ },
  { args: ['--backbone-lr', '0'], flag: /--backbone-lr is a learning rate/ },
];

for (const [i, { args, flag, also }] of BAD.entries()) {
  test(`adaptlab lab ${args.join(' ')}: exit 2 naming the flag, nothing read or written`, async () => {
    const out = join(work, `run-${i}`);
    // --modality vision so that --data is allowed: the only thing wrong is the flag under test.
    const r = await lab(['--modality', 'vision', '--data', missingData, '--out', out, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, flag);
    if (also) assert.match(r.stderr, also);
    // The check came before any I/O: the data path was never reported missing, the run directory never made.
    assert.doesNotMatch(r.stderr, /no-such-data/);
    assert.equal(existsSync(out), false, `${out} was created`);
    assert.equal(r.stdout, '');
  });
}

test('--data with both modalities is a usage error before anything loads', async () => {
  const out = join(work, 'run-both');
  const r = await lab(['--data', missingData, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--data/);
  assert.match(r.stderr, /--modality vision/);
  assert.equal(existsSync(out), false);
});

function optionsOf(argv: string[]) {
  return labOptionsFrom(parseArgs(labCommand, argv).options);
}

test('the new flags map to LabOptions', () => {
  const o = optionsOf(['--folds', '3', '--schedule', 'grid', '--budget', '15m', '--validation-fraction', '0.2', '--test-fraction', '0.3']);
  assert.equal(o.folds, 3);
  assert.equal(o.schedule, 'grid');
  assert.deepEqual(o.budget, { seconds: 900 });
  assert.equal(o.validationFraction, 0.2);
  assert.equal(o.testFraction, 0.3);
  // Everything else keeps its default.
  assert.deepEqual(o, { ...DEFAULT_LAB_OPTIONS, folds: 3, schedule: 'grid', budget: { seconds: 900 }, validationFraction: 0.2, testFraction: 0.3, epochs: undefined, partialK: undefined, headLr: undefined, backboneLr: undefined, probeLr: undefined, data: undefined, textColumn: 'text', labelColumn: 'label', backbone: undefined, arch: undefined, imageSize: undefined, labelBudget: undefined, batchSize: undefined, encoding: undefined, layerDecay: undefined, bnPolicy: undefined });
});

test('without the new flags: folds auto, race, no budget, the modality fractions', () => {
  const o = optionsOf([]);
  assert.equal(o.folds, 'auto');
  assert.equal(o.schedule, 'race');
  assert.equal(o.budget, undefined);
  assert.equal(o.validationFraction, undefined);
  assert.equal(o.testFraction, undefined);
  assert.equal(o.margin, 0.01);
  assert.deepEqual(o.seeds, [0, 1, 2]);
  assert.deepEqual(o.strategies, DEFAULT_LAB_OPTIONS.strategies);
});

test('--folds auto and 1, --margin in points, a strategy named twice runs once', () => {
  assert.equal(optionsOf(['--folds', 'auto']).folds, 'auto');
  assert.equal(optionsOf(['--folds', '1']).folds, 1);
  assert.equal(optionsOf(['--margin', '2.5']).margin, 0.025);
  assert.deepEqual(optionsOf(['--strategies', 'frozen,frozen,full_finetune']).strategies, ['frozen', 'full_finetune']);
});

test('--budget forms: seconds, minutes, hours, FLOPs', () => {
  assert.deepEqual(budgetFrom('90s'), { seconds: 90 });
  assert.deepEqual(budgetFrom('15m'), { seconds: 900 });
  assert.deepEqual(budgetFrom('1h'), { seconds: 3600 });
  assert.deepEqual(budgetFrom('1.5h'), { seconds: 5400 });
  assert.deepEqual(budgetFrom('2e15flop'), { flops: 2e15 });
  assert.deepEqual(budgetFrom('2e15flops'), { flops: 2e15 });
  assert.deepEqual(budgetFrom('3.5e12FLOPs'), { flops: 3.5e12 });
  assert.deepEqual(budgetFrom('1000000flop'), { flops: 1e6 });
  for (const bad of ['10x', '15', 'm', '15 min', '-5m', '0h', '1e400flop', '15M', 'flop', '']) {
    assert.throws(() => budgetFrom(bad), (e: unknown) => e instanceof UsageError && /--budget/.test(e.message) && /90s, 15m or 1h/.test(e.message), bad);
  }
});

test('lab --help lists the new flags', async () => {
  const r = await lab(['--help']);
  assert.equal(r.code, 0);
  for (const f of ['--folds', '--validation-fraction', '--test-fraction', '--schedule', '--budget']) assert.match(r.stdout, new RegExp(`\\n  ${f} `));
  assert.match(r.stdout, /a race starts with the first two/);
});

test('--partial-k beyond the backbone groups exits 2 after the backbone loads and before any data is read', async () => {
  const out = join(work, 'partial-k-run');
  const r = await lab(['--modality', 'vision', '--partial-k', '99', '--data', missingData, '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /partialK \(--partial-k\) must be at most 4 for resnet20, which has the backbone groups stem, layer1, layer2, layer3; got 99/);
  assert.doesNotMatch(r.stderr, /no-such-data/, 'the data was never looked at');
  assert.equal(existsSync(out), false);
});

test('--threads and bench sizes are checked, not silently replaced', async () => {
  for (const t of ['0', '-4']) {
    const r = await runCliCaptured(['lab', '--threads', t, '--out', join(work, 'threads-run')]);
    assert.equal(r.code, 2, `--threads ${t}`);
    assert.match(r.stderr, /--threads must be an integer in 1\.\.1024/);
  }
  const b = await runCliCaptured(['bench', 'W1a_resnet20_train', '--batch', '0']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--batch must be an integer in 1\.\.4096; got 0/);
  assert.equal(existsSync(join(work, 'threads-run')), false);
});
