// Saving and loading: replaced heads survive a round trip with identical predictions, Hugging
// Face directories load with or without the `bert.` prefix, and every loading problem is a
// precise, typed, non-fatal error naming the file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, tidy, noGrad, randn, zeros, readSafetensors, readSafetensorsHeader, writeSafetensors, manualSeed } from '../../src/tensor/index.js';
import { StateDictError, ConfigError } from '../../src/errors.js';
import {
  resnet,
  saveModel,
  loadModel,
  loadResnet,
  saveBert,
  loadBert,
  loadBertForMaskedLM,
  BertForSequenceClassification,
  BertForMaskedLM,
  BertModel,
  bertConfig,
  bertConfigToJson,
  uniqueStateDict,
  type BertInput,
} from '../../src/models/index.js';
import { snapshot } from '../helpers.js';
import { fillDeterministic, bertInput, disposeInput } from './fill.js';

const dir = mkdtempSync(join(tmpdir(), 'adaptlab-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TINY = bertConfig({ vocabSize: 40, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16, numLabels: 3 });
const TOKENS = {
  inputIds: [[2, 17, 5, 33, 3, 21], [2, 11, 39, 3, 0, 0]],
  attentionMask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]],
  tokenTypeIds: [[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]],
};

function predict<I>(model: { forward(x: I): Tensor }, x: I): Float32Array {
  return tidy(() => noGrad(() => model.forward(x)).data<Float32Array>());
}

/** A resnet20 state dict file after `edit` (which may add, delete or replace entries). */
function resnet20File(name: string, edit: (m: Map<string, Tensor>) => void): string {
  const model = resnet('resnet20');
  const state = new Map(model.stateDict());
  edit(state);
  const path = join(dir, name);
  writeSafetensors(path, state);
  for (const t of state.values()) t.dispose();
  model.dispose();
  return path;
}

test('ResNet-20 with a replaced head: save, reload, identical predictions and head info', () => {
  const model = resnet('resnet20');
  fillDeterministic(model, 5);
  model.resetClassifier(4, 9, ['cat', 'dog', 'fox', 'owl']);
  model.eval();
  const x = randn([2, 3, 32, 32]);
  const expected = predict(model, x);
  const path = join(dir, 'r20.safetensors');
  saveModel(model, path);

  const before = snapshot();
  const { model: back, report } = loadModel(path);
  assert.equal(back.arch, 'resnet20');
  assert.deepEqual(back.headInfo, { numClasses: 4, seed: 9, classNames: ['cat', 'dog', 'fox', 'owl'] });
  assert.ok(report.headLoaded);
  back.eval();
  assert.deepEqual(predict(back, x), expected);
  back.dispose();
  assert.equal(snapshot().liveTensors, before.liveTensors, 'loading leaks nothing');

  // the same file is a torchvision-named state dict: loadResnet builds with the file's 4 classes
  const { model: tv, report: r2 } = loadResnet('resnet20', path, { numClasses: 10 });
  assert.equal(tv.headInfo.numClasses, 4);
  assert.match(r2.notes.join('\n'), /fc has 4 classes, not the requested 10/);
  tv.eval();
  assert.deepEqual(predict(tv, x), expected);
  tv.dispose();
  x.dispose();
  model.dispose();
});

test('loadResnet: headless backbones get a fresh head; old checkpoints without num_batches_tracked load', () => {
  const path = resnet20File('backbone.safetensors', (m) => {
    for (const k of [...m.keys()]) if (k.startsWith('fc.') || k.endsWith('num_batches_tracked')) m.delete(k);
  });
  const { model, report } = loadResnet('resnet20', path, { numClasses: 6, headSeed: 3 });
  assert.deepEqual(model.headInfo, { numClasses: 6, seed: 3 });
  assert.equal(report.headLoaded, false);
  assert.match(report.notes.join('\n'), /no fc: a new 6-class head was initialised from seed 3/);
  assert.match(report.notes.join('\n'), /predates num_batches_tracked/);
  const { model: twin } = loadResnet('resnet20', path, { numClasses: 6, headSeed: 3 });
  assert.ok(twin.fc.weight.equal(model.fc.weight), 'the new head is reproducible from its seed');
  twin.dispose();
  model.dispose();
});

