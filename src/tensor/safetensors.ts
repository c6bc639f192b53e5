// Reading and writing the safetensors format: weights as raw little-endian bytes behind a JSON
// header, so loading never executes code (there is no pickle loader in adaptlab, ever).
//
//   [8 bytes]  N = header length, unsigned 64-bit little-endian
//   [N bytes]  UTF-8 JSON {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//              "__metadata__": {string: string}} (optional), padded with spaces
//   [rest]     the data buffer; offsets are relative to its first byte
//
// Validation is as strict as the reference implementation: besides types and bounds, the
// tensors must tile the data buffer exactly. Overlaps are rejected (two names would alias the
// same bytes), and so are holes and trailing bytes: the reference rejects them too, so a file we
// accept is a file every other reader accepts, and a gap usually means corruption or hand editing.
//
// Hostile headers are refused before JSON.parse sees them: one linear scan bounds the nesting
// depth and the number of JSON values, and refuses duplicated keys at every level (JSON.parse
// would silently keep the last one, so a second "w" could change a tensor's dtype or drop it).
// Floating-point tensors must hold finite numbers: a NaN or an infinity in the weights is refused
// at read time, naming the tensor, unless the caller asks for { allowNonFinite: true }.
//
// Byte order: tensor bytes are copied verbatim, which is correct on little-endian hosts (every
// platform libtorch ships for).
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ArgumentError, SafetensorsError } from '../errors.js';
import { DTYPES, type DType } from './dtype.js';
import { fromBytes } from './creation.js';
import { Tensor } from './tensor.js';

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export interface SafetensorsHeaderEntry {
  dtype: DType;
  shape: number[];
  byteLength: number;
}

export interface SafetensorsHeader {
  entries: Map<string, SafetensorsHeaderEntry>;
  metadata: Record<string, string>;
}

export type TensorDict = ReadonlyMap<string, Tensor> | Record<string, Tensor>;

/** The reference implementation's cap; a bigger "header" means a wrong or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * How deep the header JSON may nest. A valid header nests 3 levels ({} > {} > []); the slack
 * leaves room for unknown extensions, and the bound keeps recursive code (JSON.stringify in
 * messages, and JSON.parse on other engines) far from the stack limit.
 */
export const MAX_HEADER_DEPTH = 64;

/**
 * How many JSON values (object members plus array elements) a header may hold: about ten per
 * tensor, so a million tensors. Bounds the work and memory a header can demand before parsing.
 */
export const MAX_HEADER_VALUES = 10_000_000;

export interface ReadSafetensorsOptions {
  /**
   * Accept NaN and infinities in floating-point tensors (default false: refused with a
   * SafetensorsError naming the tensor). For inspecting a diverged or corrupted checkpoint.
   */
  allowNonFinite?: boolean;
}

const METADATA_KEY = '__metadata__';

const FROM_FORMAT: Record<string, DType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const TO_FORMAT = Object.fromEntries(Object.entries(FROM_FORMAT).map(([k, v]) => [v, k])) as Record<DType, string>;

/** A validated header entry with its position in the data buffer. */
interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

interface ParsedHeader {
  /** In data-buffer order. */
  entries: Entry[];
  metadata: Record<string, string>;
  /** Where the data buffer starts in the file (8 + N). */
  dataStart: number;
}

// ---- header validation --------------------------------------------------------------------------

/** Recognises common not-safetensors files, to turn "bad header length" into advice. */
function formatHint(prefix: Uint8Array): string {
  if (prefix[0] === 0x50 && prefix[1] === 0x4b) {
    return ' The file starts with "PK": it looks like a zip-based PyTorch checkpoint (torch.save). adaptlab never loads pickles; convert it to safetensors in Python first (safetensors.torch.save_file).';
  }
  if (prefix[0] === 0x80 && prefix[1] !== undefined && prefix[1] <= 5) {
    return ' It looks like a raw pickle. adaptlab never loads pickles; convert it to safetensors in Python first (safetensors.torch.save_file).';
  }
  return ' Check that the file is a complete .safetensors file (re-download or re-export it).';
}

/** Validates the 8-byte prefix against the file size; returns N, the header length. */
function headerLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) {
    throw new SafetensorsError(
      source,
      `expected at least 8 bytes (the little-endian u64 header length), found a file of ${fileSize} bytes. The file is empty or truncated; re-download or re-export it.`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      source,
      `expected a header of at most ${MAX_HEADER_BYTES} bytes (the reference implementation's limit), found a declared header length of ${n} bytes.` +
        formatHint(prefix),
    );
  }
  if (n > BigInt(fileSize - 8)) {
    throw new SafetensorsError(
      source,
      `expected the header (declared ${n} bytes) to fit in the file, found only ${fileSize - 8} bytes after the 8-byte length prefix.` + formatHint(prefix),
    );
  }
  return Number(n);
}

