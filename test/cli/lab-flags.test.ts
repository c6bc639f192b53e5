// `adaptlab lab` flags a fine-tuning recipe needs, as a user meets them. --bn-policy (the
// BatchNorm policy of the frozen backbone groups): help says what each value does and where it
// applies; a bad value exits 2 before anything loads (flag, library option and config file
// alike); it reaches exactly the strategies that take a policy. --batch-size and --layer-decay
// reach the trials too; all three are recorded in config.json and the trial records, and a
// --config replay carries them. A backbone without BatchNorm (BERT) runs as without --bn-policy,
// and the lab says so. The same run shows the console's few decision lines, the predictions'
// confidences and the report's thumbnails of misclassified examples.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers.js';
import { BATCH_NORM_POLICIES, STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import type { Summary, TrialRecord } from '../../src/record/run-record.js';
import { defineStrategy, takesBatchNormPolicy } from '../../src/adapt/strategies.js';
import { checkLabOptions } from '../../src/lab/check-options.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import { UsageError } from '../../src/errors.js';
import { parseArgs } from '../../src/cli/parse.js';
import { labCommand, labOptionsFrom } from '../../src/cli/commands/lab.js';
import { runLab } from '../../src/lab/run-lab.js';
import { makeBertBackbone, makeImageFolder, makeResnetBackbone, makeTextTable } from '../lab/make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-bn-policy-'));
after(() => rmSync(work, { recursive: true, force: true }));

const missingData = join(work, 'no-such-data');
/** The ResNet run's console output and folder, read again by a later test. */
let firstRun: { stdout: string; out: string } | undefined;

function trials(out: string, modality: string): TrialRecord[] {
  const dir = join(out, 'trials', modality);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrialRecord);
}

test('lab --help says what each policy does, which strategies take it, and what a backbone without BatchNorm does', async () => {
  const r = await runCliCaptured(['lab', '--help']);
  assert.equal(r.code, 0);
  const line = r.stdout.split('\n').find((l) => l.startsWith('  --bn-policy '));
  assert.ok(line, 'the option is listed');
  for (const p of BATCH_NORM_POLICIES) assert.match(line, new RegExp(`\\b${p} = `), `${p} is explained`);
  assert.match(line, /\(frozen \| adapt \| train\)$/, 'the choices');
  const takers = STRATEGY_NAMES.filter(takesBatchNormPolicy);
  assert.deepEqual(takers, ['frozen', 'partial_unfreeze'], 'the strategies whose definition takes a policy');
  assert.match(line, new RegExp(`groups of ${takers.join(' and ')}:`), 'help names exactly those strategies');
  assert.match(line, /without BatchNorm \(BERT\) ignores it, and the lab says so/);
});

