// Seeded fuzzing of the safetensors reader: small valid files (made here with writeSafetensors) are
// mutated (truncated, header length changed, deep nesting, offsets/dtypes/shapes changed,
// duplicate keys, flipped bytes, ...) and every case must end in one of two ways:
//   - loaded, and equal to what the header plainly says (decoded independently below), or
//   - refused with an AdaptlabError (SafetensorsError for format problems),
// never an untyped exception, a crash or a leaked tensor. parseSafetensors (bytes) and
// readSafetensors (file) must agree, message for message.
//
// Case n uses mulberry32(n). Replay one case with ADAPTLAB_FUZZ_SEED=<n>; change the count with
// ADAPTLAB_FUZZ_CASES=<count>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdaptlabError } from '../../src/errors.js';
import { mulberry32 } from '../../src/data/splits.js';
import {
  fromTypedArray,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  tensor,
  writeSafetensors,
  type DType,
  type Tensor,
} from '../../src/tensor/index.js';
import { snapshot } from '../helpers.js';

const CASES = Number(process.env.ADAPTLAB_FUZZ_CASES ?? 400);
const ONLY_SEED = process.env.ADAPTLAB_FUZZ_SEED === undefined ? undefined : Number(process.env.ADAPTLAB_FUZZ_SEED);

type Rng = () => number;
const int = (rnd: Rng, n: number): number => Math.floor(rnd() * n);
const pick = <T>(rnd: Rng, xs: readonly T[]): T => xs[int(rnd, xs.length)];

const FORMAT_DTYPE: Record<string, DType> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64',
  I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const FLOATS = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64']);

// ---- the valid starting files ----------------------------------------------------------------

function baseTensors(): Record<string, Tensor>[] {
  const f32 = tensor([[1.5, -2, 0.25], [4, 5e-3, -6e4]]);
  const f16 = f32.to('float16');
  return [
    { 'layer.weight': f32, 'layer.bias': tensor([0.5, -0.5, 1]), steps: fromTypedArray(new BigInt64Array([3n, -1n]), [2]) },
    { half: f16, mask: fromTypedArray(new Uint8Array([1, 0, 1, 1]), [2, 2], 'bool'), bytes: fromTypedArray(new Uint8Array([0, 7, 255]), [3], 'uint8') },
    { scalar: fromTypedArray(new Float64Array([Math.PI]), []), empty: fromTypedArray(new Float32Array(0), [0, 3]), i16: fromTypedArray(new Int16Array([-5, 9]), [1, 2]) },
  ];
}

function baseFiles(dir: string): Uint8Array[] {
  return baseTensors().map((tensors, i) => {
    const file = join(dir, `base-${i}.safetensors`);
    writeSafetensors(file, tensors, i === 1 ? undefined : { format: 'pt', note: `base ${i}` });
    for (const t of Object.values(tensors)) t.dispose();
    return new Uint8Array(readFileSync(file));
  });
}

// ---- taking files apart and putting them back together ------------------------------------------

interface Parts {
  header: Record<string, unknown>;
  data: Uint8Array;
}

/** The header object and data of a file that still parses as one; undefined once it does not. */
function split(bytes: Uint8Array): Parts | undefined {
  if (bytes.length < 8) return undefined;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return undefined;
  try {
    const header: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n))));
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return undefined;
    JSON.stringify(header); // a header nested too deep to re-serialize is left to byte-level mutations
    return { header: header as Record<string, unknown>, data: bytes.subarray(8 + Number(n)) };
  } catch {
    return undefined;
  }
}

