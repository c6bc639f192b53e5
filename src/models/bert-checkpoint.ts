// Hugging Face BERT directories: config.json + model.safetensors (tokenizer files belong to the
// tokenizer code, which passes an `extraFiles` hook to saveBert). Loading accepts checkpoints of
// BertFor* models (`bert.` prefix) and of a bare BertModel (no prefix), the legacy LayerNorm
// names `gamma`/`beta`, and pretraining checkpoints whose `cls.*` heads are not needed. A masked-LM
// checkpoint (adaptlab's own text backbone, or a BertForMaskedLM from the Hub) has no pooler: only
// with `allowMissingPooler` is one initialised from the seed instead of failing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, readSafetensors, readSafetensorsHeader, writeSafetensors, type Tensor, type SafetensorsHeader } from '../tensor/index.js';
import { ConfigError, StateDictError } from '../errors.js';
import { BertForSequenceClassification, BertForMaskedLM } from './bert.js';
import { bertConfigFromJson, bertConfigToJson, classNamesOf, type BertConfig } from './bert-config.js';
import { disposeAll, loadInto, modelMetadata, savedModelInfo, uniqueStateDict, type LoadedModel } from './checkpoint.js';

export const BERT_CONFIG_FILE = 'config.json';
export const BERT_WEIGHTS_FILE = 'model.safetensors';

/** The BertConfig of a Hugging Face model directory. */
export function readBertConfig(dir: string): BertConfig {
  const path = join(dir, BERT_CONFIG_FILE);
  if (!existsSync(path)) {
    throw new ConfigError(`${dir}: no ${BERT_CONFIG_FILE}; a Hugging Face BERT directory holds ${BERT_CONFIG_FILE} and ${BERT_WEIGHTS_FILE} (download both, e.g. from the model's "Files" page)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return bertConfigFromJson(json, path);
}

/**
 * config.json against the shapes in the weights file's header, before anything is allocated: a
 * config that lacks a field (BERT-base's value is assumed, as Hugging Face does) or belongs to
 * another model is named field by field instead of surfacing as a list of mismatched tensors.
 */
export function checkConfigAgainstWeights(cfg: BertConfig, header: SafetensorsHeader, configPath: string, weights: string): void {
  const shapeOf = (suffix: string): number[] | undefined => {
    for (const [key, entry] of header.entries) if (key === suffix || key.endsWith(`.${suffix}`)) return entry.shape;
    return undefined;
  };
  const problems: string[] = [];
  const expect = (field: string, value: number, suffix: string, dim: number): void => {
    const shape = shapeOf(suffix);
    if (shape && shape[dim] !== value) problems.push(`${field} is ${value} but ${suffix} is [${shape.join(', ')}], which means ${shape[dim]}`);
  };
  expect('hidden_size', cfg.hiddenSize, 'embeddings.word_embeddings.weight', 1);
  expect('vocab_size', cfg.vocabSize, 'embeddings.word_embeddings.weight', 0);
  expect('max_position_embeddings', cfg.maxPositionEmbeddings, 'embeddings.position_embeddings.weight', 0);
  expect('type_vocab_size', cfg.typeVocabSize, 'embeddings.token_type_embeddings.weight', 0);
  expect('intermediate_size', cfg.intermediateSize, 'encoder.layer.0.intermediate.dense.weight', 0);
  const layers = new Set([...header.entries.keys()].flatMap((k) => /encoder\.layer\.(\d+)\./.exec(k)?.[1] ?? []));
  if (layers.size > 0 && layers.size !== cfg.numHiddenLayers) problems.push(`num_hidden_layers is ${cfg.numHiddenLayers} but the weights hold ${layers.size} encoder layers`);
  if (problems.length > 0) {
    throw new ConfigError(
      `${configPath} does not describe ${weights}: ${problems.join('; ')}. A missing field takes BERT-base's value; ` +
        `fix config.json (or use the config.json that came with these weights).`,
    );
  }
}

function weightsPath(dir: string): string {
  const path = join(dir, BERT_WEIGHTS_FILE);
  if (!existsSync(path)) {
    const legacy = ['pytorch_model.bin', 'tf_model.h5'].find((f) => existsSync(join(dir, f)));
    throw new ConfigError(
      `${dir}: no ${BERT_WEIGHTS_FILE}` +
        (legacy ? ` (found ${legacy}, which adaptlab does not read: pickle and HDF5 are not safe or portable formats; convert it to safetensors with the Hugging Face "convert to safetensors" tool)` : ''),
    );
  }
  return path;
}