test('a bad --bn-policy (or --batch-size, --layer-decay) exits 2 naming the flag, before any data is read or any folder made', async () => {
  const out = join(work, 'never');
  const r = await runCliCaptured(['lab', '--modality', 'vision', '--data', missingData, '--bn-policy', 'adpt', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--bn-policy must be one of frozen, adapt, train; got "adpt"; did you mean adapt\?/);
  assert.doesNotMatch(r.stderr, /no-such-data/);
  assert.equal(existsSync(out), false);

  // The library option and a config file are checked the same way, naming the flag.
  const bad = { ...DEFAULT_LAB_OPTIONS, bnPolicy: 'eval' } as unknown as LabOptions;
  assert.throws(() => checkLabOptions(bad), (e: unknown) => e instanceof UsageError && /^bnPolicy \(--bn-policy\) must be one of 'frozen', 'adapt', 'train'; got "eval"\. 'frozen' keeps/.test(e.message));
  const file = join(work, 'bad-policy.json');
  writeFileSync(file, JSON.stringify({ modalities: ['vision'], bnPolicy: 'eval', out }));
  const c = await runCliCaptured(['lab', '--config', file]);
  assert.equal(c.code, 2, c.stderr);
  assert.match(c.stderr, /bnPolicy \(--bn-policy\) must be one of/);
  writeFileSync(file, JSON.stringify({ modalities: ['vision'], bnPolicy: 1, out }));
  const n = await runCliCaptured(['lab', '--config', file]);
  assert.equal(n.code, 2, n.stderr);
  assert.match(n.stderr, /"bnPolicy" must be a string; got 1/);
  // The other recipe flags are checked the same way.
  for (const [args, message] of [
    [['--batch-size', '0'], /batchSize \(--batch-size\) must be an integer in 1\.\.4096; got 0/],
    [['--layer-decay', '1.5'], /layerDecay \(--layer-decay\) must be a factor in \(0, 1\]; got 1\.5/],
  ] as const) {
    const r2 = await runCliCaptured(['lab', '--modality', 'vision', '--data', missingData, '--out', out, ...args]);
    assert.equal(r2.code, 2, args.join(' '));
    assert.match(r2.stderr, message);
  }
  assert.equal(existsSync(out), false);
});

test('a policy changes the spec (and so the trial fingerprint) of the strategies that take one, and no other', () => {
  for (const name of STRATEGY_NAMES) {
    const plain = defineStrategy(name, { headLr: 1e-2 });
    for (const policy of BATCH_NORM_POLICIES) {
      const given = defineStrategy(name, { headLr: 1e-2, batchNorm: policy });
      if (takesBatchNormPolicy(name)) assert.deepEqual(given, { ...plain, batchNorm: policy }, `${name} under ${policy}`);
      else assert.deepEqual(given, plain, `${name} ignores ${policy}`);
    }
  }
});

test('--bn-policy adapt, --batch-size and --layer-decay on a ResNet: recorded in config.json and the trials they reach, replayed by --config', async () => {
  const images = join(work, 'images');
  const resnetFile = join(work, 'resnet20.safetensors');
  await makeImageFolder(images);
  makeResnetBackbone(resnetFile);
  const first = join(work, 'first');
  const again = join(work, 'again');
  const ran = await runCliCaptured([
    'lab', '--quick', '--modality', 'vision', '--strategies', 'scratch,frozen,partial_unfreeze', '--seeds', '0,1', '--folds', '1', '--save-models', 'none',
    '--data', images, '--backbone', resnetFile, '--arch', 'resnet20', '--bn-policy', 'adapt', '--batch-size', '8', '--layer-decay', '0.5', '--out', first,
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  firstRun = { stdout: ran.stdout, out: first };
  assert.doesNotMatch(ran.stderr, /has no effect/);
  const config = readFileSync(join(first, 'config.json'), 'utf8');
  assert.equal((JSON.parse(config) as { bnPolicy: string }).bnPolicy, 'adapt');
  const policies = Object.fromEntries(trials(first, 'vision').map((t) => [`${t.strategy}-${t.seed}`, t.config.batchNorm]));
  assert.deepEqual(policies, { 'scratch-0': 'train', 'scratch-1': 'train', 'frozen-0': 'adapt', 'frozen-1': 'adapt', 'partial_unfreeze-0': 'adapt', 'partial_unfreeze-1': 'adapt' });
  assert.deepEqual(JSON.parse(config).batchSize, 8);
  assert.deepEqual(JSON.parse(config).layerDecay, 0.5);
  for (const t of trials(first, 'vision')) {
    assert.equal(t.config.batchSize, 8, `${t.strategy} seed ${t.seed}: --batch-size`);
    // 18 training images in batches of 8: 3 steps an epoch, 2 epochs.
    assert.equal(t.config.steps, 6, `${t.strategy} seed ${t.seed}: steps`);
  }
  // --layer-decay reaches partial_unfreeze (its one backbone group is next to the head, so its rate is the backbone's).
  assert.deepEqual(Object.fromEntries(trials(first, 'vision').map((t) => [t.strategy, t.config.layerDecay])), { scratch: null, frozen: null, partial_unfreeze: 0.5 });
  for (const t of trials(first, 'vision')) assert.ok(t.audit.passed, `${t.strategy} seed ${t.seed}: the freeze audit passes (frozen weights unchanged)`);

  const replay = await runCliCaptured(['lab', '--config', join(first, 'config.json'), '--out', again]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal(readFileSync(join(again, 'config.json'), 'utf8'), config.replace(JSON.stringify(first), JSON.stringify(again)));
  const accuracies = (dir: string) => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    return Object.entries(summary.modalities.vision!.strategies).map(([name, s]) => [name, s!.metrics.validation.accuracy.values, s!.metrics.test.accuracy.values]);
  };
  assert.deepEqual(accuracies(again), accuracies(first));
  assert.deepEqual(Object.fromEntries(trials(again, 'vision').map((t) => [`${t.strategy}-${t.seed}`, t.config.batchNorm])), policies);
});

test('the console states the decision in a few lines; the rule and every comparison stay in the note', () => {
  assert.ok(firstRun, 'the ResNet run above finished');
  const lines = firstRun.stdout.trim().split('\n');
  const head = lines.findIndex((l) => /^vision: (recommended depth: \S+ \(evidence: |no recommendation)/.test(l));
  assert.ok(head >= 0, firstRun.stdout);
  const block = lines.slice(head + 1, lines.findIndex((l) => l.startsWith('report:')));
  assert.ok(block.filter((l) => l.trim() !== '').length <= 8, `a few lines, not the whole rule:\n${block.join('\n')}`);
  for (const l of block.filter((x) => x.trim() !== '')) assert.match(l, /^ {2}[-!] |^ {2}model: /);
  assert.doesNotMatch(firstRun.stdout, /Rule:/);
  assert.match(readFileSync(join(firstRun.out, 'notes', 'vision.md'), 'utf8'), /Rule: /);
  assert.deepEqual(lines.slice(-3).map((l) => l.split(':')[0]), ['report', 'summary', 'notes']);
});

test("the lab's records hold each prediction's confidence, and its report shows the misclassified examples as thumbnails", () => {
  assert.ok(firstRun, 'the ResNet run above finished');
  for (const t of trials(firstRun.out, 'vision')) {
    for (const p of [t.predictions.validation, t.predictions.test]) {
      assert.equal(p.confidence?.length, p.ids.length, `${t.strategy} seed ${t.seed}: a confidence per prediction`);
      // The predicted class's softmax probability: at least 1/classes, at most 1.
      assert.ok(p.confidence!.every((c) => c >= 1 / 3 - 1e-4 && c <= 1), `${t.strategy} seed ${t.seed}: ${p.confidence}`);
    }
  }
  const report = readFileSync(join(firstRun.out, 'report.html'), 'utf8');
  const galleries = report.match(/<div class="gallery" data-strategy="[a-z_]+">[\s\S]*?<\/div>/g) ?? [];
  assert.equal(galleries.length, 3, 'one per strategy');
  const wrong = galleries.map((g) => Number(/(\d+) of \d+ test examples wrong/.exec(g)?.[1]));
  const thumbs = galleries.map((g) => (g.match(/<img class="thumb" src="data:image\/png;base64,[A-Za-z0-9+/=]+" width="\d+" height="\d+" alt="[^"]+">/g) ?? []).length);
  const tiles = galleries.map((g) => (g.match(/<li class="tile/g) ?? []).length);
  assert.ok(wrong.some((n) => n > 0), 'the tiny run gets some test examples wrong');
  assert.deepEqual(thumbs, tiles, 'every example shown is a thumbnail the lab made from its image');
});

test('--bn-policy on a backbone without BatchNorm has no effect, and the lab says so', async () => {
  const table = join(work, 'texts.csv');
  const bert = join(work, 'bert');
  makeTextTable(table);
  await makeBertBackbone(bert);
  const out = join(work, 'text-run');
  // The command line's options, run through the library to hear the lab's console messages.
  const { options } = parseArgs(labCommand, [
    '--quick', '--modality', 'text', '--strategies', 'frozen,partial_unfreeze', '--seeds', '0,1', '--folds', '1', '--save-models', 'none',
    '--data', table, '--backbone', bert, '--bn-policy', 'train', '--out', out,
  ]);
  const messages: string[] = [];
  await runLab(labOptionsFrom(options), { message: (text) => messages.push(text) });
  assert.ok(
    messages.some((m) => /^text: --bn-policy train has no effect: \S+ has no BatchNorm layers, so every strategy keeps its own policy/.test(m)),
    messages.join('\n'),
  );
  for (const t of trials(out, 'text')) assert.equal(t.config.batchNorm, 'frozen', `${t.strategy} seed ${t.seed} kept its own policy`);
});
