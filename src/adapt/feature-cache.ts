// Outputs of a frozen prefix of the backbone, computed once per split in inference mode and reused
// across epochs, seeds and strategies. A head-only strategy trains on the backbone's (N,
// featureDim) features; partial unfreezing starts every step from the activation after its last
// frozen group instead of running the frozen groups again.
import { Tensor, cat, noGrad, countMacs, keep } from '../tensor/index.js';
import { activationTensors, type Activation, type ClassificationModel, type ModelInput } from '../models/contract.js';
import { forEachBatch, type ExampleTable } from '../data/example-table.js';

/** How far the cached computation goes: the first `k` backbone groups, or the whole backbone's features. */
export type CachePoint = number | 'features';

export interface CachedFeatures {
  /** (N, featureDim) features, or the activation after the first k groups. */
  features: Activation;
  /** Forward FLOPs spent computing them (charged to every trial that uses them). */
  flops: number;
  seconds: number;
}

export class FeatureCache {
  readonly #entries = new Map<string, CachedFeatures>();

  /** Entries held: one per (backbone weights, split, point) computed. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The output at `point` for `table` under `backboneKey`, computed on first use. The key must
   * identify the weights the prefix runs (trial.ts adds their checksums to the backbone's key).
   */
  get(backboneKey: string, split: string, point: CachePoint, model: ClassificationModel, table: ExampleTable, batchSize: number): CachedFeatures {
    const key = `${backboneKey}\u0000${split}\u0000${point}`;
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const wasTraining = model.training;
    model.eval();
    const t0 = performance.now();
    const { result, macs } = countMacs(() =>
      noGrad(() => {
        const parts = forEachBatch(table.size, batchSize, (idx) => {
          const input: ModelInput = table.take(idx);
          return point === 'features' ? model.forwardFeatures(input) : model.forwardPrefix(input, point);
        });
        return joinBatches(parts);
      }),
    );
    model.train(wasTraining);
    const entry = { features: result, flops: 2 * macs.forward, seconds: (performance.now() - t0) / 1000 };
    this.#entries.set(key, entry);
    return entry;
  }

  dispose(): void {
    for (const e of this.#entries.values()) for (const t of activationTensors(e.features)) t.dispose();
    this.#entries.clear();
  }
}

/** Concatenates per-batch activations along the batch (per named tensor), keeping the result. */
function joinBatches(parts: Activation[]): Activation {
  const first = parts[0];
  const joined: Activation =
    first instanceof Tensor
      ? cat(parts as Tensor[], 0)
      : Object.fromEntries(Object.keys(first).map((k) => [k, cat(parts.map((p) => (p as Record<string, Tensor>)[k]), 0)]));
  for (const p of parts) for (const t of activationTensors(p)) t.dispose();
  for (const t of activationTensors(joined)) keep(t);
  return joined;
}
