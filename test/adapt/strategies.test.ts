// Strategy tests: after a few training steps under each strategy, exactly the intended
// parameters changed, BatchNorm buffers behaved as the policy says, and the audit agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tidy, randn, randint, ones, zeros, manualSeed } from '../../src/tensor/index.js';
import { AdamW } from '../../src/optim/index.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import type { ClassificationModel, ModelInput } from '../../src/models/contract.js';
import { defineStrategy, parseStrategyNames } from '../../src/adapt/strategies.js';
import { planAdaptation } from '../../src/adapt/plan.js';
import { takeChecksums, auditFreeze } from '../../src/adapt/audit.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { snapshot } from '../helpers.js';

function trainSteps(model: ClassificationModel, strategy: StrategyName, input: ModelInput, labels: ReturnType<typeof randint>, steps = 3, partialK = 1) {
  const spec = defineStrategy(strategy, { headLr: 1e-2, backboneLr: 1e-3, partialK });
  const plan = planAdaptation(model, spec);
  const before = takeChecksums(model);
  const opt = new AdamW(plan.optimizerGroups, { lr: spec.lr.head });
  model.train();
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(input), labels);
      loss.backward();
      opt.step();
    });
  }
  const after = takeChecksums(model);
  const changed = new Set([...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k));
  const audit = auditFreeze(model, plan, before, after);
  opt.dispose();
  plan.release();
  return { plan, changed, audit };
}

const groupOf = (model: ClassificationModel) => new Map(model.parameterGroups().flatMap((g) => g.params.map(([n]) => [n, g.name] as const)));

function vision() {
  manualSeed(1);
  const model = resnet('resnet20', { numClasses: 10 });
  return { model, input: randn([8, 3, 16, 16]), labels: randint(0, 10, [8]) };
}

function text() {
  manualSeed(2);
  const config = bertConfig({ vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 3 });
  const model = new BertForSequenceClassification(config);
  const input = { inputIds: randint(1, 50, [4, 6]), attentionMask: ones([4, 6], 'int64'), tokenTypeIds: zeros([4, 6], 'int64') };
  return { model, input, labels: randint(0, 3, [4]) };
}

for (const [modality, make] of [['ResNet-20', vision], ['BERT', text]] as const) {
  test(`${modality}: frozen changes only the head; BatchNorm/dropout of the backbone run as at inference`, () => {
    const base = snapshot();
    const { model, input, labels } = make();
    const groups = groupOf(model);
    const { plan, changed, audit } = trainSteps(model, 'frozen', input, labels);
    const params = new Set(model.namedParameters().map(([n]) => n));
    const changedParams = [...changed].filter((n) => params.has(n));
    assert.ok(changedParams.length > 0);
    for (const n of changedParams) assert.equal(groups.get(n), 'head', `${n} changed under frozen`);
    // no buffer changed either: BN running stats stay fixed under the 'frozen' policy
    assert.deepEqual([...changed].filter((n) => !params.has(n)), []);
    assert.equal(audit.passed, true);
    assert.deepEqual(plan.trainableGroups, ['head']);
    assert.equal(plan.headOnly, true);
    model.dispose();
    assert.deepEqual(snapshot().liveTensors, base.liveTensors + 2 + (modality === 'BERT' ? 2 : 0)); // inputs and labels
  });

  test(`${modality}: partial_unfreeze changes exactly the head and the last k groups`, () => {
    for (const k of [1, 2]) {
      const { model, input, labels } = make();
      const order = model.parameterGroups().map((g) => g.name);
      const expected = new Set(order.slice(order.length - 1 - k));
      const groups = groupOf(model);
      const { plan, changed, audit } = trainSteps(model, 'partial_unfreeze', input, labels, 3, k);
      assert.deepEqual(plan.trainableGroups, order.slice(order.length - 1 - k));
      const params = model.namedParameters().map(([n]) => n);
      for (const n of params) {
        assert.equal(changed.has(n), expected.has(groups.get(n)!), `${n} (group ${groups.get(n)}) changed=${changed.has(n)} under partial k=${k}`);
      }
      assert.equal(audit.passed, true);
      model.dispose();
    }
  });

  test(`${modality}: bitfit changes exactly the biases and the head, and no buffer (only the intended tensors moved)`, () => {
    const { model, input, labels } = make();
    const groups = groupOf(model);
    const isBias = (n: string) => n.endsWith('.bias');
    const { plan, changed, audit } = trainSteps(model, 'bitfit', input, labels);
    const params = model.namedParameters().map(([n]) => n);
    for (const n of params) {
      const intended = groups.get(n) === 'head' || isBias(n);
      assert.equal(changed.has(n), intended, `${n} (group ${groups.get(n)}) changed=${changed.has(n)} under bitfit`);
      assert.equal(plan.rows.find((r) => r.name === n)!.trainable, intended, `${n} planned trainable`);
    }
    // no buffer moved: a BatchNorm whose scale is fixed keeps its running statistics
    assert.deepEqual([...changed].filter((n) => !params.includes(n)), []);
    assert.equal(audit.passed, true);
    assert.deepEqual(audit.unchangedTrainable, []);
    // every group has biases, so every group is listed as trainable and nothing is cacheable
    assert.deepEqual(plan.trainableGroups, model.parameterGroups().map((g) => g.name));
    assert.equal(plan.frozenPrefix, 0);
    const biasNumel = model.namedParameters().filter(([n]) => isBias(n) && groups.get(n) !== 'head').reduce((k, [, t]) => k + t.numel, 0);
    assert.equal(plan.totals.trainable - plan.totals.head!, biasNumel);
    assert.equal(plan.totals.head, model.headLayer.weight.numel + model.headLayer.bias!.numel);
    model.dispose();
  });

  test(`${modality}: full_finetune and scratch change every parameter`, () => {
    for (const s of ['full_finetune', 'scratch'] as const) {
      const { model, input, labels } = make();
      const { changed, audit, plan } = trainSteps(model, s, input, labels);
      const unchanged = model.namedParameters().map(([n]) => n).filter((n) => !changed.has(n));
      assert.deepEqual(unchanged, [], `${s}: parameters that did not change`);
      assert.equal(plan.totals.frozen, 0);
      assert.equal(audit.passed, true);
      model.dispose();
    }
  });
}

