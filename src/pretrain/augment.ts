// Light image augmentation for pretraining, on byte records already at the model's size: the
// CIFAR recipe's random crop (zero padding of `pad` pixels on every side, then a crop back to the
// original size) and a horizontal flip with probability 1/2. Zero is the background of
// Fashion-MNIST and MNIST, so padding adds background, not a frame. Driven by a seeded JS
// generator: the same generator state gives the same images.
import type { ImageRecord } from '../data/types.js';

export interface AugmentSpec {
  /** Padding of the random crop, in pixels (0: no crop). */
  pad: number;
  /** Flip left-right with probability 1/2. */
  flip: boolean;
}

/**
 * A mirrored (maybe) and shifted copy of `record`: out(y, x) = in(y + dy, m(x + dx)) with m the
 * left-right mirror when flipping (identity otherwise); pixels from outside the image are 0.
 */
export function augmentRecord(record: ImageRecord, spec: AugmentSpec, random: () => number): ImageRecord {
  const { height: h, width: w, channels: c, pixels } = record;
  const dy = spec.pad > 0 ? Math.floor(random() * (2 * spec.pad + 1)) - spec.pad : 0;
  const dx = spec.pad > 0 ? Math.floor(random() * (2 * spec.pad + 1)) - spec.pad : 0;
  const flip = spec.flip && random() < 0.5;
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx0 = x + dx;
      if (sx0 < 0 || sx0 >= w) continue;
      const sx = flip ? w - 1 - sx0 : sx0;
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = pixels[(sy * w + sx) * c + k];
    }
  }
  return { ...record, pixels: out };
}
