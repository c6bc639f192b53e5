// Decoding PNG/JPEG files and torchvision's Resize + CenterCrop rule. Fixtures and their pixel
// formulas: test/fixtures/data/images/make_images.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError, ArgumentError } from '../../src/errors.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  decodeImageFile,
  readImageFile,
  keepsExactResize,
  loadImageFile,
  resizeAndCenterCrop,
  resizedSize,
  centerCropOffset,
  imagePreprocess,
  IMAGENET_MEAN,
  IMAGENET_STD,
} from '../../src/data/images.js';
import type { ImageRecord } from '../../src/data/types.js';
import { fixturePath, readJsonFixture } from '../helpers.js';

const image = (name: string): string => fixturePath('data', 'images', name);

function grey(height: number, width: number, pixel: (x: number, y: number) => number): ImageRecord {
  const pixels = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = pixel(x, y);
  return { id: 'synthetic', label: 0, height, width, channels: 1, pixels };
}

test('decodes an RGB PNG to exact HWC bytes', async () => {
  const r = await decodeImageFile(image('rgb_6x4.png'), 'rgb', 2);
  assert.deepEqual([r.id, r.label, r.height, r.width, r.channels], ['rgb', 2, 4, 6, 3]);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 6; x++) {
      const at = (y * 6 + x) * 3;
      assert.deepEqual(Array.from(r.pixels.subarray(at, at + 3)), [10 + 40 * x, 20 + 70 * y, 255 - 20 * (x + y)], `pixel (${x}, ${y})`);
    }
  }
});

test('grey files decode to one channel, RGBA drops alpha', async () => {
  const g = await decodeImageFile(image('grey_5x3.png'));
  assert.deepEqual([g.height, g.width, g.channels], [3, 5, 1]);
  assert.deepEqual(Array.from(g.pixels), Array.from({ length: 15 }, (_, i) => 17 * i));
  const gj = await decodeImageFile(image('grey_4x4.jpg'));
  assert.equal(gj.channels, 1);
  assert.ok(gj.pixels.every((v) => Math.abs(v - 128) <= 2), 'grey JPEG keeps its level');
  const rgba = await decodeImageFile(image('rgba_4x4.png'));
  assert.equal(rgba.channels, 3);
  const at = (2 * 4 + 3) * 3; // (x 3, y 2): colour unchanged by its alpha 230
  assert.deepEqual(Array.from(rgba.pixels.subarray(at, at + 3)), [180, 120, 100]);
});

test('decodes a JPEG within a few levels of its colour', async () => {
  const r = await decodeImageFile(image('solid_8x6.jpg'));
  assert.deepEqual([r.height, r.width, r.channels], [6, 8, 3]);
  for (let p = 0; p < 48; p++) {
    const px = Array.from(r.pixels.subarray(p * 3, p * 3 + 3));
    assert.ok(px.every((v, c) => Math.abs(v - [200, 100, 50][c]) <= 3), `pixel ${p} is ${px}`);
  }
});

test('unreadable, corrupt and truncated files give a DataError naming the file', async () => {
  for (const name of ['corrupt.png', 'truncated.jpg', 'missing.png']) {
    await assert.rejects(decodeImageFile(image(name)), (e: unknown) => {
      assert.ok(e instanceof DataError, `${name}: ${String(e)}`);
      assert.ok(e.message.includes(image(name)), e.message);
      return true;
    });
  }
});

test("Resize + CenterCrop geometry follows torchvision (truncated long side, half-to-even offsets)", () => {
  assert.deepEqual(resizedSize(375, 500, 224), { height: 224, width: 298 });
  assert.deepEqual(resizedSize(500, 375, 224), { height: 298, width: 224 });
  assert.deepEqual(resizedSize(28, 28, 32), { height: 32, width: 32 });
  // (5 - 2) / 2 = 1.5 -> 2 and (7 - 2) / 2 = 2.5 -> 2, as Python's round() gives
  assert.deepEqual(centerCropOffset(5, 7, 2), { top: 2, left: 2 });
  assert.deepEqual(centerCropOffset(298, 224, 224), { top: 37, left: 0 });
});

test('no resampling when the shorter side already has the size: N x N is returned as is, others only cropped', () => {
  const square = grey(4, 4, (x, y) => x * 7 + y * 31);
  assert.equal(resizeAndCenterCrop(square, 4), square);
  const wide = grey(4, 8, (x, y) => x * 7 + y * 31);
  const cropped = resizeAndCenterCrop(wide, 4);
  assert.deepEqual([cropped.height, cropped.width], [4, 4]);
  assert.deepEqual(Array.from(cropped.pixels), Array.from(grey(4, 4, (x, y) => (x + 2) * 7 + y * 31).pixels));
});

test('enlarging is bilinear with pixel centres at x + 0.5 (corners kept)', () => {
  // 2x2 -> 4x4: each axis gives [a, .75a + .25b, .25a + .75b, b], rounded after each pass
  const r = resizeAndCenterCrop(grey(2, 2, (x, y) => [[0, 100], [200, 40]][y][x]), 4);
  assert.deepEqual(Array.from(r.pixels), [0, 25, 75, 100, 50, 59, 76, 85, 150, 126, 79, 55, 200, 160, 80, 40]);
  const digit = resizeAndCenterCrop(grey(28, 28, (x, y) => (x * 9 + y * 5) % 256), 32);
  assert.deepEqual([digit.height, digit.width, digit.channels, digit.pixels.length], [32, 32, 1, 1024]);
  assert.equal(digit.pixels[0], 0);
  assert.equal(digit.pixels[1023], (27 * 9 + 27 * 5) % 256);
});

