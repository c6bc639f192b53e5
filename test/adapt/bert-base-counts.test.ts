// Parameter counts of the parameter-efficient strategies on BERT-base, computed by the library
// (the plan's totals) on a randomly initialised bertConfig() model, against the published figures.
// The model (110M parameters, ~440 MB) is allocated once for the whole file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/tensor/index.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { planAdaptation } from '../../src/adapt/plan.js';
import { attachLoraTargets } from '../../src/nn/lora.js';

manualSeed(0);
const model = new BertForSequenceClassification(bertConfig()); // BERT-base, 2 labels
after(() => model.dispose());

/** BERT-base without a head: embeddings, 12 layers, pooler. */
const BERT_BASE_PARAMS = 109_482_240;
/** The classifier on the 768-wide pooled features, 2 classes. */
const HEAD = 768 * 2 + 2;

test('BERT-base: the plan counts every parameter once (109,482,240 plus the head)', () => {
  const plan = planAdaptation(model, defineStrategy('full_finetune'));
  assert.equal(plan.totals.total, BERT_BASE_PARAMS + HEAD);
  assert.equal(plan.totals.head, HEAD);
  plan.release();
});

test('BERT-base bitfit: 102,912 trainable bias parameters (LayerNorm biases in, LayerNorm scales out), the head reported separately', () => {
  const plan = planAdaptation(model, defineStrategy('bitfit'));
  assert.equal(plan.totals.trainable - plan.totals.head!, 102_912);
  assert.equal(plan.totals.head, HEAD);
  assert.equal(plan.totals.total, BERT_BASE_PARAMS + HEAD);
  // 12 layers x (q, k, v, attention out, intermediate, output: 4*768 + 3072 + 768 = 6,912 linear
  // biases + 2 LayerNorm biases of 768) + the embeddings' LayerNorm bias + the pooler's bias
  assert.equal(12 * (6_912 + 2 * 768) + 768 + 768, 102_912);
  const backboneRows = plan.rows.filter((r) => r.trainable && r.group !== 'head');
  assert.ok(backboneRows.every((r) => r.name.endsWith('.bias')));
  assert.ok(plan.rows.filter((r) => r.name.endsWith('LayerNorm.weight')).every((r) => !r.trainable));
  plan.release();
});

test('BERT-base lora r=8 on query and value: 294,912 trainable adapter parameters, the head reported separately', () => {
  const spec = defineStrategy('lora');
  assert.equal(spec.adapters!.rank, 8);
  const adapters = attachLoraTargets(model, spec.adapters!.targets, spec.adapters!);
  try {
    assert.equal(adapters.size, 24); // 12 layers x (query, value)
    const plan = planAdaptation(model, spec);
    assert.equal(plan.totals.trainable - plan.totals.head!, 294_912);
    assert.equal(12 * 2 * (8 * 768 + 768 * 8), 294_912);
    assert.equal(plan.totals.head, HEAD);
    // the base is all there and all frozen
    assert.equal(plan.totals.frozen, BERT_BASE_PARAMS);
    assert.ok(plan.rows.filter((r) => r.trainable && r.group !== 'head').every((r) => r.role === 'adapter'));
    plan.release();
  } finally {
    for (const a of adapters.values()) a.detach();
  }
  assert.equal(model.namedParameters().reduce((n, [, t]) => n + t.numel, 0), BERT_BASE_PARAMS + HEAD, 'detached: BERT-base as before');
});