function describe(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where a duplicated key sits, for messages: the top level is tensor names. */
function keyContext(depth: number, topKey: string | undefined): string {
  if (depth === 1) return 'the header';
  const owner = topKey === METADATA_KEY ? `"${METADATA_KEY}"` : `tensor ${describe(topKey)}`;
  return depth === 2 ? owner : `the value of ${owner}`;
}

/**
 * One pass over the header text, before JSON.parse: bounds nesting depth and the number of values,
 * and finds a key that appears twice in one object (JSON.parse would keep the last silently),
 * returned to be thrown once the text is known to be JSON (a parse error explains garbage better).
 * It tracks only strings and brackets; on text that is not JSON it stops and leaves the
 * diagnosis to JSON.parse, which fails no later than the point where the scan stopped, so the
 * depth it reaches is bounded too.
 */
function scanHeader(text: string, source: string): SafetensorsError | undefined {
  let duplicate: SafetensorsError | undefined;
  const stack: (Set<string> | null)[] = []; // the keys seen, per open object; null for an array
  let expectKey = false;
  let values = 0;
  let topKey: string | undefined;
  const tooMany = (): SafetensorsError =>
    new SafetensorsError(
      source,
      `expected a header of at most ${MAX_HEADER_VALUES} JSON values (about ten per tensor), found more in its ${text.length} characters. The file is corrupted or hostile; re-export it from a trusted source.`,
    );
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x22) break;
        j += d === 0x5c ? 2 : 1;
      }
      if (j >= text.length) return duplicate;
      if (expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return duplicate;
        }
        const keys = stack[stack.length - 1]!;
        if (keys.has(key) && duplicate === undefined) {
          const what = stack.length === 1 ? (key === METADATA_KEY ? `"${METADATA_KEY}"` : `tensor name ${describe(key)}`) : `key ${describe(key)}`;
          duplicate = new SafetensorsError(
            source,
            `expected each key once in ${keyContext(stack.length, topKey)}, found ${what} twice (at character ${i}). A JSON reader keeps only the last one, silently dropping or changing a tensor; the file is corrupted or hand-edited, re-export it.`,
          );
        }
        keys.add(key);
        if (stack.length === 1) topKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (stack.length >= MAX_HEADER_DEPTH) {
        throw new SafetensorsError(
          source,
          `expected the header JSON to nest at most ${MAX_HEADER_DEPTH} levels deep (a valid header nests 3), found a level ${stack.length + 1} bracket at character ${i}${topKey === undefined ? '' : ` inside ${describe(topKey)}`}. The file is corrupted or hostile; re-export it from a trusted source.`,
        );
      }
      if (++values > MAX_HEADER_VALUES) throw tooMany();
      stack.push(c === 0x7b ? new Set<string>() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      const open = stack.pop();
      if (open === undefined || (open === null) !== (c === 0x5d)) return duplicate;
      expectKey = false;
    } else if (c === 0x2c) {
      if (stack.length === 0) return duplicate;
      expectKey = stack[stack.length - 1] !== null;
      if (++values > MAX_HEADER_VALUES) throw tooMany();
    }
  }
  return duplicate;
}

