// A model the lab handed over, loaded back for prediction or export. A directory with the full
// model (model.safetensors) loads as its kind saved it. A directory with only its task file (what
// the strategy changed, e.g. a frozen head of a few kB) is combined with the backbone it was
// trained from: the one given, or the embedded default; the backbone's identity must match the
// task file's, or the load fails and says which backbone the task needs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../tensor/index.js';
import { loadInto, disposeAll } from '../models/checkpoint.js';
import { TASK_BACKBONE_KEY } from '../adapt/task-weights.js';
import { ConfigError } from '../errors.js';
import type { ReadyModel } from '../kinds/backbone.js';
import { resolveBackbone } from '../kinds/load.js';
import { kindOf, type AnyModelInput } from '../kinds/registry.js';
import { readModelManifest, type ModelManifest } from './saved-models.js';

/** A saved model ready to predict: `input` says how its examples are prepared. */
export interface LoadedLabModel extends ReadyModel<AnyModelInput> {
  manifest: ModelManifest;
  /** 'full' when model.safetensors was loaded; 'task + backbone' when the task file was put on a backbone. */
  loadedFrom: 'full' | 'task + backbone';
}

export async function loadLabModel(dir: string, options: { backbone?: string; arch?: string } = {}): Promise<LoadedLabModel> {
  const manifest = readModelManifest(dir);
  const kind = kindOf(manifest.modality);
  if (existsSync(join(dir, manifest.weights)) && options.backbone === undefined) {
    return { manifest, ...kind.loadSaved(dir, manifest.weights, manifest.preprocessing), loadedFrom: 'full' };
  }
  const taskPath = join(dir, manifest.task.file);
  if (!existsSync(taskPath)) throw new ConfigError(`${dir} has neither ${manifest.weights} nor ${manifest.task.file}; the model directory is incomplete. Copy it again from the lab's run directory.`);
  const { imageSize } = kind.checkpointOptions(manifest.preprocessing);
  const backbone = await resolveBackbone(manifest.modality, options.backbone, options.arch ?? (options.backbone ? manifest.arch : undefined), imageSize);
  const file = readSafetensors(taskPath);
  try {
    const needed = file.metadata[TASK_BACKBONE_KEY];
    if (needed !== backbone.key) {
      throw new ConfigError(
        `${taskPath} was trained on backbone ${needed ?? '(unrecorded)'} but the backbone given is ${backbone.key} (${backbone.source}). ` +
          `A task file only works on the exact backbone it was trained from: pass that backbone with --backbone, or use the full model (${manifest.weights}).`,
      );
    }
    const adapters = [...file.tensors.keys()].filter((k) => /\.lora_[AB]\./.test(k));
    if (adapters.length > 0) {
      throw new ConfigError(
        `${taskPath} holds ${adapters.length} LoRA adapter tensors (e.g. ${adapters[0]}); putting adapters back on a backbone is not supported here. ` +
          `Use the full model (${manifest.weights}), which has them merged into its weights.`,
      );
    }
    const model = backbone.buildModel('pretrained', manifest.seed, manifest.classNames.length, manifest.classNames);
    try {
      const task = new Set(file.tensors.keys());
      loadInto(model, file.tensors, { source: taskPath, mayBeMissing: (k) => !task.has(k) });
    } catch (e) {
      model.dispose();
      throw e;
    }
    model.eval();
    return { manifest, model, input: backbone.modelInput(), loadedFrom: 'task + backbone' };
  } finally {
    disposeAll(file.tensors);
  }
}
