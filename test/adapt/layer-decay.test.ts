// Layer-wise learning-rate decay: the trainable backbone group at distance d below the head learns
// at backbone * decay^(d-1). A table per model and strategy states every group's rate; the plan's
// parameter rows and optimizer groups must carry exactly those rates, and the lab must pass its
// `layerDecay` option through to the trial it trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed } from '../../src/tensor/index.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import type { ClassificationModel } from '../../src/models/contract.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { planAdaptation } from '../../src/adapt/plan.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { checkLabOptions } from '../../src/lab/check-options.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import { runLab } from '../../src/lab/run-lab.js';
import { UsageError } from '../../src/errors.js';
import { makeImageFolder, makeResnetBackbone } from '../lab/make-lab-inputs.js';

const HEAD = 1e-2;
const BACKBONE = 3e-3;
const DECAY = 0.8;

/** The rate a group `below` steps under the head must get: backbone * decay^(below - 1). */
const at = (below: number): number => BACKBONE * DECAY ** (below - 1);

function tinyBert(): BertForSequenceClassification {
  return new BertForSequenceClassification(
    bertConfig({ vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 3 }),
  );
}

// Group -> expected learning rate (null: frozen), input to output.
const TABLE: { model: string; make: () => ClassificationModel; strategy: 'full_finetune' | 'partial_unfreeze'; partialK?: number; rates: Record<string, number | null> }[] = [
  {
    model: 'ResNet-20',
    make: () => resnet('resnet20', { numClasses: 10 }),
    strategy: 'full_finetune',
    rates: { stem: at(4), layer1: at(3), layer2: at(2), layer3: at(1), head: HEAD },
  },
  {
    model: 'ResNet-20',
    make: () => resnet('resnet20', { numClasses: 10 }),
    strategy: 'partial_unfreeze',
    partialK: 2,
    rates: { stem: null, layer1: null, layer2: at(2), layer3: at(1), head: HEAD },
  },
  {
    model: 'BERT (2 layers)',
    make: tinyBert,
    strategy: 'full_finetune',
    rates: { embeddings: at(4), 'layer.0': at(3), 'layer.1': at(2), pooler: at(1), head: HEAD },
  },
  {
    model: 'BERT (2 layers)',
    make: tinyBert,
    strategy: 'partial_unfreeze',
    partialK: 3,
    rates: { embeddings: null, 'layer.0': at(3), 'layer.1': at(2), pooler: at(1), head: HEAD },
  },
];

for (const row of TABLE) {
  test(`${row.model}, ${row.strategy}${row.partialK ? ` k=${row.partialK}` : ''}, layer decay ${DECAY}: every group gets exactly its rate`, () => {
    manualSeed(0);
    const model = row.make();
    const spec = defineStrategy(row.strategy, { headLr: HEAD, backboneLr: BACKBONE, layerDecay: DECAY, partialK: row.partialK });
    const plan = planAdaptation(model, spec);
    assert.deepEqual(
      model.parameterGroups().map((g) => g.name),
      Object.keys(row.rates),
      'the table names every group of the model, input to output',
    );
    for (const r of plan.rows) {
      assert.equal(r.lr, row.rates[r.group], `${r.name} (group ${r.group})`);
      assert.equal(r.trainable, row.rates[r.group] !== null, `${r.name} trainable`);
    }
    // the optimizer sees the same rates: one or two optimizer groups per trainable model group
    for (const g of plan.optimizerGroups) {
      const group = g.name!.replace(/\/no_decay$/, '');
      assert.equal(g.lr, row.rates[group], `optimizer group ${g.name}`);
    }
    const trainable = Object.entries(row.rates).filter(([, lr]) => lr !== null).map(([g]) => g);
    assert.deepEqual(plan.trainableGroups, trainable);
    plan.release();
    model.dispose();
  });
}

test('without layer decay every trainable backbone group gets the backbone rate; decay 1 is the same plan', () => {
  for (const layerDecay of [null, 1]) {
    const model = tinyBert();
    const plan = planAdaptation(model, defineStrategy('full_finetune', { headLr: HEAD, backboneLr: BACKBONE, layerDecay }));
    for (const r of plan.rows) assert.equal(r.lr, r.group === 'head' ? HEAD : BACKBONE, `${r.name} with layer decay ${layerDecay}`);
    plan.release();
    model.dispose();
  }
});

test('layerDecay is a lab option: a factor in (0, 1], checked before anything loads', () => {
  const withDecay = (layerDecay: unknown): LabOptions => ({ ...DEFAULT_LAB_OPTIONS, layerDecay }) as LabOptions;
  for (const ok of [undefined, 1, 0.5, 1e-3]) assert.doesNotThrow(() => checkLabOptions(withDecay(ok)), `layerDecay ${ok}`);
  for (const bad of [0, -0.5, 1.01, 2, Number.NaN, Number.POSITIVE_INFINITY, '0.8', null]) {
    assert.throws(
      () => checkLabOptions(withDecay(bad)),
      (e: unknown) => e instanceof UsageError && /layerDecay \(--layer-decay\) must be a factor in \(0, 1\]/.test(e.message),
      `layerDecay ${String(bad)}`,
    );
  }
  assert.throws(() => defineStrategy('full_finetune', { layerDecay: 0 }), /layer decay must be in \(0, 1\]/);
});

test('the lab passes layerDecay to the strategies it trains: the trial record shows the decayed rates', async () => {
  const work = mkdtempSync(join(tmpdir(), 'adaptlab-layer-decay-'));
  const images = join(work, 'images');
  const backbone = join(work, 'resnet20.safetensors');
  await makeImageFolder(images, 6);
  makeResnetBackbone(backbone);
  const out = join(work, 'run');
  await runLab({
    ...DEFAULT_LAB_OPTIONS,
    modalities: ['vision'],
    strategies: ['frozen', 'full_finetune'],
    seeds: [0, 1],
    data: images,
    backbone,
    arch: 'resnet20',
    quick: true,
    epochs: 1,
    folds: 1,
    schedule: 'grid',
    saveModels: 'none',
    headLr: HEAD,
    backboneLr: BACKBONE,
    layerDecay: 0.5,
    out,
  });
  const record = (s: string): TrialRecord => JSON.parse(readFileSync(join(out, 'trials', 'vision', `${s}-seed0.json`), 'utf8')) as TrialRecord;
  const full = record('full_finetune');
  assert.equal(full.config.layerDecay, 0.5);
  const expected: Record<string, number> = { head: HEAD, layer3: BACKBONE, layer2: BACKBONE * 0.5, layer1: BACKBONE * 0.25, stem: BACKBONE * 0.125 };
  for (const g of full.groups) assert.equal(g.lr, expected[g.group], `${g.name} in ${g.group}`);
  // a linear probe has no backbone groups to decay over, and keeps the probe's rate
  const frozen = record('frozen');
  assert.equal(frozen.config.layerDecay, null);
  assert.ok(frozen.groups.every((g) => (g.group === 'head' ? g.lr === DEFAULT_PROBE_LR : g.lr === null)));
});

const DEFAULT_PROBE_LR = 0.1;
