// Every registry model meets the transfer contract: shapes, finite outputs, features + head =
// forward, a seeded resetClassifier that touches only the head, and parameter groups that hold
// every parameter exactly once, in input-to-output order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tidy, noGrad, randn, manualSeed, F, tensor } from '../../src/tensor/index.js';
import { countElements } from '../../src/nn/index.js';
import { ArgumentError, ConfigError } from '../../src/errors.js';
import { ARCHS, createModel, listArchs, parameterGroupProblems, BertForMaskedLM, type ClassificationModel, type ModelInput } from '../../src/models/index.js';
import { snapshot } from '../helpers.js';
import { bertInput, disposeInput, fillDeterministic } from './fill.js';

const TINY_BERT = { vocabSize: 40, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16 };
const TOKENS = {
  inputIds: [[2, 17, 5, 33, 3, 21], [2, 11, 39, 3, 0, 0]],
  attentionMask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]],
  tokenTypeIds: [[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]],
};

function build(arch: string): ClassificationModel {
  return arch === 'bert' ? createModel('bert', { config: TINY_BERT, numClasses: 5 }) : createModel(arch, { numClasses: 5 });
}

function makeInput(model: ClassificationModel): ModelInput {
  return model.modality === 'text' ? bertInput(TOKENS) : randn([2, 3, 32, 32]);
}

function disposeAny(x: ModelInput): void {
  if (x instanceof Tensor) x.dispose();
  else disposeInput(x);
}

function expectedGroups(arch: string): string[] {
  if (arch === 'bert') return ['embeddings', 'layer.0', 'layer.1', 'pooler', 'head'];
  if (['resnet20', 'resnet32', 'resnet56'].includes(arch)) return ['stem', 'layer1', 'layer2', 'layer3', 'head'];
  return ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'];
}

