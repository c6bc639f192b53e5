// The deterministic weight filling of test/fixtures/models/gen_model_fixtures.py, through our
// engine: same seed, same libtorch generator, same draw order -> the same weights as PyTorch.
import { Tensor, manualSeed, noGrad, rand, randn, tidy, tensor } from '../../src/tensor/index.js';
import type { Module } from '../../src/nn/index.js';
import type { BertInput } from '../../src/models/index.js';

/** Fills each distinct state-dict tensor in order (tied copies once), exactly as `fill` in Python. */
export function fillDeterministic(model: Module, seed: number): void {
  manualSeed(seed);
  const seen = new Set<Tensor>();
  noGrad(() => {
    for (const [name, t] of model.stateDict()) {
      if (seen.has(t)) continue;
      seen.add(t);
      const shape = t.shape;
      if (name.endsWith('num_batches_tracked')) {
        t.zero_();
        continue;
      }
      tidy(() => {
        let v: Tensor;
        if (name.endsWith('running_var')) v = rand(shape).add(0.5);
        else if (name.endsWith('running_mean')) v = randn(shape).mul(0.1);
        else if (shape.length === 1) {
          v = randn(shape).mul(0.1);
          if (name.endsWith('weight')) v = v.add(1);
        } else {
          const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
          v = randn(shape).mul(1 / Math.sqrt(fanIn));
        }
        t.copy_(v);
      });
    }
  });
}

/** sum and sum of |x| in float64 over distinct floating state tensors (Python's `checksum`). */
export function weightChecksum(model: Module): { sum: number; absSum: number } {
  const seen = new Set<Tensor>();
  let sum = 0;
  let absSum = 0;
  for (const [, t] of model.stateDict()) {
    if (seen.has(t) || !(t.dtype === 'float32' || t.dtype === 'float64')) continue;
    seen.add(t);
    tidy(() => {
      const d = t.to('float64');
      sum += d.sum().item();
      absSum += d.abs().sum().item();
    });
  }
  return { sum, absSum };
}

/** [key, shape] in state-dict order, as the fixtures store them. */
export function keysWithShapes(model: Module): [string, number[]][] {
  return [...model.stateDict()].map(([k, t]) => [k, t.shape]);
}

export interface BertInputsFixture {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
}

export function bertInput(f: BertInputsFixture, withTypes = true): BertInput {
  return {
    inputIds: tensor(f.inputIds, 'int64'),
    attentionMask: tensor(f.attentionMask, 'int64'),
    ...(withTypes ? { tokenTypeIds: tensor(f.tokenTypeIds, 'int64') } : {}),
  };
}

export function disposeInput(input: BertInput): void {
  input.inputIds.dispose();
  input.attentionMask?.dispose();
  input.tokenTypeIds?.dispose();
}
