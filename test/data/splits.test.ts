// Seeded stratified splits, label budgets, leakage checks and the dataset content hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DataError } from '../../src/errors.js';
import { splitDataset, mulberry32, checkDisjointSplit } from '../../src/data/splits.js';
import { datasetContentHash } from '../../src/data/hash.js';
import type { LabeledDataset, TextRecord, ImageRecord } from '../../src/data/types.js';

/** A text dataset with `sizes[c]` records in class c (ids "c<label>/<n>"). */
function dataset(sizes: number[], order: 'forward' | 'reverse' = 'forward'): LabeledDataset<TextRecord> {
  const classNames = sizes.map((_, c) => `class-${c}`);
  const records = sizes.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ id: `c${label}/${String(i).padStart(3, '0')}`, label, text: `text ${label} ${i}` })));
  if (order === 'reverse') records.reverse();
  return { name: 'synthetic', classNames, records, contentHash: datasetContentHash(classNames, records) };
}

const ids = (records: readonly { id: string }[]): string[] => records.map((r) => r.id);
const perClass = (records: readonly { label: number }[], classes: number): number[] =>
  Array.from({ length: classes }, (_, c) => records.filter((r) => r.label === c).length);

test('mulberry32 gives the same 32-bit sequence everywhere (pinned values)', () => {
  const r = mulberry32(42);
  assert.deepEqual([r(), r(), r(), r()].map((x) => x * 2 ** 32), [2581720956, 1925393290, 3661312704, 2876485805]);
  assert.equal(mulberry32(0)() * 2 ** 32, 1144304738);
});

test('the same seed gives the same split, also when records come in another order', () => {
  const a = splitDataset(dataset([50, 30, 20]), { seed: 7 });
  const b = splitDataset(dataset([50, 30, 20]), { seed: 7 });
  const c = splitDataset(dataset([50, 30, 20], 'reverse'), { seed: 7 });
  for (const part of ['train', 'validation', 'test'] as const) {
    assert.deepEqual(ids(a[part]), ids(b[part]), part);
    assert.deepEqual(ids(a[part]), ids(c[part]), `${part} (reversed input)`);
  }
});

test('a different seed shuffles differently', () => {
  const a = splitDataset(dataset([50, 30, 20]), { seed: 1 });
  const b = splitDataset(dataset([50, 30, 20]), { seed: 2 });
  assert.notDeepEqual(new Set(ids(a.test)), new Set(ids(b.test)));
  assert.notDeepEqual(ids(a.train), ids(b.train));
});

test('stratified: every class is split by the same fractions, and counts are recorded', () => {
  const ds = dataset([50, 30, 20]);
  const split = splitDataset(ds, { seed: 3, test: { fraction: 0.2 }, validation: { fraction: 0.1 } });
  assert.deepEqual(split.counts, { test: [10, 6, 4], validation: [5, 3, 2], train: [35, 21, 14] });
  assert.deepEqual(perClass(split.test, 3), [10, 6, 4]);
  assert.deepEqual(perClass(split.validation, 3), [5, 3, 2]);
  assert.deepEqual(perClass(split.train, 3), [35, 21, 14]);
  assert.equal(split.seed, 3);
  assert.equal(split.contentHash, ds.contentHash);
  // without a budget the three parts are exactly the dataset
  assert.deepEqual([...ids(split.train), ...ids(split.validation), ...ids(split.test)].sort(), ids(ds.records).sort());
  // classes are interleaved, not in blocks
  assert.notDeepEqual(split.train.map((r) => r.label), [...split.train.map((r) => r.label)].sort());
});

test('counts per class, and a label budget whose smaller sets nest in larger ones over the same test set', () => {
  const ds = dataset([40, 40]);
  const small = splitDataset(ds, { seed: 11, test: { perClass: 10 }, validation: { perClass: 5 }, trainPerClass: 4 });
  const large = splitDataset(ds, { seed: 11, test: { perClass: 10 }, validation: { perClass: 8 }, trainPerClass: 20 });
  assert.deepEqual(small.counts, { test: [10, 10], validation: [5, 5], train: [4, 4] });
  assert.deepEqual(perClass(large.train, 2), [20, 20]);
  assert.deepEqual(new Set(ids(small.test)), new Set(ids(large.test)), 'test does not depend on budget or validation size');
  const sameVal = splitDataset(ds, { seed: 11, test: { perClass: 10 }, validation: { perClass: 5 }, trainPerClass: 25 });
  const bigger = new Set(ids(sameVal.train));
  assert.ok(small.train.every((r) => bigger.has(r.id)), 'the 4-per-class training set is inside the 25-per-class one (all that is left)');
});

