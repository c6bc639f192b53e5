// The lab end to end on custom data and custom backbones (small, so it runs in seconds), and its
// crash guarantee: a kill -9 in the middle leaves only complete files, and a re-run reuses them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import { DEFAULT_STRATEGIES } from '../../src/record/vocabulary.js';
import type { Summary, TrialRecord } from '../../src/record/run-record.js';
import { runCli } from '../../src/cli/main.js';
import { repoRoot } from '../helpers.js';
import { makeImageFolder, makeTextTable, makeResnetBackbone, makeBertBackbone } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-lab-'));
const images = join(work, 'images');
const table = join(work, 'texts.csv');
const resnetFile = join(work, 'resnet20.safetensors');
const bertDir = join(work, 'bert');

before(async () => {
  await makeImageFolder(images);
  makeTextTable(table);
  makeResnetBackbone(resnetFile);
  await makeBertBackbone(bertDir);
});

test('vision lab on an image folder with a ResNet checkpoint writes trials, summary, note and report', async () => {
  const out = join(work, 'vision-run');
  const result = await runLab({
    ...DEFAULT_LAB_OPTIONS,
    modalities: ['vision'],
    seeds: [0, 1],
    data: images,
    backbone: resnetFile,
    arch: 'resnet20',
    quick: true,
    folds: 1, // one validation split: this test reads the per-seed trial files
    headLr: 2e-2,
    backboneLr: 5e-4,
    out,
  });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const vision = summary.modalities.vision!;
  // the learning-rate plan asked for is the one every trainable parameter got
  const full = JSON.parse(readFileSync(join(out, 'trials', 'vision', 'full_finetune-seed0.json'), 'utf8')) as TrialRecord;
  for (const g of full.groups) assert.equal(g.lr, g.group === 'head' ? 2e-2 : 5e-4, `${g.name} in ${g.group}`);
  const frozen = JSON.parse(readFileSync(join(out, 'trials', 'vision', 'frozen-seed0.json'), 'utf8')) as TrialRecord;
  assert.ok(frozen.groups.every((g) => (g.group === 'head' ? g.lr === 0.1 : g.lr === null)), 'frozen keeps the probe lr');
  assert.deepEqual(vision.dataset.classNames, ['bars-bottom', 'bars-middle', 'bars-top']);
  for (const s of DEFAULT_STRATEGIES) {
    const st = vision.strategies[s]!;
    assert.equal(st.audit.passed, true, `${s} audit`);
    assert.equal(st.metrics.validation.accuracy.values.length, 2);
    const [lo, hi] = st.metrics.validation.accuracy.ci95;
    assert.ok(lo <= st.metrics.validation.accuracy.mean && st.metrics.validation.accuracy.mean <= hi);
    assert.ok(st.cost.trainFlops > 0 && st.cost.storedBytes > 0);
  }
  // frozen trains the head only: 64 features x 3 classes + 3 biases
  assert.equal(vision.strategies.frozen!.trainableParams, 64 * 3 + 3);
  assert.ok(vision.strategies.frozen!.cost.trainFlops < vision.strategies.full_finetune!.cost.trainFlops);
  // partial unfreezing starts from the cached output of its frozen groups: less work than full
  assert.ok(vision.strategies.partial_unfreeze!.cost.trainFlops < 0.8 * vision.strategies.full_finetune!.cost.trainFlops);
  assert.ok(vision.strategies.frozen!.cost.storedBytes < vision.strategies.partial_unfreeze!.cost.storedBytes);
  assert.ok(Array.isArray(vision.recommendation.reasons) && vision.recommendation.reasons.length > 0);
  const note = readFileSync(join(out, 'notes', 'vision.md'), 'utf8');
  assert.match(note, /scratch/);
  assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes('bars-middle'));
  const trialFiles = readdirSync(join(out, 'trials', 'vision'));
  assert.equal(trialFiles.filter((f) => f.endsWith('.json')).length, DEFAULT_STRATEGIES.length * 2);
  assert.equal(trialFiles.filter((f) => f.endsWith('.csv')).length, DEFAULT_STRATEGIES.length * 2, 'a per-epoch CSV beside every record');
  assert.equal(result.outcomes.vision!.trials.length, 8);
});

