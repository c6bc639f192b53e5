import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, SafetensorsError } from '../../src/errors.js';
import {
  fromTypedArray,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  tensor,
  writeSafetensors,
  Tensor,
  type DType,
} from '../../src/tensor/index.js';
import { fixturePath, readJsonFixture, snapshot } from '../helpers.js';

function disposeAll(tensors: Map<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-st-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `values` (exactly representable) converted from float32 to a half type. */
function half(values: number[], dtype: 'float16' | 'bfloat16'): Tensor {
  const f = fromTypedArray(Float32Array.from(values), [2, values.length / 2]);
  const h = f.to(dtype);
  f.dispose();
  return h;
}

/** Tensors of every dtype with values each dtype represents exactly, plus 0-d and empty ones. */
function everyDtype(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['f32', tensor([[1.5, -2.25, 1e-30]])],
    ['f64', fromTypedArray(new Float64Array([1e-300, -Math.PI]), [2])],
    ['f16', half([0.5, -1.25, 3, 65504], 'float16')],
    ['bf16', half([0.5, -1.25, 3, 2 ** 100], 'bfloat16')],
    ['i64', fromTypedArray(new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n, 7n]), [3])],
    ['i32', fromTypedArray(new Int32Array([-(2 ** 31), 2 ** 31 - 1]), [2, 1])],
    ['i16', fromTypedArray(new Int16Array([-32768, 32767]), [2])],
    ['i8', fromTypedArray(new Int8Array([-128, 127, 0]), [3])],
    ['u8', fromTypedArray(new Uint8Array([0, 255]), [2], 'uint8')],
    ['bool', fromTypedArray(new Uint8Array([1, 0, 1]), [3], 'bool')],
    ['scalar', fromTypedArray(new Float32Array([42]), [])],
    ['empty', fromTypedArray(new Float32Array(0), [0, 4])],
  ]);
}

/** The elements as float32 numbers (for half types, whose data() is raw 16-bit patterns). */
function asFloat32(t: Tensor): number[] {
  const f = t.to('float32');
  const out = f.toArray();
  f.dispose();
  return out;
}

function assertSameTensors(actual: Map<string, Tensor>, expected: Map<string, Tensor>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    assert.equal(a.dtype, e.dtype, `${name}: dtype`);
    assert.deepEqual(a.shape, e.shape, `${name}: shape`);
    assert.deepEqual(a.bytes(), e.bytes(), `${name}: bytes`);
  }
}

test('every dtype round-trips through bytes and through a file, bit for bit', () => {
  const base = snapshot();
  const original = everyDtype();
  const parsed = parseSafetensors(serializeSafetensors(original), 'memory');
  assertSameTensors(parsed.tensors, original);
  const dtypes = Object.fromEntries([...parsed.tensors].map(([k, t]) => [k, t.dtype]));
  assert.deepEqual(dtypes, {
    f32: 'float32', f64: 'float64', f16: 'float16', bf16: 'bfloat16', i64: 'int64', i32: 'int32',
    i16: 'int16', i8: 'int8', u8: 'uint8', bool: 'bool', scalar: 'float32', empty: 'float32',
  });
  // half types come back as the same numbers, not just the same bits
  assert.deepEqual(asFloat32(parsed.tensors.get('f16')!), [0.5, -1.25, 3, 65504]);
  assert.deepEqual(asFloat32(parsed.tensors.get('bf16')!), [0.5, -1.25, 3, 2 ** 100]);
  assert.deepEqual(Array.from(parsed.tensors.get('i64')!.data() as BigInt64Array), [-(2n ** 63n), 2n ** 53n + 1n, 7n]);
  assert.deepEqual(parsed.tensors.get('scalar')!.shape, []);
  withTempDir((dir) => {
    const file = join(dir, 'all.safetensors');
    writeSafetensors(file, original);
    const read = readSafetensors(file);
    assertSameTensors(read.tensors, original);
    assert.deepEqual(readFileSync(file), Buffer.from(serializeSafetensors(original)), 'the file holds exactly the serialized bytes');
    disposeAll(read.tensors);
  });
  disposeAll(parsed.tensors);
  disposeAll(original);
  assert.equal(snapshot().liveTensors, base.liveTensors);
});

