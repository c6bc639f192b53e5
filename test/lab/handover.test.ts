// The model a lab hands over: saved in the ecosystem's layout, its task file as large as the
// stored bytes the lab reports, `adaptlab predict` reproducing the lab's test accuracy for that
// seed, a task-only model put back on its backbone (and refused on another), and export.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import type { SavedModelRef, TrialRecord } from '../../src/record/run-record.js';
import { loadMnist } from '../../src/data/vision-datasets.js';
import { runCliCaptured } from '../helpers.js';
import { makeBertBackbone, makeResnetBackbone, makeTextTable } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-handover-'));
const out = join(work, 'run');
let saved: SavedModelRef;

before(async () => {
  const result = await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], strategies: ['scratch', 'frozen'], seeds: [0, 1, 2], quick: true, schedule: 'grid', out });
  const m = result.summary.modalities.vision!.savedModel;
  assert.ok(!('none' in m), JSON.stringify(m));
  saved = m as SavedModelRef;
});

test('the lab saves the recommended model of its median seed, in torchvision layout, and the stored bytes are its task file', () => {
  const dir = join(out, saved.path);
  assert.deepEqual(readdirSync(dir).sort(), ['adaptlab-model.json', 'model.safetensors', 'task.safetensors']);
  assert.ok(!existsSync(join(out, 'models', '.staging')), 'the staging area is cleared');
  const records = readdirSync(join(out, 'trials', 'vision'))
    .filter((f) => f.startsWith(`${saved.strategy}-`) && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(out, 'trials', 'vision', f), 'utf8')) as TrialRecord);
  const byAccuracy = [...records].sort((a, b) => a.metrics.validation.accuracy - b.metrics.validation.accuracy || a.seed - b.seed);
  assert.equal(saved.seed, byAccuracy[1].seed, 'the median of three seeds');
  const task = statSync(join(dir, 'task.safetensors')).size;
  assert.equal(saved.storedBytes, task);
  for (const r of records) assert.equal(r.cost.storedBytes, task, 'the stored bytes every trial reports are the size of the file written');
  // scratch stays at chance in a quick run (the gates exclude it), so the linear probe is the one handed over
  assert.equal(saved.strategy, 'frozen');
  assert.ok(task < 5000, `a frozen head is a few kB, got ${task}`);
  const weights = JSON.parse(readFileSync(join(dir, 'adaptlab-model.json'), 'utf8')) as { classNames: string[] };
  assert.equal(weights.classNames.length, 10);
});

/** The lab's test split of MNIST as an image folder (<digit>/<id>.png), rebuilt from the trial's test ids. */
async function testSplitFolder(root: string, ids: readonly string[]): Promise<void> {
  const mnist = await loadMnist();
  const byId = new Map(mnist.records.map((r) => [r.id, r]));
  for (const id of ids) {
    const r = byId.get(id)!;
    const dir = join(root, mnist.classNames[r.label]);
    mkdirSync(dir, { recursive: true });
    await sharp(Buffer.from(r.pixels), { raw: { width: r.width, height: r.height, channels: r.channels } }).png().toFile(join(dir, `${id.replace(/\//g, '_')}.png`));
  }
}

test('adaptlab predict on the test split reproduces the accuracy the lab reported for that seed; a task-only copy works on its backbone only', async () => {
  const record = JSON.parse(readFileSync(join(out, 'trials', 'vision', `${saved.strategy}-seed${saved.seed}.json`), 'utf8')) as TrialRecord;
  const folder = join(work, 'test-split');
  await testSplitFolder(folder, record.predictions.test.ids);
  const r = await runCliCaptured(['predict', '--model', join(out, saved.path), '--data', folder, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { accuracy: number; predictions: { item: string; prediction: string; probabilities: Record<string, number> }[] };
  assert.equal(json.accuracy, record.metrics.test.accuracy);
  assert.equal(json.accuracy, saved.metrics.test);
  assert.equal(json.predictions.length, record.predictions.test.ids.length);
  for (const p of json.predictions) assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);

  // only the task file (and the manifest): put back on the embedded backbone, whose hash matches
  const taskOnly = join(work, 'task-only');
  cpSync(join(out, saved.path), taskOnly, { recursive: true });
  rmSync(join(taskOnly, 'model.safetensors'));
  const again = await runCliCaptured(['predict', '--model', taskOnly, '--data', folder, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    (JSON.parse(again.stdout) as typeof json).predictions.map((p) => p.prediction),
    json.predictions.map((p) => p.prediction),
  );
  // on another backbone it is refused, saying which backbone it needs
  const other = join(work, 'other-resnet20.safetensors');
  makeResnetBackbone(other);
  const wrong = await runCliCaptured(['predict', '--model', taskOnly, '--data', folder, '--backbone', other, '--arch', 'resnet20']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /was trained on backbone vision:resnet20:[0-9a-f]{64} but the backbone given is .*: pass that backbone with --backbone/);
});

test('predict also takes a checkpoint evaluate accepts: a full model file with adaptlab metadata', async () => {
  const r = await runCliCaptured(['predict', '--model', join(out, saved.path, 'model.safetensors'), '--data', join(work, 'test-split'), '--image-size', '32']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0], /^item,label,prediction,p\(0\),p\(1\)/);
});

test('adaptlab export writes a standalone torchvision-style directory, and never into a non-empty one', async () => {
  const dest = join(work, 'exported');
  const r = await runCliCaptured(['export', '--model', join(out, saved.path), '--out', dest]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dest).sort(), ['README.md', 'config.json', 'model.safetensors']);
  const config = JSON.parse(readFileSync(join(dest, 'config.json'), 'utf8')) as { architecture: string; num_classes: number; id2label: Record<string, string> };
  assert.equal(config.architecture, 'resnet20');
  assert.equal(config.num_classes, 10);
  assert.equal(config.id2label['3'], '3');
  const twice = await runCliCaptured(['export', '--model', join(out, saved.path), '--out', dest]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /exists and is not empty/);
});