test('text lab on a CSV with a Hugging Face BERT directory', async () => {
  const out = join(work, 'text-run');
  await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['text'], seeds: [0, 1], strategies: ['scratch', 'frozen', 'full_finetune'], data: table, backbone: bertDir, quick: true, folds: 1, out });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const text = summary.modalities.text!;
  assert.deepEqual(text.dataset.classNames, ['fruit', 'sky', 'water']);
  assert.equal(text.strategies.frozen!.trainableParams, 16 * 3 + 3);
  assert.equal(text.strategies.frozen!.audit.passed, true);
  const rec = JSON.parse(readFileSync(join(out, 'trials', 'text', 'frozen-seed0.json'), 'utf8')) as TrialRecord;
  assert.deepEqual(rec.totals.trainable, 51);
  assert.ok(rec.groups.every((g) => (g.group === 'head') === g.trainable));
});

test('bad lab requests are usage errors with exit code 2', async () => {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    assert.equal(await runCli(['lab', '--strategies', 'frozen,nope']), 2);
    assert.equal(await runCli(['lab', '--seeds', '1']), 2);
    assert.equal(await runCli(['lab', '--data', images]), 2);
    assert.equal(await runCli(['lab', '--modality', 'vision', '--bogus']), 2);
    assert.equal(await runCli(['lab', '--modality', 'vision', '--backbone-lr', '0']), 2);
  } finally {
    console.error = orig;
  }
  assert.match(lines[4], /--backbone-lr is a learning rate, a positive number such as 1e-3; got 0/);
  assert.match(lines[0], /nope/);
  assert.match(lines[1], /at least 2 seeds/);
  assert.match(lines[2], /--modality vision/);
  assert.match(lines[3], /unknown option --bogus\. Valid options: .*--strategies/);
});

test('kill -9 in the middle of a lab: no file is corrupted, and a re-run reuses finished trials', async () => {
  const out = join(work, 'killed-run');
  const args = [join(repoRoot, 'dist/src/cli/bin.js'), 'lab', '--modality', 'vision', '--data', images, '--backbone', resnetFile, '--arch', 'resnet20', '--quick', '--epochs', '4', '--seeds', '0,1,2', '--folds', '1', '--schedule', 'grid', '--out', out];
  const trialsDir = join(out, 'trials', 'vision');
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  // Wait for the second finished trial, then kill without warning.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const n = existsSync(trialsDir) ? readdirSync(trialsDir).filter((f) => f.endsWith('.json')).length : 0;
      if (n >= 2) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the lab finished before it could be killed; make the run longer'));
    });
  });
  await new Promise((r) => child.on('close', r));
  const survivors = readdirSync(trialsDir).filter((f) => !f.endsWith('.csv'));
  assert.ok(survivors.every((f) => f.endsWith('.json')), `temporary files left behind: ${survivors.join(', ')}`);
  const before = new Map<string, number>();
  for (const f of survivors) {
    JSON.parse(readFileSync(join(trialsDir, f), 'utf8')); // complete and valid
    before.set(f, statSync(join(trialsDir, f)).mtimeMs);
  }
  assert.ok(!existsSync(join(out, 'summary.json')));

  // The re-run reuses every finished trial (files untouched) and completes the run.
  const rerun = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  rerun.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((r) => rerun.on('close', r));
  assert.equal(code, 0, stderr);
  for (const [f, mtime] of before) {
    assert.equal(statSync(join(trialsDir, f)).mtimeMs, mtime, `${f} was recomputed`);
    const [strategy, seed] = f.replace('.json', '').split('-seed');
    assert.match(stderr, new RegExp(`vision ${strategy} seed ${seed}: reused`));
  }
  assert.equal(readdirSync(trialsDir).filter((f) => f.endsWith('.json')).length, DEFAULT_STRATEGIES.length * 3);
  assert.ok(existsSync(join(out, 'summary.json')) && existsSync(join(out, 'report.html')));
});
