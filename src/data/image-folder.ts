// Image folders in torchvision's ImageFolder layout: root/<class>/<image>, images possibly in
// nested folders below their class folder.
//
// As in torchvision: classes are the class folder names sorted by code point (Python's sorted()),
// a class's index is its position, images are found recursively in sorted order and kept when
// their extension is png, jpg or jpeg in any case; other files are ignored; a class without
// images is an error. Unlike torchvision, top-level folders whose name starts with "." (.git,
// .ipynb_checkpoints) are not classes. Record ids are paths relative to root with "/"
// separators, the same on every OS.
//
// Hostile folders (what torchvision does not guard against):
// - Symbolic links. Every folder and image file taken is keyed by its (device, inode), and
//   nothing is taken twice. Real folders and files are walked first (all classes), then links,
//   class by class in sorted order. A link (to a folder or an image file) is followed only when
//   its target exists, its real path lies inside the image folder's real path, and the target
//   was not taken before; otherwise it is skipped and reported (LoadReport.skippedDetails). So a
//   loop (class0/loop -> .), a link to the root or a parent (class0/up -> ..), a link into
//   another class and a link out of the folder add nothing; a link into a hidden store inside the
//   folder (cat/1.png -> ../.store/1.png) works. Hard links and bind mounts reached a second time
//   are skipped the same way. A top-level link is a class only under the same rule. FIFOs,
//   sockets and devices named like images are skipped (reading them could block forever).
// - Duplicate content. Byte-identical image files (sha256 of the bytes) are found and reported.
//   By default only the first copy (in class, then path order) is kept, so the same image can
//   never be in two splits; its label is that of the first copy, and groups whose copies carry
//   different labels are named in the report. duplicates: 'keep' keeps every copy (and says that
//   copies can then land in different splits).
// - Huge images. Each file's declared size is checked against a pixel budget before decoding,
//   and with a target imageSize large images are shrunk while decoding (images.ts, readImageFile),
//   so memory follows the target size, not the files.
import type { BigIntStats } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ArgumentError, DataError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import { EXACT_RESIZE_RATIO, readImageFile, type DecodedImageFile } from './images.js';
import type { ImageRecord, LabeledDataset, LoadReport } from './types.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFolderOptions {
  /**
   * Resize(imageSize) + CenterCrop(imageSize) each image as it is loaded, so records are small:
   * PIL-exact for images up to 4 times the size, shrunk by libvips while decoding beyond that.
   * Default: keep original sizes (and the smaller pixel budget for full-size decoding).
   */
  imageSize?: number;
  /**
   * Largest declared width x height accepted per image; larger files are refused with an
   * ImageTooLargeError (a DataError) before decoding. Default: 16383 x 16383 (268 megapixels)
   * with imageSize, 100 megapixels without (those images are kept whole).
   */
  maxPixels?: number;
  /** Byte-identical image files: 'drop' keeps the first copy only (default), 'keep' keeps all; both are reported. */
  duplicates?: 'drop' | 'keep';
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

const keyOf = (s: BigIntStats): string => `${s.dev}:${s.ino}`;

const errorCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The walk's shared state: what was taken (by device and inode), and what was skipped. */
interface Walk {
  realRoot: string;
  /** (device, inode) of every folder and image file taken -> its id ("." for the root). */
  taken: Map<string, string>;
  skipped: string[];
  /** Links not followed (missing target, outside the folder, already reached). */
  linksSkipped: number;
  /** Folders or files reached a second time without a link (hard links, bind mounts). */
  secondPaths: number;
}

/** One class's walk: image names per folder (relative id), and the links still to look at. */
interface ClassWalk {
  folders: Map<string, string[]>;
  links: { id: string; path: string }[];
}

const describeTaken = (id: string): string => (id === '.' ? 'the image folder itself' : id);

/** Takes the folder or file at `path` unless its (device, inode) was taken before. */
async function take(walk: Walk, path: string, id: string, what: 'folder' | 'file'): Promise<boolean> {
  const key = keyOf(await stat(path, { bigint: true }));
  const before = walk.taken.get(key);
  if (before !== undefined) {
    walk.secondPaths++;
    walk.skipped.push(`${id}: the same ${what} as ${describeTaken(before)} (a hard link or mount); skipped, it is already part of the dataset`);
    return false;
  }
  walk.taken.set(key, id);
  return true;
}

