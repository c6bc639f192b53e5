// Vision backbones: ResNets that read 3 x size x size images, normalised per channel. The
// preparation (image size, mean, std) comes from the backbone: its manifest, or ImageNet's
// statistics for a torchvision checkpoint.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadResnet, saveModel } from '../../models/checkpoint.js';
import { createModel } from '../../models/registry.js';
import { resnet, isResNetArch, RESNET_SPECS } from '../../models/resnet.js';
import type { ClassificationModel } from '../../models/contract.js';
import { imageBatch } from '../../data/image-batch.js';
import { imageTable } from '../../data/example-table.js';
import { imageThumbnail } from '../../data/example-display.js';
import { IMAGENET_MEAN, IMAGENET_STD, type ImagePreprocess } from '../../data/images.js';
import type { ImageRecord } from '../../data/types.js';
import { manualSeed } from '../../tensor/index.js';
import { UsageError } from '../../errors.js';
import type { VisionManifest } from '../../pretrain/manifest.js';
import type { Backbone } from '../backbone.js';
import { fileContentKey } from '../content-key.js';

/** The saved model's weights file, named as Hugging Face names safetensors weights. */
const WEIGHTS_FILE = 'model.safetensors';

/** How records become input: resized (bilinear) and centre-cropped to imageSize, then normalised per channel. */
export interface ImagePreparation {
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/** How a vision model reads input: images prepared as `image` says. */
export interface ImageModelInput {
  image: ImagePreprocess;
}

/** A vision backbone also says how it prepares images (the public API's `image`). */
export interface VisionBackbone extends Backbone<ImageRecord, ImageModelInput> {
  modality: 'vision';
  image: ImagePreparation;
}

/** The parts a vision backbone is made of; the rest follows from the preparation. */
function visionBackbone(b: Pick<VisionBackbone, 'arch' | 'source' | 'key' | 'buildModel' | 'image'>): VisionBackbone {
  const prep = b.image;
  return {
    modality: 'vision',
    ...b,
    async table(records) {
      const { images, labels } = imageBatch(records, prep);
      labels.dispose();
      return imageTable(images, records.map((r) => r.label), records.map((r) => r.id));
    },
    describePreparation(records) {
      const kinds = new Map<string, number>();
      for (const r of records) {
        const k = `${r.width}x${r.height} ${r.channels === 1 ? 'grey' : 'RGB'}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      const held = [...kinds.entries()].sort((a, c) => c[1] - a[1]).slice(0, 4).map(([k, n]) => `${n} ${k}`).join(', ');
      const grey = records.some((r) => r.channels === 1);
      const fmt = (v: readonly number[]): string => `[${v.map((x) => Number(x.toFixed(4))).join(', ')}]`;
      return [
        `The data holds ${records.length} images (as loaded: ${held}${kinds.size > 4 ? ', and other sizes' : ''}).`,
        `Each becomes a 3 x ${prep.imageSize} x ${prep.imageSize} input for ${b.arch}: the shorter side resized to ${prep.imageSize} pixels (bilinear), centre-cropped to a square` +
          `${grey ? ', grey images repeated into the 3 channels' : ''}, then normalised per channel with mean ${fmt(prep.mean)} and std ${fmt(prep.std)} (the backbone's own preprocessing).`,
      ];
    },
    show: (record) => imageThumbnail(record),
    savedPreprocessing: () => ({ image: { imageSize: prep.imageSize, mean: [...prep.mean], std: [...prep.std], resize: 'bilinear' } }),
    // A torchvision-style state dict with adaptlab's metadata (arch, config, head); nothing else is needed.
    async writeModel(model, dir) {
      saveModel(model, join(dir, WEIGHTS_FILE));
      return WEIGHTS_FILE;
    },
    modelInput: () => ({ image: prep }),
  };
}

/** Builds a ResNet after seeding, then gives it a new head; a failure disposes the model. */
function withNewHead(make: () => ClassificationModel, seed: number, numClasses: number, classNames?: readonly string[]): ClassificationModel {
  manualSeed(seed);
  const model = make();
  try {
    model.resetClassifier(numClasses, seed, classNames);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** A directory written by `adaptlab pretrain vision`. */
export function fromVisionManifest(manifest: VisionManifest, weightsPath: string, key: string, source: string): VisionBackbone {
  const inChannels = typeof manifest.config.inChannels === 'number' ? manifest.config.inChannels : 3;
  return visionBackbone({
    arch: manifest.arch,
    source,
    key,
    image: { imageSize: manifest.imageSize, mean: [...manifest.mean], std: [...manifest.std] },
    buildModel: (init, seed, numClasses, classNames) =>
      withNewHead(() => (init === 'pretrained' ? loadResnet(manifest.arch, weightsPath).model : resnet(manifest.arch, { numClasses, inChannels })), seed, numClasses, classNames),
  });
}

/** A torchvision-style ResNet .safetensors file; `arch` says which ResNet, `imageSize` its input size. */
export function fromResnetFile(path: string, options: { arch?: string; imageSize?: number }): VisionBackbone {
  const { arch } = options;
  if (statSync(path).isDirectory()) throw new UsageError(`--backbone ${path} is a directory; a vision backbone is one torchvision-style .safetensors file (with --arch resnet18|...)`);
  if (arch === undefined || !isResNetArch(arch)) throw new UsageError(`a vision --backbone needs --arch (resnet18, resnet34, resnet50, resnet20, resnet32, resnet56); got ${arch ?? 'none'}`);
  const size = options.imageSize ?? (RESNET_SPECS[arch].stem === 'cifar' ? 32 : 224);
  return visionBackbone({
    arch,
    source: path,
    key: fileContentKey(path),
    image: { imageSize: size, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] },
    buildModel: (init, seed, numClasses, classNames) => withNewHead(() => (init === 'pretrained' ? loadResnet(arch, path).model : createModel(arch, { numClasses })), seed, numClasses, classNames),
  });
}
