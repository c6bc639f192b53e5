// An ExampleTable holds one split as tensors, ready for batching: the model inputs, int64
// labels and the example ids. Trials index it by example number, so the same code batches
// images and token sequences.
import { Tensor, fromTypedArray, tidy } from '../tensor/index.js';
import type { ModelInput, BertInput, Activation } from '../models/contract.js';
import { activationTensors } from '../models/contract.js';
import { ArgumentError } from '../errors.js';

export interface ExampleTable<X = ModelInput> {
  readonly size: number;
  readonly ids: readonly string[];
  /** (N) int64 class indices. */
  readonly labels: Tensor;
  /** The model input for the examples at `index` ((B) int64, on any device), as new tensors on the table's device. */
  take(index: Tensor): X;
  /** Moves the tensors this table owns to `device` (where its batches will then be taken); returns it. */
  moveTo_(device: string): this;
  dispose(): void;
}

function labelTensor(labels: readonly number[]): Tensor {
  return fromTypedArray(BigInt64Array.from(labels, (v) => BigInt(v)), [labels.length], 'int64');
}

function checkSizes(what: string, n: number, ids: readonly string[], labels: readonly number[]): void {
  if (ids.length !== n || labels.length !== n) {
    throw new ArgumentError(`${what}: ${n} inputs but ${ids.length} ids and ${labels.length} labels; they must match`);
  }
}

/** Images (N, C, H, W) float32, already normalised. Takes ownership of `images`. */
export function imageTable(images: Tensor, labels: readonly number[], ids: readonly string[]): ExampleTable {
  const n = images.size(0);
  checkSizes('imageTable', n, ids, labels);
  const labelT = labelTensor(labels);
  return {
    size: n,
    ids,
    labels: labelT,
    take: (index) => images.indexSelect(0, index),
    moveTo_(device) {
      images.moveTo_(device);
      labelT.moveTo_(device);
      return this;
    },
    dispose: () => {
      images.dispose();
      labelT.dispose();
    },
  };
}

/** Token batches (N, T) int64 each. Takes ownership of the tensors. */
export function tokenTable(input: Required<BertInput>, labels: readonly number[], ids: readonly string[]): ExampleTable {
  const n = input.inputIds.size(0);
  checkSizes('tokenTable', n, ids, labels);
  const labelT = labelTensor(labels);
  return {
    size: n,
    ids,
    labels: labelT,
    take: (index) => ({
      inputIds: input.inputIds.indexSelect(0, index),
      attentionMask: input.attentionMask.indexSelect(0, index),
      tokenTypeIds: input.tokenTypeIds.indexSelect(0, index),
    }),
    moveTo_(device) {
      for (const t of [input.inputIds, input.attentionMask, input.tokenTypeIds, labelT]) t.moveTo_(device);
      return this;
    },
    dispose: () => {
      input.inputIds.dispose();
      input.attentionMask.dispose();
      input.tokenTypeIds.dispose();
      labelT.dispose();
    },
  };
}

/**
 * A table of cached activations of a frozen prefix (or of the whole backbone's features), over
 * the labels and ids of the split they were computed from. The cache owns the tensors.
 */
export function activationTable(a: Activation, labels: Tensor, ids: readonly string[]): ExampleTable<Activation> {
  const tensors = activationTensors(a);
  const take = (index: Tensor): Activation =>
    tensors.length === 1 && a === tensors[0] ? (a as Tensor).indexSelect(0, index) : Object.fromEntries(Object.entries(a).map(([k, t]) => [k, (t as Tensor).indexSelect(0, index)]));
  // The activations live where the model that computed them does; the cache owns them.
  return {
    size: tensors[0].size(0),
    ids,
    labels,
    take,
    moveTo_() {
      return this;
    },
    dispose: () => undefined,
  };
}

/** Runs `fn` over consecutive batches of `size` examples; returns fn's results in order. */
export function forEachBatch<T>(n: number, size: number, fn: (index: Tensor, start: number) => T): T[] {
  const out: T[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    out.push(
      tidy(() => {
        const idx = fromTypedArray(BigInt64Array.from({ length: end - start }, (_, i) => BigInt(start + i)), [end - start], 'int64');
        return fn(idx, start);
      }),
    );
  }
  return out;
}

/**
 * The rows `rows` of `table` as a table of their own (a fold's training or held-out part). It
 * reads through to `table`, which must outlive it; its own dispose frees only the row index and labels.
 */
export function subsetTable<X>(table: ExampleTable<X>, rows: readonly number[]): ExampleTable<X> {
  const index = fromTypedArray(BigInt64Array.from(rows, (r) => BigInt(r)), [rows.length], 'int64');
  const labels = table.labels.indexSelect(0, index);
  return {
    size: rows.length,
    ids: rows.map((r) => table.ids[r]),
    labels,
    take: (i) => tidy(() => table.take(index.indexSelect(0, i))),
    // The parent table moves itself; the row index follows it on use (indexSelect).
    moveTo_(device) {
      labels.moveTo_(device);
      return this;
    },
    dispose: () => {
      index.dispose();
      labels.dispose();
    },
  };
}