test('tiny BERT with a replaced head: HF directory round trip with identical predictions', () => {
  manualSeed(1);
  const model = new BertForSequenceClassification(TINY);
  fillDeterministic(model, 11);
  model.resetClassifier(2, 5, ['neg', 'pos']);
  model.eval();
  const input = bertInput(TOKENS);
  const expected = predict<BertInput>(model, input);
  const out = join(dir, 'bert-clf');
  saveBert(model, out, { extraFiles: (d) => writeFileSync(join(d, 'tokenizer.json'), '{}') });
  assert.ok(existsSync(join(out, 'tokenizer.json')), 'extraFiles hook ran in the directory');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.id2label, { '0': 'neg', '1': 'pos' });
  assert.deepEqual(config.label2id, { neg: 0, pos: 1 });
  assert.equal(config.num_labels, 2);
  assert.equal(config.hidden_act, 'gelu');

  const { model: back, report } = loadBert(out);
  assert.ok(report.headLoaded);
  assert.deepEqual(back.headInfo, { numClasses: 2, seed: 5, classNames: ['neg', 'pos'] });
  back.eval();
  assert.deepEqual(predict<BertInput>(back, input), expected);
  back.dispose();

  // and as one adaptlab file
  saveModel(model, join(dir, 'bert.safetensors'));
  const { model: again } = loadModel(join(dir, 'bert.safetensors'));
  again.eval();
  assert.deepEqual(predict(again, input), expected);
  assert.deepEqual(again.headInfo, model.headInfo);
  again.dispose();
  disposeInput(input);
  model.dispose();
});

test('a bare BertModel checkpoint with legacy gamma/beta names loads under `bert.` with a seeded new head', () => {
  const base = new BertModel(TINY);
  fillDeterministic(base, 12);
  base.eval();
  const out = join(dir, 'bert-bare');
  const renamed = new Map([...base.stateDict()].map(([k, t]) => [k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t]));
  renamed.set('embeddings.position_ids', zeros([1, 16], 'int64')); // an old HF buffer: ignored
  const shell = new BertForSequenceClassification(TINY);
  saveBert(shell, out); // writes config.json (weights replaced next)
  shell.dispose();
  writeSafetensors(join(out, 'model.safetensors'), renamed);
  renamed.get('embeddings.position_ids')!.dispose();

  const input = bertInput(TOKENS);
  const { model, report } = loadBert(out, { numClasses: 3, headSeed: 8 });
  assert.equal(report.headLoaded, false);
  assert.deepEqual(report.ignoredKeys, ['bert.embeddings.position_ids']);
  assert.match(report.notes.join('\n'), /bare BertModel/);
  assert.match(report.notes.join('\n'), /gamma\/beta/);
  assert.equal(model.headInfo.seed, 8);
  model.eval();
  tidy(() => noGrad(() => assert.ok(model.forwardFeatures(input).equal(base.forwardPooled(input)), 'encoder weights loaded')));
  // the fresh head is reproducible from its seed
  const { model: twin } = loadBert(out, { numClasses: 3, headSeed: 8 });
  twin.eval();
  assert.deepEqual(predict<BertInput>(twin, input), predict<BertInput>(model, input));
  twin.dispose();
  model.dispose();
  base.dispose();
  disposeInput(input);
});

test('BertForMaskedLM saves each tied tensor once and reloads with the tie intact', () => {
  const mlm = new BertForMaskedLM({ ...TINY, hiddenAct: 'gelu_new' });
  fillDeterministic(mlm, 13);
  mlm.eval();
  const input = bertInput(TOKENS);
  const expected = predict<BertInput>(mlm, input);
  const out = join(dir, 'bert-mlm');
  saveBert(mlm, out);
  const keys = [...readSafetensorsHeader(join(out, 'model.safetensors')).entries.keys()];
  assert.ok(keys.includes('bert.embeddings.word_embeddings.weight') && keys.includes('cls.predictions.bias'));
  assert.ok(!keys.includes('cls.predictions.decoder.weight') && !keys.includes('cls.predictions.decoder.bias'), 'tied copies not written');
  const { model } = loadBertForMaskedLM(out);
  model.eval();
  assert.deepEqual(predict<BertInput>(model, input), expected);
  const sd = model.stateDict();
  assert.equal(sd.get('cls.predictions.decoder.weight'), sd.get('bert.embeddings.word_embeddings.weight'));
  model.dispose();
  mlm.dispose();
  disposeInput(input);
});

test('missing keys: StateDictError lists them and names the file; nothing leaks', () => {
  const path = resnet20File('missing.safetensors', (m) => {
    m.get('layer1.0.conv1.weight')!.dispose();
    m.delete('layer1.0.conv1.weight');
  });
  const before = snapshot();
  assert.throws(
    () => loadResnet('resnet20', path),
    (e: unknown) => e instanceof StateDictError && e.missing.includes('layer1.0.conv1.weight') && e.message.includes(path) && e.code === 'STATE_DICT_MISMATCH',
  );
  assert.equal(snapshot().liveTensors, before.liveTensors);
});

