// fit(), the one training loop: what it does around the caller's loss. A one-parameter model
// w (loss (w - target)^2 on every row) makes each step's effect exact and easy to state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTypedArray, noGrad, type Tensor } from '../../src/tensor/index.js';
import { SGD, constant } from '../../src/optim/index.js';
import { fit, type FitOptions } from '../../src/train/fit.js';
import { snapshot } from '../helpers.js';

function parameter(value: number): Tensor {
  return fromTypedArray(Float32Array.of(value), [1]).requiresGrad_(true);
}

function valueOf(t: Tensor): number {
  return noGrad(() => t.item());
}

/** Options training w towards `target` with SGD lr 0.25 (each step halves the distance), 4 rows in batches of 2. */
function options(w: Tensor, target: number, more: Partial<FitOptions<number>> = {}): FitOptions<number> {
  return {
    examples: 4,
    epochs: 3,
    batchSize: 2,
    optimizer: new SGD([w], { lr: 0.25 }),
    schedule: constant(),
    order: () => Uint32Array.of(3, 2, 1, 0),
    loss: () => w.sub(target).square().sum(),
    ...more,
  };
}

test('fit: batches follow the order, the mean loss and the learning rate are reported per epoch', () => {
  const before = snapshot();
  const w = parameter(0);
  const seen: number[][] = [];
  const r = fit(options(w, 8, { loss: (rows) => (seen.push([...rows]), w.sub(8).square().sum()), validate: () => -Math.abs(valueOf(w) - 8) }));
  assert.deepEqual(seen.slice(0, 2), [[3, 2], [1, 0]]);
  assert.equal(r.steps, 6);
  assert.equal(valueOf(w), 8 * (1 - 0.5 ** 6)); // every step halves the distance to 8
  assert.deepEqual(r.points.map((p) => p.epoch), [1, 2, 3]);
  assert.equal(r.points[0].trainLoss, (64 + 16) / 2); // (0-8)^2 and (4-8)^2
  assert.deepEqual(r.points[0].lr, { '0': 0.25 }); // an unnamed group is named by its index
  w.dispose();
  assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensor left behind');
});

test('fit: the keeper restores the best validated epoch (first on ties, eligible epochs only); validateEvery thins validation', () => {
  const w = parameter(0);
  const scores = [0.5, 0.9, 0.9, 0.7, 0.95];
  const kept: number[] = [];
  const r = fit(
    options(w, 8, {
      epochs: 5,
      validateEvery: 2,
      validate: (epoch) => scores[epoch - 1],
      keeper: {
        snapshot: () => valueOf(w),
        restore: (v) => noGrad(() => w.copy_(fromTypedArray(Float32Array.of(v), [1]))),
        release: (v) => void kept.push(v),
      },
    }),
  );
  // Validated: epochs 2, 4 and 5 (the last); 5 scores best.
  assert.deepEqual(r.points.map((p) => p.epoch), [2, 4, 5]);
  assert.equal(r.bestEpoch, 5);
  assert.equal(r.bestValidation, 0.95);
  assert.equal(kept.length, 2, 'the superseded snapshot (epoch 2) and the kept one are released');
  const w2 = parameter(0);
  const r2 = fit(
    options(w2, 8, {
      epochs: 4,
      validate: (epoch) => scores[epoch - 1],
      keeper: { snapshot: () => valueOf(w2), restore: (v) => noGrad(() => w2.copy_(fromTypedArray(Float32Array.of(v), [1]))), release: () => undefined, eligible: (epoch) => epoch >= 3 },
    }),
  );
  // Epoch 2 scores 0.9 but is not eligible; epoch 3 ties it and is kept; w goes back to its value after 3 epochs (6 steps).
  assert.equal(r2.bestEpoch, 3);
  assert.equal(valueOf(w2), 8 * (1 - 0.5 ** 6));
  w.dispose();
  w2.dispose();
});

test('fit: a batch without a loss takes no step but the schedule advances; a non-finite loss stops training before its step', () => {
  const w = parameter(0);
  const r = fit(
    options(w, 8, {
      epochs: 2,
      // Full rate for the schedule's step 0, half after: the skipped first batch still moves it on.
      schedule: (step) => (step === 0 ? 1 : 0.5),
      loss: (rows, at) => (at.epoch === 1 && at.step === 1 ? null : w.sub(8).square().sum()),
    }),
  );
  assert.equal(r.steps, 3, 'three of the four batches stepped');
  // Each step at lr 0.125 takes a quarter of the distance.
  assert.equal(valueOf(w), 8 * (1 - 0.75 ** 3));

  const v = parameter(1);
  let calls = 0;
  const failed = fit(options(v, 8, { loss: () => (++calls === 3 ? v.div(0).sub(v.div(0)).sum() : v.sub(8).square().sum()), validate: () => 0 }));
  assert.deepEqual(failed.failure && { epoch: failed.failure.epoch, step: failed.failure.step }, { epoch: 2, step: 1 });
  assert.ok(Number.isNaN(failed.failure!.loss));
  assert.equal(failed.steps, 2);
  assert.deepEqual(failed.points.map((p) => p.epoch), [1], 'the failed epoch is not validated');
  assert.equal(valueOf(v), 1 + 7 * (1 - 0.5 ** 2), 'no step on the non-finite loss');
  w.dispose();
  v.dispose();
});

test('fit: grow swaps the optimizer in before a step and the schedule carries on at the step reached', () => {
  const w = parameter(0);
  const u = parameter(0);
  const ends: Record<string, number>[] = [];
  fit(
    options(w, 8, {
      epochs: 2,
      schedule: (step) => 1 / (step + 1),
      grow: (optimizer, at) => {
        if (at.stepInFit !== 2) return null;
        optimizer.dispose();
        return new SGD([{ name: 'w', params: [['w', w]] }, { name: 'u', params: [['u', u]] }], { lr: 0.25 });
      },
      loss: () => w.sub(8).square().sum().add(u.sub(8).square().sum()),
      validate: () => 0,
      onEpoch: (p) => void ends.push(p.lr),
    }),
  );
  // After epoch 2 (4 steps) the grown optimizer's groups are at the schedule's step 4: 0.25 / 5.
  assert.equal(Object.keys(ends[0]).length, 1);
  assert.deepEqual(ends[1], { w: 0.25 / 5, u: 0.25 / 5 });
  // u joined before step 3: lr 0.25/3 then 0.25/4, each step taking 2 * lr of the distance.
  assert.ok(Math.abs(valueOf(u) - 8 * (1 - (1 - 0.5 / 3) * (1 - 0.5 / 4))) < 1e-5);
  w.dispose();
  u.dispose();
});