/**
 * File keys in this library's naming: LayerNorm.gamma/beta -> weight/bias, and a `bert.` prefix
 * added to a bare BertModel's keys. The tensors are the file's own (not copies).
 */
export function normalizeBertKeys(tensors: ReadonlyMap<string, Tensor>, notes: string[], source: string): Map<string, Tensor> {
  const bare = [...tensors.keys()].some((k) => k.startsWith('embeddings.')) && ![...tensors.keys()].some((k) => k.startsWith('bert.'));
  if (bare) notes.push(`${source}: a bare BertModel checkpoint (no "bert." prefix); its keys were prefixed`);
  let legacy = false;
  const out = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    let k = key.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
    if (k !== key) legacy = true;
    if (bare && /^(embeddings|encoder|pooler)\./.test(k)) k = `bert.${k}`;
    out.set(k, t);
  }
  if (legacy) notes.push(`${source}: legacy LayerNorm names gamma/beta were read as weight/bias`);
  return out;
}

export interface LoadBertOptions {
  /** Classes for a fresh head when the checkpoint has no classifier (default: config's num_labels). */
  numClasses?: number;
  /** Names for a fresh head's classes. */
  classNames?: readonly string[];
  /** Seed of a fresh head (default 0), so loading a backbone is reproducible. */
  headSeed?: number;
  /**
   * Accept a checkpoint without a pooler (`bert.pooler.*`), as masked-LM pretraining writes: the
   * pooler is initialised from `headSeed` (the same values loadBackbone gives for that seed) and
   * the report's notes say so. Default false: a missing pooler is a StateDictError listing its keys.
   */
  allowMissingPooler?: boolean;
}

const POOLER_PREFIX = 'bert.pooler.';

/**
 * A BertForSequenceClassification from a Hugging Face directory. With a `classifier` in the
 * checkpoint the model gets its class count (the report notes a different requested count);
 * without one (a pretrained backbone) the head is initialised from `headSeed`. A checkpoint
 * without a pooler (masked-LM pretraining) loads only with `allowMissingPooler: true`.
 */
export function loadBert(dir: string, options: LoadBertOptions = {}): LoadedModel<BertForSequenceClassification> {
  const cfg = readBertConfig(dir);
  const path = weightsPath(dir);
  checkConfigAgainstWeights(cfg, readSafetensorsHeader(path), join(dir, BERT_CONFIG_FILE), path);
  const file = readSafetensors(path);
  let model: BertForSequenceClassification | undefined;
  try {
    const notes: string[] = [];
    const tensors = normalizeBertKeys(file.tensors, notes, path);
    const info = savedModelInfo(file.metadata, path);
    const fileClasses = tensors.get('classifier.weight')?.shape[0];
    const headless = !tensors.has('classifier.weight') && !tensors.has('classifier.bias');
    // Only a wholly absent pooler is allowed: a partial one is a damaged file.
    const poolerless = ![...tensors.keys()].some((k) => k.startsWith(POOLER_PREFIX));
    const seed = options.headSeed ?? 0;
    let config: BertConfig = cfg;
    if (fileClasses !== undefined && fileClasses !== cfg.numLabels) {
      notes.push(`${path}: classifier has ${fileClasses} classes but config.json says ${cfg.numLabels}; built with ${fileClasses}`);
      const { id2label: _drop, ...rest } = cfg;
      config = { ...rest, numLabels: fileClasses };
    }
    if (fileClasses !== undefined && options.numClasses !== undefined && options.numClasses !== fileClasses) {
      notes.push(`${path}: classifier has ${fileClasses} classes, not the requested ${options.numClasses} (call resetClassifier(${options.numClasses}, seed) for a new head)`);
    }
    if (headless && options.numClasses !== undefined && options.numClasses !== cfg.numLabels) {
      const { id2label: _drop, ...rest } = cfg;
      config = { ...rest, numLabels: options.numClasses };
    }
    const seededPooler = poolerless && options.allowMissingPooler === true;
    // The pooler keeps the construction-time init, so seed it (as loadBackbone's buildModel does).
    if (seededPooler) manualSeed(seed);
    model = new BertForSequenceClassification(config);
    let ignoredKeys: string[];
    try {
      ({ ignoredKeys } = loadInto(model, tensors, {
        source: path,
        mayBeMissing: (key) => (headless && key.startsWith('classifier.')) || (seededPooler && key.startsWith(POOLER_PREFIX)),
        ignore: (key) => key.startsWith('cls.') || key.endsWith('.position_ids'),
      }));
    } catch (e) {
      const missingPooler = e instanceof StateDictError ? e.missing.filter((k) => k.startsWith(POOLER_PREFIX)) : [];
      if (!(e instanceof StateDictError) || !poolerless || missingPooler.length === 0) throw e;
      throw new StateDictError(
        `${e.message}\n${path} has no pooler (${missingPooler.join(', ')}); masked-LM pretraining does not train one. ` +
          `To initialise it from headSeed (${seed}) instead, load with allowMissingPooler: true.`,
        e.missing,
        e.unexpected,
        e.shapeMismatches,
      );
    }
    if (ignoredKeys.some((k) => k.startsWith('cls.'))) notes.push(`${path}: pretraining heads (cls.*) are not used by sequence classification`);
    if (seededPooler) notes.push(`${path} has no pooler (bert.pooler.*; masked-LM pretraining does not train one): it was initialised from seed ${seed}`);
    if (headless) {
      const n = config.numLabels;
      model.resetClassifier(n, seed, options.classNames ?? classNamesOf(config));
      notes.push(`${path} has no classifier: a new ${n}-class head was initialised from seed ${seed}`);
    } else if (info?.headInfo) {
      model.restoreHeadInfo(info.headInfo);
    }
    return { model, report: { source: path, headLoaded: !headless, ignoredKeys, notes } };
  } catch (e) {
    model?.dispose();
    throw e;
  } finally {
    disposeAll(file.tensors);
  }
}

