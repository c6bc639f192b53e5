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
// decodes files (and shrinks very large images while decoding, see readImageFile), and is
// imported lazily so in-memory datasets never load libvips.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
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

// Pixel budgets and shrink-on-load. A PNG of 16000 x 16000 pixels can be a 750 kB file; decoded
// whole it is 768 MB. So the declared size (read from the file's header, before any decoding) is
// checked against a budget, and an image much larger than the size it will be used at is shrunk
// by libvips while it is decoded (streamed a few rows at a time), so memory follows the target
// size, not the file. Images up to EXACT_RESIZE_RATIO times the target keep the PIL-exact path
// below (decoded whole, then resized in JS), so normal images give torchvision's pixels exactly.

/** Default budget for images kept (or resized in JS) at full size: 100 megapixels, 300 MB as RGB bytes. */
export const MAX_FULL_DECODE_PIXELS = 100_000_000;
/** Default budget for images shrunk while decoding: libvips' own default limit, 16383 x 16383 pixels. */
export const MAX_SHRINK_DECODE_PIXELS = 0x3fff * 0x3fff;
/**
 * An image keeps the PIL-exact path when its shorter side is at most this many times the target
 * size and it has at most (2 * ratio * size)^2 pixels; larger ones are shrunk while decoding.
 */
export const EXACT_RESIZE_RATIO = 4;

/** An image file whose declared size is over the pixel budget; nothing of it was decoded. */
export class ImageTooLargeError extends DataError {
  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageFileOptions {
  /** Record id (default: the file path). */
  id?: string;
  label?: number;
  /** Resize(imageSize) + CenterCrop(imageSize); large images are shrunk while decoding. Default: keep the original size. */
  imageSize?: number;
  /**
   * Largest declared width x height accepted; larger files are refused with an ImageTooLargeError
   * before decoding. Default MAX_SHRINK_DECODE_PIXELS with imageSize, MAX_FULL_DECODE_PIXELS without.
   */
  maxPixels?: number;
}

/** A decoded image with its size as declared in the file and how it was resized. */
export interface DecodedImageFile {
  record: ImageRecord;
  /** Width and height declared by the file. */
  width: number;
  height: number;
  /** True when libvips shrank the image while decoding (then the pixels are close to, not exactly, torchvision's). */
  shrunkOnLoad: boolean;
  /** sha256 (hex) of the file's bytes, to find byte-identical copies. */
  sha256: string;
}

/** Whether an image of this size at this target size keeps the PIL-exact path (decoded whole, resized in JS). */
export function keepsExactResize(height: number, width: number, imageSize: number): boolean {
  const limit = EXACT_RESIZE_RATIO * imageSize;
  return Math.min(height, width) <= limit && height * width <= 4 * limit * limit;
}

const megapixels = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} megapixels`;

function checkPositiveInt(what: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ArgumentError(`${what} must be a positive integer, got ${value}`);
}

/**
 * Decodes a PNG or JPEG file, refusing it when its declared size is over the pixel budget, and
 * with an imageSize applies torchvision's Resize + CenterCrop: exactly (PIL's bilinear, in JS) for
 * images up to EXACT_RESIZE_RATIO times the size (see keepsExactResize), and for larger ones
 * after libvips has shrunk them while decoding to that many times the size (torchvision's crop
 * window only), so the whole image is never in memory; those pixels are then within a few levels
 * of torchvision's, not equal. Grey files (with or without alpha) give 1 channel, everything else 3 sRGB channels;
 * alpha is dropped, not composited, as PIL's convert('RGB') does. EXIF orientation is not
 * applied (torchvision's loader does not either).
 */
export async function readImageFile(file: string, options: ImageFileOptions = {}): Promise<DecodedImageFile> {
  const { imageSize, id = file, label = 0 } = options;
  checkPositiveInt('imageSize', imageSize);
  checkPositiveInt('maxPixels', options.maxPixels);
  const maxPixels = options.maxPixels ?? (imageSize === undefined ? MAX_FULL_DECODE_PIXELS : MAX_SHRINK_DECODE_PIXELS);
  let bytes: Buffer;
  try {
    // a FIFO or device named x.png would block or never end: only regular files are read
    if (!(await stat(file)).isFile()) throw new Error('not a regular file');
    // Read whole (memory follows the file's size, not its pixels), not by path: libvips caches
    // loads by file name and could hand back an old image after the file is rewritten.
    bytes = await readFile(file);
  } catch (e) {
    throw new DataError(`Cannot read image file ${file}: ${(e as Error).message}. Check that the file exists and is readable.`);
  }
  const sharp = await loadSharp();
  let width = 0;
  let height = 0;
  let grey = false;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    if (width < 1 || height < 1) throw new Error('no image size in its header');
    grey = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) === 1;
  } catch (e) {
    throw new DataError(`Cannot decode image file ${file}: ${oneLine((e as Error).message)}. Expected a readable PNG or JPEG; replace or remove the file.`);
  }
  if (width * height > maxPixels) {
    const fix =
      imageSize === undefined
        ? 'give a target image size (imageSize) so large images are shrunk while decoding, '
        : '';
    throw new ImageTooLargeError(
      file,
      width,
      height,
      maxPixels,
      `Image file ${file} is ${width} x ${height} pixels (${megapixels(width * height)}), over the budget of ${megapixels(maxPixels)} ` +
        `for images ${imageSize === undefined ? 'kept at full size' : 'shrunk while decoding'}. ` +
        `Shrink the file (e.g. to at most ${Math.floor(Math.sqrt(maxPixels))} x ${Math.floor(Math.sqrt(maxPixels))} pixels), remove it, ${fix}or raise maxPixels if the file is trusted.`,
    );
  }
  const shrink = imageSize !== undefined && !keepsExactResize(height, width, imageSize);
  let decoded: ImageRecord;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, sequentialRead: true });
    if (shrink) {
      // libvips resizes to `ratio` times torchvision's Resize(size) geometry and crops `ratio` times
      // its CenterCrop window, so the exact step below (ratio * size -> size, no crop) reads the
      // same part of the image at the same scale per axis as torchvision does.
      const r = EXACT_RESIZE_RATIO;
      const geometry = resizedSize(height, width, imageSize);
      const { top, left } = centerCropOffset(geometry.height, geometry.width, imageSize);
      pipeline = pipeline
        .resize({ width: r * geometry.width, height: r * geometry.height, fit: 'fill', kernel: 'linear' })
        .extract({ left: r * left, top: r * top, width: r * imageSize, height: r * imageSize });
    }
    const { data, info } = await pipeline.removeAlpha().toColourspace(grey ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    decoded = { id, label, height: info.height, width: info.width, channels: info.channels, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new DataError(`Cannot decode image file ${file}: ${oneLine((e as Error).message)}. Expected a readable PNG or JPEG; replace or remove the file.`);
  }
  const record = imageSize === undefined ? decoded : resizeAndCenterCrop(decoded, imageSize);
  return { record, width, height, shrunkOnLoad: shrink, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Decodes a PNG or JPEG file to an ImageRecord at its own size, refusing files over maxPixels
 * (default MAX_FULL_DECODE_PIXELS) with an ImageTooLargeError. See readImageFile.
 */
export async function decodeImageFile(file: string, id: string = file, label = 0, maxPixels?: number): Promise<ImageRecord> {
  return (await readImageFile(file, { id, label, maxPixels })).record;
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

/** Decodes a file and applies Resize(size) + CenterCrop(size) when a size is given (see readImageFile). */
export async function loadImageFile(file: string, options: ImageFileOptions = {}): Promise<ImageRecord> {
  return (await readImageFile(file, options)).record;
}
