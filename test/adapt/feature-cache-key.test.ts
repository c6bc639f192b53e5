// Cached features are shared only between trials whose frozen prefix holds the same weights. A BERT
// checkpoint without a pooler (masked-LM pretraining trains none) gets a pooler initialised from
// each trial's seed, so its pooled features differ per seed: a trial must give the same record
// whether another seed filled the cache before it or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, randn } from '../../src/tensor/index.js';
import { FeatureCache } from '../../src/adapt/feature-cache.js';
import { trainTrial } from '../../src/adapt/trial.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { BERT, RESNET, disposeData, recordedSetup, type TaskKind } from './trial-helpers.js';

/** The same pretrained BERT, with a pooler initialised from the seed as for a masked-LM checkpoint. */
const POOLERLESS_BERT: TaskKind = {
  ...BERT,
  label: 'BERT without a pooler',
  build: (init, seed) => {
    const model = BERT.build(init, seed);
    manualSeed(1000 + seed);
    noGrad(() => {
      for (const [name, t] of model.stateDict()) {
        if (!name.startsWith('bert.pooler.')) continue;
        const fresh = randn(t.shape).mul(0.05);
        t.copy_(fresh);
        fresh.dispose();
      }
    });
    return model;
  },
};

function frozenTrial(kind: TaskKind, seed: number, cache: FeatureCache): TrialRecord {
  const data = kind.data();
  const { setup } = recordedSetup(kind, defineStrategy('frozen', { headLr: 1e-2, probeLr: 0.1 }), data, { epochs: 3, batchSize: 8, featureCache: cache, seed });
  const trained = trainTrial(setup);
  trained.dispose();
  disposeData(data);
  return trained.record;
}

const comparable = (r: TrialRecord) => ({ metrics: r.metrics, predictions: r.predictions, losses: r.curve.map((p) => p.trainLoss) });

test('a seeded pooler: seed 1 gives the same record after seed 0 filled the cache as on a cache of its own', () => {
  const shared = new FeatureCache();
  frozenTrial(POOLERLESS_BERT, 0, shared);
  const afterSeed0 = frozenTrial(POOLERLESS_BERT, 1, shared);
  const alone = frozenTrial(POOLERLESS_BERT, 1, new FeatureCache());
  assert.deepEqual(comparable(afterSeed0), comparable(alone));
  assert.equal(shared.size, 6, 'each seed computed its own features for the three splits');
  shared.dispose();
});

test('a fixed backbone: later seeds reuse the first seed\u2019s features (the cache still saves the work)', () => {
  const shared = new FeatureCache();
  const first = frozenTrial(RESNET, 0, shared);
  const second = frozenTrial(RESNET, 1, shared);
  assert.ok(first.cost.trainFlops > 0);
  // Both are charged the extraction; only the first computed it: the cache holds one entry per split.
  assert.equal(shared.size, 3);
  assert.equal(second.cost.trainFlops, first.cost.trainFlops);
  shared.dispose();
});
