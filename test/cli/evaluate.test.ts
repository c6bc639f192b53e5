// `adaptlab evaluate` end to end against PyTorch: the same files give the same logits and
// predictions as torchvision / the Hugging Face BERT math (oracle from
// test/fixtures/evaluate/gen_evaluate_fixtures.py), the metrics and the predictions CSV follow
// from them, and every bad input is a clear, non-fatal error with the right exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { deviceSupport, writeSafetensors } from '../../src/tensor/index.js';
import { resnet, saveModel, uniqueStateDict } from '../../src/models/index.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { imagePreprocess } from '../../src/data/images.js';
import { readTextTable } from '../../src/data/text-table.js';
import { loadImageClassifier, loadTextClassifier } from '../../src/cli/evaluate/model-loading.js';
import { predictImages, predictTexts } from '../../src/cli/evaluate/batched-prediction.js';
import { csvField } from '../../src/cli/evaluate/predictions-csv.js';
import type { SplitMetrics } from '../../src/record/evaluation.js';
import { assertClose, fixturePath, readJsonFixture, runCliCaptured, snapshot } from '../helpers.js';
import { fillDeterministic, weightChecksum } from '../models/fill.js';

interface Sample {
  label: number;
  prediction: number;
  logits: number[];
}
interface Expected {
  vision: {
    arch: string;
    fillSeed: number;
    imageSize: number;
    checksum: { sum: number; absSum: number };
    classNames: string[];
    samples: (Sample & { path: string })[];
    metrics: SplitMetrics;
    customNormalisation: { mean: number[]; std: number[]; predictions: number[] };
  };
  text: {
    maxPositions: number;
    classNames: string[];
    byMaxLength: Record<string, { samples: (Sample & { text: string; inputIds: number[] })[]; metrics: SplitMetrics }>;
  };
}

const fx = readJsonFixture<Expected>('evaluate', 'expected.json');
const images = fixturePath('evaluate', 'images');
const bertDir = fixturePath('evaluate', 'bert-tiny');
const reviews = fixturePath('evaluate', 'reviews.csv');
const work = mkdtempSync(join(tmpdir(), 'adaptlab-evaluate-'));
/** resnet18 state dict in torchvision names, no metadata: needs --arch. */
const plainWeights = join(work, 'resnet18-plain.safetensors');
/** The same weights saved by adaptlab, with class names in a different order than the folders. */
const savedWeights = join(work, 'resnet18-saved.safetensors');
const SAVED_NAMES = ['cherry', 'apple', 'banana'];
let filledChecksum: { sum: number; absSum: number };

