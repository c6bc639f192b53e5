// Text backbones: BERTs that read token ids from their own WordPiece tokenizer, cut and padded to
// a fixed sequence length. The tokenizer and the length come from the backbone directory.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, manualSeed } from '../../tensor/index.js';
import { BertForSequenceClassification, readBertConfig, normalizeBertKeys, loadInto, type BertConfig } from '../../models/index.js';
import { createModel } from '../../models/registry.js';
import { BERT_WEIGHTS_FILE, bertHeads, loadBert, saveBert } from '../../models/bert-checkpoint.js';
import { disposeAll } from '../../models/checkpoint.js';
import type { ClassificationModel } from '../../models/contract.js';
import { BertTokenizer } from '../../data/tokenizer.js';
import { encodeTextBatch } from '../../data/text-batch.js';
import { tokenTable } from '../../data/example-table.js';
import { textSnippet } from '../../data/example-display.js';
import type { TextRecord } from '../../data/types.js';
import { ArgumentError, ConfigError, DataError, UsageError } from '../../errors.js';
import { regenerateHint, type TextManifest } from '../../pretrain/manifest.js';
import type { Backbone } from '../backbone.js';
import { fileContentKey } from '../content-key.js';

/** How texts become input: the backbone's tokenizer, and the sequence length it takes. */
export interface TextPreparation {
  tokenizer: BertTokenizer;
  maxLength: number;
}

/** How a text model reads input: texts prepared as `text` says. */
export interface TextModelInput {
  text: TextPreparation;
}

/** A text backbone also brings its tokenizer (the public API's `text`). */
export interface TextBackbone extends Backbone<TextRecord, TextModelInput> {
  modality: 'text';
  text: TextPreparation;
}

function textBackbone(b: Pick<TextBackbone, 'arch' | 'source' | 'key' | 'buildModel' | 'text'>): TextBackbone {
  const prep = b.text;
  return {
    modality: 'text',
    ...b,
    async table(records) {
      if (records.some((r) => r.text.trim() === '')) throw new DataError('a text example is empty after loading; every example needs some text');
      const batch = await encodeTextBatch(prep.tokenizer, records.map((r) => r.text), { maxLength: prep.maxLength, padding: 'max_length' });
      return tokenTable(batch, records.map((r) => r.label), records.map((r) => r.id));
    },
    describePreparation(records) {
      const lengths = records.map((r) => r.text.length);
      return [
        `The table holds ${records.length} texts of ${Math.min(...lengths)} to ${Math.max(...lengths)} characters.`,
        `Each is tokenised with the backbone's WordPiece tokenizer (${prep.tokenizer.vocabSize} tokens), cut to ${prep.maxLength} tokens including [CLS] and [SEP], and padded to that length.`,
      ];
    },
    show: (record) => textSnippet(record),
    savedPreprocessing: () => ({ text: { maxLength: prep.maxLength } }),
    // A Hugging Face directory: config.json with id2label, the weights, the tokenizer files.
    async writeModel(model, dir) {
      if (!(model instanceof BertForSequenceClassification)) throw new ArgumentError(`a text backbone saves BERT classifiers; got a ${model.arch} model`);
      saveBert(model, dir);
      await prep.tokenizer.save(dir);
      return BERT_WEIGHTS_FILE;
    },
    modelInput: () => ({ text: prep }),
  };
}

/**
 * A directory written by `adaptlab pretrain text`: the classification model is a
 * BertForSequenceClassification built from the masked-LM checkpoint's `bert.*` weights; the MLM
 * head (`cls.*`) is dropped, and the pooler, which masked-LM pretraining does not train, is
 * initialised from the seed (the same seed gives the same pooler for both inits).
 */
export function fromTextManifest(dir: string, manifest: TextManifest, weightsPath: string, key: string, source: (config: BertConfig) => string): TextBackbone {
  const fix = regenerateHint('text', dir);
  let config: BertConfig;
  let tokenizer: BertTokenizer;
  try {
    config = readBertConfig(dir);
    tokenizer = BertTokenizer.fromDirectory(dir);
  } catch (e) {
    throw new ConfigError(`${dir}: ${(e as Error).message}. The text backbone directory is incomplete; ${fix}.`);
  }
  if (config.vocabSize !== manifest.vocabSize || tokenizer.vocabSize !== manifest.vocabSize) {
    throw new ConfigError(
      `${dir}: vocabulary sizes disagree: manifest.json says ${manifest.vocabSize}, config.json ${config.vocabSize}, the tokenizer ${tokenizer.vocabSize}. ` +
        `The files come from different runs; ${fix}.`,
    );
  }
  const { id2label: _drop, ...base } = config;
  return textBackbone({
    arch: manifest.arch,
    source: source(config),
    key,
    text: { tokenizer, maxLength: manifest.maxLength },
    buildModel(init, seed, numClasses, classNames) {
      manualSeed(seed);
      const model = new BertForSequenceClassification({ ...base, numLabels: numClasses });
      try {
        if (init === 'pretrained') {
          const file = readSafetensors(weightsPath);
          try {
            loadInto(model, normalizeBertKeys(file.tensors, [], weightsPath), {
              source: weightsPath,
              // Masked-LM checkpoints have no pooler or classifier: they keep their seeded init.
              mayBeMissing: (k) => k.startsWith('bert.pooler.') || k.startsWith('classifier.'),
              ignore: (k) => k.startsWith('cls.') || k.endsWith('.position_ids'),
            });
          } finally {
            disposeAll(file.tensors);
          }
        }
        model.resetClassifier(numClasses, seed, classNames);
      } catch (e) {
        model.dispose();
        throw e;
      }
      return model;
    },
  });
}

/** A Hugging Face BERT directory (config.json, model.safetensors, vocab.txt); a masked-LM one without a pooler included. */
export function fromBertDirectory(path: string): TextBackbone {
  if (!statSync(path).isDirectory()) throw new UsageError(`--backbone ${path} is a file; a text backbone is a Hugging Face BERT directory (config.json, model.safetensors, vocab.txt)`);
  const tokenizer = BertTokenizer.fromDirectory(path);
  // A masked-LM checkpoint has no pooler: each model gets one initialised from its trial's seed.
  const probe = loadBert(path, { numClasses: 2, allowMissingPooler: true }).model;
  const config = probe.config as { maxPositionEmbeddings: number };
  probe.dispose();
  const pooler = bertHeads(path).pooler;
  return textBackbone({
    arch: 'bert',
    source: pooler ? path : `${path}; no pooler in the checkpoint (masked-LM pretraining trains none), so each model's is initialised from its seed`,
    key: fileContentKey(join(path, BERT_WEIGHTS_FILE)),
    text: { tokenizer, maxLength: Math.min(128, config.maxPositionEmbeddings) },
    buildModel(init, seed, numClasses, classNames): ClassificationModel {
      manualSeed(seed);
      const model = loadBert(path, { numClasses, classNames, headSeed: seed, allowMissingPooler: true }).model;
      if (init === 'random') {
        const fresh = createModel('bert', { numClasses, config: model.config });
        model.dispose();
        fresh.resetClassifier(numClasses, seed, classNames);
        return fresh;
      }
      model.resetClassifier(numClasses, seed, classNames);
      return model;
    },
  });
}
