// lp_ft: a linear probe (the head alone on the frozen backbone's cached, standardised features),
// then everything fine-tunes from that head at the backbone's rate. Checked on whole trials: the
// budget split in the record, what changed in each phase, the feature cache path, and that the
// fine-tuning starts from the probe's head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { trainTrial, trialPhases } from '../../src/adapt/trial.js';
import { FeatureCache, type CachePoint } from '../../src/adapt/feature-cache.js';
import { ConfigError } from '../../src/errors.js';
import { RESNET, BERT, recordedSetup, disposeData } from './trial-helpers.js';

const BATCH = 8; // 24 training examples: 3 steps per epoch

for (const kind of [RESNET, BERT]) {
  test(`${kind.label}: lp_ft probes the head first (only the head moves, on cached features), then fine-tunes everything`, () => {
    const data = kind.data();
    const cache = new FeatureCache();
    const points: CachePoint[] = [];
    const get = cache.get.bind(cache);
    cache.get = (...args: Parameters<FeatureCache['get']>) => {
      points.push(args[2]);
      return get(...args);
    };
    const spec = defineStrategy('lp_ft', { headLr: 1e-2, probeLr: 0.1, backboneLr: 1e-3 });
    const r = recordedSetup(kind, spec, data, { epochs: 4, batchSize: BATCH, featureCache: cache });
    const { record, model } = trainTrial(r.setup);

    // the budget split: a quarter of the 4 epochs for the probe, the rest fine-tuning
    assert.deepEqual(record.config.phases, [
      { phase: 'probe', epochs: 1, steps: 3, headLr: 0.1 },
      { phase: 'train', epochs: 3, steps: 9, headLr: 1e-3 },
    ]);
    assert.equal(record.config.epochs, 4);
    assert.equal(record.config.steps, 12);
    assert.equal(record.curve.length, 4);
    // the probe ran on the cached features of every split (the path `frozen` uses)
    assert.deepEqual(points, ['features', 'features', 'features']);
    assert.deepEqual(Object.keys(record.curve[0].lr!).sort(), ['head', 'head/no_decay']);
    assert.equal(Object.keys(record.curve[1].lr!).length > 2, true);

    const names = model.namedParameters().map(([n]) => n);
    const head = new Set(model.parameterGroups().at(-1)!.params.map(([n]) => n));
    for (let s = 1; s <= 3; s++) {
      // probe steps: the head only, and no buffer (BatchNorm statistics stay fixed)
      const changed = r.changedAt(s);
      assert.ok([...changed].every((n) => head.has(n)), `probe step ${s} changed ${[...changed].filter((n) => !head.has(n)).join(', ')}`);
      assert.ok([...changed].some((n) => head.has(n)), `probe step ${s} changed the head`);
    }
    // fine-tuning: everything trains (its first update is at warm-up rate 0, so count from the second)
    const finetuned = new Set([5, 6, 7, 8, 9, 10, 11, 12].flatMap((s) => [...r.changedAt(s)]));
    assert.deepEqual(names.filter((n) => !finetuned.has(n)), [], 'parameters fine-tuning left alone');
    assert.ok(names.every((n) => head.has(n) || r.changedAt(5).has(n)), 'every backbone parameter moves at the first update with a rate');
    assert.ok(record.selectedEpoch >= 2, 'the model is selected among the fine-tuning epochs');
    assert.equal(record.totals.frozen, 0);
    assert.equal(record.audit.passed, true);
    assert.deepEqual(record.audit.unchangedTrainable, []);
    model.dispose();
    cache.dispose();
    disposeData(data);
  });
}

test('lp_ft fine-tunes from the probe: with a vanishing fine-tuning rate it predicts what the 1-epoch linear probe does', () => {
  // BERT in inference has no randomness and no running statistics, so a fine-tuning phase that
  // cannot move any weight leaves exactly the probe's model, head folded onto raw features.
  const data = BERT.data();
  const run = (strategy: ReturnType<typeof defineStrategy>, epochs: number) => {
    const r = recordedSetup(BERT, strategy, data, { epochs, batchSize: BATCH });
    const trained = trainTrial(r.setup);
    const out = trained.record.predictions.test.predictions;
    const head = trained.model.headLayer.weight.toArray();
    trained.model.dispose();
    return { out, head };
  };
  const probe = run(defineStrategy('frozen', { probeLr: 0.1 }), 1);
  const lpft = run(defineStrategy('lp_ft', { probeLr: 0.1, backboneLr: 1e-30 }), 4);
  assert.deepEqual(lpft.out, probe.out);
  for (let i = 0; i < probe.head.length; i++) assert.ok(Math.abs(lpft.head[i] - probe.head[i]) <= 1e-6 * Math.max(1, Math.abs(probe.head[i])), `head weight ${i}`);
  disposeData(data);
});

test('lp_ft splits any budget of 2 or more epochs, one epoch per phase at least; 1 epoch is a clear error', () => {
  const spec = defineStrategy('lp_ft');
  const split = (e: number) => trialPhases(spec, e).map((p) => [p.name, p.epochs]);
  assert.deepEqual(split(2), [['probe', 1], ['train', 1]]);
  assert.deepEqual(split(8), [['probe', 2], ['train', 6]]);
  assert.deepEqual(split(3), [['probe', 1], ['train', 2]]);
  assert.deepEqual(trialPhases(defineStrategy('full_finetune'), 8).map((p) => [p.name, p.epochs]), [['train', 8]]);
  assert.throws(() => trialPhases(spec, 1), (e: unknown) => e instanceof ConfigError && /at least 2 epochs/.test((e as Error).message));
});
