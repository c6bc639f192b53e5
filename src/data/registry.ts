// The dataset registry: every named dataset the CLI and experiments can ask for.
//
// A dataset module exports a small entry { name, modality, description, role?, load(options) }
// (its shape in dataset-entry.ts) and is listed in BUILTIN_DATASETS below: one import and one
// array element per module. The registry imports dataset modules, never the other way round, so
// nothing depends on which module happened to be imported first.
// registerDataset adds entries at run time (user folders, tests).
import { ArgumentError, DataError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';
import type { ImageRecord, LabeledDataset, TextRecord } from './types.js';
import type { DatasetEntry, DatasetLoadOptions, DatasetRole } from './dataset-entry.js';
import { fashionMnistDataset, mnistDataset } from './vision-datasets.js';
import { proseDataset, spamAssassinDataset } from './text-datasets.js';

export type { DatasetRole, DatasetLoadOptions, VisionDatasetEntry, TextDatasetEntry, DatasetEntry } from './dataset-entry.js';

const BUILTIN_DATASETS: readonly DatasetEntry[] = [fashionMnistDataset, mnistDataset, spamAssassinDataset, proseDataset];

const entries = new Map<string, DatasetEntry>();

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** Adds an entry; re-registering the same entry object is a no-op, another entry under a taken name is an error. */
export function registerDataset(entry: DatasetEntry): void {
  if (!NAME_PATTERN.test(entry.name)) {
    throw new ArgumentError(`registerDataset: name must be lower-case letters, digits, ".", "_" or "-" (starting with a letter or digit), got "${entry.name}"`);
  }
  const modality: unknown = entry.modality; // checked at run time too: entries may come from plain JS
  if (modality !== 'vision' && modality !== 'text') {
    throw new ArgumentError(`registerDataset: ${entry.name}: modality must be 'vision' or 'text', got ${JSON.stringify(modality)}`);
  }
  if (typeof entry.load !== 'function') throw new ArgumentError(`registerDataset: ${entry.name}: load must be a function returning a Promise of a LabeledDataset`);
  const existing = entries.get(entry.name);
  if (existing === entry) return;
  if (existing) throw new ArgumentError(`registerDataset: a dataset named "${entry.name}" is already registered (${existing.description}); pick another name`);
  entries.set(entry.name, entry);
}

/** Removes a run-time entry (built-in entries cannot be removed). */
export function unregisterDataset(name: string): boolean {
  if (BUILTIN_DATASETS.some((e) => e.name === name)) throw new ArgumentError(`unregisterDataset: "${name}" is built in and cannot be removed`);
  return entries.delete(name);
}

for (const entry of BUILTIN_DATASETS) registerDataset(entry);

/** The entry named `name`; a DataError listing the known names when there is none. */
export function getDataset(name: string): DatasetEntry {
  const entry = entries.get(name);
  if (!entry) {
    throw new DataError(`Unknown dataset "${name}". Registered datasets: ${[...entries.keys()].sort().join(', ') || '(none)'}.`);
  }
  return entry;
}

/** Entries sorted by name, optionally only one modality and/or role. */
export function listDatasets(filter: { modality?: Modality; role?: DatasetRole } = {}): DatasetEntry[] {
  return [...entries.values()]
    .filter((e) => (filter.modality === undefined || e.modality === filter.modality) && (filter.role === undefined || e.role === filter.role))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Loads a registered dataset by name. */
export async function loadDataset(name: string, options?: DatasetLoadOptions): Promise<LabeledDataset<ImageRecord> | LabeledDataset<TextRecord>> {
  return getDataset(name).load(options);
}
