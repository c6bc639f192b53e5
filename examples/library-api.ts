// Adapt the embedded vision backbone to three MNIST digits and keep the trained model.
import { fileURLToPath } from 'node:url';
import { FeatureCache, defineStrategy, embeddedBackboneDir, imageBatch, loadBackbone, loadMnist, noGrad, splitDataset, tidy, trainTrial } from 'adaptlab';

export async function main(): Promise<number> {
  const backbone = loadBackbone(embeddedBackboneDir('vision')); // ResNet-20 pretrained on Fashion-MNIST
  if (backbone.modality !== 'vision') throw new Error(`${backbone.dir} holds a ${backbone.modality} backbone`);
  const mnist = await loadMnist();
  const digits = { ...mnist, classNames: ['0', '1', '2'], records: mnist.records.filter((r) => r.label < 3) };
  const split = splitDataset(digits, { seed: 0, trainPerClass: 20, validation: { perClass: 10 }, test: { perClass: 30 } });
  // The backbone prepares its own input: resized, normalised images as one table per split.
  const data = { train: await backbone.table(split.train), validation: await backbone.table(split.validation), test: await backbone.table(split.test) };
  const featureCache = new FeatureCache();
  const { model, record } = trainTrial({
    modality: 'vision', strategy: defineStrategy('frozen', { headLr: 0.1 }), seed: 0, numClasses: 3, epochs: 8, batchSize: 20,
    buildModel: (init, seed) => backbone.buildModel(init, seed, 3, digits.classNames),
    backboneKey: backbone.key, data, featureCache,
  });
  // The trained model is ours: predict a batch it never saw.
  const test = imageBatch(split.test, backbone.image);
  const predicted = noGrad(() => tidy(() => model.forward(test.images).argmax(1).toArray()));
  const accuracy = predicted.filter((p, i) => p === split.test[i].label).length / predicted.length;
  console.log(`${record.strategy}: ${record.totals.trainable} trainable parameters, test accuracy ${(100 * accuracy).toFixed(1)}%`);
  for (const t of [model, test.images, test.labels, featureCache, data.train, data.validation, data.test]) t.dispose();
  return accuracy;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