test('metadata round-trips, including unicode; no metadata reads back as {}', () => {
  const t = tensor([1, 2]);
  const metadata = { format: 'pt', note: 'é中 "quoted" \n newline', __proto__key: 'x' };
  const withMeta = parseSafetensors(serializeSafetensors({ t }, metadata));
  assert.deepEqual(withMeta.metadata, metadata);
  const without = parseSafetensors(serializeSafetensors({ t }));
  assert.deepEqual(without.metadata, {});
  const emptyMeta = serializeSafetensors({ t }, {});
  assert.deepEqual(emptyMeta, serializeSafetensors({ t }), 'empty metadata is omitted, like the reference writer');
  disposeAll(withMeta.tensors);
  disposeAll(without.tensors);
  t.dispose();
});

test('the writer sorts names, lays data out in that order and pads the header to 8 bytes', () => {
  const tensors = { b: tensor([1]), '10': tensor([2, 3]), a: tensor([4]), '9': tensor([5]) };
  const bytes = serializeSafetensors(tensors, { m: 'v' });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text) as Record<string, { data_offsets: number[] }>;
  // Byte order, so "10" < "9" < "a" < "b"; integer-like names must not jump ahead in the JSON.
  assert.deepEqual(
    [...text.matchAll(/"([^"]+)":\{"dtype/g)].map((m) => m[1]),
    ['10', '9', 'a', 'b'],
  );
  assert.deepEqual(
    ['10', '9', 'a', 'b'].map((k) => header[k].data_offsets),
    [[0, 8], [8, 12], [12, 16], [16, 20]],
  );
  assert.equal(bytes.length, 8 + n + 20);
  assert.deepEqual(serializeSafetensors(tensors, { m: 'v' }), bytes, 'deterministic');
  for (const t of Object.values(tensors)) t.dispose();
});

test('names sort by code point (as in Python and Rust), not by UTF-16 unit', () => {
  // U+FF01 < U+1F600 by code point, but the emoji's first UTF-16 unit (0xD83D) is below 0xFF01.
  const wide = tensor([1]);
  const emoji = tensor([2]);
  const back = parseSafetensors(serializeSafetensors({ '\u{1F600}': emoji, '\uFF01': wide }));
  assert.deepEqual([...back.tensors.keys()], ['\uFF01', '\u{1F600}']);
  assert.deepEqual(back.tensors.get('\u{1F600}')!.toArray(), [2]);
  disposeAll(back.tensors);
  wide.dispose();
  emoji.dispose();
});

test('non-contiguous tensors are saved in row-major order', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const xt = x.transpose(0, 1);
  const back = parseSafetensors(serializeSafetensors({ xt }));
  assert.deepEqual(back.tensors.get('xt')!.shape, [3, 2]);
  assert.deepEqual(back.tensors.get('xt')!.toArray(), [1, 4, 2, 5, 3, 6]);
  disposeAll(back.tensors);
  xt.dispose();
  x.dispose();
});

interface Expected {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number]; values: (number | string)[] }>;
}

