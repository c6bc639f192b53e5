// The standardised linear probe on synthetic features: it must get past a large common offset
// (the shape of pooled ReLU features) and pick the best validation step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTypedArray, manualSeed, randn, tidy } from '../../src/tensor/index.js';
import { standardisedProbe, formatSeedStat } from '../../bench/probe.js';
import { snapshot } from '../helpers.js';

/** n examples of k classes in d dims: offset 50 on every feature, class signal 1 on feature `label`, noise 0.1. */
function split(n: number, k: number, d: number, seed: number) {
  manualSeed(seed);
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const signal = new Float32Array(n * d);
  labels.forEach((c, i) => (signal[i * d + c] = 1));
  return tidy(() => {
    const x = randn([n, d]).mul(0.1).add(fromTypedArray(signal, [n, d])).add(50);
    return { x, y: fromTypedArray(BigInt64Array.from(labels, (v) => BigInt(v)), [n], 'int64') };
  });
}

test('standardisedProbe: separable classes on top of a large offset are learned; the result is seeded', () => {
  const before = snapshot();
  const data = { train: split(60, 3, 8, 1), validation: split(30, 3, 8, 2), test: split(90, 3, 8, 3) };
  try {
    const a = standardisedProbe(data, 3, 7, { steps: 100, lr: 1e-2, weightDecay: 0, evalEvery: 10 });
    const b = standardisedProbe(data, 3, 7, { steps: 100, lr: 1e-2, weightDecay: 0, evalEvery: 10 });
    assert.equal(a.testAccuracy, 1);
    assert.equal(a.validationAccuracy, 1);
    assert.equal(a.testMacroF1, 1);
    assert.ok(a.selectedEpoch >= 10 && a.selectedEpoch <= 100 && a.selectedEpoch % 10 === 0);
    assert.deepEqual({ ...a, wallSeconds: 0 }, { ...b, wallSeconds: 0 });
  } finally {
    for (const s of Object.values(data)) {
      s.x.dispose();
      s.y.dispose();
    }
  }
  assert.equal(snapshot().liveTensors, before.liveTensors, 'the probe leaks no tensors');
});

test('formatSeedStat: percent mean ± sd with the 95% interval', () => {
  assert.equal(formatSeedStat({ mean: 0.9, sd: 0.01, ci95: [0.875, 0.925], values: [0.89, 0.9, 0.91] }), '90.00 ± 1.00 (95% CI 87.50–92.50)');
});
