// `adaptlab pretrain vision --quick` end to end into a temporary directory, through the command's
// own run function, then loaded back with loadBackbone: manifest, forward passes, and a source
// accuracy above chance measured again here from the files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pretrainCommand } from '../../src/cli/commands/pretrain.js';
import { loadBackbone } from '../../src/kinds/load.js';
import type { VisionBackbone } from '../../src/kinds/vision/backbone.js';
import { evaluateAccuracy } from '../../src/pretrain/vision.js';
import { loadFashionMnist, FASHION_MNIST_CLASSES } from '../../src/data/vision-datasets.js';
import { splitDataset } from '../../src/data/splits.js';
import { imageBatch } from '../../src/data/image-batch.js';
import { loadResnet } from '../../src/models/index.js';
import { noGrad, readSafetensors, tidy } from '../../src/tensor/index.js';
import { UsageError } from '../../src/errors.js';
import type { VisionManifest } from '../../src/pretrain/manifest.js';
import { runCliCaptured, snapshot } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'adaptlab-pretrain-vision-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'vision');

const code = await pretrainCommand.run({ positionals: ['vision'], options: { out, quick: true, seed: 3 } });

test('pretrain vision --quick: exits 0 and writes the weights and a complete manifest', () => {
  assert.equal(code, 0);
  assert.ok(existsSync(join(out, 'model.safetensors')));
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as VisionManifest;
  assert.equal(m.format, 'adaptlab.backbone/1');
  assert.equal(m.kind, 'vision');
  assert.equal(m.arch, 'resnet20');
  assert.deepEqual(m.config, { arch: 'resnet20', inChannels: 3, numClasses: 10 });
  assert.equal(m.imageSize, 32);
  assert.equal(m.channels, 3);
  assert.deepEqual(m.classNames, FASHION_MNIST_CLASSES);
  assert.equal(m.quick, true);
  assert.equal(m.training.seed, 3);
  assert.equal(m.data.split.seed, 3);
  assert.equal(m.training.epochs, 1);
  assert.equal(m.training.steps, Math.ceil(m.data.split.sizes.train / m.training.batchSize));
  assert.deepEqual(m.data.split.sizes, { train: 1500, validation: 200, test: 500 });
  assert.equal(m.data.name, 'fashion-mnist');
  assert.match(m.data.contentHash, /^[0-9a-f]{64}$/);
  assert.equal(m.adaptlabVersion, (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  assert.ok(!Number.isNaN(Date.parse(m.createdAt)));
  assert.match(m.command, /^adaptlab pretrain vision/);
  assert.equal(m.equivalentCommand, `adaptlab pretrain vision --out ${out} --epochs 1 --seed 3 --quick`);
  // Grey images: the same statistics on the three channels, a plausible Fashion-MNIST mean.
  assert.equal(m.mean[0], m.mean[1]);
  assert.equal(m.std[0], m.std[2]);
  assert.ok(m.mean[0] > 0.2 && m.mean[0] < 0.4 && m.std[0] > 0.25 && m.std[0] < 0.45, `mean ${m.mean[0]} std ${m.std[0]}`);
  assert.equal(m.weights.dtype, 'float32');
  assert.equal(m.source.curve.length, 1);
});

test('the checkpoint is torchvision-style with the source head, and beats chance on the source test split (measured again here)', async () => {
  const file = readSafetensors(join(out, 'model.safetensors'));
  try {
    assert.deepEqual(file.tensors.get('fc.weight')?.shape, [10, 64]);
    assert.deepEqual(file.tensors.get('conv1.weight')?.shape, [16, 3, 3, 3]);
    assert.ok(file.tensors.has('layer3.2.bn2.running_var'));
  } finally {
    for (const t of file.tensors.values()) t.dispose();
  }
  const m = loadBackbone(out).manifest as VisionManifest;
  const dataset = await loadFashionMnist();
  const split = splitDataset(dataset, { seed: 3, test: { perClass: 50 }, validation: { perClass: 20 }, trainPerClass: 150 });
  const model = loadResnet('resnet20', join(out, 'model.safetensors')).model;
  try {
    const accuracy = evaluateAccuracy(model, split.test, { imageSize: 32, mean: m.mean, std: m.std });
    assert.equal(accuracy, m.source.testAccuracy, 'the manifest reports the accuracy of the file it ships');
    // Chance is 10%; 500 test images give a binomial sd of 1.3 points at chance.
    assert.ok(accuracy > 0.2, `quick model test accuracy ${accuracy} is not above chance`);
  } finally {
    model.dispose();
  }
});

test('adaptlab evaluate scores the output on an image folder, with the preprocessing of its manifest', async () => {
  const m = loadBackbone(out).manifest as VisionManifest;
  const dataset = await loadFashionMnist();
  const split = splitDataset(dataset, { seed: 3, test: { perClass: 50 }, validation: { perClass: 20 }, trainPerClass: 150 });
  // 4 test images per class as PNG files; folders named by class index ("T-shirt/top" cannot be a folder name).
  const taken = new Map<number, number>();
  const images = split.test.filter((r) => {
    taken.set(r.label, (taken.get(r.label) ?? 0) + 1);
    return taken.get(r.label)! <= 4;
  });
  const folder = join(dir, 'fashion-folder');
  for (const r of images) {
    mkdirSync(join(folder, String(r.label)), { recursive: true });
    await sharp(Buffer.from(r.pixels), { raw: { width: r.width, height: r.height, channels: 1 } }).png().toFile(join(folder, String(r.label), `${r.id.replace(/\W/g, '_')}.png`));
  }
  const r = await runCliCaptured(['evaluate', '--weights', join(out, 'model.safetensors'), '--data', folder, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { n: number; accuracy: number; classNames: string[]; notes: string[] };
  assert.equal(json.n, 40);
  assert.deepEqual(json.classNames, FASHION_MNIST_CLASSES);
  assert.match(json.notes.join('\n'), new RegExp(`preprocessing from .*manifest.json: 32 px, mean ${m.mean.join(',')}`));
  // PNG is lossless, so the CLI must score exactly what the pretraining code scores on the same images.
  const model = loadResnet('resnet20', join(out, 'model.safetensors')).model;
  try {
    assert.equal(json.accuracy, evaluateAccuracy(model, images, { imageSize: 32, mean: m.mean, std: m.std }));
  } finally {
    model.dispose();
  }
});

test('loadBackbone: pretrained and random models with a new head; forward passes; preprocessing spec', async () => {
  const b = loadBackbone(out);
  assert.equal(b.modality, 'vision');
  assert.deepEqual((b as VisionBackbone).image, { imageSize: 32, mean: (b.manifest as VisionManifest).mean, std: (b.manifest as VisionManifest).std });
  assert.equal(b.modality, 'vision');
  assert.match(b.source, /resnet20 pretrained on fashion-mnist .*quick run/);
  const mnistLike = Array.from({ length: 4 }, (_, i) => ({ id: `x/${i}`, label: i, height: 28, width: 28, channels: 1 as const, pixels: new Uint8Array(784).map((_, k) => (k * (i + 1)) % 256) }));
  const before = snapshot();
  const pretrained = b.buildModel('pretrained', 5, 4, ['a', 'b', 'c', 'd']);
  const again = b.buildModel('pretrained', 5, 4);
  const random = b.buildModel('random', 5, 4);
  try {
    assert.deepEqual(pretrained.headInfo, { numClasses: 4, seed: 5, classNames: ['a', 'b', 'c', 'd'] });
    const file = readSafetensors(join(out, 'model.safetensors'));
    try {
      const own = pretrained.stateDict();
      assert.ok(own.get('layer2.0.conv1.weight')!.equal(file.tensors.get('layer2.0.conv1.weight')!), 'pretrained backbone weights come from the file');
      assert.ok(!random.stateDict().get('layer2.0.conv1.weight')!.equal(file.tensors.get('layer2.0.conv1.weight')!), 'random init does not');
    } finally {
      for (const t of file.tensors.values()) t.dispose();
    }
    // Same seed, same head: the head depends only on the seed.
    assert.ok(pretrained.stateDict().get('fc.weight')!.equal(again.stateDict().get('fc.weight')!));
    noGrad(() =>
      tidy(() => {
        const { images } = imageBatch(mnistLike, (b as VisionBackbone).image);
        for (const model of [pretrained, random]) {
          model.eval();
          const logits = model.forward(images);
          assert.deepEqual(logits.shape, [4, 4]);
          assert.ok(logits.abs().sum().item() > 0 && Number.isFinite(logits.sum().item()));
        }
      }),
    );
  } finally {
    pretrained.dispose();
    again.dispose();
    random.dispose();
  }
  assert.equal(snapshot().liveTensors, before.liveTensors, 'building and disposing models leaks no tensors');
});

test('pretrain: usage errors for an unknown modality and bad numbers', async () => {
  await assert.rejects(pretrainCommand.run({ positionals: ['audio'], options: { seed: 0 } }), (e: unknown) => e instanceof UsageError && /vision or text/.test((e as Error).message));
  await assert.rejects(pretrainCommand.run({ positionals: ['vision'], options: { seed: -1 } }), UsageError);
  await assert.rejects(pretrainCommand.run({ positionals: ['vision'], options: { seed: 0, epochs: 0 } }), UsageError);
});
