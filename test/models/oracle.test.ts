// Our ResNets and BERT against PyTorch: same state-dict names and shapes as torchvision and
// Hugging Face, same weights from the same seeds, same outputs (fixtures from
// test/fixtures/models/gen_model_fixtures.py, run with /usr/bin/python3 and torch 1.13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, noGrad, manualSeed, type Tensor } from '../../src/tensor/index.js';
import { countElements } from '../../src/nn/index.js';
import { resnet, createModel, BertForSequenceClassification, BertForMaskedLM, bertConfigFromJson, BERT_BASE, BertModel } from '../../src/models/index.js';
import { readJsonFixture, fixtureTensor, assertClose, snapshot, type TensorFixture } from '../helpers.js';
import { fillDeterministic, weightChecksum, keysWithShapes, bertInput, disposeInput, type BertInputsFixture } from './fill.js';

interface Checksum {
  sum: number;
  absSum: number;
}
interface ResnetFixture {
  arch: string;
  fillSeed: number;
  keys: [string, number[]][];
  checksum: Checksum;
  params: number;
  input: TensorFixture;
  logits: TensorFixture;
  features?: TensorFixture;
  initSeed0Checksum?: Checksum;
}
interface BertCase {
  config: Record<string, unknown>;
  fillSeed: number;
  keys: [string, number[]][];
  checksum: Checksum;
  logits: TensorFixture;
  features?: TensorFixture;
}
interface BertFixture {
  classification: BertCase;
  maskedLM: BertCase;
  inputs: BertInputsFixture;
  bertBaseParams: number;
}

function assertChecksum(actual: Checksum, expected: Checksum, what: string): void {
  // float64 sums of the same float32 numbers: equal up to summation order
  for (const k of ['sum', 'absSum'] as const) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= 1e-9 * Math.abs(expected[k]) + 1e-9, `${what} ${k}: ${actual[k]} vs PyTorch ${expected[k]}`);
  }
}

test('resnet18 matches torchvision: names, shapes, parameter count, seeded init and logits', () => {
  const fx = readJsonFixture<ResnetFixture>('models', 'resnet18.json');
  const before = snapshot();
  manualSeed(0);
  const model = resnet('resnet18');
  // torchvision's init from torch.manual_seed(0): same draws in the same order
  assertChecksum(weightChecksum(model), fx.initSeed0Checksum!, 'seed-0 init');
  assert.deepEqual(keysWithShapes(model), fx.keys);
  assert.equal(countElements(model.parameters()), 11_689_512);
  assert.equal(fx.params, 11_689_512);
  fillDeterministic(model, fx.fillSeed);
  assertChecksum(weightChecksum(model), fx.checksum, 'filled weights');
  model.eval();
  tidy(() => {
    const logits = noGrad(() => model.forward(fixtureTensor(fx.input)));
    assertClose(logits, fx.logits, 1e-4, 1e-4, 'resnet18 logits');
  });
  model.dispose();
  assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensors leak');
});

test('resnet50 (Bottleneck) has torchvision names, shapes and 25,557,032 parameters', () => {
  const fx = readJsonFixture<{ keys: [string, number[]][]; params: number }>('models', 'resnet50_keys.json');
  const model = createModel('resnet50');
  assert.deepEqual(keysWithShapes(model), fx.keys);
  assert.equal(countElements(model.parameters()), 25_557_032);
  assert.equal(fx.params, 25_557_032);
  model.dispose();
});

test('resnet20 (CIFAR, option B) matches the torch reference: 272,474 params, features and logits', () => {
  const fx = readJsonFixture<ResnetFixture>('models', 'resnet20.json');
  const model = resnet('resnet20', { numClasses: 10 });
  assert.deepEqual(keysWithShapes(model), fx.keys);
  assert.equal(countElements(model.parameters()), 272_474);
  assert.equal(fx.params, 272_474);
  fillDeterministic(model, fx.fillSeed);
  assertChecksum(weightChecksum(model), fx.checksum, 'filled weights');
  model.eval();
  tidy(() => {
    const x = fixtureTensor(fx.input);
    const features = noGrad(() => model.forwardFeatures(x));
    assertClose(features, fx.features!, 1e-4, 1e-4, 'resnet20 features');
    assertClose(noGrad(() => model.forwardHead(features)), fx.logits, 1e-4, 1e-4, 'resnet20 head(features)');
    assertClose(noGrad(() => model.forward(x)), fx.logits, 1e-4, 1e-4, 'resnet20 logits');
  });
  model.dispose();
});