/** Walks the real (non-link) folders and files under `dir`, in sorted order; links are queued. */
async function walkReal(walk: Walk, cls: ClassWalk, dir: string, rel: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    walk.skipped.push(`${rel}: folder cannot be read (${errorCode(e)}); skipped`);
    return;
  }
  entries.sort((a, b) => compareCodePoints(a.name, b.name));
  const images: string[] = cls.folders.get(rel) ?? [];
  cls.folders.set(rel, images);
  const subfolders: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    const id = `${rel}/${e.name}`;
    if (e.isSymbolicLink()) cls.links.push({ id, path });
    else if (e.isDirectory()) {
      if (await take(walk, path, id, 'folder')) subfolders.push(e.name);
    } else if (isImageFile(e.name)) {
      if (!e.isFile()) walk.skipped.push(`${id}: not a regular file (a FIFO, socket or device); skipped`);
      else if (await take(walk, path, id, 'file')) images.push(e.name);
    }
  }
  for (const name of subfolders) await walkReal(walk, cls, join(dir, name), `${rel}/${name}`);
}

const isInside = (root: string, path: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Where a link leads, when it may be followed: its stats, or null after reporting why not (or
 * silently for a link to a non-image file, ignored like any other file).
 */
async function linkTarget(walk: Walk, id: string, path: string, asClass: boolean): Promise<BigIntStats | null> {
  const shown = `${id} -> ${await readlink(path).catch(() => '?')}`;
  const not = asClass ? 'not a class' : 'symbolic link not followed';
  const refuse = (why: string): null => {
    walk.linksSkipped++;
    walk.skipped.push(`${shown}: ${not}: ${why}`);
    return null;
  };
  let target: BigIntStats;
  try {
    target = await stat(path, { bigint: true });
  } catch (e) {
    return refuse(`its target cannot be reached (${errorCode(e)})`);
  }
  if (!target.isDirectory() && (asClass || !isImageFile(id))) return null;
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    return refuse(`its target cannot be resolved (${errorCode(e)})`);
  }
  if (!isInside(walk.realRoot, real)) return refuse(`it points outside the image folder (to ${real}); copy what it points to into the folder to use it`);
  const before = walk.taken.get(keyOf(target));
  if (before !== undefined) return refuse(`it leads to ${describeTaken(before)}, already part of the dataset (a loop or a second path to it)`);
  if (!target.isDirectory() && !target.isFile()) return refuse('its target is not a regular file (a FIFO, socket or device)');
  walk.taken.set(keyOf(target), id);
  return target;
}

/** Follows a class's queued links in order; links found in followed folders join the queue. */
async function followLinks(walk: Walk, cls: ClassWalk): Promise<void> {
  for (let i = 0; i < cls.links.length; i++) {
    const { id, path } = cls.links[i];
    const target = await linkTarget(walk, id, path, false);
    if (!target) continue;
    const slash = id.lastIndexOf('/');
    if (target.isDirectory()) await walkReal(walk, cls, path, id);
    else cls.folders.get(id.slice(0, slash))!.push(id.slice(slash + 1));
  }
}

export interface ImageFolderScan {
  classNames: string[];
  /** Per class, its image paths relative to root, in torchvision's order. */
  files: string[][];
  /** One line per entry left out: links not followed, second paths, unreadable folders, non-regular files. */
  skipped: string[];
  /** How many of `skipped` are links not followed, and how many are second paths without a link. */
  linksSkipped: number;
  secondPaths: number;
  /** The root's real path (links must stay inside it). */
  realRoot: string;
}