test('reads a file written by PyTorch (interop fixture) with every dtype', () => {
  const file = fixturePath('safetensors', 'tiny.safetensors');
  const expected = readJsonFixture<Expected>('safetensors', 'tiny.expected.json');
  const dtypeOf: Record<string, DType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool' };
  const { tensors, metadata } = readSafetensors(file);
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  for (const [name, e] of Object.entries(expected.tensors)) {
    const t = tensors.get(name)!;
    assert.equal(t.dtype, dtypeOf[e.dtype], `${name}: dtype`);
    assert.deepEqual(t.shape, e.shape, `${name}: shape`);
    if (t.dtype === 'int64') {
      assert.deepEqual(Array.from(t.data() as BigInt64Array, String), e.values, `${name}: values`);
    } else if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
      assert.deepEqual(asFloat32(t), e.values, `${name}: values`);
    } else {
      assert.deepEqual(t.toArray(), e.values, `${name}: values`);
    }
  }
  // The Map follows the file's data order, which the fixture deliberately made non-alphabetical.
  const byOffset = Object.entries(expected.tensors)
    .sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1])
    .map(([k]) => k);
  assert.deepEqual([...tensors.keys()], byOffset);

  const header = readSafetensorsHeader(file);
  assert.deepEqual(header.metadata, expected.metadata);
  for (const [name, e] of Object.entries(expected.tensors)) {
    assert.deepEqual(header.entries.get(name), { dtype: dtypeOf[e.dtype], shape: e.shape, byteLength: e.data_offsets[1] - e.data_offsets[0] });
  }
  // and what we read, we write back identically (modulo our name-order layout)
  const again = parseSafetensors(serializeSafetensors(tensors, metadata));
  assertSameTensors(again.tensors, tensors);
  disposeAll(again.tensors);
  disposeAll(tensors);
});

// ---- malformed files -------------------------------------------------------------------------

const VALID_HEADER = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';