before(() => {
  const model = resnet('resnet18', { numClasses: fx.vision.classNames.length });
  fillDeterministic(model, fx.vision.fillSeed);
  filledChecksum = weightChecksum(model);
  writeSafetensors(plainWeights, uniqueStateDict(model));
  model.restoreHeadInfo({ ...model.headInfo, classNames: SAVED_NAMES });
  saveModel(model, savedWeights);
  model.dispose();
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI in-process, capturing what it prints. */
const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => runCliCaptured(['evaluate', ...args]);

function readCsv(path: string): string[][] {
  return parseCsv(readFileSync(path, 'utf8')) as string[][];
}

/** k×k confusion, rows = actual. */
function confusionOf(labels: number[], predictions: number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((y, i) => m[y][predictions[i]]++);
  return m;
}

function assertMetricsEqual(json: Record<string, unknown>, expected: SplitMetrics, classNames: string[]): void {
  assert.equal(json.n, expected.n);
  assert.ok(Math.abs((json.accuracy as number) - expected.accuracy) < 1e-12, `accuracy ${json.accuracy} vs ${expected.accuracy}`);
  assert.ok(Math.abs((json.macroF1 as number) - expected.macroF1) < 1e-12, `macro-F1 ${json.macroF1} vs ${expected.macroF1}`);
  assert.deepEqual(json.confusion, expected.confusion);
  assert.deepEqual(json.classNames, classNames);
  const perClass = json.perClass as { class: string; recall: number; support: number }[];
  assert.deepEqual(perClass.map((c) => c.class), classNames);
  perClass.forEach((c, i) => {
    assert.ok(Math.abs(c.recall - expected.perClass[i].recall) < 1e-12, `recall of ${c.class}`);
    assert.equal(c.support, expected.perClass[i].support);
  });
}

// ---- images ------------------------------------------------------------------------------------

test('image library path: same weights as torchvision, same logits on the same files (Resize + CenterCrop + ImageNet normalisation)', async () => {
  for (const k of ['sum', 'absSum'] as const) {
    assert.ok(Math.abs(filledChecksum[k] - fx.vision.checksum[k]) <= 1e-9 * Math.abs(fx.vision.checksum[k]), `filled weights ${k}`);
  }
  const { model, arch } = loadImageClassifier(plainWeights, 'resnet18');
  try {
    assert.equal(arch, 'resnet18');
    const dataset = await loadImageFolder(images, { imageSize: fx.vision.imageSize });
    assert.deepEqual(dataset.classNames, fx.vision.classNames);
    assert.deepEqual(dataset.records.map((r) => r.id), fx.vision.samples.map((s) => s.path), "torchvision's file order");
    const { predictions, logits } = await predictImages(model, dataset.records, imagePreprocess({ imageSize: fx.vision.imageSize }), 3);
    fx.vision.samples.forEach((s, i) => assertClose(logits[i], s.logits, 1e-4, 1e-4, `logits of ${s.path}`));
    assert.deepEqual(predictions, fx.vision.samples.map((s) => s.prediction));
    assert.equal(model.training, true, 'the model comes back in the mode it was in');
  } finally {
    model.dispose();
  }
});

test('adaptlab evaluate (images, --arch): PyTorch predictions, a path,label,prediction CSV, readable metrics, no leaked tensors', async () => {
  const preds = join(work, 'image-preds.csv');
  const before = snapshot();
  const r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', images, '--image-size', '32', '--batch-size', '3', '--predictions', preds);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(snapshot().liveTensors, before.liveTensors, 'every tensor of the run is freed');
  const names = fx.vision.classNames;
  assert.deepEqual(readCsv(preds), [
    ['path', 'label', 'prediction'],
    ...fx.vision.samples.map((s) => [s.path, names[s.label], names[s.prediction]]),
  ]);
  const m = fx.vision.metrics;
  const correct = m.confusion.reduce((a, row, i) => a + row[i], 0);
  assert.match(r.stdout, new RegExp(`accuracy +${(100 * m.accuracy).toFixed(2)}% \\(${correct}/${m.n}\\)`));
  assert.match(r.stdout, new RegExp(`macro-F1 +${m.macroF1.toFixed(4)}`));
  for (const [i, c] of m.perClass.entries()) {
    assert.match(r.stdout, new RegExp(`\\n +${names[i]} +${(100 * c.recall).toFixed(2)}% \\(${m.confusion[i][i]}/${c.support}\\)`), `recall line of ${names[i]}`);
  }
  // the confusion matrix: a header of predicted class names, then one row per actual class
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => l.includes('actual \\ predicted'));
  assert.deepEqual(lines[header].trim().split(/ {2,}/), ['actual \\ predicted', ...names]);
  names.forEach((name, i) => assert.deepEqual(lines[header + 1 + i].trim().split(/ +/), [name, ...m.confusion[i].map(String)]));
  assert.match(r.stdout, new RegExp(`predictions written to ${preds.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('adaptlab evaluate --json (images): one JSON object whose metrics equal those of the PyTorch predictions', async () => {
  const r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', images, '--image-size', '32', '--json');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(json.modality, 'vision');
  assert.equal(json.arch, 'resnet18');
  assert.equal(json.predictions, null);
  assertMetricsEqual(json, fx.vision.metrics, fx.vision.classNames);
});

test('--mean and --std replace the ImageNet normalisation, and the predictions change as in PyTorch', async () => {
  const { mean, std, predictions } = fx.vision.customNormalisation;
  assert.notDeepEqual(predictions, fx.vision.samples.map((s) => s.prediction), 'the fixture makes the normalisation matter');
  const preds = join(work, 'custom-norm-preds.csv');
  const r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', images, '--image-size', '32', '--mean', mean.join(','), '--std', std.join(','), '--predictions', preds);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readCsv(preds).slice(1).map((row) => row[2]), predictions.map((p) => fx.vision.classNames[p]));
});

test('weights saved by adaptlab need no --arch, and their class names map the folders by name, not by position', async () => {
  const preds = join(work, 'saved-preds.csv');
  const r = await cli('--weights', savedWeights, '--data', images, '--image-size', '32', '--predictions', preds, '--json');
  assert.equal(r.code, 0, r.stderr);
  const folderNames = fx.vision.classNames;
  // the model's output p now means SAVED_NAMES[p]; a folder's label is the model index of its name
  assert.deepEqual(readCsv(preds).slice(1), fx.vision.samples.map((s) => [s.path, folderNames[s.label], SAVED_NAMES[s.prediction]]));
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(json.classNames, SAVED_NAMES);
  const labels = fx.vision.samples.map((s) => SAVED_NAMES.indexOf(folderNames[s.label]));
  assert.deepEqual(json.confusion, confusionOf(labels, fx.vision.samples.map((s) => s.prediction), 3));

  const wrongArch = await cli('--arch', 'resnet34', '--weights', savedWeights, '--data', images);
  assert.equal(wrongArch.code, 1);
  assert.match(wrongArch.stderr, /holds a resnet18 \(its adaptlab metadata says so\), not a resnet34; drop --arch/);
});

// ---- text --------------------------------------------------------------------------------------

test('text library path: same token ids as the BERT tokenizer rules and same logits as the Hugging Face math, batched and padded', async () => {
  const { model, tokenizer, classNames } = loadTextClassifier(bertDir);
  try {
    assert.deepEqual(classNames, fx.text.classNames);
    const table = readTextTable(reviews);
    const texts = table.records.map((r) => r.text);
    for (const [maxLength, expected] of Object.entries(fx.text.byMaxLength)) {
      assert.deepEqual(texts, expected.samples.map((s) => s.text), 'CSV fields (quoted commas, doubled quotes, line breaks) read as Python reads them');
      for (const s of expected.samples) {
        const enc = await tokenizer.encodeBatch([s.text], { maxLength: Number(maxLength) });
        assert.deepEqual(enc.inputIds[0], s.inputIds, `token ids of ${JSON.stringify(s.text)} at max length ${maxLength}`);
      }
      const { predictions, logits } = await predictTexts(model, tokenizer, texts, { maxLength: Number(maxLength), batchSize: 4 });
      expected.samples.forEach((s, i) => assertClose(logits[i], s.logits, 1e-4, 1e-5, `logits of row ${i + 1} at max length ${maxLength}`));
      assert.deepEqual(predictions, expected.samples.map((s) => s.prediction));
    }
  } finally {
    model.dispose();
  }
});

test('adaptlab evaluate (text): PyTorch predictions at the model maximum length, a properly quoted text,label,prediction CSV', async () => {
  const preds = join(work, 'text-preds.csv');
  const r = await cli('--model-dir', bertDir, '--data', reviews, '--predictions', preds, '--batch-size', '3');
  assert.equal(r.code, 0, r.stderr);
  const expected = fx.text.byMaxLength[String(fx.text.maxPositions)];
  const names = fx.text.classNames;
  assert.deepEqual(readCsv(preds), [['text', 'label', 'prediction'], ...expected.samples.map((s) => [s.text, names[s.label], names[s.prediction]])]);
  const raw = readFileSync(preds, 'utf8');
  assert.ok(raw.includes(`\n"Great phone, battery lasts ""forever""",positive,`), 'commas and quotes are quoted, quotes doubled');
  assert.ok(raw.includes(`\n"Broke after a day.\nWould not buy again!",negative,`), 'a line break stays inside one quoted field');
  assert.ok(raw.includes('\nunbelievable jumping phones?,positive,'), 'a label given as index 2 is written as its class name');
  assert.match(r.stdout, /bert \(.*bert-tiny\) on 7 texts/);
  assert.match(r.stdout, /actual \\ predicted +negative +neutral +positive/);
});

test('adaptlab evaluate --max-length 8 --json (text): truncation changes the predictions exactly as in PyTorch', async () => {
  const short = fx.text.byMaxLength['8'];
  const full = fx.text.byMaxLength[String(fx.text.maxPositions)];
  assert.notDeepEqual(short.samples.map((s) => s.prediction), full.samples.map((s) => s.prediction), 'the fixture makes truncation matter');
  const preds = join(work, 'text-preds-8.csv');
  const r = await cli('--model-dir', bertDir, '--data', reviews, '--max-length', '8', '--json', '--predictions', preds);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(json.modality, 'text');
  assert.equal(json.predictions, preds);
  assertMetricsEqual(json, short.metrics, fx.text.classNames);
  assert.deepEqual(readCsv(preds).slice(1).map((row) => row[2]), short.samples.map((s) => fx.text.classNames[s.prediction]));
});

test('text labels may be class indices; custom columns are read with --text-column and --label-column', async () => {
  const table = join(work, 'indexed.csv');
  writeFileSync(table, 'review,sentiment\nWorks as described,2\nmeh,neutral\n"Broke after a day, would not buy again",0\n');
  const preds = join(work, 'indexed-preds.csv');
  const r = await cli('--model-dir', bertDir, '--data', table, '--text-column', 'review', '--label-column', 'sentiment', '--predictions', preds);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readCsv(preds).map((row) => row.slice(0, 2)), [
    ['text', 'label'],
    ['Works as described', 'positive'],
    ['meh', 'neutral'],
    ['Broke after a day, would not buy again', 'negative'],
  ]);
});

// ---- errors ------------------------------------------------------------------------------------

test('data and model errors are clear and exit 1: no classes, an unreadable image (named), a class-count mismatch, unknown classes and labels, a headless backbone', async () => {
  const empty = join(work, 'empty-folder');
  mkdirSync(empty, { recursive: true });
  let r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', empty);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has no class folders\. Expected one sub-folder per class/);

  const broken = join(work, 'broken-folder');
  cpSync(images, broken, { recursive: true });
  writeFileSync(join(broken, 'banana', 'broken.png'), 'not a png\n');
  r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', broken, '--image-size', '32');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot decode image file .*banana\/broken\.png/);

  const two = join(work, 'two-classes');
  cpSync(join(images, 'apple'), join(two, 'apple'), { recursive: true });
  cpSync(join(images, 'banana'), join(two, 'banana'), { recursive: true });
  r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', two, '--image-size', '32');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has 2 class folder\(s\) \("apple", "banana"\) but the model in .* has a 3-class head/);

  // by name, a subset of the saved classes is fine; an unknown class is not
  r = await cli('--weights', savedWeights, '--data', two, '--image-size', '32', '--json');
  assert.equal(r.code, 0, r.stderr);
  cpSync(join(images, 'cherry'), join(two, 'durian'), { recursive: true });
  r = await cli('--weights', savedWeights, '--data', two, '--image-size', '32');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /class folder\(s\) "durian" are not classes of the model in .*, which knows "cherry", "apple", "banana"/);

  const table = join(work, 'unknown-labels.csv');
  writeFileSync(table, 'text,label\ngreat phone,positive\nmeh,2\n"ok, I guess",mixed\nbad,7\n');
  r = await cli('--model-dir', bertDir, '--data', table);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /label\(s\) "7" \(first at data row 4\), "mixed" \(first at data row 3\) are not classes of the model/);
  assert.match(r.stderr, /Known labels: "negative", "neutral", "positive" \(from config\.json id2label\), or their indices 0-2/);

  const headless = join(work, 'resnet20-backbone.safetensors');
  const backbone = resnet('resnet20');
  writeSafetensors(headless, new Map([...uniqueStateDict(backbone)].filter(([k]) => !k.startsWith('fc.'))));
  backbone.dispose();
  r = await cli('--arch', 'resnet20', '--weights', headless, '--data', images);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has no classifier head \(no fc\.weight\): it is a backbone/);

  writeFileSync(join(work, 'not-a-folder'), 'a file\n');
  r = await cli('--model-dir', bertDir, '--data', reviews, '--predictions', join(work, 'not-a-folder', 'preds.csv'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot write the predictions to .*not-a-folder\/preds\.csv: .*Pass a --predictions path in a writable folder/);

  r = await cli('--arch', 'resnet18', '--weights', join(work, 'nope.safetensors'), '--data', images);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /weights file not found: .*nope\.safetensors/);
});

test('usage errors exit 2 and say what is needed: missing options, unknown options, options of the other modality, bad values', async () => {
  let r = await cli();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing --weights <file> \(image model\) or --model-dir <dir> \(text model\) and --data/);
  assert.match(r.stderr, /Usage: adaptlab evaluate --weights/);

  r = await cli('--model-dir', bertDir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing --data <image folder or text table>\./);

  r = await cli('--weights', plainWeights, '--data', images, '--epochs', '3');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option --epochs\. Valid options: .*--weights, --arch, --model-dir, --data, --image-size, --mean, --std, --text-column, --label-column, --encoding, --max-length, --batch-size, --predictions, --json/);

  r = await cli('--weights', plainWeights, '--data', images);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /has no adaptlab metadata naming its architecture; pass --arch \(one of resnet18, .*resnet56\)/);

  r = await cli('--arch', 'vgg16', '--weights', plainWeights, '--data', images);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--arch vgg16 is not an image architecture; expected one of resnet18/);

  r = await cli('--weights', plainWeights, '--model-dir', bertDir, '--data', images);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /either --weights \(image model\) or --model-dir \(text model\), not both/);

  r = await cli('--model-dir', bertDir, '--data', reviews, '--image-size', '32', '--mean', '0.5,0.5,0.5');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--image-size, --mean apply only to image models \(--weights\)/);

  r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', images, '--std', '0.2,0,0.2');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--std expects three comma-separated positive numbers \(R,G,B\)/);

  r = await cli('--model-dir', bertDir, '--data', reviews, '--max-length', '64');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-length 64 exceeds the 16 positions of the model/);

  r = await cli('--model-dir', bertDir, '--data', reviews, '--batch-size', '0');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--batch-size must be an integer >= 1, got 0/);

  r = await cli('--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--model-dir <string> +text model: a Hugging Face BERT directory/);
});

test('csvField quotes exactly the fields that need it', () => {
  assert.equal(csvField('plain text'), 'plain text');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvField(' padded '), '" padded "');
  assert.equal(csvField(''), '');
});

test('evaluate --device cpu: the models, batches and predictions of an explicit device equal PyTorch as by default; cuda without it is refused before the data is read', async () => {
  const images1 = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', images, '--image-size', '32', '--json', '--device', 'cpu');
  assert.equal(images1.code, 0, images1.stderr);
  assertMetricsEqual(JSON.parse(images1.stdout) as Record<string, unknown>, fx.vision.metrics, fx.vision.classNames);
  const text1 = await cli('--model-dir', bertDir, '--data', reviews, '--max-length', '8', '--json', '--device', 'cpu');
  assert.equal(text1.code, 0, text1.stderr);
  assertMetricsEqual(JSON.parse(text1.stdout) as Record<string, unknown>, fx.text.byMaxLength['8'].metrics, fx.text.classNames);
  if (!deviceSupport().cudaAvailable) {
    const r = await cli('--arch', 'resnet18', '--weights', plainWeights, '--data', join(work, 'no-such-folder'), '--device', 'cuda');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /device cuda is not available/);
    assert.doesNotMatch(r.stderr, /no-such-folder/, 'the data was never looked at');
  }
});
