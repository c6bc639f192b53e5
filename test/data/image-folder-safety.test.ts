// Image folders against hostile input: symbolic link loops and links out of the folder, second
// paths to the same files, byte-identical duplicates, huge images and pixel budgets. Every
// fixture is made here, in a scratch folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataError } from '../../src/errors.js';
import { loadImageFolder, scanImageFolder } from '../../src/data/image-folder.js';
import { ImageTooLargeError, decodeImageFile, readImageFile, resizeAndCenterCrop } from '../../src/data/images.js';

/** A scratch folder for one test, removed afterwards. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-safety-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a 4x4 grey PNG of one level (distinct levels give distinct files). */
async function png(file: string, level: number): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true });
  await sharp(Buffer.alloc(16, level), { raw: { width: 4, height: 4, channels: 1 } }).png().toFile(file);
}

/** class0: 3 images (one nested), class1: 2 images. */
async function twoClasses(root: string): Promise<void> {
  await png(join(root, 'class0', 'a.png'), 10);
  await png(join(root, 'class0', 'b.png'), 20);
  await png(join(root, 'class0', 'sub', 'c.png'), 30);
  await png(join(root, 'class1', 'd.png'), 40);
  await png(join(root, 'class1', 'e.png'), 50);
}

const REAL_IDS = [
  ['class0/a.png', 0],
  ['class0/b.png', 0],
  ['class0/sub/c.png', 0],
  ['class1/d.png', 1],
  ['class1/e.png', 1],
];

test('a symlink loop (class0/loop -> .) and a link to the parent (class0/up -> ..) are not followed, and are reported', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  symlinkSync('.', join(root, 'class0', 'loop'));
  symlinkSync('..', join(root, 'class0', 'up'));
  symlinkSync('..', join(root, 'class0', 'sub', 'back')); // back to class0
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ['class0', 'class1']);
  assert.deepEqual(
    ds.records.map((r) => [r.id, r.label]),
    REAL_IDS,
    'each image once, with its own class (no class1 image labelled class0)',
  );
  const report = ds.report!;
  assert.equal(report.skipped, 3);
  assert.equal(report.entriesRead, 5 + 3);
  const line = (id: string): string => report.skippedDetails.find((l) => l.startsWith(`${id} -> `)) ?? assert.fail(`${id} not reported: ${report.skippedDetails.join(' | ')}`);
  assert.match(line('class0/loop'), /not followed: it leads to class0, already part of the dataset \(a loop/);
  assert.match(line('class0/up'), /not followed: it leads to the image folder itself/);
  assert.match(line('class0/sub/back'), /leads to class0/);
  assert.ok(report.notes.some((n) => /3 symbolic link\(s\) not followed/.test(n) && /inside the image folder/.test(n)), report.notes.join(' | '));
});

test('links out of the folder, into another class, to missing targets and to the same class are not followed; a link into the folder is', async (t) => {
  const dir = scratch(t);
  const root = join(dir, 'images');
  await twoClasses(root);
  await png(join(dir, 'outside', 'secret.png'), 90);
  await png(join(root, '.store', 'kept.png'), 60); // hidden: not a class, but inside the folder
  symlinkSync(join(dir, 'outside'), join(root, 'class0', 'out'));
  symlinkSync(join(dir, 'outside', 'secret.png'), join(root, 'class0', 'secret.png'));
  symlinkSync('../class1', join(root, 'class0', 'other'));
  symlinkSync('../class1/d.png', join(root, 'class0', 'd-again.png'));
  symlinkSync('missing.png', join(root, 'class0', 'gone.png'));
  symlinkSync('a.png', join(root, 'class0', 'a-again.png'));
  symlinkSync('../.store/kept.png', join(root, 'class1', 'kept.png'));
  symlinkSync('/etc/hostname', join(root, 'class1', 'notes.txt')); // a link to a non-image file: ignored like the file
  symlinkSync('class0', join(root, 'kitty')); // a second name for a class is not a class
  symlinkSync(dir, join(root, 'everything')); // nor is a folder outside
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ['class0', 'class1']);
  assert.deepEqual(ds.records.map((r) => [r.id, r.label]), [...REAL_IDS, ['class1/kept.png', 1]]);
  const details = ds.report!.skippedDetails;
  const line = (id: string): string => details.find((l) => l.startsWith(`${id} -> `)) ?? assert.fail(`${id} not reported: ${details.join(' | ')}`);
  assert.match(line('class0/out'), /points outside the image folder/);
  assert.match(line('class0/secret.png'), /points outside the image folder/);
  assert.match(line('class0/other'), /leads to class1, already part of the dataset/);
  assert.match(line('class0/d-again.png'), /leads to class1\/d\.png/);
  assert.match(line('class0/gone.png'), /target cannot be reached \(ENOENT\)/);
  assert.match(line('class0/a-again.png'), /leads to class0\/a\.png/);
  assert.match(line('kitty'), /not a class: it leads to class0/);
  assert.match(line('everything'), /not a class: it points outside the image folder/);
  assert.equal(details.length, 8, details.join('\n'));
  assert.ok(!details.some((l) => l.includes('notes.txt')));
  // scanImageFolder gives the same account without decoding
  const scan = await scanImageFolder(root);
  assert.deepEqual(scan.skipped, details);
  assert.equal(scan.linksSkipped, 8);
});