test('unexpected keys: StateDictError lists them and names the file', () => {
  const path = resnet20File('unexpected.safetensors', (m) => m.set('layer4.0.conv1.weight', zeros([2, 2])));
  assert.throws(
    () => loadResnet('resnet20', path),
    (e: unknown) => e instanceof StateDictError && e.unexpected.length === 1 && e.unexpected[0] === 'layer4.0.conv1.weight' && e.message.includes(path),
  );
});

test('shape mismatch: key, expected shape, found shape and file', () => {
  const path = resnet20File('shape.safetensors', (m) => {
    m.get('layer2.1.conv2.weight')!.dispose();
    m.set('layer2.1.conv2.weight', zeros([32, 32, 1, 1]));
  });
  assert.throws(
    () => loadResnet('resnet20', path),
    (e: unknown) => {
      assert.ok(e instanceof StateDictError);
      assert.deepEqual(e.shapeMismatches, [{ key: 'layer2.1.conv2.weight', expected: [32, 32, 3, 3], found: [32, 32, 1, 1] }]);
      assert.match(e.message, /layer2\.1\.conv2\.weight: expected \[32, 32, 3, 3\], found \[32, 32, 1, 1\]/);
      assert.ok(e.message.includes(path));
      return true;
    },
  );
  // a file saved by adaptlab knows its arch: asking for another one says which it is
  const r20 = join(dir, 'r20.safetensors');
  assert.throws(() => loadResnet('resnet32', r20), (e: unknown) => e instanceof ConfigError && /holds a resnet20/.test(e.message));
  // a plain resnet20 state dict loaded as resnet32: every missing block reported in one error
  const plain = resnet20File('plain20.safetensors', () => {});
  assert.throws(
    () => loadResnet('resnet32', plain),
    (e: unknown) => e instanceof StateDictError && e.missing.includes('layer1.3.conv1.weight') && e.missing.includes('layer3.4.bn2.running_var') && e.unexpected.length === 0,
  );
});

test('BERT: a missing encoder weight names the key and the file', () => {
  const out = join(dir, 'bert-missing');
  const model = new BertForSequenceClassification(TINY);
  saveBert(model, out);
  const file = readSafetensors(join(out, 'model.safetensors'));
  file.tensors.get('bert.encoder.layer.1.output.dense.weight')!.dispose();
  file.tensors.delete('bert.encoder.layer.1.output.dense.weight');
  writeSafetensors(join(out, 'model.safetensors'), file.tensors, file.metadata);
  for (const t of file.tensors.values()) t.dispose();
  assert.throws(
    () => loadBert(out),
    (e: unknown) => e instanceof StateDictError && e.missing.length === 1 && e.missing[0] === 'bert.encoder.layer.1.output.dense.weight' && e.message.includes(join(out, 'model.safetensors')),
  );
  model.dispose();
});

test('config.json problems are ConfigErrors naming the file and the fix', () => {
  const out = join(dir, 'bert-swish');
  const model = new BertForSequenceClassification(TINY);
  saveBert(model, out);
  model.dispose();
  writeFileSync(join(out, 'config.json'), JSON.stringify({ ...bertConfigToJson(TINY), hidden_act: 'swish' }));
  assert.throws(
    () => loadBert(out),
    (e: unknown) => e instanceof ConfigError && e.message.includes('"swish"') && e.message.includes('gelu, gelu_new, relu') && e.message.includes(join(out, 'config.json')),
  );
  const empty = join(dir, 'bert-empty');
  const shell = new BertForSequenceClassification(TINY);
  saveBert(shell, empty);
  shell.dispose();
  rmSync(join(empty, 'model.safetensors'));
  writeFileSync(join(empty, 'pytorch_model.bin'), 'not read');
  assert.throws(() => loadBert(empty), (e: unknown) => e instanceof ConfigError && /no model\.safetensors/.test(e.message) && /pytorch_model\.bin/.test(e.message));
  assert.throws(() => loadBert(join(dir, 'nowhere')), (e: unknown) => e instanceof ConfigError && /config\.json/.test(e.message));
  // a plain state dict is not an adaptlab file: the error says which loader to use
  const plain = resnet20File('plain.safetensors', () => {});
  assert.throws(() => loadModel(plain), (e: unknown) => e instanceof ConfigError && /loadResnet/.test(e.message));
});

test('uniqueStateDict keeps the first name of a tied tensor', () => {
  const mlm = new BertForMaskedLM({ ...TINY });
  const keys = [...uniqueStateDict(mlm).keys()];
  assert.equal(keys.length, mlm.stateDict().size - 2);
  mlm.dispose();
});