for (const arch of ARCHS) {
  test(`${arch} meets the transfer contract`, () => {
    const before = snapshot();
    manualSeed(3);
    const model = build(arch);
    assert.equal(model.arch, arch);
    assert.equal(model.modality, arch === 'bert' ? 'text' : 'vision');
    assert.equal(model.headInfo.numClasses, 5);
    assert.equal(model.headInfo.seed, null);

    // groups: the expected names, in order, each parameter exactly once
    const groups = model.parameterGroups();
    assert.deepEqual(groups.map((g) => g.name), expectedGroups(arch));
    assert.deepEqual(parameterGroupProblems(model), []);
    assert.equal(groups.reduce((n, g) => n + g.params.length, 0), model.namedParameters().length);
    assert.ok(groups.every((g) => g.params.length > 0), 'no empty group');

    model.eval();
    const input = makeInput(model);
    tidy(() =>
      noGrad(() => {
        const logits = model.forward(input);
        assert.deepEqual(logits.shape, [2, 5]);
        assert.ok(logits.toArray().every(Number.isFinite), 'finite logits');
        const features = model.forwardFeatures(input);
        assert.deepEqual(features.shape, [2, model.featureDim]);
        assert.ok(model.forwardHead(features).equal(logits), 'forward = forwardHead(forwardFeatures)');
      }),
    );

    // a forward pass outside any tidy scope frees every intermediate itself
    const live = snapshot().liveTensors;
    noGrad(() => model.forward(input)).dispose();
    assert.equal(snapshot().liveTensors, live, 'forward leaves no intermediate tensors behind');

    // resetClassifier: only head parameters change; the old head is released
    const headBefore = groups[groups.length - 1].params.map(([, t]) => t);
    const bodyBefore = new Map(groups.slice(0, -1).flatMap((g) => g.params.map(([k, t]) => [k, t.clone()] as [string, Tensor])));
    model.resetClassifier(7, 42, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(model.headInfo, { numClasses: 7, seed: 42, classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
    assert.ok(headBefore.every((t) => t.isDisposed), 'old head disposed');
    const after = model.parameterGroups();
    assert.deepEqual(parameterGroupProblems(model), []);
    for (const [k, t] of after.slice(0, -1).flatMap((g) => g.params)) assert.ok(t.equal(bodyBefore.get(k)!), `${k} unchanged`);
    for (const t of bodyBefore.values()) t.dispose();
    const head = after[after.length - 1].params;
    assert.deepEqual(head.map(([, t]) => t.shape), [[7, model.featureDim], [7]]);
    assert.equal((model.config as { numClasses?: number; numLabels?: number }).numClasses ?? (model.config as { numLabels: number }).numLabels, 7);
    // same seed, same head
    const first = head.map(([, t]) => t.clone());
    model.resetClassifier(7, 42);
    model.parameterGroups().at(-1)!.params.forEach(([, t], i) => assert.ok(t.equal(first[i]), 'seeded head is reproducible'));
    first.forEach((t) => t.dispose());
    tidy(() => assert.deepEqual(noGrad(() => model.forward(input)).shape, [2, 7]));

    assert.throws(() => model.resetClassifier(0, 1), ArgumentError);
    assert.throws(() => model.resetClassifier(3, 1, ['only-one']), ArgumentError);
    disposeAny(input);
    model.dispose();
    assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensors leak');
  });
}

for (const arch of ['resnet20', 'bert']) {
  test(`${arch}: one training step reaches every parameter with a gradient`, () => {
    manualSeed(4);
    const model = build(arch);
    model.train();
    const input = makeInput(model);
    const live = snapshot().liveTensors;
    const logits = model.forward(input);
    const target = tensor([1, 3], 'int64');
    const loss = F.crossEntropy(logits, target);
    loss.backward();
    [logits, target, loss].forEach((t) => t.dispose());
    assert.equal(snapshot().liveTensors, live, 'a training step leaves no tensors behind');
    tidy(() => {
      for (const [k, p] of model.namedParameters()) {
        const g = p.grad;
        assert.ok(g !== null, `${k} has a gradient`);
        // the padding row of word_embeddings gets no gradient; everything else does somewhere
        assert.ok(g.abs().sum().item() > 0, `${k} gradient is non-zero`);
      }
    });
    disposeAny(input);
    model.dispose();
  });
}

test('tied weights are counted once and live in one group (BertForMaskedLM)', () => {
  const model = new BertForMaskedLM({ ...TINY_BERT });
  fillDeterministic(model, 2);
  const groups = model.parameterGroups();
  assert.deepEqual(groups.map((g) => g.name), ['embeddings', 'layer.0', 'layer.1', 'head']);
  assert.deepEqual(parameterGroupProblems(model), []);
  const embeddings = groups[0].params.map(([k]) => k);
  assert.ok(embeddings.includes('bert.embeddings.word_embeddings.weight'));
  assert.ok(!groups.some((g) => g.params.some(([k]) => k.startsWith('cls.predictions.decoder'))), 'decoder listed only through the embeddings');
  const total = countElements(model.parameters());
  assert.equal(total, countElements(groups.flatMap((g) => g.params.map(([, t]) => t))));
  model.dispose();
});

test('the registry lists every arch and refuses unknown ones and misplaced options', () => {
  assert.deepEqual(listArchs().map((a) => a.arch), [...ARCHS]);
  assert.ok(listArchs().every((a) => a.modality === (a.arch === 'bert' ? 'text' : 'vision')));
  assert.throws(() => createModel('vgg16'), (e: unknown) => e instanceof ConfigError && /vgg16/.test(e.message) && /resnet18/.test(e.message));
  assert.throws(() => createModel('resnet20', { config: { hiddenSize: 8 } }), ConfigError);
  assert.throws(() => createModel('resnet20', { numClasses: 0 }), ConfigError);
  // a Hugging Face config.json object works as a bert config
  const m = createModel('bert', { config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, vocab_size: 30, id2label: { '0': 'no', '1': 'yes' } } });
  assert.deepEqual(m.headInfo.classNames, ['no', 'yes']);
  assert.equal(m.featureDim, 16);
  m.dispose();
  // inChannels reaches the stem
  const gray = createModel('resnet20', { inChannels: 1 });
  tidy(() => {
    assert.deepEqual(noGrad(() => gray.eval().forward(randn([1, 1, 8, 8]))).shape, [1, 10]);
    assert.throws(() => gray.forward(randn([1, 3, 8, 8])), (e: unknown) => e instanceof ArgumentError && /\(N, 1, H, W\)/.test(e.message));
  });
  gray.dispose();
});
