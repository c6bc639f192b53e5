import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import { readTextTable, sortClassNames } from '../../src/data/text-table.js';
import { fixturePath } from '../helpers.js';

const table = (name: string) => fixturePath('data', 'text', name);

const REVIEWS = [
  { text: 'Great phone, battery lasts "forever"', label: 'pos' },
  { text: 'Broke after a day.\nWould not buy again.', label: 'neg' },
  { text: 'Works as described', label: 'pos' },
  { text: 'meh', label: 'neutral' },
];

test('CSV: quoted commas, doubled quotes and line breaks; classes in sorted order', () => {
  const ds = readTextTable(table('reviews.csv'));
  assert.deepEqual(ds.classNames, ['neg', 'neutral', 'pos']);
  assert.deepEqual(
    ds.records.map((r) => ({ text: r.text, label: ds.classNames[r.label] })),
    REVIEWS,
  );
  assert.deepEqual(ds.records.map((r) => r.label), [2, 0, 2, 1]);
  assert.deepEqual(ds.records.map((r) => r.id), ['row-1', 'row-2', 'row-3', 'row-4']);
  assert.match(ds.contentHash, /^[0-9a-f]{64}$/);
  assert.equal(ds.name, table('reviews.csv'));
});

test('JSONL gives the same records (blank lines skipped) and the same content hash as the CSV', () => {
  const csv = readTextTable(table('reviews.csv'));
  const jsonl = readTextTable(table('reviews.jsonl'));
  assert.deepEqual(jsonl.records, csv.records);
  assert.equal(jsonl.contentHash, csv.contentHash);
});

test('custom columns, an id column and an explicit class list', () => {
  const ds = readTextTable(table('custom-columns.csv'), { textColumn: 'body', labelColumn: 'sentiment', idColumn: 'review_id', classNames: ['bad', 'good'] });
  assert.deepEqual(ds.classNames, ['bad', 'good']);
  assert.deepEqual(ds.records, [
    { id: 'r1', label: 1, text: 'Loved it, really' },
    { id: 'r2', label: 0, text: 'Terrible' },
    { id: 'r3', label: 1, text: 'Fine, I guess' },
  ]);
  // A label outside the explicit list is an error naming the row and the classes.
  assert.throws(() => readTextTable(table('custom-columns.csv'), { textColumn: 'body', labelColumn: 'sentiment', classNames: ['good'] }), /row 2 .*label "bad" is not one of the classes good/);
});

test('integer class names sort numerically, other names by code unit', () => {
  const ds = readTextTable(table('integer-labels.csv'));
  assert.deepEqual(ds.classNames, ['0', '1', '2', '10']);
  assert.deepEqual(ds.records.map((r) => r.label), [2, 3, 0, 1]);
  assert.deepEqual(sortClassNames(['b', 'B', 'a', '10', '9']), ['10', '9', 'B', 'a', 'b']);
});

test('a missing column is a DataError listing the columns found', () => {
  assert.throws(
    () => readTextTable(table('custom-columns.csv')),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /no text column "text"; columns found: "review_id", "body", "sentiment", "stars"/);
      return true;
    },
  );
  assert.throws(() => readTextTable(table('reviews.jsonl'), { labelColumn: 'class' }), /line 1 has no label column "class"; columns found: "text", "label"/);
});

test('empty text, a non-JSON line and a missing file are DataErrors that say where', () => {
  assert.throws(() => readTextTable(table('empty-text.csv')), (e: unknown) => e instanceof DataError && /row 2 \(ending on line 3\): empty text in "text"/.test(e.message));
  assert.throws(() => readTextTable(table('bad-line.jsonl')), (e: unknown) => e instanceof DataError && /bad-line\.jsonl: line 3 is not valid JSON/.test(e.message));
  assert.throws(() => readTextTable(table('nope.csv')), (e: unknown) => e instanceof DataError && /text table not found: .*nope\.csv/.test(e.message));
  assert.throws(() => readTextTable(table('make_vocab.mjs')), /cannot tell the format/);
});
