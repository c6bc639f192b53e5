// Deterministic, stratified train / validation / test splits with a per-class label budget.
//
// Per class: sort the records by id (so the split depends on the set of records, not on load
// order), shuffle with a PRNG seeded from (seed, label), then take test first, validation next
// and training from what is left, at most `trainPerClass` of it. Taking test first means the
// test set depends only on the seed and the test size: changing the label budget or the
// validation size never moves an example into or out of test, and a smaller budget's training
// set is a prefix of a larger one's, so budgets compare on the same test set. Parts are disjoint
// by construction; checkDisjointSplit verifies it on ids.
//
// A dataset must have at least two classes: on one class every classifier scores 100% accuracy,
// a number that means nothing. Checking here covers every dataset (text tables, image folders,
// built-in ones), since each is split before it is trained or evaluated on.
import { ArgumentError, DataError } from '../errors.js';
import { compareIds } from './hash.js';
import type { DataSplit, LabeledDataset } from './types.js';

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a 32-bit state advanced by a Weyl constant and
 * mixed with multiply-xorshift steps. Only integer ops (Math.imul, shifts), so the sequence is
 * identical on every machine. Returns floats in [0, 1) with 32 random bits.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per (seed, stream): the golden-ratio multiple spreads stream ids apart. */
function streamSeed(seed: number, stream: number): number {
  return (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
}

/** Fisher-Yates shuffle in place. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A part's size per class: a fraction of the class (rounded, at least 1 when > 0) or a count. */
export type PartSize = { fraction: number } | { perClass: number };

export interface SplitOptions {
  /** Integer in [0, 2^32). */
  seed: number;
  /** Default { fraction: 0.2 }. */
  test?: PartSize;
  /** Default { fraction: 0.1 }. */
  validation?: PartSize;
  /** Label budget: at most this many training examples per class (default: all that remain). */
  trainPerClass?: number;
}

function checkPartSize(size: PartSize, what: string): void {
  if ('fraction' in size) {
    if (!(size.fraction >= 0 && size.fraction < 1)) throw new ArgumentError(`split: ${what}.fraction must be in [0, 1), got ${size.fraction}`);
  } else if (!Number.isInteger(size.perClass) || size.perClass < 0) {
    throw new ArgumentError(`split: ${what}.perClass must be a non-negative integer, got ${size.perClass}`);
  }
}

function partCount(size: PartSize, classSize: number): number {
  if ('perClass' in size) return size.perClass;
  return size.fraction > 0 ? Math.max(1, Math.round(classSize * size.fraction)) : 0;
}

/** A seeded, stratified split of `dataset`; throws a DataError naming any class that cannot give what is asked. */
export function splitDataset<R extends { id: string; label: number }>(dataset: LabeledDataset<R>, options: SplitOptions): DataSplit<R> {
  const { seed, trainPerClass } = options;
  const test = options.test ?? { fraction: 0.2 };
  const validation = options.validation ?? { fraction: 0.1 };
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`split: seed must be an integer in [0, 2^32), got ${seed}`);
  checkPartSize(test, 'test');
  checkPartSize(validation, 'validation');
  if ('fraction' in test && 'fraction' in validation && test.fraction + validation.fraction >= 1) {
    throw new ArgumentError(`split: test and validation fractions add up to ${test.fraction + validation.fraction}; they must leave something for training (sum < 1)`);
  }
  if (trainPerClass !== undefined && (!Number.isInteger(trainPerClass) || trainPerClass < 1)) {
    throw new ArgumentError(`split: trainPerClass must be a positive integer, got ${trainPerClass}`);
  }

  checkClassCount(dataset);
  const byClass = groupByClass(dataset);
  const parts = { train: [] as R[], validation: [] as R[], test: [] as R[] };
  const counts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  byClass.forEach((members, label) => {
    const name = `"${dataset.classNames[label]}" (label ${label})`;
    const nTest = partCount(test, members.length);
    const nVal = partCount(validation, members.length);
    const left = members.length - nTest - nVal;
    if (left < 1) {
      throw new DataError(
        `Class ${name} has ${members.length} examples: too few to split into ${nTest} test + ${nVal} validation + at least 1 training. ` +
          `Add examples to this class, drop it, or ask for smaller test/validation parts.`,
      );
    }
    if (trainPerClass !== undefined && trainPerClass > left) {
      throw new DataError(
        `Label budget of ${trainPerClass} training examples per class is more than class ${name} can give: it has ${members.length} examples, ` +
          `${nTest} go to test and ${nVal} to validation, leaving ${left}. Lower trainPerClass to at most ${left}, or shrink test/validation.`,
      );
    }
    const nTrain = trainPerClass ?? left;
    members.sort((a, b) => compareIds(a.id, b.id));
    shuffle(members, mulberry32(streamSeed(seed, label)));
    parts.test.push(...members.slice(0, nTest));
    parts.validation.push(...members.slice(nTest, nTest + nVal));
    parts.train.push(...members.slice(nTest + nVal, nTest + nVal + nTrain));
    counts.test.push(nTest);
    counts.validation.push(nVal);
    counts.train.push(nTrain);
  });
  // Interleave classes so a consumer that reads in order does not see one class at a time.
  const classCount = dataset.classNames.length;
  shuffle(parts.train, mulberry32(streamSeed(seed, classCount)));
  shuffle(parts.validation, mulberry32(streamSeed(seed, classCount + 1)));
  shuffle(parts.test, mulberry32(streamSeed(seed, classCount + 2)));
  const split: DataSplit<R> = { ...parts, seed, contentHash: dataset.contentHash, counts };
  checkDisjointSplit(split);
  return split;
}

/** At least two classes, or a DataError naming the dataset and the class it has. */
function checkClassCount(dataset: LabeledDataset<{ id: string; label: number }>): void {
  const classes = dataset.classNames;
  if (classes.length >= 2) return;
  const found =
    classes.length === 0
      ? `no classes (${dataset.records.length} records)`
      : `a single class, ${JSON.stringify(classes[0])} (${dataset.records.length} records)`;
  throw new DataError(
    `Dataset ${dataset.name} has ${found}; expected at least two classes to train and evaluate a classifier (on one class every model scores 100% accuracy, which means nothing). ` +
      `Check the label column or folder layout, or add examples of the other classes.`,
  );
}

/** Records per label, every label in range and every class non-empty. */
function groupByClass<R extends { id: string; label: number }>(dataset: LabeledDataset<R>): R[][] {
  const groups: R[][] = dataset.classNames.map(() => []);
  const ids = new Set<string>();
  for (const r of dataset.records) {
    if (!Number.isInteger(r.label) || r.label < 0 || r.label >= groups.length) {
      throw new DataError(`Record "${r.id}" has label ${r.label}, but dataset ${dataset.name} has ${groups.length} classes (labels 0..${groups.length - 1}).`);
    }
    if (ids.has(r.id)) throw new DataError(`Dataset ${dataset.name} has two records with id "${r.id}": ids must be unique to keep splits disjoint.`);
    ids.add(r.id);
    groups[r.label].push(r);
  }
  return groups;
}

/** Throws a DataError if any id appears in two parts of a split (or twice in one part). */
export function checkDisjointSplit(split: Pick<DataSplit<{ id: string }>, 'train' | 'validation' | 'test'>): void {
  const seen = new Map<string, string>();
  for (const part of ['test', 'validation', 'train'] as const) {
    for (const r of split[part]) {
      const before = seen.get(r.id);
      if (before !== undefined) throw new DataError(`Split leaks record "${r.id}": it is in ${before} and in ${part}. Parts must be disjoint.`);
      seen.set(r.id, part);
    }
  }
}
