// ImageFolder loading: class order, ids, torchvision's walk order, and the errors for bad layouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/errors.js';
import { loadImageFolder, scanImageFolder } from '../../src/data/image-folder.js';
import { fixturePath } from '../helpers.js';

const folder = fixturePath('data', 'images', 'folder');

/** A scratch folder for one test, removed afterwards. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-folder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('classes are the sorted folder names (code-point order), hidden folders and root files ignored', async () => {
  const { classNames } = await scanImageFolder(folder);
  assert.deepEqual(classNames, ['Zebra', 'cat', 'dog']);
});

test('records: ids relative to root in sorted(os.walk) order, labels by class position', async () => {
  const ds = await loadImageFolder(folder);
  assert.equal(ds.name, folder);
  assert.deepEqual(
    ds.records.map((r) => [r.id, r.label]),
    [
      ['Zebra/z.PNG', 0],
      ['cat/a.JPG', 1],
      ['cat/b.png', 1],
      ['cat/sub/c.jpeg', 1],
      ['cat/x-1/f.png', 1], // "cat/x-1" sorts before "cat/x/y": '-' < '/'
      ['cat/x/y/g.png', 1],
      ['dog/d.png', 2],
    ],
  );
  // each fixture file is a 3x3 grey square of its own level (make_images.mjs)
  const levels = ds.records.map((r) => r.pixels[4]);
  assert.deepEqual([levels[0], levels[2], levels[4], levels[5], levels[6]], [70, 10, 40, 50, 60]);
  assert.ok(Math.abs(levels[1] - 20) <= 2 && Math.abs(levels[3] - 30) <= 2, `JPEG levels ${levels[1]}, ${levels[3]}`);
  assert.ok(ds.records.every((r) => r.height === 3 && r.width === 3 && r.channels === 1));
  assert.match(ds.contentHash, /^[0-9a-f]{64}$/);
  assert.deepEqual(ds.report, { entriesRead: 7, skipped: 0, skippedDetails: [], notes: [] }, 'a clean folder: nothing skipped, nothing to note');
});

test('imageSize resizes while loading; the hash is the same at any concurrency', async () => {
  const one = await loadImageFolder(folder, { imageSize: 2, concurrency: 1, name: 'pets' });
  const many = await loadImageFolder(folder, { imageSize: 2, concurrency: 8, name: 'pets' });
  assert.equal(one.name, 'pets');
  assert.ok(one.records.every((r) => r.height === 2 && r.width === 2));
  assert.deepEqual(one.records.map((r) => r.id), many.records.map((r) => r.id));
  assert.equal(one.contentHash, many.contentHash);
  const original = await loadImageFolder(folder);
  assert.notEqual(original.contentHash, one.contentHash, 'resized pixels are different content');
});

test('a missing root, a file as root and a root without class folders are DataErrors', async (t) => {
  const dir = scratch(t);
  await assert.rejects(loadImageFolder(join(dir, 'nope')), (e: unknown) => e instanceof DataError && /does not exist/.test(e.message));
  writeFileSync(join(dir, 'file.png'), 'x');
  await assert.rejects(loadImageFolder(join(dir, 'file.png')), (e: unknown) => e instanceof DataError && /not a folder/.test(e.message));
  mkdirSync(join(dir, '.cache'));
  await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataError && /no class folders/.test(e.message));
});

test('an empty class folder is named in the error', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'bird'));
  mkdirSync(join(dir, 'fish'));
  copyFileSync(fixturePath('data', 'images', 'rgb_6x4.png'), join(dir, 'bird', 'one.png'));
  writeFileSync(join(dir, 'fish', 'readme.txt'), 'no images here');
  await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataError && e.message.includes('"fish"') && !e.message.includes('"bird"'));
});

test('an unreadable image is named in the error', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'bird'));
  copyFileSync(fixturePath('data', 'images', 'rgb_6x4.png'), join(dir, 'bird', 'one.png'));
  copyFileSync(fixturePath('data', 'images', 'corrupt.png'), join(dir, 'bird', 'two.png'));
  await assert.rejects(loadImageFolder(dir), (e: unknown) => e instanceof DataError && e.message.includes(join(dir, 'bird', 'two.png')));
});
