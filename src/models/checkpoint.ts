// Saving and loading models as safetensors. Two kinds of file:
//  - adaptlab's own (saveModel/loadModel): the state dict plus metadata `adaptlab` = JSON
//    {arch, config, headInfo}, enough to rebuild any registry model without being told what it is;
//  - torchvision-style ResNet state dicts (loadResnet), from any tool that writes torchvision names.
// Loading is strict: missing keys, unexpected keys and shape mismatches are reported together,
// naming the file, and nothing is left half-loaded or leaked on failure.
import { readSafetensors, writeSafetensors, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { ConfigError } from '../errors.js';
import { ResNet, resnetConfig, type ResNetArch } from './resnet.js';
import { createModel, isArch } from './registry.js';
import type { ClassificationModel, HeadInfo } from './contract.js';

/** What a loader did besides copying weights. */
export interface LoadReport {
  /** The file the weights came from. */
  source: string;
  /** True when the classifier head came from the file; false when it was freshly initialised. */
  headLoaded: boolean;
  /** Keys in the file that were deliberately not loaded (e.g. a pretraining head). */
  ignoredKeys: string[];
  /** Human-readable notes worth a log line (class-count differences, legacy names, ...). */
  notes: string[];
}

export interface LoadedModel<M> {
  model: M;
  report: LoadReport;
}

/** The `adaptlab` metadata entry of files written by saveModel / saveBert. */
export interface SavedModelInfo {
  format: 1;
  arch: string;
  config: object;
  headInfo: HeadInfo | null;
}

export const METADATA_KEY = 'adaptlab';

/** State-dict entries with every tensor once, under its first name (tied copies dropped, as transformers does). */
export function uniqueStateDict(model: Module): Map<string, Tensor> {
  const seen = new Set<Tensor>();
  const out = new Map<string, Tensor>();
  for (const [key, t] of model.stateDict()) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.set(key, t);
  }
  return out;
}

/** Safetensors metadata for `model`: HF's `format: pt` plus adaptlab's own description. */
export function modelMetadata(arch: string, config: object, headInfo: HeadInfo | null): Record<string, string> {
  const info: SavedModelInfo = { format: 1, arch, config, headInfo };
  return { format: 'pt', [METADATA_KEY]: JSON.stringify(info) };
}

/** The adaptlab description in a file's metadata, or null when the file has none. */
export function savedModelInfo(metadata: Record<string, string>, source: string): SavedModelInfo | null {
  const raw = metadata[METADATA_KEY];
  if (raw === undefined) return null;
  let info: unknown;
  try {
    info = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`${source}: metadata "${METADATA_KEY}" is not valid JSON (${(e as Error).message}); the file was edited or written by another tool`);
  }
  const i = info as Partial<SavedModelInfo>;
  if (i === null || typeof i !== 'object' || i.format !== 1 || typeof i.arch !== 'string' || typeof i.config !== 'object' || i.config === null) {
    throw new ConfigError(`${source}: metadata "${METADATA_KEY}" should be {format: 1, arch, config, headInfo}; found ${raw.slice(0, 200)}`);
  }
  return i as SavedModelInfo;
}

/** Writes `model` (any registry model) to one safetensors file, atomically. */
export function saveModel(model: ClassificationModel, path: string): void {
  writeSafetensors(path, uniqueStateDict(model), modelMetadata(model.arch, model.config, model.headInfo));
}

export interface LoadIntoOptions {
  /** The file, for error messages. */
  source: string;
  /** Own keys the file may lack; they keep the model's current values. */
  mayBeMissing?: (key: string) => boolean;
  /** File keys to drop without complaint (reported in ignoredKeys). */
  ignore?: (key: string) => boolean;
}

/**
 * Strictly loads `fileTensors` into `model` (after the allowances in `options`); all problems
 * are reported together in one StateDictError naming the file. Tied tensors (one tensor under
 * several names) load from whichever of their names the file has. Does not dispose anything.
 */
export function loadInto(model: Module, fileTensors: ReadonlyMap<string, Tensor>, options: LoadIntoOptions): { ignoredKeys: string[]; keptMissing: string[] } {
  const own = model.stateDict();
  const state = new Map<string, Tensor>();
  const ignoredKeys: string[] = [];
  for (const [key, t] of fileTensors) {
    if (!own.has(key) && options.ignore?.(key)) ignoredKeys.push(key);
    else state.set(key, t);
  }
  // Tied names: a missing alias takes the value the file gives under another name of the same tensor.
  const names = new Map<Tensor, string[]>();
  for (const [key, t] of own) names.set(t, [...(names.get(t) ?? []), key]);
  for (const keys of names.values()) {
    const present = keys.find((k) => state.has(k));
    if (present === undefined || keys.length < 2) continue;
    for (const k of keys) if (!state.has(k)) state.set(k, state.get(present)!);
  }
  const keptMissing: string[] = [];
  for (const [key, t] of own) {
    if (!state.has(key) && options.mayBeMissing?.(key)) {
      state.set(key, t); // copying a tensor onto itself keeps its value
      keptMissing.push(key);
    }
  }
  model.loadStateDict(state, { strict: true, source: options.source });
  return { ignoredKeys, keptMissing };
}