/** Class names (sorted folder names) and, per class, its image paths relative to root; see the rules above. */
export async function scanImageFolder(root: string): Promise<ImageFolderScan> {
  let rootStat: BigIntStats;
  try {
    rootStat = await stat(root, { bigint: true });
  } catch {
    throw new DataError(`Image folder ${root} does not exist. Expected a folder laid out as <root>/<class>/<image>.`);
  }
  if (!rootStat.isDirectory()) throw new DataError(`Image folder ${root} is a file, not a folder. Expected a folder laid out as <root>/<class>/<image>.`);
  const walk: Walk = { realRoot: await realpath(root), taken: new Map([[keyOf(rootStat), '.']]), skipped: [], linksSkipped: 0, secondPaths: 0 };
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => compareCodePoints(a.name, b.name));
  const classes = new Map<string, ClassWalk>();
  // real class folders first, then top-level links, which become classes under the link rule
  for (const e of entries) {
    if (!e.isDirectory() || !(await take(walk, join(root, e.name), e.name, 'folder'))) continue;
    const cls: ClassWalk = { folders: new Map(), links: [] };
    classes.set(e.name, cls);
    await walkReal(walk, cls, join(root, e.name), e.name);
  }
  for (const e of entries) {
    if (!e.isSymbolicLink()) continue;
    const target = await linkTarget(walk, e.name, join(root, e.name), true);
    if (!target) continue;
    const cls: ClassWalk = { folders: new Map(), links: [] };
    classes.set(e.name, cls);
    await walkReal(walk, cls, join(root, e.name), e.name);
  }
  const classNames = [...classes.keys()].sort(compareCodePoints);
  if (classNames.length === 0) {
    const why = walk.skipped.length > 0 ? ` Left out: ${walk.skipped.slice(0, 3).join('; ')}.` : '';
    throw new DataError(`Image folder ${root} has no class folders. Expected one sub-folder per class (<root>/<class>/<image>), found none.${why}`);
  }
  for (const name of classNames) await followLinks(walk, classes.get(name)!);
  const files = classNames.map((name) =>
    [...classes.get(name)!.folders]
      .sort(([a], [b]) => compareCodePoints(a, b))
      .flatMap(([rel, images]) => images.sort(compareCodePoints).map((image) => `${rel}/${image}`)),
  );
  const empty = classNames.filter((_, i) => files[i].length === 0);
  if (empty.length > 0) {
    const left = walk.skipped.filter((line) => empty.some((name) => line.startsWith(`${name}/`)));
    const why = left.length > 0 ? ` Left out below them: ${left.slice(0, 3).join('; ')}${left.length > 3 ? ` and ${left.length - 3} more` : ''}.` : '';
    throw new DataError(
      `Image folder ${root}: class folder(s) ${empty.map((n) => `"${n}"`).join(', ')} hold no ${IMAGE_EXTENSIONS.join('/')} images. ` +
        `Every class needs at least one image: add images or remove the folder(s).${why}`,
    );
  }
  return { classNames, files, skipped: walk.skipped, linksSkipped: walk.linksSkipped, secondPaths: walk.secondPaths, realRoot: walk.realRoot };
}

/**
 * Runs `work` over `items` with at most `limit` in flight; results keep the items' order. On
 * failure no more items start, those in flight finish, and the error of the first failing item
 * in order is thrown: every item before it was started, so the same item is named every time.
 */