/**
 * Which parts a Hugging Face BERT directory's weights hold, read from the safetensors header
 * only: a sequence classifier (`classifier.*`), a masked-LM head (`cls.predictions.*`) and a
 * pooler (`bert.pooler.*`, or `pooler.*` in a bare BertModel; masked-LM checkpoints have none).
 */
export function bertHeads(dir: string): { classifier: boolean; maskedLm: boolean; pooler: boolean } {
  const keys = [...readSafetensorsHeader(weightsPath(dir)).entries.keys()];
  return {
    classifier: keys.some((k) => k === 'classifier.weight'),
    maskedLm: keys.some((k) => k.startsWith('cls.predictions.')),
    pooler: keys.some((k) => k.startsWith(POOLER_PREFIX) || k.startsWith('pooler.')),
  };
}

/** A BertForMaskedLM from a Hugging Face directory (BertForMaskedLM or BertForPreTraining checkpoint). */
export function loadBertForMaskedLM(dir: string): LoadedModel<BertForMaskedLM> {
  const cfg = readBertConfig(dir);
  const path = weightsPath(dir);
  const file = readSafetensors(path);
  let model: BertForMaskedLM | undefined;
  try {
    const notes: string[] = [];
    const tensors = normalizeBertKeys(file.tensors, notes, path);
    model = new BertForMaskedLM(cfg);
    const { ignoredKeys } = loadInto(model, tensors, {
      source: path,
      ignore: (key) => key.startsWith('bert.pooler.') || key.startsWith('cls.seq_relationship.') || key.endsWith('.position_ids'),
    });
    return { model, report: { source: path, headLoaded: true, ignoredKeys, notes } };
  } catch (e) {
    model?.dispose();
    throw e;
  } finally {
    disposeAll(file.tensors);
  }
}

export interface SaveBertOptions {
  /** Called with the directory after config and weights are written (tokenizer files, README, ...). */
  extraFiles?: (dir: string) => void;
}

/**
 * Writes a Hugging Face directory: config.json (with id2label / label2id of the current head) and
 * model.safetensors (each tied tensor once, as transformers writes it), then runs `extraFiles`.
 */
export function saveBert(model: BertForSequenceClassification | BertForMaskedLM, dir: string, options: SaveBertOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  const classification = model instanceof BertForSequenceClassification;
  const config = model.config;
  const headInfo = classification ? model.headInfo : null;
  const json = bertConfigToJson(config, classification ? 'BertForSequenceClassification' : 'BertForMaskedLM', headInfo?.classNames);
  writeSafetensors(join(dir, BERT_WEIGHTS_FILE), uniqueStateDict(model), modelMetadata(model.arch, config, headInfo));
  const configPath = join(dir, BERT_CONFIG_FILE);
  const temp = `${configPath}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(temp, configPath); // atomic: readers see the old config or the new one
  options.extraFiles?.(dir);
}
