// Records -> normalised (N, 3, S, S) float32 and int64 label tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import { imageBatch, imageBatchArrays } from '../../src/data/image-batch.js';
import { imagePreprocess, resizeAndCenterCrop } from '../../src/data/images.js';
import type { ImageRecord } from '../../src/data/types.js';
import { assertClose, snapshot } from '../helpers.js';

const record = (id: string, label: number, height: number, width: number, channels: 1 | 3, fill: (i: number) => number): ImageRecord => ({
  id,
  label,
  height,
  width,
  channels,
  pixels: Uint8Array.from({ length: height * width * channels }, (_, i) => fill(i)),
});

test('normalises each channel with its own ImageNet mean and std, CHW order', () => {
  const spec = imagePreprocess({ imageSize: 1 });
  const { images, labels, shape } = imageBatchArrays([record('a', 4, 1, 1, 3, (i) => [255, 0, 128][i])], spec);
  assert.deepEqual(shape, [1, 3, 1, 1]);
  assertClose(images, [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225], 1e-6, 1e-6);
  assert.deepEqual(Array.from(labels), [4n]);
});

test('grey records fill three channels, each normalised with its own statistics', () => {
  const spec = imagePreprocess({ imageSize: 2, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] });
  const { images } = imageBatchArrays([record('g', 0, 2, 2, 1, (i) => [0, 51, 102, 255][i])], spec);
  const v = [0, 0.2, 0.4, 1];
  assertClose(images, [...v.map((x) => (x - 0.5) / 0.5), ...v.map((x) => (x - 0.25) / 0.25), ...v], 1e-6, 1e-6);
});

test('28x28 grey records take the JS fast path to 32x32 (bilinear), matching resizeAndCenterCrop', () => {
  const spec = imagePreprocess({ imageSize: 32, mean: [0, 0, 0], std: [1, 1, 1] });
  const digit = record('mnist/7/0001', 7, 28, 28, 1, (i) => (i * 37) % 256);
  const { images, shape } = imageBatchArrays([digit], spec);
  assert.deepEqual(shape, [1, 3, 32, 32]);
  const resized = resizeAndCenterCrop(digit, 32);
  const expected = Array.from(resized.pixels, (v) => v / 255);
  assertClose(images.subarray(0, 1024), expected, 0, 1e-7, 'channel 0');
  assertClose(images.subarray(2048, 3072), expected, 0, 1e-7, 'channel 2');
  assert.equal(images[0], digit.pixels[0] / 255, 'corners are kept when enlarging');
});

test('imageBatch returns float32 (N, 3, S, S) images and int64 labels holding the same values', () => {
  const spec = imagePreprocess({ imageSize: 4 });
  const records = [record('a', 1, 4, 4, 3, (i) => i % 256), record('b', 0, 8, 8, 1, (i) => (i * 3) % 256), record('c', 2, 28, 28, 1, () => 9)];
  const before = snapshot();
  const { images, labels } = imageBatch(records, spec);
  assert.deepEqual([images.shape, images.dtype, labels.shape, labels.dtype], [[3, 3, 4, 4], 'float32', [3], 'int64']);
  assertClose(images, imageBatchArrays(records, spec).images, 0, 0);
  assert.deepEqual(labels.toArray(), [1, 0, 2]);
  images.dispose();
  labels.dispose();
  assert.equal(snapshot().liveTensors, before.liveTensors);
});

test('a record with a bad label or size is named in the error', () => {
  const spec = imagePreprocess({ imageSize: 2 });
  assert.throws(
    () => imageBatchArrays([{ ...record('x/1', 0, 2, 2, 1, () => 0), label: -1 }], spec),
    (e: unknown) => e instanceof DataError && e.message.includes('x/1'),
  );
  assert.throws(
    () => imageBatchArrays([{ ...record('x/2', 0, 2, 2, 1, () => 0), height: 3 }], spec),
    (e: unknown) => e instanceof DataError && e.message.includes('x/2'),
  );
});
