// The backbone a lab run adapts, behind one small interface: the embedded default of a modality
// (pretrained by `adaptlab pretrain`), a torchvision-style ResNet checkpoint, or a Hugging Face
// BERT directory. It says how to build a model with a new head and how the data must be
// prepared for it (image size and normalisation, or tokenizer and sequence length).
import { existsSync, statSync } from 'node:fs';
import { createModel } from '../models/registry.js';
import { isResNetArch } from '../models/resnet.js';
import { loadResnet } from '../models/checkpoint.js';
import { loadBert } from '../models/bert-checkpoint.js';
import type { ClassificationModel } from '../models/contract.js';
import { BertTokenizer } from '../data/tokenizer.js';
import { manualSeed } from '../tensor/index.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Modality } from '../adapt/types.js';

import type { ImagePreparation, TextPreparation } from '../pretrain/embedded.js';

export interface LabBackbone {
  modality: Modality;
  arch: string;
  /** Where it came from, for reports. */
  source: string;
  /** Identifies these weights for the feature cache and the resume check. */
  key: string;
  /** A model with the pretrained backbone (or the same architecture randomly initialised) and a new head. */
  buildModel(init: 'pretrained' | 'random', seed: number, numClasses: number, classNames?: string[]): ClassificationModel;
  image?: ImagePreparation;
  text?: TextPreparation;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/** The backbone for `modality`: `path` (with `arch` for a ResNet file) or the embedded default. */
export async function resolveBackbone(modality: Modality, path?: string, arch?: string, imageSize?: number): Promise<LabBackbone> {
  if (path === undefined) return embedded(modality);
  if (!existsSync(path)) throw new UsageError(`--backbone ${path} does not exist; expected a .safetensors ResNet checkpoint (with --arch) or a Hugging Face BERT directory`);
  if (modality === 'vision') {
    if (statSync(path).isDirectory()) throw new UsageError(`--backbone ${path} is a directory; a vision backbone is one torchvision-style .safetensors file (with --arch resnet18|...)`);
    if (arch === undefined || !isResNetArch(arch)) throw new UsageError(`a vision --backbone needs --arch (resnet18, resnet34, resnet50, resnet20, resnet32, resnet56); got ${arch ?? 'none'}`);
    const resnetArch = arch;
    const size = imageSize ?? (['resnet20', 'resnet32', 'resnet56'].includes(arch) ? 32 : 224);
    return {
      modality,
      arch,
      source: path,
      key: `file:${path}`,
      image: { imageSize: size, ...IMAGENET },
      buildModel(init, seed, numClasses, classNames) {
        manualSeed(seed);
        const model = init === 'pretrained' ? loadResnet(resnetArch, path).model : createModel(resnetArch, { numClasses });
        model.resetClassifier(numClasses, seed, classNames);
        return model;
      },
    };
  }
  if (!statSync(path).isDirectory()) throw new UsageError(`--backbone ${path} is a file; a text backbone is a Hugging Face BERT directory (config.json, model.safetensors, vocab.txt)`);
  const tokenizer = BertTokenizer.fromDirectory(path);
  const probe = loadBert(path, { numClasses: 2 }).model;
  const config = probe.config as { maxPositionEmbeddings: number };
  probe.dispose();
  return {
    modality,
    arch: 'bert',
    source: path,
    key: `dir:${path}`,
    text: { tokenizer, maxLength: Math.min(128, config.maxPositionEmbeddings) },
    buildModel(init, seed, numClasses, classNames) {
      manualSeed(seed);
      const model = loadBert(path, { numClasses, classNames, headSeed: seed }).model;
      if (init === 'random') {
        const fresh = createModel('bert', { numClasses, config: model.config });
        model.dispose();
        fresh.resetClassifier(numClasses, seed, classNames);
        return fresh;
      }
      model.resetClassifier(numClasses, seed, classNames);
      return model;
    },
  };
}

async function embedded(modality: Modality): Promise<LabBackbone> {
  const { embeddedBackboneDir, loadBackbone } = await import('../pretrain/embedded.js');
  const dir = embeddedBackboneDir(modality);
  const b = loadBackbone(dir);
  if (b.modality !== modality) throw new ConfigError(`${dir}: its manifest says ${b.modality}, expected a ${modality} backbone`);
  return {
    modality,
    arch: b.manifest.arch,
    source: b.describe(),
    key: b.key,
    buildModel: (init, seed, numClasses, classNames) => b.buildModel(init, seed, numClasses, classNames),
    image: b.image,
    text: b.text,
  };
}
