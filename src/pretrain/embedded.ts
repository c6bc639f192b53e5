// The embedded backbones: pretrained checkpoints shipped in <package>/backbones/{vision,text},
// made by `adaptlab pretrain`, and the one API the lab uses to adapt from them.
//
//   const b = loadBackbone(embeddedBackboneDir('vision'));
//   const model = b.buildModel('pretrained', seed, 10, names); // backbone weights + new 10-class head
//   b.image -> { imageSize, mean, std }      (vision: how to prepare images)
//   b.text  -> { tokenizer, maxLength }      (text: how to tokenise)
//
// buildModel('random', ...) gives the same architecture freshly initialised from the seed: the
// control every transfer claim is measured against. For text, the classification model is a
// BertForSequenceClassification built from the masked-LM checkpoint's `bert.*` weights; the MLM
// head (`cls.*`) is dropped, and the pooler, which masked-LM pretraining does not train, is
// initialised from the seed (the same seed gives the same pooler for both inits).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, readSafetensors } from '../tensor/index.js';
import { resnet, loadResnet, BertForSequenceClassification, readBertConfig, normalizeBertKeys, loadInto, type ClassificationModel, type BertConfig } from '../models/index.js';
import { disposeAll } from '../models/checkpoint.js';
import { BertTokenizer } from '../data/tokenizer.js';
import { ConfigError, DataError } from '../errors.js';
import { readManifest, regenerateHint, type BackboneManifest, type TextManifest, type VisionManifest } from './manifest.js';
import { PACKAGE_ROOT } from './provenance.js';

export type BackboneModality = 'vision' | 'text';

export interface ImagePreparation {
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface TextPreparation {
  tokenizer: BertTokenizer;
  maxLength: number;
}

export interface LoadedBackbone {
  dir: string;
  manifest: BackboneManifest;
  modality: BackboneModality;
  /** Identifies these weights (their sha256), for caches keyed by backbone. */
  key: string;
  /**
   * A classification model: the pretrained backbone (or, with 'random', the same architecture
   * initialised from `seed`) with a new `numClasses` head from resetClassifier(numClasses, seed).
   * The caller owns (and disposes) it.
   */
  buildModel(init: 'pretrained' | 'random', seed: number, numClasses: number, classNames?: readonly string[]): ClassificationModel;
  /** One line for logs and reports. */
  describe(): string;
  /** Vision: how records become input. */
  image?: ImagePreparation;
  /** Text: the tokenizer the backbone was trained with and the sequence length it takes. */
  text?: TextPreparation;
}

/** <package root>/backbones/<modality>: where `adaptlab pretrain` writes by default and the lab reads from. */
export function embeddedBackboneDir(modality: BackboneModality): string {
  return join(PACKAGE_ROOT, 'backbones', modality);
}

/** Checks the weights file exists and is the one the manifest describes (not a truncated copy or an LFS pointer). */
function checkedWeights(dir: string, manifest: BackboneManifest): string {
  const path = join(dir, manifest.weights.file);
  const fix = regenerateHint(manifest.kind, dir);
  if (!existsSync(path)) throw new DataError(`${dir}: the manifest names weights ${manifest.weights.file}, which is missing. Restore the file or ${fix}.`);
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (typeof manifest.weights.sha256 === 'string' && sha !== manifest.weights.sha256) {
    throw new DataError(
      `${path} is not the file its manifest describes: expected sha256 ${manifest.weights.sha256} (${manifest.weights.bytes} bytes), found ${sha} (${bytes.length} bytes). ` +
        `The file was replaced, truncated or checked out as a Git LFS pointer; restore it (e.g. \`git lfs pull\`) or ${fix}.`,
    );
  }
  return path;
}

function quickNote(m: BackboneManifest): string {
  return m.quick ? ' [quick run: a tiny budget, not for real use]' : '';
}

/** Loads and validates a backbone directory written by `adaptlab pretrain`. */
export function loadBackbone(dir: string): LoadedBackbone {
  const manifest = readManifest(dir);
  const weightsPath = checkedWeights(dir, manifest);
  const key = `${manifest.kind}:${manifest.arch}:${manifest.weights.sha256}`;
  return manifest.kind === 'vision' ? visionBackbone(dir, manifest, weightsPath, key) : textBackbone(dir, manifest, weightsPath, key);
}

function visionBackbone(dir: string, manifest: VisionManifest, weightsPath: string, key: string): LoadedBackbone {
  const inChannels = typeof manifest.config.inChannels === 'number' ? manifest.config.inChannels : 3;
  return {
    dir,
    manifest,
    modality: 'vision',
    key,
    image: { imageSize: manifest.imageSize, mean: [...manifest.mean], std: [...manifest.std] },
    buildModel(init, seed, numClasses, classNames) {
      manualSeed(seed);
      const model = init === 'pretrained' ? loadResnet(manifest.arch, weightsPath).model : resnet(manifest.arch, { numClasses, inChannels });
      try {
        model.resetClassifier(numClasses, seed, classNames);
      } catch (e) {
        model.dispose();
        throw e;
      }
      return model;
    },
    describe: () =>
      `${manifest.arch} pretrained on ${manifest.data.name} (source test accuracy ${(manifest.source.testAccuracy * 100).toFixed(2)}%, ` +
      `${manifest.training.epochs} epochs, ${manifest.createdAt.slice(0, 10)}), ${manifest.imageSize}x${manifest.imageSize} input${quickNote(manifest)}`,
  };
}

function textBackbone(dir: string, manifest: TextManifest, weightsPath: string, key: string): LoadedBackbone {
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
  return {
    dir,
    manifest,
    modality: 'text',
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
    describe: () =>
      `BERT ${config.numHiddenLayers} layers x ${config.hiddenSize} (vocab ${config.vocabSize}, max length ${manifest.maxLength}) masked-LM pretrained on ${manifest.data.description ?? manifest.data.name} ` +
      `(held-out masked-token accuracy ${(manifest.source.maskedAccuracy * 100).toFixed(2)}% vs unigram baseline ${(manifest.source.unigramBaseline * 100).toFixed(2)}%, ` +
      `${manifest.createdAt.slice(0, 10)})${quickNote(manifest)}`,
  };
}