/** A file: u64 header length (or `declared`), the header, then `data` (or that many zero bytes). */
function fileWith(header: string | Uint8Array, data: Uint8Array | number = 8, declared?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function entry(name: string, dtype: string, shape: unknown, offsets: unknown): string {
  return `${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: offsets })}`;
}

function assertRejects(bytes: Uint8Array, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseSafetensors(bytes, 'bad.safetensors'),
    (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
      assert.equal(e.code, 'SAFETENSORS_FORMAT');
      assert.equal(e.file, 'bad.safetensors');
      assert.match(e.message, /^bad\.safetensors: expected /);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

test('the valid baseline of the malformed cases parses', () => {
  const ok = parseSafetensors(fileWith(VALID_HEADER));
  assert.deepEqual(ok.tensors.get('a')!.toArray(), [0, 0]);
  disposeAll(ok.tensors);
});

test('malformed prefixes and headers give SafetensorsError naming expected, found and a fix', () => {
  assertRejects(new Uint8Array(5), /at least 8 bytes/, /found a file of 5 bytes/, /re-download/);
  assertRejects(fileWith(VALID_HEADER, 8, 1000n), /declared 1000 bytes/, /found only \d+ bytes/);
  assertRejects(fileWith(VALID_HEADER, 8, 100_000_001n), /at most 100000000 bytes/, /100000001/);
  // A PyTorch zip checkpoint: "PK\x03\x04..." read as a length is huge; the message says what it is.
  const zip = new Uint8Array(64);
  zip.set([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x08]);
  assertRejects(zip, /at most/, /zip-based PyTorch checkpoint/, /never loads pickles/);
  assertRejects(fileWith(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /UTF-8 JSON/, /invalid UTF-8/);
  assertRejects(fileWith('{"a": '), /to be JSON/, /does not parse/);
  assertRejects(fileWith('[1, 2]'), /JSON object/, /found \[1,2\]/);
  assertRejects(fileWith('null'), /JSON object/, /found null/);
  assertRejects(fileWith('{"a": 3}', 0), /tensor "a" to be an object/, /found 3/);
});

test('malformed tensor entries give SafetensorsError naming the tensor', () => {
  const one = (e: string, data: number = 8): Uint8Array => fileWith(`{${e}}`, data);
  assertRejects(one(entry('w', 'F8_E4M3', [2], [0, 2]), 2), /tensor "w"/, /F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL/, /found "F8_E4M3"/);
  assertRejects(one(entry('w', 'F32', 2, [0, 8])), /shape that is an array of non-negative integers/, /found 2/);
  assertRejects(one(entry('w', 'F32', [-2], [0, 8])), /non-negative integers/, /\[-2\]/);
  assertRejects(one(entry('w', 'F32', [1.5], [0, 8])), /non-negative integers/, /\[1\.5\]/);
  assertRejects(one(entry('w', 'F32', [2], [0, 4, 8])), /data_offsets \[begin, end\]/, /\[0,4,8\]/);
  assertRejects(one(entry('w', 'F32', [2], [8, 0])), /begin <= end/, /\[8,0\]/);
  assertRejects(one(entry('w', 'F32', [2], [0, '8'])), /data_offsets/, /\[0,"8"\]/);
  assertRejects(one(entry('w', 'F32', [2], [0, 8]), 6), /inside the 6-byte data buffer/, /2 bytes past it/, /truncated/);
  assertRejects(one(entry('w', 'F32', [3], [0, 8])), /F32 \[3\]\) to span 12 bytes/, /spanning 8/);
  // a byte count beyond 2^53 is computed and reported exactly
  assertRejects(one(entry('w', 'U8', [2 ** 26, 2 ** 27 + 1], [0, 8])), /to span 9007199321849856 bytes/);
  const bool = fileWith(`{${entry('m', 'BOOL', [3], [0, 3])}}`, new Uint8Array([1, 2, 0]));
  assertRejects(bool, /BOOL\) to hold bytes 0 or 1/, /found 2 at element 1/);
});

test('overlaps, holes and trailing bytes are rejected (the tensors must tile the data buffer)', () => {
  const two = (b: unknown, data: number): Uint8Array => fileWith(`{${entry('x', 'F32', [2], [0, 8])},${entry('y', 'F32', [1], b)}}`, data);
  assertRejects(two([4, 8], 8), /disjoint bytes/, /"y" \[4, 8\] overlapping "x" \[0, 8\]/);
  assertRejects(two([12, 16], 16), /"y" to start at byte 8/, /where "x" ends/, /bytes 8\.\.12 belong to no tensor/, /gaps are rejected/);
  assertRejects(fileWith(`{${entry('x', 'F32', [1], [4, 8])}}`), /"x" to start at byte 0/, /its start/);
  assertRejects(fileWith(VALID_HEADER, 12), /whole 12-byte data buffer/, /4 trailing bytes/);
  // Zero-size tensors may share an offset with their neighbour.
  const ok = parseSafetensors(fileWith(`{${entry('e', 'F32', [0], [8, 8])},${entry('x', 'F32', [2], [0, 8])}}`));
  assert.deepEqual(ok.tensors.get('e')!.shape, [0]);
  disposeAll(ok.tensors);
});

test('a duplicated key is refused at every level, before JSON.parse could keep only the last', () => {
  // Today's failure mode: the second "x" (F16) silently replaced the first (F32) and changed the dtype.
  assertRejects(
    fileWith(`{${entry('x', 'F32', [1], [0, 4])},${entry('x', 'F16', [2], [0, 4])}}`, 4),
    /expected each key once in the header, found tensor name "x" twice/,
    /keeps only the last one/,
    /re-export it/,
  );
  // also when the duplicates' bytes tile the buffer, which the layout check alone cannot catch
  assertRejects(fileWith(`{${entry('x', 'F32', [1], [0, 4])},${entry('x', 'F32', [1], [4, 8])}}`), /tensor name "x" twice/);
  // names that differ only in their JSON escapes are the same name
  assertRejects(fileWith(`{${entry('ab', 'F32', [1], [0, 4])},"a\\u0062":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`), /tensor name "ab" twice/);
  assertRejects(fileWith(`{"__metadata__":{"k":"v"},"__metadata__":{},${VALID_HEADER.slice(1)}`), /found "__metadata__" twice/);
  assertRejects(fileWith(`{"__metadata__":{"k":"v","k":"w"},${VALID_HEADER.slice(1)}`), /each key once in "__metadata__", found key "k" twice/);
  assertRejects(fileWith('{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}'), /each key once in tensor "a", found key "dtype" twice/);
  assertRejects(fileWith('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":{"y":{"z":1,"z":2}}}}'), /each key once in the value of tensor "a", found key "z" twice/);
  // the same key in different objects is fine, and so are keys that look alike inside strings
  const ok = parseSafetensors(fileWith(`{"__metadata__":{"dtype":"\\"a\\":","a":"{"},${VALID_HEADER.slice(1)}`));
  assert.deepEqual(ok.metadata, { dtype: '"a":', a: '{' });
  disposeAll(ok.tensors);
  // garbage is reported as garbage, even if it repeats a key
  assertRejects(fileWith('{"a":1,"a":'), /to be JSON/, /does not parse/);
});

test('the header nesting depth and value count are bounded before parsing (no RangeError)', () => {
  // ~20 kB deep: this used to escape as an untyped "RangeError: Maximum call stack size exceeded".
  const deep = (open: string, close: string, n: number): string => `{"a":${open.repeat(n)}${close.repeat(n)}}`;
  assertRejects(fileWith(deep('[', ']', 20_000), 0), /nest at most 64 levels deep/, /found a level 65 bracket/, /inside "a"/, /re-export it/);
  assertRejects(fileWith(`{"a":${'{"b":'.repeat(20_000)}1${'}'.repeat(20_000)}}`, 0), /nest at most 64 levels/);
  assertRejects(fileWith(`{"a":{"dtype":"F32","shape":${deep('[', ']', 5000).slice(5, -1)},"data_offsets":[0,0]}}`, 0), /nest at most 64 levels/);
  // in the metadata too, and in text that is not even JSON
  assertRejects(fileWith(`{"__metadata__":${'['.repeat(100_000)}`, 0), /nest at most 64 levels/);
  // 64 levels is still only a format question: it parses, then the entry is judged as usual
  assertRejects(fileWith(deep('[', ']', 63), 0), /tensor "a" to be an object/);
  // more than MAX_HEADER_VALUES values: refused by the scan, before JSON.parse builds them
  const many = `{"a":{"dtype":"U8","shape":[0${',1'.repeat(10_000_000)}],"data_offsets":[0,0]}}`;
  assertRejects(fileWith(many, 0), /at most 10000000 JSON values/);
});

/** A file holding one tensor of `dtype` whose raw little-endian element bytes are `bytes`. */
function rawTensorFile(dtype: string, shape: number[], bytes: number[], headerPad = 0): Uint8Array {
  return fileWith(`{${entry('layer.weight', dtype, shape, [0, bytes.length])}}${' '.repeat(headerPad)}`, new Uint8Array(bytes));
}

test('NaN and infinities in floating-point weights are refused, naming the tensor and the element', () => {
  const f32 = (xs: number[]): number[] => [...new Uint8Array(Float32Array.from(xs).buffer)];
  const f64 = (xs: number[]): number[] => [...new Uint8Array(Float64Array.from(xs).buffer)];
  const u16 = (xs: number[]): number[] => [...new Uint8Array(Uint16Array.from(xs).buffer)];
  assertRejects(
    rawTensorFile('F32', [2, 2], f32([1, NaN, 2, Infinity])),
    /tensor "layer\.weight" \(F32 \[2, 2\]\) to hold finite numbers, found NaN at element 1 \(1 NaN and 1 infinite of 4 elements\)/,
    /diverged/,
    /earlier checkpoint/,
    /allowNonFinite/,
  );
  assertRejects(rawTensorFile('F32', [3], f32([0, 0, -Infinity])), /found -Infinity at element 2 \(0 NaN and 1 infinite of 3/);
  assertRejects(rawTensorFile('F64', [2], f64([1, Infinity])), /F64 \[2\]\) to hold finite numbers, found Infinity at element 1/);
  // a float64 NaN whose payload is only in the low word
  assertRejects(rawTensorFile('F64', [1], [1, 0, 0, 0, 0, 0, 0xf0, 0x7f]), /found NaN at element 0/);
  assertRejects(rawTensorFile('F16', [3], u16([0x3c00, 0x7c00, 0xfe00])), /F16 \[3\]\) to hold finite numbers, found Infinity at element 1 \(1 NaN and 1 infinite/);
  assertRejects(rawTensorFile('BF16', [2], u16([0x3f80, 0x7fc0])), /BF16 \[2\]\) to hold finite numbers, found NaN at element 1/);
  // data at any alignment in memory (the header's length moves it) is checked too
  for (const pad of [0, 1, 2, 3]) assertRejects(rawTensorFile('F32', [1], f32([NaN]), pad), /found NaN at element 0/);
  for (const pad of [0, 1]) assertRejects(rawTensorFile('F16', [1], u16([0x7e00]), pad), /found NaN at element 0/);
  // the largest finite values, subnormals and -0 are fine; integers have no NaN to look for
  const edge = parseSafetensors(rawTensorFile('F32', [4], f32([3.4028234663852886e38, -3.4028234663852886e38, 2 ** -149, -0])));
  assert.deepEqual(edge.tensors.get('layer.weight')!.toArray(), [3.4028234663852886e38, -3.4028234663852886e38, 2 ** -149, -0]);
  disposeAll(edge.tensors);
  const ints = parseSafetensors(rawTensorFile('I32', [1], [0, 0, 0x80, 0x7f]));
  disposeAll(ints.tensors);
  const halves = parseSafetensors(rawTensorFile('F16', [2], u16([0x7bff, 0x0001])));
  disposeAll(halves.tensors);
});

test('allowNonFinite reads a diverged checkpoint for inspection; a refused read leaks nothing', () => {
  withTempDir((dir) => {
    const base = snapshot();
    const file = join(dir, 'diverged.safetensors');
    const good = tensor([1, 2]);
    const bad = fromTypedArray(Float32Array.from([0, NaN, Infinity]), [3]);
    writeSafetensors(file, { a_good: good, b_bad: bad });
    assert.throws(
      () => readSafetensors(file),
      (e: unknown) => e instanceof SafetensorsError && e.file === file && /tensor "b_bad" \(F32 \[3\]\) to hold finite numbers, found NaN at element 1/.test(e.message),
    );
    assert.throws(() => parseSafetensors(readFileSync(file), file), /tensor "b_bad"/);
    // the tensor made before the bad one was disposed
    assert.equal(snapshot().liveTensors, base.liveTensors + 2);
    // the header alone does not look at the data
    assert.deepEqual([...readSafetensorsHeader(file).entries.keys()], ['a_good', 'b_bad']);
    const inspected = readSafetensors(file, { allowNonFinite: true });
    assert.deepEqual(inspected.tensors.get('b_bad')!.toArray(), [0, NaN, Infinity]);
    disposeAll(inspected.tensors);
    const parsed = parseSafetensors(readFileSync(file), file, { allowNonFinite: true });
    assert.deepEqual(parsed.tensors.get('a_good')!.toArray(), [1, 2]);
    disposeAll(parsed.tensors);
    good.dispose();
    bad.dispose();
    assert.deepEqual(snapshot().liveTensors, base.liveTensors);
  });
});

test('__metadata__ must map strings to strings', () => {
  const meta = (m: string): Uint8Array => fileWith(`{"__metadata__":${m},${VALID_HEADER.slice(1)}`);
  assertRejects(meta('{"epochs": 3}'), /"__metadata__" values to be strings/, /found 3 for key "epochs"/);
  assertRejects(meta('["a"]'), /"__metadata__" to be an object/);
  assertRejects(meta('"text"'), /"__metadata__" to be an object/);
  const ok = parseSafetensors(meta('{"k": "v"}'));
  assert.deepEqual(ok.metadata, { k: 'v' });
  disposeAll(ok.tensors);
});

test('reading malformed files names the path, leaks nothing, and the engine keeps working', () => {
  withTempDir((dir) => {
    const base = snapshot();
    const short = join(dir, 'short.safetensors');
    writeFileSync(short, new Uint8Array(3));
    assert.throws(() => readSafetensors(short), (e: unknown) => e instanceof SafetensorsError && e.file === short && e.message.startsWith(`${short}: expected at least 8 bytes`));
    assert.throws(() => readSafetensorsHeader(short), SafetensorsError);
    // Truncated: the header promises more data than the file holds.
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, fileWith(VALID_HEADER, 5));
    assert.throws(() => readSafetensors(truncated), /inside the 5-byte data buffer/);
    // The second tensor is bad after the first one was already made: the first must be disposed.
    const lateBad = join(dir, 'late.safetensors');
    writeFileSync(lateBad, fileWith(`{${entry('a', 'F32', [1], [0, 4])},${entry('b', 'BOOL', [1], [4, 5])}}`, new Uint8Array([0, 0, 0, 0, 7])));
    assert.throws(() => readSafetensors(lateBad), /found 7 at element 0/);
    assert.throws(() => parseSafetensors(readFileSync(lateBad)), /found 7 at element 0/);
    assert.deepEqual(snapshot(), base);
  });
  const t = tensor([1, 2, 3]);
  assert.equal(t.sum().item(), 6);
  t.dispose();
});