test('a hard link reached twice is taken once; a FIFO named like an image is skipped, not read', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  linkSync(join(root, 'class0', 'a.png'), join(root, 'class0', 'sub', 'a-hard.png'));
  let fifo = false;
  try {
    execFileSync('mkfifo', [join(root, 'class1', 'pipe.png')]);
    fifo = true;
  } catch {
    // no mkfifo here: the FIFO part is not checked
  }
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.records.map((r) => [r.id, r.label]), REAL_IDS);
  const details = ds.report!.skippedDetails;
  assert.ok(details.some((l) => l.startsWith('class0/sub/a-hard.png: the same file as class0/a.png')), details.join(' | '));
  if (fifo) assert.ok(details.some((l) => l.startsWith('class1/pipe.png: not a regular file')), details.join(' | '));
});

test('a class emptied by the link rule is named with what was left out', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  mkdirSync(join(root, 'class2'));
  symlinkSync('../class1/d.png', join(root, 'class2', 'd.png'));
  await assert.rejects(loadImageFolder(root), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, /"class2" hold no \.png\/\.jpg\/\.jpeg images/);
    assert.match(e.message, /class2\/d\.png -> \.\.\/class1\/d\.png: symbolic link not followed: it leads to class1\/d\.png/);
    return true;
  });
});

test('byte-identical files: the first copy is kept, the others dropped and reported, label conflicts named', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  copyFileSync(join(root, 'class0', 'a.png'), join(root, 'class0', 'sub', 'a-copy.png'));
  copyFileSync(join(root, 'class0', 'b.png'), join(root, 'class1', 'b-as-class1.png'));
  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.records.map((r) => [r.id, r.label]), REAL_IDS, 'no image twice, so none can be in two splits');
  const report = ds.report!;
  assert.equal(report.skipped, 2);
  assert.equal(report.entriesRead, 7);
  assert.deepEqual(report.skippedDetails, [
    'class0/sub/a-copy.png: byte-identical to class0/a.png; dropped, the first copy is kept',
    'class1/b-as-class1.png: byte-identical to class0/b.png, which is labelled class0 (this copy says class1); dropped, the first copy is kept',
  ]);
  assert.ok(report.notes.some((n) => n.startsWith('2 image file(s) are byte-identical copies of earlier ones (2 group(s)') && /cannot be in two splits/.test(n)), report.notes.join(' | '));
  assert.ok(report.notes.some((n) => n.startsWith('1 group(s) of identical files carry different labels: class0/b.png (class0) = class1/b-as-class1.png (class1)')), report.notes.join(' | '));

  const kept = await loadImageFolder(root, { duplicates: 'keep' });
  assert.equal(kept.records.length, 7);
  assert.equal(kept.report!.skipped, 0);
  assert.ok(kept.report!.notes.some((n) => /all kept as asked.*different splits/.test(n)), kept.report!.notes.join(' | '));
  assert.ok(kept.report!.notes.some((n) => /carry different labels/.test(n)));
});

test('a class holding only copies of another class is an error that says to fix the labels', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  mkdirSync(join(root, 'class2'));
  copyFileSync(join(root, 'class1', 'd.png'), join(root, 'class2', 'd.png'));
  await assert.rejects(loadImageFolder(root), (e: unknown) => e instanceof DataError && /"class2" hold only byte-identical copies/.test(e.message) && /Fix the labels/.test(e.message));
  assert.equal((await loadImageFolder(root, { duplicates: 'keep' })).records.length, 6);
});