function parseJson(headerBytes: Uint8Array, source: string): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, `expected the ${headerBytes.length}-byte header to be UTF-8 JSON, found invalid UTF-8. The file is corrupted or not a safetensors file.`);
  }
  const duplicate = scanHeader(text, source);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(
      source,
      `expected the header to be JSON, found text that does not parse (${(e as Error).message}; it starts ${describe(text.slice(0, 40))}). The file is corrupted or not a safetensors file.`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(source, `expected the header to be a JSON object of tensor entries, found ${describe(json)}. The file is corrupted or not a safetensors file.`);
  }
  if (duplicate !== undefined) throw duplicate;
  return json as Record<string, unknown>;
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  // The reference reads __metadata__ as an optional map, so null means "none".
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(source, `expected "${METADATA_KEY}" to be an object of string values, found ${describe(value)}. Re-export the file with string metadata.`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(source, `expected "${METADATA_KEY}" values to be strings, found ${describe(v)} for key "${k}". Re-export the file with string metadata (e.g. JSON-encode the value).`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function parseEntry(name: string, value: unknown, dataLength: number, source: string): Entry {
  const where = `tensor "${name}"`;
  const fix = 'Re-export the file with a safetensors writer.';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(source, `expected ${where} to be an object {dtype, shape, data_offsets}, found ${describe(value)}. ${fix}`);
  }
  const { dtype: fmt, shape, data_offsets: offsets } = value as Record<string, unknown>;
  const dtype = typeof fmt === 'string' && Object.hasOwn(FROM_FORMAT, fmt) ? FROM_FORMAT[fmt] : undefined;
  if (dtype === undefined) {
    throw new SafetensorsError(
      source,
      `expected ${where} to have a dtype among ${Object.keys(FROM_FORMAT).join(', ')}, found ${describe(fmt)}. Convert the tensor to a supported dtype before saving.`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(source, `expected ${where} to have a shape that is an array of non-negative integers, found ${describe(shape)}. ${fix}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(source, `expected ${where} to have data_offsets [begin, end] of non-negative integers with begin <= end, found ${describe(offsets)}. ${fix}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw new SafetensorsError(
      source,
      `expected ${where} (data_offsets [${begin}, ${end}]) to lie inside the ${dataLength}-byte data buffer, found it ends ${end - dataLength} bytes past it. The file is truncated; re-download or re-export it.`,
    );
  }
  // BigInt: a hostile shape could overflow 2^53 and compare equal by accident.
  const needed = (shape as number[]).reduce((acc, d) => acc * BigInt(d), 1n) * BigInt(DTYPES[dtype].bytes);
  if (needed !== BigInt(end - begin)) {
    throw new SafetensorsError(
      source,
      `expected ${where} (${fmt} [${(shape as number[]).join(', ')}]) to span ${needed} bytes, found data_offsets [${begin}, ${end}] spanning ${end - begin}. ${fix}`,
    );
  }
  return { name, dtype, shape: (shape as number[]).slice(), begin, end };
}

/** Requires the entries to tile [0, dataLength) exactly, as the reference does (see top of file). */
function checkLayout(entries: Entry[], dataLength: number, source: string): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new SafetensorsError(
        source,
        `expected tensors to occupy disjoint bytes, found "${e.name}" [${e.begin}, ${e.end}] overlapping "${previous!.name}" [${previous!.begin}, ${previous!.end}]. The file is corrupted; re-export it.`,
      );
    }
    if (e.begin > cursor) {
      throw new SafetensorsError(
        source,
        `expected "${e.name}" to start at byte ${cursor} of the data buffer (${previous ? `where "${previous.name}" ends` : 'its start'}), found it starts at ${e.begin}: bytes ${cursor}..${e.begin} belong to no tensor. Files with gaps are rejected (as by the reference implementation); re-export the file.`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      source,
      `expected the tensors to cover the whole ${dataLength}-byte data buffer, found ${dataLength - cursor} trailing bytes after the last tensor. The file is corrupted or was appended to; re-export it.`,
    );
  }
}

/** Validates everything about a header; `headerBytes` excludes the 8-byte prefix. */
function parseHeader(headerBytes: Uint8Array, dataLength: number, source: string): ParsedHeader {
  const json = parseJson(headerBytes, source);
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name !== METADATA_KEY) entries.push(parseEntry(name, value, dataLength, source));
  }
  checkLayout(entries, dataLength, source);
  return { entries, metadata: parseMetadata(json[METADATA_KEY], source), dataStart: 8 + headerBytes.length };
}

// ---- reading -------------------------------------------------------------------------------------

/** Booleans must be 0 or 1: libtorch's behaviour on other bytes is undefined. */
function checkBool(e: Entry, bytes: Uint8Array, source: string): void {
  const bad = bytes.findIndex((b) => b > 1);
  if (bad >= 0) {
    throw new SafetensorsError(source, `expected tensor "${e.name}" (BOOL) to hold bytes 0 or 1, found ${bytes[bad]} at element ${bad}. The file is corrupted; re-export it.`);
  }
}

/** Floating-point layouts: element width, and the exponent and mantissa masks of its top 16 or 32 bits. */
const FLOAT_BITS: Partial<Record<DType, { width: 2 | 4 | 8; exponent: number; mantissa: number }>> = {
  float16: { width: 2, exponent: 0x7c00, mantissa: 0x03ff },
  bfloat16: { width: 2, exponent: 0x7f80, mantissa: 0x007f },
  float32: { width: 4, exponent: 0x7f800000, mantissa: 0x007fffff },
  float64: { width: 8, exponent: 0x7ff00000, mantissa: 0x000fffff }, // of the high word
};

