// The staged forward behind prefix caching: for every split point k, running the first k groups
// and then the rest gives exactly forwardFeatures, for ResNet and BERT, without leaking tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, randint, ones, tidy, noGrad, manualSeed, tensor } from '../../src/tensor/index.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import { activationTensors, type ClassificationModel, type ModelInput } from '../../src/models/contract.js';
import { ArgumentError } from '../../src/errors.js';
import { snapshot } from '../helpers.js';

function checkAllSplits(model: ClassificationModel, input: ModelInput): void {
  model.eval();
  const backboneGroups = model.parameterGroups().length - 1;
  const base = snapshot();
  noGrad(() =>
    tidy(() => {
      const whole = model.forwardFeatures(input);
      for (let k = 0; k <= backboneGroups; k++) {
        const a = model.forwardPrefix(input, k);
        const staged = model.forwardFeaturesFrom(a, k);
        assert.ok(staged.equal(whole), `${model.arch}: split at group ${k} differs from forwardFeatures`);
        for (const t of activationTensors(a)) t.dispose();
        staged.dispose();
      }
      whole.dispose();
    }),
  );
  assert.deepEqual(snapshot(), base);
  assert.throws(() => model.forwardPrefix(input, backboneGroups + 1), ArgumentError);
}

test('ResNet-20: forwardFeaturesFrom(forwardPrefix(x, k), k) equals forwardFeatures(x) for every k', () => {
  manualSeed(3);
  const model = resnet('resnet20', { numClasses: 4 });
  const x = randn([2, 3, 16, 16]);
  checkAllSplits(model, x);
  x.dispose();
  model.dispose();
});

test('BERT: the same for every k, with padding in the batch', () => {
  manualSeed(4);
  const model = new BertForSequenceClassification(bertConfig({ vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 3 }));
  const input = { inputIds: randint(1, 40, [2, 5]), attentionMask: tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], 'int64'), tokenTypeIds: ones([2, 5], 'int64') };
  checkAllSplits(model, input);
  for (const t of Object.values(input)) t.dispose();
  model.dispose();
});
