// The lab on an explicit device: with `cpu` named, the trial runner, the feature cache and the
// evaluation run exactly as by default (same records, each saying where it trained); a device this
// libtorch cannot provide stops the command before any data is read or any folder is made.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import { deviceSupport } from '../../src/tensor/index.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { runCliCaptured } from '../helpers.js';
import { makeImageFolder, makeResnetBackbone } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-device-'));
const images = join(work, 'images');
const resnetFile = join(work, 'resnet20.safetensors');

before(async () => {
  await makeImageFolder(images, 6);
  makeResnetBackbone(resnetFile);
});

const options = (out: string): LabOptions => ({
  ...DEFAULT_LAB_OPTIONS,
  modalities: ['vision'],
  // frozen and partial_unfreeze train on cached features / prefixes; scratch on raw images.
  strategies: ['scratch', 'frozen', 'partial_unfreeze'],
  seeds: [0, 1],
  schedule: 'grid',
  folds: 1,
  data: images,
  backbone: resnetFile,
  arch: 'resnet20',
  quick: true,
  saveModels: 'none',
  out,
});

function trialRecords(out: string): TrialRecord[] {
  const dir = join(out, 'trials', 'vision');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrialRecord);
}

test('an explicit cpu device trains, caches features and evaluates exactly as the default', async () => {
  const byDefault = await runLab(options(join(work, 'default')));
  const onCpu = await runLab(options(join(work, 'cpu')), {}, undefined, 'cpu');
  const a = trialRecords(join(work, 'default'));
  const b = trialRecords(join(work, 'cpu'));
  assert.equal(a.length, 6);
  assert.deepEqual(
    b.map((r) => r.cost.device),
    b.map(() => 'cpu'),
    'every trial record says where it trained',
  );
  for (const [i, r] of a.entries()) {
    assert.deepEqual(b[i].metrics, r.metrics, `${r.strategy} seed ${r.seed}: same metrics`);
    assert.deepEqual(b[i].predictions, r.predictions, `${r.strategy} seed ${r.seed}: same predictions`);
    assert.deepEqual(b[i].curve.map((p) => p.trainLoss), r.curve.map((p) => p.trainLoss), `${r.strategy} seed ${r.seed}: same losses`);
    assert.equal(b[i].cost.trainFlops, r.cost.trainFlops);
  }
  assert.deepEqual(onCpu.summary.modalities.vision!.recommendation, byDefault.summary.modalities.vision!.recommendation);
});

test('lab --device cuda on a libtorch without it: the typed error before any data is read or folder made', async (t) => {
  const support = deviceSupport();
  const out = join(work, 'cuda-run');
  // A --data path that does not exist: reading the data first would fail with a data error instead.
  const missing = join(work, 'no-such-folder');
  const r = await runCliCaptured(['lab', '--modality', 'vision', '--device', 'cuda', '--data', missing, '--out', out, '--quick']);
  if (support.cudaAvailable) {
    t.diagnostic('this libtorch has CUDA and a GPU: the run gets past the device check and fails on the missing data');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such-folder/);
    return;
  }
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /device cuda is not available/);
  assert.match(r.stderr, support.cudaBuilt ? /no usable GPU/ : /built without CUDA.*set LIBTORCH to a CUDA build of libtorch/s);
  assert.doesNotMatch(r.stderr, /no-such-folder/, 'the data was never looked at');
  assert.equal(existsSync(out), false, 'no run folder was made');
});

test('--device takes only cpu, cuda or cuda:N on every command that runs models (exit 2, naming the flag, before anything connects or loads)', async () => {
  const required: Record<string, string[]> = {
    lab: [],
    evaluate: [],
    predict: ['--model', join(work, 'no-model'), '--data', join(work, 'no-data')],
    pretrain: ['vision'],
    bench: ['W1a_resnet20_train'],
    worker: ['--queue', 'redis://127.0.0.1:1'],
  };
  for (const [command, args] of Object.entries(required)) {
    const r = await runCliCaptured([command, ...args, '--device', 'gpu0']);
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`adaptlab ${command}: --device must be cpu, cuda or cuda:N`));
  }
});