function assemble(headerText: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const names = (p: Parts): string[] => Object.keys(p.header).filter((k) => k !== '__metadata__');
type Info = { dtype: unknown; shape: unknown; data_offsets: unknown };

/** An entry's offsets as numbers, whatever earlier mutations left there. */
function offsetsOf(entry: unknown): [number, number] {
  const o = entry !== null && typeof entry === 'object' ? (entry as Info).data_offsets : undefined;
  return Array.isArray(o) ? [Number(o[0]) || 0, Number(o[1]) || 0] : [0, 0];
}

// ---- mutations -----------------------------------------------------------------------------------

/** Returns the mutated file and a description for failure messages; undefined when not applicable. */
type Mutation = (bytes: Uint8Array, rnd: Rng) => [Uint8Array, string] | undefined;

/** A mutation of one tensor's header entry. */
function entryMutation(label: string, change: (info: Info, rnd: Rng, p: Parts, name: string) => string): Mutation {
  return (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined || names(p).length === 0) return undefined;
    const name = pick(rnd, names(p));
    const info = { ...(p.header[name] as Info) };
    const what = change(info, rnd, p, name);
    return [assemble(JSON.stringify({ ...p.header, [name]: info }), p.data), `${label} ${JSON.stringify(name)}: ${what}`];
  };
}

