// Features of a frozen backbone, computed once per split in inference mode and reused across
// epochs, seeds and strategies. A head-only strategy then trains on (N, featureDim) tensors
// instead of running the backbone every step.
import { Tensor, cat, noGrad, countMacs, keep } from '../tensor/index.js';
import type { ClassificationModel } from '../models/contract.js';
import { forEachBatch, type ExampleTable } from '../data/example-table.js';

export interface CachedFeatures {
  /** (N, featureDim) */
  features: Tensor;
  /** Forward FLOPs spent computing them (charged to every trial that uses them). */
  flops: number;
  seconds: number;
}

export class FeatureCache {
  readonly #entries = new Map<string, CachedFeatures>();

  /** Features of `table` under the backbone identified by `backboneKey`, computing them on first use. */
  get(backboneKey: string, split: string, model: ClassificationModel, table: ExampleTable, batchSize: number): CachedFeatures {
    const key = `${backboneKey}\u0000${split}`;
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const wasTraining = model.training;
    model.eval();
    const t0 = performance.now();
    const { result, macs } = countMacs(() =>
      noGrad(() => {
        const parts = forEachBatch(table.size, batchSize, (idx) => {
          const input = table.take(idx);
          return model.forwardFeatures(input);
        });
        const all = cat(parts, 0);
        for (const p of parts) p.dispose();
        return keep(all);
      }),
    );
    model.train(wasTraining);
    const entry = { features: result, flops: 2 * macs.forward, seconds: (performance.now() - t0) / 1000 };
    this.#entries.set(key, entry);
    return entry;
  }

  dispose(): void {
    for (const e of this.#entries.values()) e.features.dispose();
    this.#entries.clear();
  }
}