// ---- atomic writes ---------------------------------------------------------------------------

test('writeSafetensors replaces the old file only when complete, and removes its temp file on failure', () => {
  withTempDir((dir) => {
    const file = join(dir, 'model.safetensors');
    const oldT = tensor([9, 9, 9]);
    writeSafetensors(file, { w: oldT });
    const oldBytes = readFileSync(file);

    // Failure half-way: the first tensor's bytes are already in the temp file when the second throws.
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    let sawOldDuringWrite = false;
    Object.assign(b, {
      bytes: (): Uint8Array => {
        sawOldDuringWrite = readFileSync(file).equals(oldBytes);
        assert.equal(readdirSync(dir).length, 2, 'the temp file exists while writing');
        throw new Error('disk full (simulated)');
      },
    });
    assert.throws(() => writeSafetensors(file, { a, b }), /disk full \(simulated\)/);
    assert.ok(sawOldDuringWrite, 'the old content is intact while the new file is being written');
    assert.deepEqual(readFileSync(file), oldBytes, 'the old content survives a failed write');
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp file is left behind');

    // Success: the old content is visible until the rename, then the new one.
    const c = tensor([5, 6]);
    let oldWhileWriting = false;
    const realBytes = c.bytes.bind(c);
    Object.assign(c, {
      bytes: (): Uint8Array => {
        oldWhileWriting = readFileSync(file).equals(oldBytes);
        return realBytes();
      },
    });
    writeSafetensors(file, { a, c }, { step: '2' });
    assert.ok(oldWhileWriting);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    const back = readSafetensors(file);
    assert.deepEqual(back.metadata, { step: '2' });
    assert.deepEqual(back.tensors.get('c')!.toArray(), [5, 6]);
    disposeAll(back.tensors);

    // A missing directory fails without creating anything.
    assert.throws(() => writeSafetensors(join(dir, 'missing', 'x.safetensors'), { a }), /ENOENT/);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    for (const t of [oldT, a, b, c]) t.dispose();
  });
});

