// The backbone a lab run adapts, behind one small interface: the embedded default of a modality
// or any other directory written by `adaptlab pretrain` (it holds manifest.json), a
// torchvision-style ResNet checkpoint, or a Hugging Face BERT directory (a masked-LM one without
// a pooler included). It says how to build a model with a new head and how the data must be
// prepared for it (image size and normalisation, or tokenizer and sequence length). Its `key`
// identifies the weights by content (sha256), never by path: task files record it, and a copy of
// the same weights elsewhere is the same backbone.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../models/registry.js';
import { isResNetArch } from '../models/resnet.js';
import { loadResnet } from '../models/checkpoint.js';
import { BERT_WEIGHTS_FILE, bertHeads, loadBert } from '../models/bert-checkpoint.js';
import type { ClassificationModel } from '../models/contract.js';
import { BertTokenizer } from '../data/tokenizer.js';
import { manualSeed } from '../tensor/index.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';
import { MANIFEST_FILE } from '../pretrain/manifest.js';
import type { ImagePreparation, LoadedBackbone, TextPreparation } from '../pretrain/embedded.js';

export interface LabBackbone {
  modality: Modality;
  arch: string;
  /** Where it came from, for reports. */
  source: string;
  /**
   * Identifies these weights by content, for the feature cache, the resume check and task files:
   * a backbone directory's manifest key (`<kind>:<arch>:<sha256>`) or `file-sha256:<hex>` of a
   * checkpoint's weights file.
   */
  key: string;
  /** A model with the pretrained backbone (or the same architecture randomly initialised) and a new head. */
  buildModel(init: 'pretrained' | 'random', seed: number, numClasses: number, classNames?: string[]): ClassificationModel;
  image?: ImagePreparation;
  text?: TextPreparation;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/** `file-sha256:<hex>`: the content of a weights file, read in chunks. */
export function fileContentKey(path: string): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return `file-sha256:${hash.digest('hex')}`;
}

/**
 * The backbone for `modality`: the embedded default (no `path`), a directory written by
 * `adaptlab pretrain` (it holds manifest.json), a torchvision-style ResNet file (with `arch`) or a
 * Hugging Face BERT directory.
 */
export async function resolveBackbone(modality: Modality, path?: string, arch?: string, imageSize?: number): Promise<LabBackbone> {
  if (path === undefined) return embedded(modality);
  if (!existsSync(path)) throw new UsageError(`--backbone ${path} does not exist; expected a .safetensors ResNet checkpoint (with --arch), a Hugging Face BERT directory or a backbone directory written by adaptlab pretrain`);
  if (statSync(path).isDirectory() && existsSync(join(path, MANIFEST_FILE))) return pretrainedDirectory(modality, path, arch);
  if (modality === 'vision') {
    if (statSync(path).isDirectory()) throw new UsageError(`--backbone ${path} is a directory; a vision backbone is one torchvision-style .safetensors file (with --arch resnet18|...)`);
    if (arch === undefined || !isResNetArch(arch)) throw new UsageError(`a vision --backbone needs --arch (resnet18, resnet34, resnet50, resnet20, resnet32, resnet56); got ${arch ?? 'none'}`);
    const resnetArch = arch;
    const size = imageSize ?? (['resnet20', 'resnet32', 'resnet56'].includes(arch) ? 32 : 224);
    return {
      modality,
      arch,
      source: path,
      key: fileContentKey(path),
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
  // A masked-LM checkpoint has no pooler: each model gets one initialised from its trial's seed.
  const probe = loadBert(path, { numClasses: 2, allowMissingPooler: true }).model;
  const config = probe.config as { maxPositionEmbeddings: number };
  probe.dispose();
  const pooler = bertHeads(path).pooler;
  return {
    modality,
    arch: 'bert',
    source: pooler ? path : `${path}; no pooler in the checkpoint (masked-LM pretraining trains none), so each model's is initialised from its seed`,
    key: fileContentKey(join(path, BERT_WEIGHTS_FILE)),
    text: { tokenizer, maxLength: Math.min(128, config.maxPositionEmbeddings) },
    buildModel(init, seed, numClasses, classNames) {
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
  };
}

/** A directory written by `adaptlab pretrain` (the embedded ones, or a user's own). */
async function pretrainedDirectory(modality: Modality, dir: string, arch: string | undefined): Promise<LabBackbone> {
  const { loadBackbone } = await import('../pretrain/embedded.js');
  const b = loadBackbone(dir);
  if (b.modality !== modality) {
    throw new UsageError(`--backbone ${dir} is a ${b.modality} backbone (its ${MANIFEST_FILE} says so), not a ${modality} one; pass it with --modality ${b.modality}`);
  }
  if (arch !== undefined && arch !== b.manifest.arch) {
    throw new UsageError(`--arch ${arch} disagrees with --backbone ${dir}, whose ${MANIFEST_FILE} says ${b.manifest.arch}; drop --arch (a backbone directory says its own)`);
  }
  return fromLoaded(b, modality);
}

async function embedded(modality: Modality): Promise<LabBackbone> {
  const { embeddedBackboneDir, loadBackbone } = await import('../pretrain/embedded.js');
  const dir = embeddedBackboneDir(modality);
  const b = loadBackbone(dir);
  if (b.modality !== modality) throw new ConfigError(`${dir}: its manifest says ${b.modality}, expected a ${modality} backbone`);
  return fromLoaded(b, modality);
}

function fromLoaded(b: LoadedBackbone, modality: Modality): LabBackbone {
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
