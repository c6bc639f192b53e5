// Image folders in torchvision's ImageFolder layout: root/<class>/<image>, images possibly in
// nested folders below their class folder.
//
// As in torchvision: classes are the class folder names sorted by code point (Python's sorted()),
// a class's index is its position, images are found recursively (following symbolic links) in
// sorted order and kept when their extension is png, jpg or jpeg in any case; other files are
// ignored; a class without images is an error. Unlike torchvision, top-level folders whose name
// starts with "." (.ipynb_checkpoints, .git) are not classes. Record ids are paths relative to
// root with "/" separators, the same on every OS.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ArgumentError, DataError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import { loadImageFile } from './images.js';
import type { ImageRecord, LabeledDataset } from './types.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFolderOptions {
  /** Resize(imageSize) + CenterCrop(imageSize) each image as it is loaded (keeps memory small). Default: keep original sizes. */
  imageSize?: number;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  /** Dataset name (default: the root path as given). */
  name?: string;
}

/** Python's sorted() order for str: by code point (JS's default sort compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** Whether a directory entry is a folder, following symbolic links (as os.walk(followlinks=True) does). */
async function isFolder(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return stat(join(dir, entry.name)).then((s) => s.isDirectory(), () => false);
}

/** Folders under `dir` (itself included) with their image file names, paths relative with "/" separators. */
async function walkFolders(dir: string, rel: string, out: { rel: string; images: string[] }[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const images: string[] = [];
  for (const e of entries) {
    if (await isFolder(dir, e)) await walkFolders(join(dir, e.name), `${rel}/${e.name}`, out);
    else if (isImageFile(e.name)) images.push(e.name);
  }
  out.push({ rel, images: images.sort(compareCodePoints) });
}

/**
 * Image paths of one class folder, relative to root, in torchvision's order: folders sorted by
 * their whole path (sorted(os.walk(...))), then the files of each folder sorted by name.
 */
async function findClassImages(root: string, className: string): Promise<string[]> {
  const folders: { rel: string; images: string[] }[] = [];
  await walkFolders(join(root, className), className, folders);
  folders.sort((a, b) => compareCodePoints(a.rel, b.rel));
  return folders.flatMap((f) => f.images.map((name) => `${f.rel}/${name}`));
}

/** Class names (sorted folder names) and, per class, its image paths relative to root. */
export async function scanImageFolder(root: string): Promise<{ classNames: string[]; files: string[][] }> {
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new DataError(`Image folder ${root} does not exist. Expected a folder laid out as <root>/<class>/<image>.`);
  }
  if (!isDir) throw new DataError(`Image folder ${root} is a file, not a folder. Expected a folder laid out as <root>/<class>/<image>.`);
  const entries = await readdir(root, { withFileTypes: true });
  const folderFlags = await Promise.all(entries.map((e) => isFolder(root, e)));
  const classNames = entries
    .filter((e, i) => folderFlags[i] && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(compareCodePoints);
  if (classNames.length === 0) {
    throw new DataError(`Image folder ${root} has no class folders. Expected one sub-folder per class (<root>/<class>/<image>), found none.`);
  }
  const files = await Promise.all(classNames.map((name) => findClassImages(root, name)));
  const empty = classNames.filter((_, i) => files[i].length === 0);
  if (empty.length > 0) {
    throw new DataError(
      `Image folder ${root}: class folder(s) ${empty.map((n) => `"${n}"`).join(', ')} hold no ${IMAGE_EXTENSIONS.join('/')} images. ` +
        `Every class needs at least one image: add images or remove the folder(s).`,
    );
  }
  return { classNames, files };
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
async function mapWithConcurrency<T, U>(items: readonly T[], limit: number, work: (item: T) => Promise<U>): Promise<U[]> {
  const results = new Array<U>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await work(items[i]);
      } catch (e) {
        failed = true; // stop the other workers from starting more items
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Loads every image of an ImageFolder; unreadable images give a DataError naming the file. */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<LabeledDataset<ImageRecord>> {
  const { imageSize, concurrency = 4 } = options;
  if (imageSize !== undefined && (!Number.isInteger(imageSize) || imageSize < 1)) {
    throw new ArgumentError(`loadImageFolder: imageSize must be a positive integer, got ${imageSize}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ArgumentError(`loadImageFolder: concurrency must be a positive integer, got ${concurrency}`);
  const { classNames, files } = await scanImageFolder(root);
  const jobs = files.flatMap((paths, label) => paths.map((id) => ({ id, label })));
  const absRoot = resolve(root);
  const records = await mapWithConcurrency(jobs, concurrency, ({ id, label }) => loadImageFile(join(absRoot, ...id.split('/')), { id, label, imageSize }));
  return { name: options.name ?? root, classNames, records, contentHash: datasetContentHash(classNames, records) };
}