test('test examples never reach train or validation (disjoint ids), and a leak is caught', () => {
  const split = splitDataset(dataset([25, 25, 25]), { seed: 5, trainPerClass: 10 });
  const testIds = new Set(ids(split.test));
  assert.ok([...split.train, ...split.validation].every((r) => !testIds.has(r.id)));
  assert.equal(new Set(ids(split.train)).size + new Set(ids(split.validation)).size + testIds.size, split.train.length + split.validation.length + split.test.length);
  const leaky = { ...split, train: [...split.train, split.test[0]] };
  assert.throws(() => checkDisjointSplit(leaky), (e: unknown) => e instanceof DataError && e.message.includes(split.test[0].id));
});

test('a class too small to split is named with its count', () => {
  assert.throws(
    () => splitDataset(dataset([30, 2, 30]), { seed: 1 }),
    (e: unknown) => e instanceof DataError && e.message.includes('"class-1"') && e.message.includes('has 2 examples') && e.message.includes('1 test + 1 validation'),
  );
  assert.throws(() => splitDataset(dataset([30, 0]), { seed: 1 }), (e: unknown) => e instanceof DataError && e.message.includes('"class-1"'));
});

test('fewer than two classes is an error naming the dataset and its class', () => {
  assert.throws(
    () => splitDataset(dataset([40]), { seed: 1 }),
    (e: unknown) => e instanceof DataError && /Dataset synthetic has a single class, "class-0" \(40 records\); expected at least two classes/.test(e.message),
  );
  assert.throws(() => splitDataset(dataset([]), { seed: 1 }), (e: unknown) => e instanceof DataError && /has no classes/.test(e.message));
  // bad options are still reported as such first
  assert.throws(() => splitDataset(dataset([40]), { seed: -1 }), ArgumentError);
});

test('a label budget larger than a class can give is an error naming the class and what it has', () => {
  assert.throws(
    () => splitDataset(dataset([100, 40]), { seed: 1, test: { fraction: 0.2 }, validation: { fraction: 0.1 }, trainPerClass: 50 }),
    (e: unknown) => e instanceof DataError && e.message.includes('"class-1"') && e.message.includes('has 40 examples') && e.message.includes('leaving 28') && !e.message.includes('"class-0"'),
  );
});

test('bad options are ArgumentErrors; bad records are DataErrors', () => {
  const ds = dataset([20, 20]);
  assert.throws(() => splitDataset(ds, { seed: -1 }), ArgumentError);
  assert.throws(() => splitDataset(ds, { seed: 1.5 }), ArgumentError);
  assert.throws(() => splitDataset(ds, { seed: 1, test: { fraction: 0.6 }, validation: { fraction: 0.4 } }), ArgumentError);
  assert.throws(() => splitDataset(ds, { seed: 1, trainPerClass: 0 }), ArgumentError);
  const duplicated = { ...ds, records: [...ds.records, ds.records[0]] };
  assert.throws(() => splitDataset(duplicated, { seed: 1 }), (e: unknown) => e instanceof DataError && e.message.includes(ds.records[0].id));
  const outOfRange = { ...ds, records: [...ds.records, { id: 'x', label: 2, text: '' }] };
  assert.throws(() => splitDataset(outOfRange, { seed: 1 }), (e: unknown) => e instanceof DataError && e.message.includes('label 2'));
});

test('the content hash follows its documented encoding and ignores record order', () => {
  const image: ImageRecord = { id: 'i/1', label: 1, height: 1, width: 2, channels: 1, pixels: new Uint8Array([0, 255]) };
  const text: TextRecord = { id: 't/1', label: 0, text: 'hello' };
  // value recomputed independently in Python from the encoding described in src/data/hash.ts
  const expected = '17cb78b8046c08b83dfbc8a79b6e791497b4c742ccaffc1d5af0c3d7204769e5';
  assert.equal(datasetContentHash(['a', 'b'], [text, image]), expected);
  assert.equal(datasetContentHash(['a', 'b'], [image, text]), expected);
});

test('the content hash changes with any id, label, content or class name', () => {
  const ds = dataset([3, 3]);
  const base = ds.contentHash;
  const edit = (i: number, change: Partial<TextRecord>): string =>
    datasetContentHash(ds.classNames, ds.records.map((r, j) => (j === i ? { ...r, ...change } : r)));
  assert.notEqual(edit(0, { id: 'c0/other' }), base);
  assert.notEqual(edit(0, { label: 1 }), base);
  assert.notEqual(edit(0, { text: 'text 0 0!' }), base);
  assert.notEqual(datasetContentHash(['class-0', 'renamed'], ds.records), base);
  const pixels = (p: number[]): ImageRecord => ({ id: 'i', label: 0, height: 1, width: 2, channels: 1, pixels: new Uint8Array(p) });
  assert.notEqual(datasetContentHash(['a'], [pixels([1, 2])]), datasetContentHash(['a'], [pixels([1, 3])]));
  assert.throws(() => datasetContentHash(['a'], [pixels([1, 2]), pixels([1, 2])]), DataError);
});