test('a text lab saves a Hugging Face directory that predict reads back with the same predictions', async () => {
  const table = join(work, 'texts.csv');
  const bert = join(work, 'bert');
  makeTextTable(table);
  await makeBertBackbone(bert);
  const textOut = join(work, 'text-run');
  const result = await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['text'], strategies: ['frozen', 'full_finetune'], seeds: [0, 1], folds: 1, quick: true, epochs: 12, data: table, backbone: bert, out: textOut });
  const m = result.summary.modalities.text!.savedModel as SavedModelRef;
  assert.ok(!('none' in m), JSON.stringify(m));
  const dir = join(textOut, m.path);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'task.safetensors', 'adaptlab-model.json']) assert.ok(existsSync(join(dir, f)), f);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { architectures: string[]; id2label: Record<string, string>; label2id: Record<string, number> };
  assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  assert.deepEqual(config.id2label, { 0: 'fruit', 1: 'sky', 2: 'water' });
  const r = await runCliCaptured(['predict', '--model', dir, '--data', table, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { accuracy: number; classNames: string[]; predictions: { prediction: string }[] };
  assert.equal(json.predictions.length, 36);
  // the saved seed's test predictions, example by example (table ids are row-<n>, 1-based)
  const record = JSON.parse(readFileSync(join(textOut, 'trials', 'text', `${m.strategy}-seed${m.seed}.json`), 'utf8')) as TrialRecord;
  record.predictions.test.ids.forEach((id, i) => {
    const row = Number(id.replace('row-', '')) - 1;
    assert.equal(json.predictions[row].prediction, json.classNames[record.predictions.test.predictions[i]], id);
  });
});

test('a LoRA model is handed over merged, and its task file holds the adapters: exactly the stored bytes reported', async () => {
  const images = join(work, 'lora-images');
  const resnet = join(work, 'lora-resnet20.safetensors');
  const { makeImageFolder } = await import('./make-lab-inputs.js');
  await makeImageFolder(images, 8);
  makeResnetBackbone(resnet);
  const loraOut = join(work, 'lora-run');
  await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], strategies: ['frozen', 'lora'], seeds: [0, 1], folds: 1, quick: true, schedule: 'grid', saveModels: 'all', data: images, backbone: resnet, arch: 'resnet20', out: loraOut });
  const dir = join(loraOut, 'models', 'vision', 'all', 'lora-seed0');
  const record = JSON.parse(readFileSync(join(loraOut, 'trials', 'vision', 'lora-seed0.json'), 'utf8')) as TrialRecord;
  assert.equal(statSync(join(dir, 'task.safetensors')).size, record.cost.storedBytes);
  // the full model has no adapter tensors: they are merged into the convolutions
  const header = JSON.parse(readFileSync(join(dir, 'model.safetensors')).subarray(8, 8 + Number(readFileSync(join(dir, 'model.safetensors')).readBigUInt64LE(0))).toString('utf8')) as Record<string, unknown>;
  assert.ok(!Object.keys(header).some((k) => k.includes('lora_')));
  const taskHeader = readFileSync(join(dir, 'task.safetensors'));
  assert.match(taskHeader.subarray(8, 8 + Number(taskHeader.readBigUInt64LE(0))).toString('utf8'), /lora_A/);
  // a task-only copy of a LoRA model says to use the full model
  const taskOnly = join(work, 'lora-task-only');
  cpSync(dir, taskOnly, { recursive: true });
  rmSync(join(taskOnly, 'model.safetensors'));
  const r = await runCliCaptured(['predict', '--model', taskOnly, '--data', images, '--backbone', resnet, '--arch', 'resnet20']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds \d+ LoRA adapter tensors .* Use the full model \(model\.safetensors\)/);
});