test('BERT sequence classification matches the Hugging Face-layout reference (padding, token types, erf GELU)', () => {
  const fx = readJsonFixture<BertFixture>('models', 'bert.json');
  const c = fx.classification;
  const before = snapshot();
  const model = new BertForSequenceClassification(bertConfigFromJson(c.config));
  assert.deepEqual(keysWithShapes(model), c.keys);
  fillDeterministic(model, c.fillSeed);
  assertChecksum(weightChecksum(model), c.checksum, 'filled weights');
  model.eval();
  const input = bertInput(fx.inputs);
  tidy(() => {
    const features = noGrad(() => model.forwardFeatures(input));
    assertClose(features, c.features!, 1e-4, 1e-4, 'pooled [CLS] features');
    assertClose(noGrad(() => model.forward(input)), c.logits, 1e-4, 1e-4, 'logits');
  });
  // padding really is masked: changing the ids under the mask changes nothing
  tidy(() => {
    const ids = fx.inputs.inputIds.map((row, i) => row.map((v, j) => (fx.inputs.attentionMask[i][j] === 0 ? 13 : v)));
    const alt = bertInput({ ...fx.inputs, inputIds: ids });
    assertClose(noGrad(() => model.forward(alt)), c.logits, 1e-4, 1e-4, 'logits with other ids under the padding');
    disposeInput(alt);
  });
  disposeInput(input);
  model.dispose();
  assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensors leak');
});

test('BERT masked LM matches the reference; the decoder weight is the word-embedding tensor (gelu_new)', () => {
  const fx = readJsonFixture<BertFixture>('models', 'bert.json');
  const c = fx.maskedLM;
  const model = new BertForMaskedLM(bertConfigFromJson(c.config));
  assert.deepEqual(keysWithShapes(model), c.keys);
  const sd = model.stateDict();
  assert.equal(sd.get('cls.predictions.decoder.weight'), sd.get('bert.embeddings.word_embeddings.weight'), 'tied: one tensor');
  assert.equal(sd.get('cls.predictions.decoder.bias'), sd.get('cls.predictions.bias'), 'decoder bias is cls.predictions.bias');
  const names = model.namedParameters().map(([k]) => k);
  assert.ok(!names.includes('cls.predictions.decoder.weight'), 'tied weight listed once, under its first name');
  const vocab = 40;
  const hidden = 32;
  const tiedOnce = countElements(model.parameters());
  const everyName = [...sd].filter(([, t]) => t.dtype === 'float32').reduce((n, [, t]) => n + t.numel, 0);
  assert.equal(everyName - tiedOnce, vocab * hidden + vocab, 'state dict lists the tied tensors twice, the count once');
  fillDeterministic(model, c.fillSeed);
  assertChecksum(weightChecksum(model), c.checksum, 'filled weights');
  model.eval();
  const input = bertInput(fx.inputs);
  tidy(() => assertClose(noGrad(() => model.forward(input)), c.logits, 1e-4, 1e-4, 'MLM logits'));
  disposeInput(input);
  model.dispose();
});

test('token type ids default to zeros', () => {
  const fx = readJsonFixture<BertFixture>('models', 'bert.json');
  const model = new BertForSequenceClassification(bertConfigFromJson(fx.classification.config));
  fillDeterministic(model, 1);
  model.eval();
  const withZeros = bertInput({ ...fx.inputs, tokenTypeIds: fx.inputs.tokenTypeIds.map((r) => r.map(() => 0)) });
  const without = bertInput(fx.inputs, false);
  tidy(() => {
    const a: Tensor = noGrad(() => model.forward(withZeros));
    const b: Tensor = noGrad(() => model.forward(without));
    assert.ok(a.equal(b));
  });
  disposeInput(withZeros);
  disposeInput(without);
  model.dispose();
});

test('bert-base (BertModel with pooler) has 109,482,240 parameters', () => {
  const fx = readJsonFixture<BertFixture>('models', 'bert.json');
  const model = new BertModel(BERT_BASE);
  assert.equal(countElements(model.parameters()), 109_482_240);
  assert.equal(fx.bertBaseParams, 109_482_240);
  model.dispose();
});
