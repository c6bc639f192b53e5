// Images: decoding files to ImageRecords (sharp), the preprocessing spec, and torchvision's
// Resize(S) + CenterCrop(S) rule implemented in JS.
//
// Why the resampling is ours and not sharp's: torchvision resizes PIL images with PIL's bilinear
// filter (a triangle filter, widened when shrinking so it antialiases, pixel centres at x + 0.5).
// libvips' 'linear' kernel uses another pixel-centre convention when enlarging (4 -> 8 pixels
// gives rows r0, r0, (r0+r1)/2, r1, ... instead of r0, .75 r0 + .25 r1, ...), so 28x28 digits
// enlarged by sharp would not match a PyTorch reference. The JS resampler below follows PIL's
// algorithm step for step (horizontal pass, round to uint8, vertical pass, round, with PIL's
// 22-bit fixed-point weights); checked pixel for pixel against Pillow 9.4 on random images. sharp
// is only used to decode files, and is imported lazily so in-memory datasets never load libvips.
import { readFile } from 'node:fs/promises';
import { ArgumentError, DataError } from '../errors.js';
import type { ImageRecord } from './types.js';

export type Rgb = readonly [number, number, number];

/** ImageNet channel statistics, the normalisation torchvision's pretrained weights expect. */
export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

/** How records become model input: Resize(imageSize) + CenterCrop(imageSize), then (x/255 - mean) / std per channel. */
export interface ImagePreprocess {
  imageSize: number;
  mean: Rgb;
  std: Rgb;
}

/** A validated preprocessing spec; ImageNet mean/std and 224 pixels unless told otherwise. */
export function imagePreprocess(options: Partial<ImagePreprocess> = {}): ImagePreprocess {
  const spec: ImagePreprocess = {
    imageSize: options.imageSize ?? 224,
    mean: options.mean ?? IMAGENET_MEAN,
    std: options.std ?? IMAGENET_STD,
  };
  if (!Number.isInteger(spec.imageSize) || spec.imageSize < 1) {
    throw new ArgumentError(`imagePreprocess: imageSize must be a positive integer, got ${spec.imageSize}`);
  }
  const isRgb = (v: readonly number[]): boolean => Array.isArray(v) && v.length === 3 && v.every((x) => Number.isFinite(x));
  if (!isRgb(spec.mean)) throw new ArgumentError(`imagePreprocess: mean must be 3 finite numbers (R, G, B), got ${JSON.stringify(spec.mean)}`);
  if (!isRgb(spec.std) || spec.std.some((x) => x <= 0)) {
    throw new ArgumentError(`imagePreprocess: std must be 3 positive numbers (R, G, B), got ${JSON.stringify(spec.std)}`);
  }
  return spec;
}

// ---- decoding ---------------------------------------------------------------------------------

type SharpModule = typeof import('sharp');
let sharpModule: Promise<SharpModule['default']> | undefined;

async function loadSharp(): Promise<SharpModule['default']> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (e: unknown) => {
      sharpModule = undefined;
      throw new DataError(`Decoding image files needs the npm package "sharp", which could not be loaded (${String(e)}). Install it with \`npm install sharp\`.`);
    },
  );
  return sharpModule;
}

/**
 * Decodes a PNG or JPEG file to an ImageRecord at its own size. Grey files (with or without
 * alpha) give 1 channel, everything else 3 sRGB channels; alpha is dropped, not composited, as
 * PIL's convert('RGB') does. EXIF orientation is not applied (torchvision's loader does not either).
 */
export async function decodeImageFile(file: string, id: string = file, label = 0): Promise<ImageRecord> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new DataError(`Cannot read image file ${file}: ${(e as Error).message}. Check that the file exists and is readable.`);
  }
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes).metadata();
    const colourChannels = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
    const pipeline = sharp(bytes).removeAlpha().toColourspace(colourChannels === 1 ? 'b-w' : 'srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { id, label, height: info.height, width: info.width, channels: info.channels, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new DataError(`Cannot decode image file ${file}: ${oneLine((e as Error).message)}. Expected a readable PNG or JPEG; replace or remove the file.`);
  }
}

/** libvips repeats its warnings over several lines: keep each distinct line once, on one line. */
function oneLine(message: string): string {
  return [...new Set(message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0))].join('; ');
}

// ---- torchvision's Resize(S) + CenterCrop(S) geometry -------------------------------------------

/** Size after torchvision's Resize(S): shorter side S, longer side int(S * long / short). */
export function resizedSize(height: number, width: number, size: number): { height: number; width: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { height: size, width: Math.trunc((size * width) / height) };
}

/** Python's round(): halves go to the even neighbour (CenterCrop uses it for the offsets). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Top-left corner of torchvision's CenterCrop(S) in an image of the given size. */
export function centerCropOffset(height: number, width: number, size: number): { top: number; left: number } {
  return { top: roundHalfEven((height - size) / 2), left: roundHalfEven((width - size) / 2) };
}

// ---- PIL-style bilinear resampling ------------------------------------------------------------

interface AxisWeights {
  /** First input index each output index reads. */
  first: Int32Array;
  /** How many input indices each output index reads (at most `taps`). */
  count: Int32Array;
  /** Fixed-point weights (PIL's 22 fractional bits), `taps` per output index, zero-padded. */
  weights: Float64Array;
  taps: number;
}