test('frozen trains exactly the head: 64x10+10 parameters on a ResNet-20 with 10 classes', () => {
  const model = resnet('resnet20', { numClasses: 10 });
  const plan = planAdaptation(model, defineStrategy('frozen'));
  assert.equal(plan.totals.trainable, 64 * 10 + 10);
  assert.equal(plan.totals.trainable + plan.totals.frozen, 272_474);
  assert.equal(plan.totals.buffers, model.namedBuffers().reduce((n, [, t]) => n + t.numel, 0));
  plan.release();
  model.dispose();
});

test('the parameter table is total, and weight decay follows roles, learning rates follow the plan', () => {
  const model = resnet('resnet20', { numClasses: 10 });
  const plan = planAdaptation(model, defineStrategy('full_finetune', { headLr: 1e-2, backboneLr: 1e-3, layerDecay: 0.5, weightDecay: 0.05 }));
  assert.equal(plan.rows.length, model.namedParameters().length);
  const row = (n: string) => plan.rows.find((r) => r.name === n)!;
  assert.equal(row('fc.weight').lr, 1e-2);
  assert.equal(row('layer3.0.conv1.weight').lr, 1e-3); // right below the head
  assert.equal(row('layer2.0.conv1.weight').lr, 5e-4); // one more group down: x0.5
  assert.equal(row('conv1.weight').lr, 1e-3 * 0.5 ** 3); // stem, three groups below layer3
  assert.equal(row('conv1.weight').weightDecay, 0.05);
  assert.equal(row('bn1.weight').weightDecay, 0); // norm
  assert.equal(row('fc.bias').weightDecay, 0); // bias
  // every optimizer group is one (model group, decay) pair, frozen parameters never included
  const inOptimizer = plan.optimizerGroups.flatMap((g) => g.params.map((p) => (Array.isArray(p) ? p[0] : '')));
  assert.equal(new Set(inOptimizer).size, plan.rows.length);
  plan.release();
  model.dispose();
});

test('a frozen model whose BatchNorm is left training fails the audit (the leaky "frozen" run)', () => {
  const { model, input, labels } = vision();
  const spec = { ...defineStrategy('frozen'), batchNorm: 'frozen' as const };
  const plan = planAdaptation(model, spec);
  plan.release(); // drop the policy hook: BatchNorm now trains in train mode, as in a naive loop
  const before = takeChecksums(model);
  const opt = new AdamW(plan.optimizerGroups, { lr: 1e-2 });
  model.train();
  tidy(() => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(input), labels).backward();
    opt.step();
  });
  const audit = auditFreeze(model, plan, before);
  assert.equal(audit.passed, false);
  assert.ok(audit.changedFrozen.some((n) => n.endsWith('running_mean')), audit.changedFrozen.join(', '));
  opt.dispose();
  model.dispose();
});

test('the policy is re-applied on every switch to train mode', () => {
  const model = resnet('resnet20', { numClasses: 10 });
  const plan = planAdaptation(model, defineStrategy('partial_unfreeze', { partialK: 1 }));
  model.eval();
  model.train();
  const bn = new Map(model.namedModules());
  assert.equal(bn.get('layer1.0.bn1')!.training, false); // frozen group: inference mode
  assert.equal(bn.get('layer3.0.bn1')!.training, true); // trainable group: training mode
  plan.release();
  model.dispose();
});

test('bad strategy requests are clear errors', () => {
  const model = resnet('resnet20', { numClasses: 10 });
  assert.throws(() => planAdaptation(model, defineStrategy('partial_unfreeze', { partialK: 9 })), (e: unknown) => e instanceof ConfigError && /it has 4 backbone groups \(stem, layer1, layer2, layer3\)/.test(e.message));
  assert.throws(() => parseStrategyNames(['frozen', 'adapterz']), /unknown strategy adapterz/);
  assert.throws(() => defineStrategy('frozen', { headLr: -1 }), ConfigError);
  model.dispose();
});