const MUTATIONS: Record<string, Mutation> = {
  truncate: (bytes, rnd) => {
    const at = int(rnd, bytes.length);
    return [bytes.slice(0, at), `at ${at} of ${bytes.length}`];
  },
  append: (bytes, rnd) => {
    const extra = Uint8Array.from({ length: 1 + int(rnd, 16) }, () => int(rnd, 256));
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    return [out, `${extra.length} bytes`];
  },
  'length-field': (bytes, rnd) => {
    if (bytes.length < 8) return undefined;
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const n = view.getBigUint64(0, true);
    const value = pick(rnd, [
      n + BigInt(1 + int(rnd, 9)),
      n - BigInt(1 + int(rnd, 9)),
      0n,
      BigInt(out.length),
      BigInt(int(rnd, 2 ** 32)),
      2n ** 53n + 1n,
      100_000_001n,
      2n ** 64n - 1n,
    ]);
    view.setBigUint64(0, BigInt.asUintN(64, value), true);
    return [out, `${n} -> ${BigInt.asUintN(64, value)}`];
  },
  'deep-nesting': (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined) return undefined;
    const depth = pick(rnd, [2, 63, 64, 65, 1000, 20_000]);
    const [open, leaf, close] = pick(rnd, [['[', '', ']'], ['{"k":', '1', '}']]);
    const nested = `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
    const text = JSON.stringify(p.header);
    const where = names(p).length > 0 && rnd() < 0.5 ? 'shape' : 'top';
    const mutated =
      where === 'top'
        ? `{"deep":${nested}${text === '{}' ? '}' : `,${text.slice(1)}`}`
        : text.replace(/"shape":\[[^\]]*\]/, `"shape":${nested}`);
    return [assemble(mutated, p.data), `${depth} x ${open} at ${where}`];
  },
  offsets: entryMutation('offsets of', (info, rnd, p) => {
    const [b, e] = offsetsOf(info);
    const [ob] = offsetsOf(p.header[pick(rnd, names(p))]);
    const k = 1 + int(rnd, 16);
    const choices: [string, unknown][] = [
      [`shift +${k}`, [b + k, e + k]],
      [`shift -${k}`, [b - k, e - k]],
      ['overlap another', [ob, ob + (e - b)]],
      ['past the end', [b, p.data.length + k]],
      ['swapped', [e, b]],
      ['end only', [e]],
      ['fractional', [b + 0.5, e + 0.5]],
      ['huge', [2 ** 53, 2 ** 53 + (e - b)]],
      ['strings', [String(b), String(e)]],
      ['null', null],
    ];
    const [what, value] = pick(rnd, choices);
    info.data_offsets = value;
    return what;
  }),
  dtype: entryMutation('dtype of', (info, rnd) => {
    info.dtype = pick(rnd, [...Object.keys(FORMAT_DTYPE), 'F8_E4M3', 'f32', '', 'I128', 'F32 ', 42, null, ['F32']]);
    return JSON.stringify(info.dtype);
  }),
  shape: entryMutation('shape of', (info, rnd) => {
    const shape = Array.isArray(info.shape) ? [...(info.shape as unknown[])] : [];
    const i = int(rnd, Math.max(1, shape.length));
    const op = pick(rnd, ['push 1', 'push 2', 'pop', 'double', 'zero', 'negative', 'fraction', 'huge', 'string', 'scalar', 'not an array', 'reverse']);
    if (op === 'push 1') shape.push(1);
    else if (op === 'push 2') shape.push(2);
    else if (op === 'pop') shape.pop();
    else if (op === 'double') shape[i] = Number(shape[i] ?? 1) * 2;
    else if (op === 'zero') shape[i] = 0;
    else if (op === 'negative') shape[i] = -1;
    else if (op === 'fraction') shape[i] = 1.5;
    else if (op === 'huge') shape[i] = 2 ** 53 - 1;
    else if (op === 'string') shape[i] = '2';
    else if (op === 'scalar') shape.length = 0;
    else if (op === 'reverse') shape.reverse();
    info.shape = op === 'not an array' ? 3 : shape;
    return `${op} -> ${JSON.stringify(info.shape)}`;
  }),
  'swap-data': (bytes, rnd) => {
    // valid when both spans have the same length: the tensors trade contents
    const p = split(bytes);
    if (p === undefined || names(p).length < 2) return undefined;
    const [a, b] = [pick(rnd, names(p)), pick(rnd, names(p))];
    const ia = (p.header[a] ?? {}) as Info;
    const ib = (p.header[b] ?? {}) as Info;
    return [assemble(JSON.stringify({ ...p.header, [a]: { ...ia, data_offsets: ib.data_offsets }, [b]: { ...ib, data_offsets: ia.data_offsets } }), p.data), `${a} <-> ${b}`];
  },
  'duplicate-key': (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined || names(p).length === 0) return undefined;
    const name = pick(rnd, names(p));
    const info = p.header[name] as Info;
    const text = JSON.stringify(p.header);
    const kind = pick(rnd, ['same entry', 'other dtype', 'other offsets', 'inner key', 'metadata']);
    let mutated: string;
    if (kind === 'inner key') {
      mutated = text.replace(`${JSON.stringify(name)}:{`, `${JSON.stringify(name)}:{"dtype":${JSON.stringify(pick(rnd, Object.keys(FORMAT_DTYPE)))},`);
    } else if (kind === 'metadata') {
      const twice = '__metadata__' in p.header ? '' : '"__metadata__":{},';
      mutated = `{${twice}"__metadata__":{"k":"v"},${text.slice(1)}`;
    } else {
      const copy = kind === 'same entry' ? info : kind === 'other dtype' ? { ...info, dtype: pick(rnd, Object.keys(FORMAT_DTYPE)) } : { ...info, data_offsets: [0, 0] };
      mutated = `{${JSON.stringify(name)}:${JSON.stringify(copy)},${text.slice(1)}`;
    }
    return [assemble(mutated, p.data), `${kind} (${JSON.stringify(name)})`];
  },
  metadata: (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined) return undefined;
    const value = pick(rnd, [{ k: 1 }, ['a'], null, 'text', { k: 'v', 'é中': '\n' }, {}, { nested: { a: 'b' } }]);
    return [assemble(JSON.stringify({ ...p.header, __metadata__: value }), p.data), JSON.stringify(value)];
  },
  whitespace: (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined) return undefined;
    const indent = pick(rnd, [0, 1, 2, '\t']);
    return [assemble(`${JSON.stringify(p.header, null, indent)}${' '.repeat(int(rnd, 9))}`, p.data), `indent ${JSON.stringify(indent)}`];
  },
  'header-byte-flip': (bytes, rnd) => {
    if (bytes.length <= 8) return undefined;
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const end = Math.min(bytes.length, 8 + n);
    if (end <= 8) return undefined;
    const out = bytes.slice();
    const flips: string[] = [];
    for (let f = 1 + int(rnd, 4); f > 0; f--) {
      const at = 8 + int(rnd, end - 8);
      const to = rnd() < 0.5 ? out[at] ^ (1 << int(rnd, 8)) : int(rnd, 256);
      flips.push(`${at}:${String.fromCharCode(out[at])}->0x${to.toString(16)}`);
      out[at] = to;
    }
    return [out, flips.join(' ')];
  },
  'data-byte-flip': (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined || p.data.length === 0) return undefined;
    const out = bytes.slice();
    const start = bytes.length - p.data.length;
    const at = start + int(rnd, p.data.length);
    const to = pick(rnd, [0xff, 0x7f, 0x80, 0x02, out[at] ^ (1 << int(rnd, 8))]);
    out[at] = to;
    return [out, `data byte ${at - start} -> 0x${to.toString(16)}`];
  },
  'garbage-header': (bytes, rnd) => {
    const p = split(bytes);
    if (p === undefined) return undefined;
    const n = bytes.length - p.data.length - 8;
    const out = bytes.slice();
    for (let i = 8; i < 8 + n; i++) out[i] = int(rnd, 256);
    return [out, `${n} random bytes`];
  },
};

// ---- the oracle ----------------------------------------------------------------------------------

/** What a loaded file must hold: exactly what its header says, checked without the reader's code. */
function assertLoadedAsDeclared(bytes: Uint8Array, loaded: { tensors: Map<string, Tensor>; metadata: Record<string, string> }, why: string): void {
  const p = split(bytes);
  assert.ok(p !== undefined, `${why}: loaded, but the header is not a JSON object`);
  const declared = names(p).sort();
  assert.deepEqual([...loaded.tensors.keys()].sort(), declared, `${why}: tensor names`);
  assert.deepEqual(loaded.metadata, (p.header.__metadata__ as Record<string, string> | null | undefined) ?? {}, `${why}: metadata`);
  let covered = 0;
  for (const name of declared) {
    const info = p.header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const t = loaded.tensors.get(name)!;
    assert.equal(t.dtype, FORMAT_DTYPE[info.dtype], `${why}: dtype of ${name}`);
    assert.deepEqual(t.shape, info.shape, `${why}: shape of ${name}`);
    assert.deepEqual(t.bytes(), p.data.slice(...info.data_offsets), `${why}: bytes of ${name}`);
    covered += info.data_offsets[1] - info.data_offsets[0];
    if (FLOATS.has(t.dtype)) {
      const f = t.to('float64');
      assert.ok(f.toArray().every(Number.isFinite), `${why}: ${name} holds NaN or an infinity but was loaded`);
      f.dispose();
    }
    if (t.dtype === 'bool') assert.ok(t.bytes().every((b) => b <= 1), `${why}: ${name} holds a bool byte > 1`);
  }
  assert.equal(covered, p.data.length, `${why}: loaded, but the tensors do not cover the data buffer exactly`);
  // and what was loaded is what a freshly written valid file would give
  const again = parseSafetensors(serializeSafetensors(loaded.tensors, loaded.metadata));
  for (const [name, t] of again.tensors) {
    assert.deepEqual(t.bytes(), loaded.tensors.get(name)!.bytes(), `${why}: ${name} after a rewrite`);
    t.dispose();
  }
}

type Outcome = { loaded: true } | { loaded: false; error: unknown };

function attempt(load: () => { tensors: Map<string, Tensor>; metadata: Record<string, string> }, check: (r: ReturnType<typeof load>) => void): Outcome {
  let result: ReturnType<typeof load>;
  try {
    result = load();
  } catch (error) {
    return { loaded: false, error };
  }
  try {
    check(result);
  } finally {
    for (const t of result.tensors.values()) t.dispose();
  }
  return { loaded: true };
}

function assertTyped(outcome: Outcome, why: string): void {
  if (outcome.loaded) return;
  const e = outcome.error;
  assert.ok(
    e instanceof AdaptlabError,
    `${why}: refused with an untyped ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e)}`,
  );
  assert.match(e.message, /expected/, `${why}: the message should say what was expected: ${e.message.slice(0, 300)}`);
}

test(`fuzz: ${CASES} mutated safetensors files are each loaded exactly as declared or refused with a typed error`, { timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-st-fuzz-'));
  try {
    const bases = baseFiles(dir);
    const file = join(dir, 'case.safetensors');
    const mutationNames = Object.keys(MUTATIONS);
    const counts = { loaded: 0, refused: 0 };
    const used = new Map<string, number>();
    const started = performance.now();
    const seeds = ONLY_SEED !== undefined ? [ONLY_SEED] : Array.from({ length: CASES }, (_, i) => i);
    for (const seed of seeds) {
      const rnd = mulberry32(seed);
      const b = int(rnd, bases.length);
      let bytes = bases[b];
      const applied: string[] = [];
      // JSON.parse agrees with a header holding a duplicated key (it keeps the last), so the oracle
      // cannot see one: remember it instead, while no later mutation can have removed it.
      let duplicated = false;
      for (let m = 1 + int(rnd, 3); m > 0; m--) {
        const name = pick(rnd, mutationNames);
        const result = MUTATIONS[name](bytes, rnd);
        if (result === undefined) continue;
        [bytes] = result;
        if (name === 'duplicate-key') duplicated = true;
        else if (!['append', 'truncate', 'data-byte-flip'].includes(name)) duplicated = false;
        applied.push(`${name} (${result[1]})`);
        used.set(name, (used.get(name) ?? 0) + 1);
      }
      const why = `fuzz seed ${seed} (replay: ADAPTLAB_FUZZ_SEED=${seed}; base ${b}; ${applied.join(', ') || 'no mutation'})`;
      const live = snapshot().liveTensors;
      const check = (r: { tensors: Map<string, Tensor>; metadata: Record<string, string> }): void => {
        assert.ok(!duplicated, `${why}: loaded although the header repeats a key`);
        assertLoadedAsDeclared(bytes, r, why);
      };
      const fromBytes = attempt(() => parseSafetensors(bytes, file), check);
      assertTyped(fromBytes, `${why} [parseSafetensors]`);
      writeFileSync(file, bytes);
      const fromFile = attempt(() => readSafetensors(file), check);
      assertTyped(fromFile, `${why} [readSafetensors]`);
      assert.equal(fromFile.loaded, fromBytes.loaded, `${why}: parseSafetensors and readSafetensors disagree`);
      if (!fromFile.loaded && !fromBytes.loaded) {
        assert.equal((fromFile.error as Error).message, (fromBytes.error as Error).message, `${why}: different messages from bytes and from the file`);
      }
      let headerError: unknown;
      try {
        readSafetensorsHeader(file);
      } catch (e) {
        headerError = e;
      }
      assertTyped(headerError === undefined ? { loaded: true } : { loaded: false, error: headerError }, `${why} [readSafetensorsHeader]`);
      if (fromFile.loaded) assert.equal(headerError, undefined, `${why}: the file loads but its header alone is refused`);
      assert.equal(snapshot().liveTensors, live, `${why}: tensors leaked`);
      counts[fromBytes.loaded ? 'loaded' : 'refused']++;
    }
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`${seeds.length} cases in ${seconds.toFixed(2)} s: ${counts.loaded} loaded, ${counts.refused} refused`);
    t.diagnostic(`mutations applied: ${[...used].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (ONLY_SEED === undefined && CASES >= 200) {
      // not vacuous: both outcomes happen, and every kind of mutation was exercised
      assert.ok(counts.loaded >= 10, `only ${counts.loaded} cases loaded`);
      assert.ok(counts.refused >= CASES / 2, `only ${counts.refused} cases refused`);
      assert.deepEqual([...used.keys()].sort(), [...mutationNames].sort());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzz baseline: the unmutated files load and equal the tensors they were written from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-st-fuzz-'));
  try {
    const originals = baseTensors();
    baseFiles(dir).forEach((bytes, i) => {
      const loaded = parseSafetensors(bytes);
      const expected = originals[i];
      assert.deepEqual([...loaded.tensors.keys()].sort(), Object.keys(expected).sort());
      for (const [name, t] of loaded.tensors) {
        assert.equal(t.dtype, expected[name].dtype);
        assert.deepEqual(t.shape, expected[name].shape);
        assert.deepEqual(t.bytes(), expected[name].bytes());
        t.dispose();
      }
      for (const t of Object.values(expected)) if (!t.isDisposed) t.dispose();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
