// Per-epoch metrics of every trial as CSV beside its record, readable by a standard CSV reader, and
// the preprocessing the lab applied stated in summary.json and the note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { makeImageFolder, makeResnetBackbone } from './make-lab-inputs.js';

test('every trial has its per-epoch CSV, and the preprocessing is stated', async () => {
  const work = mkdtempSync(join(tmpdir(), 'adaptlab-epochs-'));
  const images = join(work, 'images');
  const resnet = join(work, 'resnet20.safetensors');
  await makeImageFolder(images, 10);
  makeResnetBackbone(resnet);
  const out = join(work, 'run');
  const result = await runLab({
    ...DEFAULT_LAB_OPTIONS,
    modalities: ['vision'],
    strategies: ['frozen', 'full_finetune'],
    seeds: [0, 1],
    folds: 2,
    epochs: 3,
    schedule: 'grid',
    saveModels: 'none',
    data: images,
    backbone: resnet,
    arch: 'resnet20',
    quick: true,
    out,
  });
  const dir = join(out, 'trials', 'vision');
  const records = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(records.length, 2 * 2 * 2);
  for (const file of records) {
    const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TrialRecord;
    const rows = parse(readFileSync(join(dir, file.replace(/\.json$/, '.csv')), 'utf8'), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 3, file);
    rows.forEach((row, i) => {
      assert.equal(Number(row.epoch), i + 1);
      assert.equal(Number(row.validation_accuracy), record.curve[i].validationAccuracy);
      assert.ok(Number(row.train_loss) > 0 && Number(row.seconds) >= 0);
      const lrs = Object.keys(row).filter((k) => k.startsWith('lr_'));
      assert.ok(lrs.includes('lr_head'), `${file}: ${Object.keys(row).join(',')}`);
      for (const k of lrs) assert.ok(Number(row[k]) >= 0);
    });
  }
  const prep = result.summary.modalities.vision!.preprocessing;
  assert.match(prep[0], /^The files are 30 of 28x28 pixels; each was resized to 32x32 as it was loaded\.$/);
  assert.match(prep[1], /^The data holds 30 images \(as loaded: 30 32x32 RGB\)\.$/);
  assert.match(prep[2], /3 x 32 x 32 input for resnet20: the shorter side resized to 32 pixels \(bilinear\), centre-cropped to a square, then normalised per channel with mean \[0\.485, 0\.456, 0\.406\]/);
  assert.match(readFileSync(join(out, 'notes', 'vision.md'), 'utf8'), /Preprocessing: The files are 30 of 28x28 pixels/);
});