/** NaN and infinities are refused: one in the weights makes every output NaN (see ReadSafetensorsOptions). */
function checkFinite(e: Entry, bytes: Uint8Array, source: string): void {
  const layout = FLOAT_BITS[e.dtype];
  if (layout === undefined || bytes.length === 0) return;
  // Typed views need aligned offsets; a file's data may sit at any offset.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const { width, exponent, mantissa } = layout;
  const words = width === 2 ? new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2) : new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
  const step = width === 8 ? 2 : 1;
  const hi = width === 8 ? 1 : 0; // little-endian: a float64's sign and exponent are in its second word
  let first = -1;
  let firstValue = '';
  let nan = 0;
  let inf = 0;
  for (let w = hi; w < words.length; w += step) {
    const bits = words[w];
    if ((bits & exponent) !== exponent) continue;
    const isNan = (bits & mantissa) !== 0 || (width === 8 && words[w - 1] !== 0);
    if (isNan) nan++;
    else inf++;
    if (first < 0) {
      first = (w - hi) / step;
      const negative = width === 2 ? bits & 0x8000 : bits & 0x80000000;
      firstValue = isNan ? 'NaN' : negative ? '-Infinity' : 'Infinity';
    }
  }
  if (first < 0) return;
  const total = words.length / step;
  throw new SafetensorsError(
    source,
    `expected tensor "${e.name}" (${TO_FORMAT[e.dtype]} [${e.shape.join(', ')}]) to hold finite numbers, found ${firstValue} at element ${first} ` +
      `(${nan} NaN and ${inf} infinite of ${total} elements). Such weights come from a diverged training run or a corrupted file and would make every output NaN; ` +
      `use an earlier checkpoint or re-train (readSafetensors(path, { allowNonFinite: true }) reads it anyway, for inspection).`,
  );
}

/** Makes the tensors; on any failure disposes the ones already made, so nothing leaks. */
function buildTensors(entries: Entry[], bytesOf: (e: Entry) => Uint8Array, source: string, options: ReadSafetensorsOptions): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      const bytes = bytesOf(e);
      if (e.dtype === 'bool') checkBool(e, bytes, source);
      if (options.allowNonFinite !== true) checkFinite(e, bytes, source);
      tensors.set(e.name, fromBytes(bytes, e.shape, e.dtype));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return tensors;
}

/** Parses a whole safetensors file held in memory. `source` names it in error messages. */
export function parseSafetensors(bytes: Uint8Array, source = '<safetensors bytes>', options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const n = headerLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, source);
  const data = bytes.subarray(header.dataStart);
  const tensors = buildTensors(header.entries, (e) => data.subarray(e.begin, e.end), source, options);
  return { tensors, metadata: header.metadata };
}

/** Reads exactly `into.length` bytes at `position`, or explains that the file shrank. */
function readExactly(fd: number, into: Uint8Array, position: number, source: string): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) {
      throw new SafetensorsError(source, `expected ${into.length} bytes at offset ${position}, found the file ends after ${done}. It was truncated while being read; retry once it is complete.`);
    }
    done += got;
  }
}

function readHeaderFrom(fd: number, path: string): ParsedHeader {
  const size = fstatSync(fd).size;
  const prefix = new Uint8Array(8);
  readExactly(fd, prefix.subarray(0, Math.min(8, size)), 0, path);
  const n = headerLength(prefix, size, path);
  const headerBytes = new Uint8Array(n);
  readExactly(fd, headerBytes, 8, path);
  return parseHeader(headerBytes, size - 8 - n, path);
}

/**
 * Reads a safetensors file. Tensors are read one at a time (never the whole file at once), and
 * the Map is in data-buffer order. The caller owns the tensors and must dispose them. NaN or an
 * infinity in a floating-point tensor is a SafetensorsError unless `options.allowNonFinite`.
 */