/** Disposes every tensor of a file's map. */
export function disposeAll(tensors: ReadonlyMap<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
}

/**
 * Loads a ResNet from a safetensors state dict in torchvision's names (torchvision checkpoints
 * converted to safetensors, or files written by saveModel). The model is built with the file's
 * class count (fc.weight rows) and input channels (conv1.weight); when `numClasses` differs, the
 * report says so and the caller replaces the head with resetClassifier. A file without `fc`
 * (a backbone) gets a fresh head of `numClasses` (default: the arch's) initialised from
 * `headSeed` (default 0), so loading a backbone is reproducible.
 */
export function loadResnet(arch: ResNetArch, path: string, options: { numClasses?: number; headSeed?: number } = {}): LoadedModel<ResNet> {
  const file = readSafetensors(path);
  let model: ResNet | undefined;
  try {
    const info = savedModelInfo(file.metadata, path);
    if (info !== null && info.arch !== arch) {
      throw new ConfigError(`${path} holds a ${info.arch} (saved by adaptlab), not a ${arch}; load it with loadModel(path) or as ${info.arch}`);
    }
    const fcWeight = file.tensors.get('fc.weight');
    const conv1 = file.tensors.get('conv1.weight');
    const notes: string[] = [];
    const fileClasses = fcWeight?.ndim === 2 ? fcWeight.size(0) : undefined;
    if (fileClasses !== undefined && options.numClasses !== undefined && options.numClasses !== fileClasses) {
      notes.push(`${path}: fc has ${fileClasses} classes, not the requested ${options.numClasses}; built with ${fileClasses} (call resetClassifier(${options.numClasses}, seed) for a new head)`);
    }
    const inChannels = conv1?.ndim === 4 ? conv1.size(1) : undefined;
    model = new ResNet(resnetConfig(arch, { numClasses: fileClasses ?? options.numClasses, inChannels }));
    const headless = !file.tensors.has('fc.weight') && !file.tensors.has('fc.bias');

    const { keptMissing } = loadInto(model, file.tensors, {
      source: path,
      // Headless backbones, and checkpoints older than BatchNorm's num_batches_tracked (PyTorch fills 0 too).
      mayBeMissing: (key) => (headless && key.startsWith('fc.')) || key.endsWith('.num_batches_tracked'),
    });
    if (keptMissing.some((k) => k.endsWith('num_batches_tracked'))) notes.push(`${path} predates num_batches_tracked; set to 0`);
    if (headless) {
      const seed = options.headSeed ?? 0;
      model.resetClassifier(model.headInfo.numClasses, seed);
      notes.push(`${path} has no fc: a new ${model.headInfo.numClasses}-class head was initialised from seed ${seed}`);
    } else if (info?.headInfo) {
      model.restoreHeadInfo(info.headInfo);
    }
    return { model, report: { source: path, headLoaded: !headless, ignoredKeys: [], notes } };
  } catch (e) {
    model?.dispose();
    throw e;
  } finally {
    disposeAll(file.tensors);
  }
}

/** Rebuilds and loads a model written by saveModel (any registry arch). */
export function loadModel(path: string): LoadedModel<ClassificationModel> {
  const file = readSafetensors(path);
  let model: ClassificationModel | undefined;
  try {
    const info = savedModelInfo(file.metadata, path);
    if (info === null) {
      throw new ConfigError(
        `${path} has no "${METADATA_KEY}" metadata, so it was not written by saveModel; load a torchvision ResNet state dict with loadResnet(arch, path) and a Hugging Face BERT directory with loadBert(dir)`,
      );
    }
    if (!isArch(info.arch)) throw new ConfigError(`${path} was saved from architecture "${info.arch}", which this version does not know`);
    const cfg = info.config as Record<string, unknown>;
    model = info.arch === 'bert' ? createModel('bert', { config: cfg }) : createModel(info.arch, { numClasses: cfg.numClasses as number, inChannels: cfg.inChannels as number });
    loadInto(model, file.tensors, { source: path });
    if (info.headInfo) model.restoreHeadInfo(info.headInfo);
    return { model, report: { source: path, headLoaded: true, ignoredKeys: [], notes: [] } };
  } catch (e) {
    model?.dispose();
    throw e;
  } finally {
    disposeAll(file.tensors);
  }
}