test('writeSafetensors rejects inputs it cannot represent before touching the disk', () => {
  withTempDir((dir) => {
    const file = join(dir, 'x.safetensors');
    const t = tensor([1]);
    assert.throws(() => writeSafetensors(file, { __metadata__: t }), (e: unknown) => e instanceof ArgumentError && /reserved/.test(e.message));
    assert.throws(() => writeSafetensors(file, { t }, { n: 3 as unknown as string }), (e: unknown) => e instanceof ArgumentError && /must be strings/.test(e.message));
    assert.throws(() => writeSafetensors(file, { t: [1, 2] as unknown as Tensor }), (e: unknown) => e instanceof ArgumentError && /not a Tensor/.test(e.message));
    const gone = tensor([2]);
    gone.dispose();
    assert.throws(() => writeSafetensors(file, { gone }), (e: unknown) => e instanceof ArgumentError && /already disposed/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
    t.dispose();
  });
});

test('reading then disposing returns liveTensors to its baseline', () => {
  const base = snapshot();
  for (let i = 0; i < 3; i++) {
    const { tensors } = readSafetensors(fixturePath('safetensors', 'tiny.safetensors'));
    assert.ok(snapshot().liveTensors > base.liveTensors);
    disposeAll(tensors);
  }
  assert.equal(snapshot().liveTensors, base.liveTensors);
});
