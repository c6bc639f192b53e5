// A run folder describes exactly one run, and nothing a lab reads is ever written over: outputs
// apart from inputs, the folder claimed by a marker and a lock, other settings refused without
// --force, damaged trial records retrained, filesystem problems as clear messages, and a trial
// whose loss became non-finite recorded as failed and kept out of the decision.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import { UsageError } from '../../src/errors.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { runCliCaptured } from '../helpers.js';
import { makeImageFolder, makeResnetBackbone } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-run-folder-'));
const images = join(work, 'images');
const resnet = join(work, 'resnet20.safetensors');

before(async () => {
  await makeImageFolder(images, 8);
  makeResnetBackbone(resnet);
});

const tiny = (out: string, more: Partial<LabOptions> = {}): LabOptions => ({
  ...DEFAULT_LAB_OPTIONS,
  modalities: ['vision'],
  strategies: ['frozen', 'partial_unfreeze'],
  seeds: [0, 1],
  folds: 1,
  schedule: 'grid',
  saveModels: 'none',
  data: images,
  backbone: resnet,
  arch: 'resnet20',
  quick: true,
  out,
  ...more,
});

function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      h.update(name);
      if (existsSync(p) && readdirSync(d, { withFileTypes: true }).find((e) => e.name === name)!.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('an output that is an input, or lies inside one, is refused before anything is written, and the input is unchanged', async () => {
  const before = treeHash(images);
  const into = await runCliCaptured(['lab', '--modality', 'vision', '--data', images, '--backbone', resnet, '--arch', 'resnet20', '--out', images]);
  assert.equal(into.code, 2, into.stderr);
  assert.match(into.stderr, /--out .* is the same path as --data .*: adaptlab never writes over or into what it reads/);
  const inside = await runCliCaptured(['lab', '--modality', 'vision', '--data', images, '--backbone', resnet, '--arch', 'resnet20', '--out', join(images, 'bars-top', 'run')]);
  assert.equal(inside.code, 2);
  assert.match(inside.stderr, /lies inside --data/);
  assert.equal(treeHash(images), before);
  const weightsBefore = createHash('sha256').update(readFileSync(resnet)).digest('hex');
  const ev = await runCliCaptured(['evaluate', '--weights', resnet, '--arch', 'resnet20', '--data', images, '--predictions', resnet]);
  assert.equal(ev.code, 2);
  assert.match(ev.stderr, /--predictions .* is the same path as --weights/);
  assert.equal(createHash('sha256').update(readFileSync(resnet)).digest('hex'), weightsBefore);
  // a folder that is not an adaptlab run folder is never written into
  const foreign = join(work, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'thesis.txt'), 'precious');
  await assert.rejects(runLab(tiny(foreign)), (e: unknown) => e instanceof UsageError && /is not an adaptlab run folder/.test(e.message));
  assert.deepEqual(readdirSync(foreign), ['thesis.txt']);
});

test('filesystem problems with --out are clear messages, not stack traces', async () => {
  const file = join(work, 'a-file');
  writeFileSync(file, 'x');
  const atFile = await runCliCaptured(['lab', '--modality', 'vision', '--data', images, '--backbone', resnet, '--arch', 'resnet20', '--out', file]);
  assert.equal(atFile.code, 2);
  assert.match(atFile.stderr, /--out .*a-file exists and is not an adaptlab run folder|cannot/);
  const under = await runCliCaptured(['lab', '--modality', 'vision', '--data', images, '--backbone', resnet, '--arch', 'resnet20', '--out', join(file, 'run')]);
  assert.equal(under.code, 2);
  assert.match(under.stderr, /cannot create the run folder .*a part of the path is a file, not a folder/);
  assert.doesNotMatch(under.stderr + atFile.stderr, /\n\s+at /, 'no stack trace');
});

test('one lab at a time holds a run folder; a lock whose process is gone is taken over', async () => {
  const out = join(work, 'locked');
  mkdirSync(out);
  writeFileSync(join(out, '.adaptlab-run'), 'adaptlab run folder\n');
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  try {
    writeFileSync(join(out, '.lock'), JSON.stringify({ pid: holder.pid, host: hostname(), since: '2026-12-05T00:00:00.000Z' }));
    await assert.rejects(runLab(tiny(out)), (e: unknown) => e instanceof UsageError && new RegExp(`in use by another adaptlab lab \\(pid ${holder.pid} on ${hostname()}`).test(e.message));
  } finally {
    holder.kill();
  }
  await new Promise((r) => holder.once('exit', r));
  await runLab(tiny(out)); // the holder is gone: its lock is stale
  assert.ok(!existsSync(join(out, '.lock')), 'the lock is released when the lab ends');
});

test('a rerun with other settings is refused without --force; a damaged trial record is retrained, not a crash', async () => {
  const out = join(work, 'rerun');
  await runLab(tiny(out));
  const config = readFileSync(join(out, 'config.json'), 'utf8');
  await assert.rejects(runLab(tiny(out, { epochs: 3 })), (e: unknown) => e instanceof UsageError && /holds a run with other settings \(epochs: undefined there, 3 now\).*--force/.test(e.message));
  assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), config, 'config.json still describes the run that is there');
  // damage one record: valid JSON, wrong shape
  const file = join(out, 'trials', 'vision', 'frozen-seed1.json');
  const record = JSON.parse(readFileSync(file, 'utf8')) as TrialRecord & { metrics: unknown };
  writeFileSync(file, JSON.stringify({ ...record, metrics: { validation: 'x' } }));
  const messages: string[] = [];
  const again = await runLab(tiny(out), { message: (m) => messages.push(m) });
  assert.ok(messages.some((m) => /frozen-seed1\.json is damaged \(metrics\.validation is incomplete\); the trial will be trained again/.test(m)), messages.join('\n'));
  assert.equal(again.outcomes.vision!.trials.length, 4);
  // with --force the other settings replace the run
  const forced = await runLab(tiny(out, { epochs: 3, force: true }));
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).epochs, 3);
  assert.equal(forced.outcomes.vision!.trials[0].config.epochs, 3);
});

test('a trial whose loss becomes non-finite stops, is recorded as failed with its step, and is kept out of the decision', async () => {
  const out = join(work, 'nan');
  // a head learning rate of 1e30 overflows the weights within a few steps
  const result = await runLab(tiny(out, { strategies: ['frozen', 'partial_unfreeze'], headLr: 1e30, epochs: 3 }));
  const failed = result.outcomes.vision!.trials.filter((t) => t.failure);
  assert.ok(failed.length > 0, 'some trial diverged');
  for (const t of failed) {
    assert.equal(t.strategy, 'partial_unfreeze');
    assert.match(t.failure!.reason, /^the training loss became (NaN|Infinity) at epoch \d, step \d+$/);
  }
  const s = result.summary.modalities.vision!.strategies.partial_unfreeze!.sanity;
  assert.equal(s.excluded, true);
  assert.ok(s.problems.some((p) => p.startsWith('failed: partial_unfreeze seed')));
  assert.notEqual(result.summary.modalities.vision!.recommendation.strategy, 'partial_unfreeze');
});