export function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const fd = openSync(path, 'r');
  try {
    const header = readHeaderFrom(fd, path);
    const tensors = buildTensors(
      header.entries,
      (e) => {
        const bytes = new Uint8Array(e.end - e.begin);
        readExactly(fd, bytes, header.dataStart + e.begin, path);
        return bytes;
      },
      path,
      options,
    );
    return { tensors, metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates only the header: names, dtypes, shapes and sizes, without tensor data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openSync(path, 'r');
  try {
    const header = readHeaderFrom(fd, path);
    const entries = new Map<string, SafetensorsHeaderEntry>();
    for (const e of header.entries) entries.set(e.name, { dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin });
    return { entries, metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

// ---- writing -------------------------------------------------------------------------------------

interface WritePlan {
  /** The 8-byte prefix and the padded header. */
  head: Uint8Array;
  /** In data-buffer order, which is name order. */
  items: { name: string; tensor: Tensor; byteLength: number }[];
  dataLength: number;
}

/** Validates the inputs and lays the file out; reads no tensor data yet. */
function plan(tensors: TensorDict, metadata: Record<string, string> | undefined): WritePlan {
  const pairs: [string, unknown][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  // UTF-8 byte order (= code point order), as Python and Rust sort strings; JS's default sort
  // compares UTF-16 units, which differs for characters beyond U+FFFF.
  pairs.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const items: WritePlan['items'] = [];
  // Built as text, not via JSON.stringify(object): objects put integer-like keys ("0", "1")
  // first, which would break the name order.
  const parts: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`writeSafetensors: metadata values must be strings, got ${describe(v)} for "${k}" (JSON-encode it first)`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, tensor] of pairs) {
    if (name === METADATA_KEY) throw new ArgumentError(`writeSafetensors: "${METADATA_KEY}" is reserved for metadata and cannot name a tensor`);
    if (!(tensor instanceof Tensor)) throw new ArgumentError(`writeSafetensors: "${name}" is not a Tensor (got ${describe(tensor)})`);
    if (tensor.isDisposed) throw new ArgumentError(`writeSafetensors: tensor "${name}" was already disposed; save it before disposing it`);
    const shape = tensor.shape;
    const byteLength = tensor.numel * DTYPES[tensor.dtype].bytes;
    const info = { dtype: TO_FORMAT[tensor.dtype], shape, data_offsets: [offset, offset + byteLength] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    items.push({ name, tensor, byteLength });
    offset += byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces to a multiple of 8 so the data buffer starts 8-byte aligned (as the
  // reference writer does), which lets readers map it in place.
  const n = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  return { head, items, dataLength: offset };
}

/** The tensor's contiguous bytes (bytes() copies non-contiguous tensors into row-major order). */
function tensorBytes(item: WritePlan['items'][number]): Uint8Array {
  const bytes = item.tensor.bytes();
  if (bytes.length !== item.byteLength) {
    throw new ArgumentError(`writeSafetensors: tensor "${item.name}" produced ${bytes.length} bytes, expected ${item.byteLength}; was it modified while saving?`);
  }
  return bytes;
}

/**
 * The safetensors encoding of `tensors` (laid out in name order) and string `metadata`.
 * Deterministic: the same inputs give the same bytes.
 */
export function serializeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const p = plan(tensors, metadata);
  const out = new Uint8Array(p.head.length + p.dataLength);
  out.set(p.head, 0);
  let at = p.head.length;
  for (const item of p.items) {
    out.set(tensorBytes(item), at);
    at += item.byteLength;
  }
  return out;
}

/** The exact size in bytes that serializeSafetensors and writeSafetensors produce, without copying any data. */
export function safetensorsSize(tensors: TensorDict, metadata?: Record<string, string>): number {
  const p = plan(tensors, metadata);
  return p.head.length + p.dataLength;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes `tensors` to `path` atomically: the file is written under a temporary name in the same
 * directory, fsynced, then renamed over `path`. A crash or error leaves either the old file or
 * the new one, never a partial file, and the temporary file is removed on error. Tensors are
 * written one at a time, so memory stays at one tensor's bytes beyond the tensors themselves.
 */
export function writeSafetensors(path: string, tensors: TensorDict, metadata?: Record<string, string>): void {
  const p = plan(tensors, metadata);
  const target = resolve(path);
  // Same directory: rename is only atomic within one filesystem. Dot-prefixed and random, so it
  // neither shows up in globs for *.safetensors nor collides with a concurrent writer.
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  try {
    try {
      writeAll(fd, p.head);
      for (const item of p.items) writeAll(fd, tensorBytes(item));
      fsyncSync(fd); // the data must be on disk before the rename makes it visible
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone; the original error is the one to report
    }
    throw err;
  }
  // Persist the rename itself. Best effort: some platforms cannot open a directory for fsync.
  try {
    const dirFd = openSync(dirname(target), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // the file is complete either way; only durability across power loss is weaker
  }
}
