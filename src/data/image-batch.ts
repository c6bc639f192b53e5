// ImageRecords -> model input: a normalised float32 tensor (N, 3, S, S) and int64 labels.
// All per-pixel work happens in JS typed arrays and crosses into libtorch once per tensor.
//
// Records that are not already S x S go through resizeAndCenterCrop (JS, no sharp): this is the
// fast path for the in-memory 28 x 28 grey datasets, which become 32 x 32 by bilinear resizing
// rather than by zero padding. Bilinear is what torchvision's Resize(32) + CenterCrop(32) does to
// those images, so (a) one preprocessing rule holds for every source (folders, fashion-mnist,
// mnist) and a PyTorch reference run sees the same inputs, and (b) the object keeps filling the
// frame, as it does in photos a pretrained network saw. Zero padding would keep the raw pixels
// exact but change the object's scale relative to the frame between sources.
import { fromTypedArray, type Tensor } from '../tensor/index.js';
import { resizeAndCenterCrop, type ImagePreprocess } from './images.js';
import type { ImageRecord } from './types.js';

export interface ImageBatch {
  /** float32 (N, 3, S, S), normalised per channel. */
  images: Tensor;
  /** int64 (N). */
  labels: Tensor;
}

/** The batch as JS typed arrays, before it becomes tensors (useful for caching and tests). */
export interface ImageBatchArrays {
  images: Float32Array;
  labels: BigInt64Array;
  shape: [number, number, number, number];
}

/** Per channel, the normalised value of each byte 0..255: (v / 255 - mean) / std. */
function normalisationTables(spec: ImagePreprocess): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - spec.mean[c]) / spec.std[c];
    return table;
  });
}

/**
 * Writes one record as normalised CHW floats into `out` at `offset` (3 * S * S values). Grey
 * records fill all three channels from their one channel, each with its own mean and std.
 */
export function writeNormalisedImage(record: ImageRecord, spec: ImagePreprocess, out: Float32Array, offset: number, tables = normalisationTables(spec)): void {
  const sized = resizeAndCenterCrop(record, spec.imageSize);
  const plane = spec.imageSize * spec.imageSize;
  const { pixels, channels } = sized;
  for (let c = 0; c < 3; c++) {
    const table = tables[c];
    const src = channels === 1 ? 0 : c;
    const base = offset + c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = table[pixels[p * channels + src]];
  }
}

/** Normalised pixels and labels of `records` in JS arrays. */
export function imageBatchArrays(records: readonly ImageRecord[], spec: ImagePreprocess): ImageBatchArrays {
  const s = spec.imageSize;
  const images = new Float32Array(records.length * 3 * s * s);
  const labels = new BigInt64Array(records.length);
  const tables = normalisationTables(spec);
  records.forEach((record, i) => {
    writeNormalisedImage(record, spec, images, i * 3 * s * s, tables);
    labels[i] = BigInt(record.label);
  });
  return { images, labels, shape: [records.length, 3, s, s] };
}

/** Records -> {images (N, 3, S, S) float32, labels (N) int64}. The caller owns both tensors. */
export function imageBatch(records: readonly ImageRecord[], spec: ImagePreprocess): ImageBatch {
  const arrays = imageBatchArrays(records, spec);
  const images = fromTypedArray(arrays.images, arrays.shape);
  try {
    return { images, labels: fromTypedArray(arrays.labels, [records.length]) };
  } catch (e) {
    images.dispose();
    throw e;
  }
}
