// A vision model the lab saved, loaded back and exported. The saved model.safetensors is a
// torchvision-style state dict with adaptlab's metadata; the export is the same state dict with
// only `format: pt` as metadata (as Hugging Face's safetensors files have), a config.json with
// the architecture, classes and preprocessing, and a README with the PyTorch loading code:
// load_state_dict(strict=True) into torchvision.models.<arch>(num_classes=K), or the CIFAR ResNet
// layout for resnet20/32/56.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../tensor/index.js';
import { loadModel, uniqueStateDict } from '../../models/checkpoint.js';
import { isResNetArch, RESNET_SPECS } from '../../models/resnet.js';
import { ConfigError } from '../../errors.js';
import { writeJsonAtomic } from '../../io/atomic-file.js';
import type { ReadyModel, SavedModelFacts, SavedPreprocessing } from '../backbone.js';
import type { ImageModelInput, ImagePreparation } from './backbone.js';

/** The image preparation a saved vision model recorded; a ConfigError when it recorded another kind's. */
export function savedImagePreparation(preprocessing: SavedPreprocessing): ImagePreparation {
  if (!('image' in preprocessing)) {
    throw new ConfigError(
      `a vision model's adaptlab-model.json must record image preprocessing (imageSize, mean, std); found ${JSON.stringify(preprocessing)}. Save the model again with adaptlab lab.`,
    );
  }
  const { imageSize, mean, std } = preprocessing.image;
  return { imageSize, mean: mean as [number, number, number], std: std as [number, number, number] };
}

/** model.safetensors of a saved vision model, with the preparation it recorded. */
export function loadSavedVisionModel(dir: string, weights: string, preprocessing: SavedPreprocessing): ReadyModel<ImageModelInput> {
  const image = savedImagePreparation(preprocessing);
  return { model: loadModel(join(dir, weights)).model, input: { image } };
}

/** The CIFAR ResNets (3x3 stem, no max-pool) are not in torchvision: their export says so. */
function isCifarResnet(arch: string): boolean {
  return isResNetArch(arch) && RESNET_SPECS[arch].stem === 'cifar';
}

/** Writes the standalone torchvision-style directory of a vision model into `dir`. */
export async function exportVisionModel(ready: ReadyModel<ImageModelInput>, dir: string, facts: SavedModelFacts): Promise<void> {
  const k = facts.classNames.length;
  // Only the state dict: the metadata says "format: pt" as Hugging Face's safetensors files do.
  writeSafetensors(join(dir, 'model.safetensors'), uniqueStateDict(ready.model), { format: 'pt' });
  const prep = 'image' in facts.preprocessing ? facts.preprocessing.image : null;
  writeJsonAtomic(join(dir, 'config.json'), {
    architecture: facts.arch,
    layout: isCifarResnet(facts.arch) ? 'cifar-resnet (3x3 stem, no max-pool, stages of 16/32/64 channels, BasicBlocks, option-B 1x1 downsample; torchvision parameter names)' : 'torchvision',
    num_classes: k,
    id2label: Object.fromEntries(facts.classNames.map((c, i) => [String(i), c])),
    label2id: Object.fromEntries(facts.classNames.map((c, i) => [c, i])),
    preprocessing: prep && { image_size: prep.imageSize, resize: 'bilinear resize of the shorter side, then center crop', mean: prep.mean, std: prep.std, channels: 'RGB (grey images repeated to 3 channels)' },
    adaptlab: { strategy: facts.strategy, seed: facts.seed, validation_accuracy: facts.metrics.validation, test_accuracy: facts.metrics.test },
  });
  writeFileSync(join(dir, 'README.md'), readme(facts.arch, k));
}

function readme(arch: string, k: number): string {
  const build = isCifarResnet(arch)
    ? `model = CifarResNet(...)  # ${arch}: the layout in config.json; parameter names follow torchvision`
    : `model = torchvision.models.${arch}(num_classes=${k})`;
  return [
    `# ${arch}, ${k} classes (exported by adaptlab)`,
    '',
    '```python',
    'import torch, torchvision',
    'from safetensors.torch import load_file',
    build,
    'model.load_state_dict(load_file("model.safetensors"), strict=True)',
    'model.eval()',
    '```',
    '',
    'Inputs: see `preprocessing` in config.json. Class names: `id2label` in config.json.',
    '',
  ].join('\n');
}
