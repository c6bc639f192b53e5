// Hugging Face config.json <-> BertConfig: defaults, labels, and refusals with useful messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { bertConfig, bertConfigFromJson, bertConfigToJson, BERT_BASE, classNamesOf } from '../../src/models/index.js';

test('an empty config.json is bert-base with Hugging Face defaults', () => {
  const c = bertConfigFromJson({ model_type: 'bert' });
  assert.deepEqual(c, BERT_BASE);
});

test('fields map from snake_case; id2label gives class names and wins over num_labels', () => {
  const c = bertConfigFromJson({
    vocab_size: 100,
    hidden_size: 48,
    num_hidden_layers: 3,
    num_attention_heads: 6,
    intermediate_size: 96,
    hidden_act: 'gelu_new',
    layer_norm_eps: 1e-5,
    max_position_embeddings: 64,
    type_vocab_size: 1,
    pad_token_id: 1,
    classifier_dropout: 0.2,
    num_labels: 2,
    id2label: { '0': 'negative', '2': 'positive', '1': 'neutral' },
  });
  assert.equal(c.hiddenAct, 'gelu_new');
  assert.equal(c.layerNormEps, 1e-5);
  assert.equal(c.numLabels, 3);
  assert.deepEqual(classNamesOf(c), ['negative', 'neutral', 'positive']);
  assert.equal(c.classifierDropout, 0.2);
  // and back: the JSON round-trips to the same config
  assert.deepEqual(bertConfigFromJson(JSON.parse(JSON.stringify(bertConfigToJson(c)))), {
    ...c,
    id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' },
  });
});

test('unsupported or inconsistent configs are refused with the value and the supported options', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ hidden_act: 'swish' }, /hidden_act "swish" is not supported; supported activations: gelu, gelu_new, relu/],
    [{ hidden_act: 'gelu_fast' }, /"gelu_fast"/],
    [{ hidden_size: 30, num_attention_heads: 4 }, /hidden_size 30 is not a multiple of num_attention_heads 4/],
    [{ position_embedding_type: 'relative_key' }, /position_embedding_type "relative_key" is not supported; only "absolute"/],
    [{ model_type: 'roberta' }, /model_type is "roberta", expected "bert"/],
    [{ is_decoder: true }, /decoder BERT/],
    [{ hidden_dropout_prob: 1.5 }, /"hidden_dropout_prob" must be a probability in \[0, 1\), got 1.5/],
    [{ vocab_size: '30522' }, /"vocab_size" must be a non-negative integer, got "30522"/],
    [{ id2label: { '0': 'a', '5': 'b' } }, /id2label must map "0".."1"/],
    [{ vocab_size: 10, pad_token_id: 10 }, /pad_token_id 10 is outside the vocabulary/],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => bertConfigFromJson(json, '/models/x/config.json'),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_ERROR' && message.test(e.message) && e.message.startsWith('/models/x/config.json: '),
      JSON.stringify(json),
    );
  }
  assert.throws(() => bertConfigFromJson([1, 2]), (e: unknown) => e instanceof ConfigError && /got an array/.test(e.message));
});

test('config.json is checked against the weights before anything is allocated', async () => {
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { BertForSequenceClassification } = await import('../../src/models/bert.js');
  const { saveBert, loadBert } = await import('../../src/models/bert-checkpoint.js');
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-bert-config-'));
  const model = new BertForSequenceClassification(bertConfig({ vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32, numLabels: 2 }));
  saveBert(model, dir);
  model.dispose();
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const { hidden_size: _drop, ...noHidden } = config;
  writeFileSync(path, JSON.stringify(noHidden));
  assert.throws(() => loadBert(dir), /config\.json does not describe .*model\.safetensors: hidden_size is 768 but embeddings\.word_embeddings\.weight is \[40, 16\], which means 16.*A missing field takes BERT-base's value/);
  writeFileSync(path, JSON.stringify({ ...config, hidden_size: 1_000_000 }));
  assert.throws(() => loadBert(dir), /hidden_size 1000000 is beyond any BERT|hiddenSize 1000000 is beyond any BERT/);
  writeFileSync(path, JSON.stringify({ ...config, num_hidden_layers: 3 }));
  assert.throws(() => loadBert(dir), /num_hidden_layers is 3 but the weights hold 2 encoder layers/);
});
