// gradual_unfreeze (ULMFiT): the head first, then one more backbone group per stage from the top.
// The trap (fastai#2133): a group unfrozen without joining the optimizer gets gradients but never
// moves. So on whole trials: every group's tensors change from its logged unfreeze step on, and
// not one step before; BatchNorm statistics of a waiting group stay fixed; the optimizer grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tidy, randn, randint, manualSeed } from '../../src/tensor/index.js';
import { AdamW, LrScheduler, cosine } from '../../src/optim/index.js';
import { Linear } from '../../src/nn/index.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { planAdaptation } from '../../src/adapt/plan.js';
import { trainTrial } from '../../src/adapt/trial.js';
import { withAddedGroups } from '../../src/adapt/grow-optimizer.js';
import { RESNET, BERT, recordedSetup, disposeData } from './trial-helpers.js';
import { snapshot } from '../helpers.js';

const BATCH = 8; // 24 training examples: 3 steps per epoch

for (const kind of [RESNET, BERT]) {
  test(`${kind.label}: gradual_unfreeze trains each group from its unfreeze step on, and not before`, () => {
    const data = kind.data();
    const spec = defineStrategy('gradual_unfreeze', { headLr: 1e-2, backboneLr: 1e-3 });
    const epochs = 4;
    const r = recordedSetup(kind, spec, data, { epochs, batchSize: BATCH });
    const { record, model } = trainTrial(r.setup);
    const groups = model.parameterGroups();
    const backbone = groups.slice(0, -1).map((g) => g.name);

    // 12 steps, 4 backbone groups, all joined by half of the steps: before steps 3, 4, 6, 7 (from 1)
    const log = record.config.unfreezing!;
    assert.deepEqual(
      log.map((u) => u.group),
      [...backbone].reverse(),
      'top first',
    );
    assert.deepEqual(
      log.map((u) => u.step),
      [3, 4, 6, 7],
    );
    assert.deepEqual(
      log.map((u) => u.epoch),
      [1, 2, 2, 3],
    );
    assert.equal(r.steps(), 12);

    const joinedAt = new Map(log.map((u) => [u.group, u.step]));
    for (const g of groups) {
      if (g.name === 'head') continue;
      const at = joinedAt.get(g.name)!;
      for (const [name] of g.params) {
        const first = r.firstChange(name);
        // the trap: unfrozen but never stepped would leave `first` null
        assert.equal(first, at, `${name} (group ${g.name}, unfrozen at step ${at}) first changed at step ${first}`);
      }
    }
    // BatchNorm statistics of a group move only once it trains (before, it runs as at inference)
    for (const [name] of model.namedBuffers()) {
      if (!name.endsWith('running_mean')) continue;
      const group = backbone.find((g) => (g === 'stem' ? /^bn1\./.test(name) : name.startsWith(`${g}.`)))!;
      assert.equal(r.firstChange(name), joinedAt.get(group), `${name} in ${group}`);
    }
    // the optimizer grew with each stage: the last epoch's rates name every group
    const lastLr = Object.keys(record.curve.at(-1)!.lr!);
    for (const g of backbone) assert.ok(lastLr.some((k) => k === g || k === `${g}/no_decay`), `${g} in the final optimizer`);
    assert.deepEqual(Object.keys(record.curve[0].lr!).sort(), ['head', 'head/no_decay', ...backbone.slice(-1), `${backbone.at(-1)}/no_decay`].sort());
    // the model is selected once every group trains (epoch 3 on), so every parameter moved
    assert.ok(record.selectedEpoch >= 3, `selected epoch ${record.selectedEpoch}`);
    assert.equal(record.audit.passed, true);
    assert.deepEqual(record.audit.unchangedTrainable, []);
    assert.equal(record.totals.frozen, 0);
    model.dispose();
    disposeData(data);
  });
}

test('the plan of a gradual strategy starts with the head alone and unfreezes top first', () => {
  const model = RESNET.build('pretrained', 0);
  const plan = planAdaptation(model, defineStrategy('gradual_unfreeze'));
  assert.deepEqual(plan.unfreezeOrder, ['layer3', 'layer2', 'layer1', 'stem']);
  assert.deepEqual(plan.optimizerGroups.map((g) => g.name), ['head', 'head/no_decay']);
  const grad = () => new Map(model.namedParameters().map(([n, t]) => [n, t.requiresGrad]));
  assert.equal(grad().get('layer3.0.conv1.weight'), false);
  assert.equal(grad().get('fc.weight'), true);
  model.train();
  const modules = new Map(model.namedModules());
  assert.equal(modules.get('layer3.0.bn1')!.training, false, 'a waiting group runs as at inference');
  const first = plan.unfreezeNext()!;
  assert.equal(first.group, 'layer3');
  assert.deepEqual(first.optimizerGroups.map((g) => g.name), ['layer3', 'layer3/no_decay']);
  assert.equal(grad().get('layer3.0.conv1.weight'), true);
  assert.equal(grad().get('layer2.0.conv1.weight'), false);
  assert.equal(modules.get('layer3.0.bn1')!.training, true, 'a group that joined trains normally');
  assert.equal(modules.get('layer2.0.bn1')!.training, false);
  for (const g of ['layer2', 'layer1', 'stem']) assert.equal(plan.unfreezeNext()!.group, g);
  assert.equal(plan.unfreezeNext(), null);
  // the audit holds nothing fixed: every group trains by the end
  assert.deepEqual(plan.inferenceModules, []);
  plan.release();
  model.dispose();
});

test('withAddedGroups: the groups already training continue exactly as in an optimizer that had the new group from the start', () => {
  const base = snapshot().liveTensors;
  manualSeed(3);
  const make = () => {
    manualSeed(5);
    return { a: new Linear(4, 3), b: new Linear(3, 2) };
  };
  const x = randn([6, 4]);
  const y = randint(0, 2, [6]);
  const run = (grow: boolean) => {
    const { a, b } = make();
    const groupsA = [{ name: 'a', params: a.namedParameters(), lr: 1e-2 }];
    const groupB = { name: 'b', params: b.namedParameters(), lr: 5e-3, weightDecay: 0 };
    // b stays out of the computation (no gradient) for the first 3 steps in both runs
    let opt = new AdamW(grow ? groupsA : [...groupsA, groupB]);
    let sched = new LrScheduler(opt, cosine({ totalSteps: 6, warmupSteps: 1 }));
    for (let step = 0; step < 6; step++) {
      if (grow && step === 3) {
        opt = withAddedGroups(opt, [groupB]);
        sched = new LrScheduler(opt, cosine({ totalSteps: 6, warmupSteps: 1 }));
        sched.loadStateDict({ step: 3 });
      }
      tidy(() => {
        opt.zeroGrad();
        const h = a.forward(x);
        const logits = step < 3 ? h.slice(1, 0, 2) : b.forward(h.relu());
        F.crossEntropy(logits, y).backward();
        opt.step();
        sched.step();
      });
    }
    const out = [...a.parameters(), ...b.parameters()].map((t) => t.toArray());
    const state = opt.stateDict();
    const steps = state.steps;
    for (const t of state.state.values()) t.dispose();
    opt.dispose();
    a.dispose();
    b.dispose();
    return { out, steps, count: opt.stepCount };
  };
  const grown = run(true);
  const fixed = run(false);
  assert.deepEqual(grown.out, fixed.out);
  assert.deepEqual(grown.steps, fixed.steps);
  assert.equal(grown.count, 6);
  x.dispose();
  y.dispose();
  assert.equal(snapshot().liveTensors, base, 'no tensor left behind');
});
