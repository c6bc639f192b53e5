// The models a lab hands over. Every trial's trained model is staged in the run directory as it
// finishes (so a resumed run still has it); once the decision is made, the recommended strategy's
// model moves to `models/<modality>/`, and with `saveModels: 'all'` every staged model is kept
// under `models/<modality>/all/`. A model directory is in the ecosystem's layout:
//   vision: model.safetensors (torchvision names: fc.weight, layer1.0.conv1.weight, ...)
//   text:   a Hugging Face directory: config.json (id2label / label2id), model.safetensors
//           (BertForSequenceClassification names), the tokenizer files
// plus task.safetensors (only what the strategy changed, with the backbone it belongs to; its size
// is the "stored per task" figure) and adaptlab-model.json (what it is and how to prepare input).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeSafetensors } from '../tensor/index.js';
import type { TrainedTrial } from '../adapt/trial.js';
import { taskMetadata } from '../adapt/task-weights.js';
import type { Modality, StrategyName } from '../record/vocabulary.js';
import { writeJsonAtomic } from '../io/atomic-file.js';
import { ConfigError } from '../errors.js';
import type { Backbone, SavedPreprocessing } from '../kinds/backbone.js';

export const MODEL_MANIFEST_FILE = 'adaptlab-model.json';
export const MODEL_FORMAT = 'adaptlab.model/1';
export const TASK_FILE = 'task.safetensors';
/** The whole model's weights, as both kinds name them (each kind's writeModel returns the name the manifest records). */
export const WEIGHTS_FILE = 'model.safetensors';

/** adaptlab-model.json: what a saved model is and how its input is prepared. */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  modality: Modality;
  arch: string;
  strategy: StrategyName;
  seed: number;
  /** Cross-validated runs: the fold whose model this is. */
  fold: { index: number; of: number } | null;
  classNames: string[];
  /** How inputs are prepared: image size and per-channel normalisation (bilinear resize), or the sequence length. */
  preprocessing: SavedPreprocessing;
  /** The pretrained backbone the task file must be loaded over (scratch: none needed). */
  backbone: { key: string; source: string };
  /** The full model, in the ecosystem's layout. */
  weights: string;
  /** Only the tensors this strategy changed; `bytes` is its exact size on disk. */
  task: { file: string; bytes: number; tensors: number };
  /** Accuracy of this very model on the lab's validation part and test split. */
  metrics: { validation: number; test: number };
  /** Fingerprint of the trial that trained it (a rerun of the same lab reuses the model). */
  trial: string;
}

/** Where the lab keeps staged models while a run is in progress. */
export function stagedModelDir(out: string, modality: Modality, strategy: StrategyName, seed: number, fold?: number): string {
  return join(out, 'models', '.staging', modality, `${strategy}-seed${seed}${fold === undefined ? '' : `-fold${fold}`}`);
}

/** Writes a trained model directory atomically: into a temporary sibling, then renamed into place. */
export async function writeModelDir(dir: string, trained: TrainedTrial, backbone: Backbone, classNames: string[], trialFingerprint: string): Promise<ModelManifest> {
  const { record, model } = trained;
  const temp = `${dir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  try {
    const weights = await backbone.writeModel(model, temp);
    const taskPath = join(temp, TASK_FILE);
    writeSafetensors(taskPath, trained.taskFile, taskMetadata(backbone.key, record.strategy));
    const fold = record.fold && 'index' in record.fold ? { ...record.fold } : null;
    const manifest: ModelManifest = {
      format: MODEL_FORMAT,
      modality: record.modality,
      arch: backbone.arch,
      strategy: record.strategy,
      seed: record.seed,
      fold,
      classNames: [...classNames],
      preprocessing: backbone.savedPreprocessing(),
      backbone: { key: backbone.key, source: backbone.source },
      weights,
      task: { file: TASK_FILE, bytes: statSync(taskPath).size, tensors: trained.taskFile.size },
      metrics: { validation: record.metrics.validation.accuracy, test: record.metrics.test.accuracy },
      trial: trialFingerprint,
    };
    writeJsonAtomic(join(temp, MODEL_MANIFEST_FILE), manifest);
    replaceDir(temp, dir);
    return manifest;
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}

/** Moves `from` to `to`, replacing what was there; a reader sees the old directory or the new one. */
export function replaceDir(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const old = `${to}.old-${process.pid}`;
  if (existsSync(to)) renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}

export function readModelManifest(dir: string): ModelManifest {
  const path = join(dir, MODEL_MANIFEST_FILE);
  if (!existsSync(path)) throw new ConfigError(`${dir} holds no ${MODEL_MANIFEST_FILE}: it is not a model saved by adaptlab lab`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<ModelManifest>;
  if (m.format !== MODEL_FORMAT || !Array.isArray(m.classNames) || typeof m.arch !== 'string' || !m.task || !m.preprocessing) {
    throw new ConfigError(`${path}: expected an ${MODEL_FORMAT} manifest (format, arch, classNames, preprocessing, task); found format ${String(m.format)}. Save the model again with this version of adaptlab.`);
  }
  return m as ModelManifest;
}

/** The seed a lab hands over for a strategy: the one with the median validation accuracy (the lower one of a middle pair). */
export function medianSeed(records: readonly { seed: number; metrics: { validation: { accuracy: number } } }[]): number {
  const sorted = [...records].sort((a, b) => a.metrics.validation.accuracy - b.metrics.validation.accuracy || a.seed - b.seed);
  return sorted[Math.floor((sorted.length - 1) / 2)].seed;
}