async function mapWithConcurrency<T, U>(items: readonly T[], limit: number, work: (item: T) => Promise<U>): Promise<U[]> {
  const results = new Array<U>(items.length);
  const errors = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.size === 0) {
      const i = next++;
      try {
        results[i] = await work(items[i]);
      } catch (e) {
        errors.set(i, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.size > 0) throw errors.get(Math.min(...errors.keys()));
  return results;
}

const EXAMPLES = 5;

/**
 * Byte-identical files: the records to keep, with report lines. Copies are matched by sha256;
 * the first copy in record order (class, then path) is the one kept when dropping.
 */
function handleDuplicates(loaded: readonly DecodedImageFile[], classNames: readonly string[], mode: 'drop' | 'keep'): { records: ImageRecord[]; dropped: string[]; notes: string[] } {
  const groups = new Map<string, DecodedImageFile[]>();
  for (const l of loaded) {
    const group = groups.get(l.sha256);
    if (group) group.push(l);
    else groups.set(l.sha256, [l]);
  }
  const copies = [...groups.values()].filter((g) => g.length > 1);
  if (copies.length === 0) return { records: loaded.map((l) => l.record), dropped: [], notes: [] };
  const extra = copies.reduce((n, g) => n + g.length - 1, 0);
  const conflicts = copies.filter((g) => g.some((l) => l.record.label !== g[0].record.label));
  const show = (g: DecodedImageFile[]): string => g.map((l) => `${l.record.id} (${classNames[l.record.label]})`).join(' = ');
  const examples = (list: DecodedImageFile[][]): string => list.slice(0, EXAMPLES).map(show).join('; ') + (list.length > EXAMPLES ? `; and ${list.length - EXAMPLES} more` : '');
  const notes: string[] = [];
  const dropped: string[] = [];
  let records: ImageRecord[];
  if (mode === 'drop') {
    const drop = new Set(copies.flatMap((g) => g.slice(1)));
    records = loaded.filter((l) => !drop.has(l)).map((l) => l.record);
    for (const g of copies) {
      for (const l of g.slice(1)) {
        const label = l.record.label === g[0].record.label ? '' : `, which is labelled ${classNames[g[0].record.label]} (this copy says ${classNames[l.record.label]})`;
        dropped.push(`${l.record.id}: byte-identical to ${g[0].record.id}${label}; dropped, the first copy is kept`);
      }
    }
    notes.push(
      `${extra} image file(s) are byte-identical copies of earlier ones (${copies.length} group(s), e.g. ${examples(copies)}): only the first copy of each is kept, so one image cannot be in two splits.`,
    );
    const emptied = classNames.filter((_, c) => loaded.some((l) => l.record.label === c) && !records.some((r) => r.label === c));
    if (emptied.length > 0) {
      throw new DataError(
        `Class folder(s) ${emptied.map((n) => `"${n}"`).join(', ')} hold only byte-identical copies of images in other classes (${examples(conflicts)}): ` +
          `the same image cannot carry two labels. Fix the labels (remove the copies from the wrong class), or load with duplicates: 'keep'.`,
      );
    }
  } else {
    records = loaded.map((l) => l.record);
    notes.push(
      `${extra} image file(s) are byte-identical copies of earlier ones (${copies.length} group(s), e.g. ${examples(copies)}), all kept as asked (duplicates: 'keep'): ` +
        `copies can land in different splits (train and test), which inflates test accuracy.`,
    );
  }
  if (conflicts.length > 0) {
    notes.push(
      `${conflicts.length} group(s) of identical files carry different labels: ${examples(conflicts)}. ` +
        (mode === 'drop' ? 'Each is kept once, with the label of its first copy; fix the labels at the source.' : 'Fix the labels at the source.'),
    );
  }
  return { records, dropped, notes };
}

/**
 * Loads every image of an ImageFolder (see the rules at the top of this file). Unreadable images
 * and images over the pixel budget give a DataError naming the file; links, second paths and
 * duplicates left out are listed in the dataset's report.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<LabeledDataset<ImageRecord>> {
  const { imageSize, maxPixels, duplicates = 'drop', concurrency = 4 } = options;
  if (imageSize !== undefined && (!Number.isInteger(imageSize) || imageSize < 1)) {
    throw new ArgumentError(`loadImageFolder: imageSize must be a positive integer, got ${imageSize}`);
  }
  if (maxPixels !== undefined && (!Number.isInteger(maxPixels) || maxPixels < 1)) {
    throw new ArgumentError(`loadImageFolder: maxPixels must be a positive integer, got ${maxPixels}`);
  }
  if (duplicates !== 'drop' && duplicates !== 'keep') throw new ArgumentError(`loadImageFolder: duplicates must be 'drop' or 'keep', got ${String(duplicates)}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ArgumentError(`loadImageFolder: concurrency must be a positive integer, got ${concurrency}`);
  const scan = await scanImageFolder(root);
  const { classNames, files } = scan;
  const jobs = files.flatMap((paths, label) => paths.map((id) => ({ id, label })));
  const absRoot = resolve(root);
  const loaded = await mapWithConcurrency(jobs, concurrency, ({ id, label }) => readImageFile(join(absRoot, ...id.split('/')), { id, label, imageSize, maxPixels }));
  const { records, dropped, notes: duplicateNotes } = handleDuplicates(loaded, classNames, duplicates);
  const notes: string[] = [];
  if (scan.linksSkipped + scan.secondPaths > 0) {
    notes.push(
      `${scan.linksSkipped} symbolic link(s) not followed and ${scan.secondPaths} second path(s) to a folder or file skipped (see the skipped entries). ` +
        `A link is followed only when its target exists, lies inside the image folder (${scan.realRoot}) and was not reached before; nothing is read twice.`,
    );
  }
  notes.push(...duplicateNotes);
  const shrunk = loaded.filter((l) => l.shrunkOnLoad);
  if (shrunk.length > 0) {
    notes.push(
      `${shrunk.length} image(s) larger than ${EXACT_RESIZE_RATIO} times the target size (${imageSize} pixels), e.g. ${shrunk[0].record.id} (${shrunk[0].width} x ${shrunk[0].height}), ` +
        `were shrunk by libvips while decoding, then resized exactly: their pixels are close to, not exactly, torchvision's.`,
    );
  }
  if (imageSize !== undefined && loaded.length > 0) {
    // Records are kept at the target size, so what the files held is said here.
    const sizes = new Map<string, number>();
    for (const l of loaded) sizes.set(`${l.width}x${l.height}`, (sizes.get(`${l.width}x${l.height}`) ?? 0) + 1);
    const shown = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${n} of ${k}`).join(', ');
    notes.push(`The files are ${shown}${sizes.size > 4 ? ', and other sizes' : ''} pixels; each was resized to ${imageSize}x${imageSize} as it was loaded`);
  }
  const skippedDetails = [...scan.skipped, ...dropped];
  const report: LoadReport = { entriesRead: loaded.length + scan.skipped.length, skipped: skippedDetails.length, skippedDetails, notes };
  return { name: options.name ?? root, classNames, records, contentHash: datasetContentHash(classNames, records), report };
}