// PIL resamples 8-bit images with integer weights of 22 fractional bits (32 - 8 - 2) and rounds
// half up by adding 2^21 before the shift. Doing the same (the sums stay exact in doubles) makes
// the output match Pillow's pixel for pixel instead of differing by one level on near-ties.
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

const axisCache = new Map<string, AxisWeights>();

/** Triangle-filter weights for resampling an axis of inSize pixels to outSize (PIL's bilinear, same float steps). */
function axisWeights(inSize: number, outSize: number): AxisWeights {
  const key = `${inSize}>${outSize}`;
  const cached = axisCache.get(key);
  if (cached) return cached;
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1); // widen the filter when shrinking: antialiasing
  const support = filterScale; // the triangle's support is 1, scaled
  const invFilterScale = 1 / filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const real = new Float64Array(taps);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const x = Math.abs((i - centre + 0.5) * invFilterScale);
      real[i - lo] = x < 1 ? 1 - x : 0;
      sum += real[i - lo];
    }
    for (let k = 0; k < hi - lo; k++) weights[o * taps + k] = Math.trunc(0.5 + (sum !== 0 ? real[k] / sum : real[k]) * ONE);
    first[o] = lo;
    count[o] = hi - lo;
  }
  const result = { first, count, weights, taps };
  if (axisCache.size > 64) axisCache.clear();
  axisCache.set(key, result);
  return result;
}

/** A fixed-point sum (started at HALF) back to a byte, clipped. */
const toByte = (acc: number): number => {
  const v = Math.floor(acc / ONE);
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
};

/**
 * Resize(size) then CenterCrop(size), as torchvision does to a PIL image, computed only for the
 * pixels the crop keeps. No resampling when the shorter side is already `size` (an N x N image
 * comes back as the same pixels). Channels are kept (grey stays grey).
 */
export function resizeAndCenterCrop(record: ImageRecord, size: number): ImageRecord {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`resizeAndCenterCrop: size must be a positive integer, got ${size}`);
  checkRecord(record);
  const { height: h, width: w, channels: c } = record;
  if (h === size && w === size) return record;
  const target = resizedSize(h, w, size);
  const { top, left } = centerCropOffset(target.height, target.width, size);
  let src = record.pixels;
  let srcW = w;
  if (target.width !== w) {
    // horizontal pass over all input rows, cropped columns only; rounded to bytes like PIL
    const { first, count, weights, taps } = axisWeights(w, target.width);
    const out = new Uint8Array(h * size * c);
    for (let y = 0; y < h; y++) {
      for (let ox = 0; ox < size; ox++) {
        const o = ox + left;
        const n = count[o];
        const from = (y * w + first[o]) * c;
        for (let ch = 0; ch < c; ch++) {
          let acc = HALF;
          for (let k = 0; k < n; k++) acc += weights[o * taps + k] * src[from + k * c + ch];
          out[(y * size + ox) * c + ch] = toByte(acc);
        }
      }
    }
    src = out;
    srcW = size;
  } else if (left !== 0 || w !== size) {
    src = cropColumns(src, h, w, c, left, size);
    srcW = size;
  }
  let dst: Uint8Array;
  if (target.height !== h) {
    const { first, count, weights, taps } = axisWeights(h, target.height);
    const rowLength = srcW * c;
    dst = new Uint8Array(size * rowLength);
    const acc = new Float64Array(rowLength);
    for (let oy = 0; oy < size; oy++) {
      // accumulate whole input rows: sequential memory access
      const o = oy + top;
      acc.fill(HALF);
      for (let k = 0; k < count[o]; k++) {
        const weight = weights[o * taps + k];
        const row = (first[o] + k) * rowLength;
        for (let x = 0; x < rowLength; x++) acc[x] += weight * src[row + x];
      }
      for (let x = 0; x < rowLength; x++) dst[oy * rowLength + x] = toByte(acc[x]);
    }
  } else {
    dst = src.slice(top * srcW * c, (top + size) * srcW * c);
  }
  return { id: record.id, label: record.label, height: size, width: size, channels: c, pixels: dst };
}

function cropColumns(src: Uint8Array, h: number, w: number, c: number, left: number, size: number): Uint8Array {
  const out = new Uint8Array(h * size * c);
  for (let y = 0; y < h; y++) out.set(src.subarray((y * w + left) * c, (y * w + left + size) * c), y * size * c);
  return out;
}

/** Throws a DataError naming the record when its label or pixels do not match its stated shape. */
export function checkRecord(record: ImageRecord): void {
  const { height, width, channels, pixels } = record;
  if (!Number.isInteger(record.label) || record.label < 0) {
    throw new DataError(`Image ${record.id}: expected a non-negative integer label, found ${record.label}.`);
  }
  if (!(channels === 1 || channels === 3) || !Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new DataError(`Image ${record.id}: expected a positive height and width and 1 or 3 channels, found ${height}x${width}x${channels}.`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== height * width * channels) {
    throw new DataError(
      `Image ${record.id}: expected ${height * width * channels} pixel bytes (${height}x${width}x${channels}, row-major HWC), found ${pixels?.length ?? 'none'}. Rebuild the record from its source.`,
    );
  }
}

/** Decodes a file and applies Resize(size) + CenterCrop(size) when a size is given. */
export async function loadImageFile(file: string, options: { id?: string; label?: number; imageSize?: number } = {}): Promise<ImageRecord> {
  const record = await decodeImageFile(file, options.id ?? file, options.label ?? 0);
  return options.imageSize === undefined ? record : resizeAndCenterCrop(record, options.imageSize);
}