test('a large image is shrunk while decoding to a small record, close to the exact resize', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  // 4000 x 4000 from a 16 x 16 gradient: smooth, so the shrunk and exact results can be compared
  const small = Buffer.alloc(16 * 16 * 3);
  for (let i = 0; i < 256; i++) small.set([i, 255 - i, (i * 7) % 256], i * 3);
  const big = join(root, 'class1', 'big.png');
  await sharp(small, { raw: { width: 16, height: 16, channels: 3 } }).resize(4000, 4000, { kernel: 'linear' }).png().toFile(big);

  const read = await readImageFile(big, { imageSize: 32 });
  assert.equal(read.shrunkOnLoad, true);
  assert.deepEqual([read.width, read.height], [4000, 4000]);
  assert.deepEqual([read.record.height, read.record.width, read.record.channels, read.record.pixels.length], [32, 32, 3, 32 * 32 * 3]);
  const exact = resizeAndCenterCrop(await decodeImageFile(big), 32);
  let worst = 0;
  for (let i = 0; i < exact.pixels.length; i++) worst = Math.max(worst, Math.abs(exact.pixels[i] - read.record.pixels[i]));
  assert.ok(worst <= 4, `shrunk-on-load pixels within 4 levels of the exact resize, worst ${worst}`);

  const ds = await loadImageFolder(root, { imageSize: 32 });
  const record = ds.records.find((r) => r.id === 'class1/big.png')!;
  assert.deepEqual([record.height, record.width, record.pixels.length], [32, 32, 32 * 32 * 3]);
  assert.ok(ds.report!.notes.some((n) => /^1 image\(s\) larger than 4 times the target size \(32 pixels\), e\.g\. class1\/big\.png \(4000 x 4000\), were shrunk/.test(n)), ds.report!.notes.join(' | '));
  // images up to 4 times the size keep the exact path: the small ones are unchanged
  const a = ds.records.find((r) => r.id === 'class0/a.png')!;
  assert.ok(a.pixels.every((v) => v === 10));
});

/** A PNG that declares width x height in its header and holds no real pixels (a decompression bomb's header). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

test('an image over the pixel budget is refused before decoding, with a DataError naming the file, its size and what to do', async (t) => {
  const root = join(scratch(t), 'images');
  await twoClasses(root);
  const big = join(root, 'class1', 'big.png');
  await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080' } }).png().toFile(big);
  await assert.rejects(loadImageFolder(root, { imageSize: 32, maxPixels: 10_000_000 }), (e: unknown) => {
    assert.ok(e instanceof ImageTooLargeError && e instanceof DataError, String(e));
    assert.equal(e.code, 'DATA_ERROR');
    assert.deepEqual([e.file, e.width, e.height, e.maxPixels], [big, 4000, 4000, 10_000_000]);
    assert.match(e.message, /^Image file .*class1\/big\.png is 4000 x 4000 pixels \(16\.0 megapixels\), over the budget of 10\.0 megapixels for images shrunk while decoding\./);
    assert.match(e.message, /Shrink the file .*remove it.*raise maxPixels/);
    return true;
  });
  assert.equal((await loadImageFolder(root, { imageSize: 32 })).records.length, 6, 'within the default budget');

  // declared sizes are checked from the header: a 20000 x 20000 "PNG" of a few bytes is refused
  // (over the 268-megapixel default even when shrinking), and without a target size the budget
  // for images kept whole is 100 megapixels
  writeFileSync(big, pngHeaderOnly(20000, 20000));
  await assert.rejects(loadImageFolder(root, { imageSize: 32 }), (e: unknown) => e instanceof ImageTooLargeError && /20000 x 20000 pixels \(400\.0 megapixels\), over the budget of 268\.4 megapixels/.test(e.message));
  writeFileSync(big, pngHeaderOnly(12000, 10000));
  await assert.rejects(loadImageFolder(root), (e: unknown) => {
    assert.ok(e instanceof ImageTooLargeError, String(e));
    assert.match(e.message, /12000 x 10000 pixels \(120\.0 megapixels\), over the budget of 100\.0 megapixels for images kept at full size\. .*give a target image size \(imageSize\)/);
    return true;
  });
});
