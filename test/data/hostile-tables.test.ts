// Tables that would otherwise lose data silently: bytes that are not UTF-8 (today's behaviour was
// to turn them into U+FFFD), a CSV header naming a column twice, and datasets with fewer than two
// classes (on which "100% accuracy" means nothing). Each is a DataError that says where and what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/errors.js';
import { readTextTable, readTexts } from '../../src/data/text-table.js';
import { splitDataset } from '../../src/data/splits.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { datasetContentHash } from '../../src/data/hash.js';
import type { LabeledDataset, TextRecord } from '../../src/data/types.js';
import { fixturePath } from '../helpers.js';

/** A scratch folder for one test, removed afterwards. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `parts` (strings as UTF-8, numbers as raw bytes) to dir/name. */
function writeBytes(dir: string, name: string, ...parts: (string | number[])[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
  return path;
}

function assertDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

const LATIN1_E_ACUTE = [0xe9]; // "é" in Latin-1 / Windows-1252: not UTF-8

test('a CSV byte that is not UTF-8 is an error naming the row and the bytes (no silent U+FFFD)', (t) => {
  const dir = scratch(t);
  const csv = writeBytes(dir, 'latin1.csv', 'text,label\ngood,pos\ncaf', LATIN1_E_ACUTE, ' au lait,neg\nfine,pos\n');
  assertDataError(
    () => readTextTable(csv),
    /latin1\.csv: row 2 \(ending on line 3\) is not valid UTF-8/,
    /found the bytes 0xE9 0x20 0x61 0x75 at byte 4 of line 3 \(file offset 23\)/,
    /expected UTF-8 text/,
    /iconv/,
    /encoding: 'utf8-replace'/,
  );
  assertDataError(() => readTexts(csv), /row 2 \(ending on line 3\) is not valid UTF-8/);
  // a quoted field over several lines: the row is the record, not the line
  const multi = writeBytes(dir, 'multi.csv', 'text,label\n"first\nline",a\n"second\nli', [0xff], 'ne",b\n');
  assertDataError(() => readTextTable(multi), /row 2 \(ending on line 5\) is not valid UTF-8: found the bytes 0xFF/, /byte 3 of line 5/);
  // in the header itself
  const header = writeBytes(dir, 'header.csv', 'te', [0xc3, 0x28], 'xt,label\nx,a\n');
  assertDataError(() => readTextTable(header), /the header \(line 1\) is not valid UTF-8: found the bytes 0xC3 0x28/);
});

test('a JSONL byte that is not UTF-8 is an error naming the line', (t) => {
  const dir = scratch(t);
  const jsonl = writeBytes(dir, 'bad.jsonl', '{"text": "ok", "label": "a"}\n\n{"text": "na', [0xef, 0xbf], 'x", "label": "b"}\n');
  assertDataError(() => readTextTable(jsonl), /bad\.jsonl: line 3 is not valid UTF-8: found the bytes 0xEF 0xBF 0x78/, /utf8-replace/);
  assertDataError(() => readTexts(jsonl), /line 3 is not valid UTF-8/);
});

test('what UTF-8 forbids is refused: overlong forms, surrogates, code points past U+10FFFF, a cut sequence', (t) => {
  const dir = scratch(t);
  const cases: [string, number[]][] = [
    ['overlong "/"', [0xc0, 0xaf]],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
    ['surrogate U+D800', [0xed, 0xa0, 0x80]],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['lone continuation', [0x80]],
  ];
  for (const [what, bytes] of cases) {
    const path = writeBytes(dir, 'case.jsonl', '{"text": "', bytes, '", "label": "a"}\n');
    assertDataError(() => readTextTable(path), /line 1 is not valid UTF-8/);
    void what;
  }
  // a multi-byte sequence cut off by the end of the file
  const cut = writeBytes(dir, 'cut.csv', 'text,label\nx,a\ny,b', [0xe2, 0x82]);
  assertDataError(() => readTextTable(cut), /row 2 \(ending on line 3\) is not valid UTF-8: found the bytes 0xE2 0x82 at byte 4 of line 3 \(file offset 18\)/);
});

test("valid UTF-8 (BOM, 4-byte characters, a literal U+FFFD) reads as before; encoding: 'utf8-replace' opts into replacement", (t) => {
  const dir = scratch(t);
  const good = writeBytes(dir, 'good.csv', '\uFEFFtext,label\n"caf\u00e9 \u{1F600} \uFFFD",pos\nplain,neg\n');
  const ds = readTextTable(good);
  assert.deepEqual(ds.records.map((r) => r.text), ['caf\u00e9 \u{1F600} \uFFFD', 'plain']);
  const csv = writeBytes(dir, 'latin1.csv', 'text,label\ncaf', LATIN1_E_ACUTE, ',pos\nthé,neg\n');
  const replaced = readTextTable(csv, { encoding: 'utf8-replace' });
  assert.deepEqual(replaced.records.map((r) => r.text), ['caf\uFFFD', 'thé']);
  assert.deepEqual(readTexts(csv, { encoding: 'utf8-replace' }), ['caf\uFFFD', 'thé']);
  assertDataError(() => readTextTable(csv, { encoding: 'latin1' as 'utf8' }), /unknown encoding "latin1"; expected 'utf8' .* or 'utf8-replace'/);
});

test('a CSV header naming a column twice is an error naming the column and both positions', (t) => {
  const dir = scratch(t);
  const dup = writeBytes(dir, 'dup.csv', 'text,label,text\nfirst,a,second\n');
  assertDataError(() => readTextTable(dup), /dup\.csv: the header names column "text" twice \(columns 1 and 3\)/, /expected each column name once/, /Rename or remove one/);
  assertDataError(() => readTexts(dup), /column "text" twice/);
  // also a column adaptlab does not read: which "notes" is meant is still ambiguous to the user
  const unused = writeBytes(dir, 'unused.csv', 'notes,text,label,notes\nx,hello,a,y\n');
  assertDataError(() => readTextTable(unused), /column "notes" twice \(columns 1 and 4\)/);
  // empty names from trailing commas count as names too
  const trailing = writeBytes(dir, 'trailing.csv', 'text,label,,\nhello,a,,\n');
  assertDataError(() => readTextTable(trailing), /column "" twice \(columns 3 and 4\)/);
});

test('a text table with a single class cannot be split: the error names the dataset and its class', (t) => {
  const dir = scratch(t);
  const rows = Array.from({ length: 20 }, (_, i) => `review ${i},pos`).join('\n');
  const path = writeBytes(dir, 'one-class.csv', `text,label\n${rows}\n`);
  const ds = readTextTable(path, { name: 'reviews' });
  assert.deepEqual(ds.classNames, ['pos']);
  assertDataError(
    () => splitDataset(ds, { seed: 1 }),
    /Dataset reviews has a single class, "pos" \(20 records\)/,
    /expected at least two classes/,
    /100% accuracy/,
    /label column or folder layout/,
  );
  // an explicit class list with one entry is the same
  assertDataError(() => splitDataset(readTextTable(path, { classNames: ['pos'] }), { seed: 1 }), /single class, "pos"/);
});

test('an image folder with a single class folder cannot be split either', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'cat'));
  for (const f of ['a.JPG', 'b.png']) copyFileSync(fixturePath('data', 'images', 'folder', 'cat', f), join(dir, 'cat', f));
  const ds = await loadImageFolder(dir);
  assert.deepEqual(ds.classNames, ['cat']);
  assertDataError(() => splitDataset(ds, { seed: 1 }), new RegExp(`Dataset ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has a single class, "cat" \\(2 records\\)`));
});

test('a dataset with no classes at all is named too', () => {
  const empty: LabeledDataset<TextRecord> = { name: 'nothing', classNames: [], records: [], contentHash: datasetContentHash([], []) };
  assertDataError(() => splitDataset(empty, { seed: 1 }), /Dataset nothing has no classes \(0 records\); expected at least two classes/);
});
