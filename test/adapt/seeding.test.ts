// Seeds by purpose (train/seeds.ts): a trial's result does not depend on what drew from libtorch's
// generator before it, nor on whether its features were cached by an earlier trial: the init,
// the adapters, the example order and dropout each start from their own seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn } from '../../src/tensor/index.js';
import { runTrial } from '../../src/adapt/trial.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { FeatureCache } from '../../src/adapt/feature-cache.js';
import { BERT, recordedSetup, disposeData } from './trial-helpers.js';

/** What a trial computed: its curve's losses and accuracies, and its predictions. */
function outcome(r: ReturnType<typeof runTrial>): unknown {
  return { curve: r.curve.map((p) => [p.trainLoss, p.validationAccuracy]), predictions: r.predictions };
}

test('a trial draws the same numbers whatever drew before it or whatever the feature cache held', () => {
  const data = BERT.data();
  try {
    // lp_ft (a probe on cached features, then everything with dropout) and lora (adapters with dropout): every purpose.
    const lpFt = defineStrategy('lp_ft', { headLr: 1e-2, probeLr: 0.1, backboneLr: 1e-3 });
    const lora = defineStrategy('lora', { headLr: 1e-2, lora: { rank: 2, alpha: 4, dropout: 0.5 } });
    for (const strategy of [lpFt, lora]) {
      const plain = runTrial(recordedSetup(BERT, strategy, data, { epochs: 4, batchSize: 8, seed: 3 }).setup);
      // Another draw from libtorch's generator first, and a cache an earlier trial filled.
      randn([7]).dispose();
      const cache = new FeatureCache();
      try {
        runTrial(recordedSetup(BERT, defineStrategy('frozen', { headLr: 1e-2, probeLr: 0.1 }), data, { epochs: 2, batchSize: 8, seed: 9, featureCache: cache }).setup);
        randn([3]).dispose();
        const after = runTrial(recordedSetup(BERT, strategy, data, { epochs: 4, batchSize: 8, seed: 3, featureCache: cache }).setup);
        assert.deepEqual(outcome(after), outcome(plain), `${strategy.name}: the same trial, the same numbers`);
      } finally {
        cache.dispose();
      }
      const other = runTrial(recordedSetup(BERT, strategy, data, { epochs: 4, batchSize: 8, seed: 4 }).setup);
      assert.notDeepEqual(outcome(other), outcome(plain), `${strategy.name}: another seed, other numbers`);
    }
  } finally {
    disposeData(data);
  }
});