test('shrinking is antialiased: the triangle filter widens with the scale, then the centre is cropped', () => {
  // 4x8 (v = 10x + 40y) -> Resize(2) gives 2x4, CenterCrop(2) keeps columns 1-2. Horizontally,
  // output column 1 averages inputs 1..4 with weights .25 .75 .75 .25 / 2 -> 25 + 40y; vertically
  // row 0 averages rows 0..2 with .75 .75 .25 / 1.75, row 1 rows 1..3 with .25 .75 .75 / 1.75.
  const r = resizeAndCenterCrop(grey(4, 8, (x, y) => 10 * x + 40 * y), 2);
  assert.deepEqual(Array.from(r.pixels), [54, 74, 116, 136]);
  const rgb: ImageRecord = { id: 'c', label: 1, height: 6, width: 6, channels: 3, pixels: new Uint8Array(108).fill(77) };
  const out = resizeAndCenterCrop(rgb, 3);
  assert.deepEqual([out.channels, out.label, out.id], [3, 1, 'c']);
  assert.ok(out.pixels.every((v) => v === 77), 'a constant image stays constant');
});

test('Resize + CenterCrop matches Pillow pixel for pixel (resize_oracle.json, made by Pillow)', () => {
  interface OracleCase { height: number; width: number; channels: 1 | 3; size: number; pixels: number[]; expected: number[] }
  const oracle = readJsonFixture<{ pillow: string; cases: OracleCase[] }>('data', 'images', 'resize_oracle.json');
  assert.equal(oracle.cases.length, 8);
  for (const k of oracle.cases) {
    const what = `${k.height}x${k.width}x${k.channels} -> ${k.size}`;
    const r = resizeAndCenterCrop({ id: what, label: 0, height: k.height, width: k.width, channels: k.channels, pixels: Uint8Array.from(k.pixels) }, k.size);
    assert.deepEqual([r.height, r.width, r.channels], [k.size, k.size, k.channels], what);
    assert.deepEqual(Array.from(r.pixels), k.expected, `${what} differs from Pillow ${oracle.pillow}`);
  }
});

test('loadImageFile decodes and resizes in one call', async () => {
  const r = await loadImageFile(image('rgb_6x4.png'), { id: 'x', label: 3, imageSize: 2 });
  assert.deepEqual([r.id, r.label, r.height, r.width, r.channels], ['x', 3, 2, 2, 3]);
});

test('readImageFile: declared size, file hash, and the exact path for images up to 4 times the size', async () => {
  const r = await readImageFile(image('rgb_6x4.png'), { id: 'x', label: 1, imageSize: 2 });
  assert.deepEqual([r.width, r.height, r.shrunkOnLoad], [6, 4, false]);
  assert.equal(r.sha256, createHash('sha256').update(readFileSync(image('rgb_6x4.png'))).digest('hex'));
  assert.deepEqual(r.record, await loadImageFile(image('rgb_6x4.png'), { id: 'x', label: 1, imageSize: 2 }));
  assert.deepEqual(r.record, resizeAndCenterCrop(await decodeImageFile(image('rgb_6x4.png'), 'x', 1), 2), 'exact: decoded whole, resized in JS');
  // shorter side up to 4 x size and at most (8 x size)^2 pixels
  assert.equal(keepsExactResize(128, 128, 32), true);
  assert.equal(keepsExactResize(129, 129, 32), false);
  assert.equal(keepsExactResize(100, 600, 32), true);
  assert.equal(keepsExactResize(100, 700, 32), false);
  assert.equal(keepsExactResize(28, 28, 224), true);
  await assert.rejects(readImageFile(image('rgb_6x4.png'), { maxPixels: 0 }), ArgumentError);
});

test('a folder or other non-regular file given as an image is a DataError, never read', async () => {
  await assert.rejects(decodeImageFile(image('')), (e: unknown) => e instanceof DataError && /Cannot read image file .*not a regular file/.test(e.message));
});

test('records whose bytes do not match their shape are rejected by name', () => {
  const bad: ImageRecord = { id: 'broken/1', label: 0, height: 3, width: 3, channels: 1, pixels: new Uint8Array(8) };
  assert.throws(() => resizeAndCenterCrop(bad, 2), (e: unknown) => e instanceof DataError && e.message.includes('broken/1') && e.message.includes('expected 9'));
});

test('the preprocessing spec defaults to ImageNet statistics and checks its values', () => {
  assert.deepEqual(imagePreprocess(), { imageSize: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD });
  assert.equal(imagePreprocess({ imageSize: 32 }).imageSize, 32);
  assert.throws(() => imagePreprocess({ imageSize: 0 }), ArgumentError);
  assert.throws(() => imagePreprocess({ std: [1, 0, 1] }), ArgumentError);
  assert.throws(() => imagePreprocess({ mean: [0.5, 0.5] as unknown as [number, number, number] }), ArgumentError);
});
