// What a dataset module exports for the registry: { name, modality, description, role?, load }.
// Apart from the registry so that dataset modules can name these types without importing the
// registry, which imports them.
import type { ImageRecord, LabeledDataset, TextRecord } from './types.js';

/** 'source': data to pretrain/adapt from; 'target': the task the adaptation is judged on. */
export type DatasetRole = 'source' | 'target';
/** Loader options as they come from code or CLI flags; each loader checks its own keys. */
export type DatasetLoadOptions = Readonly<Record<string, unknown>>;

interface DatasetEntryBase {
  /** Lower-case registry key: "fashion-mnist". */
  name: string;
  /** One line for listings: what it is, how big, where it comes from. */
  description: string;
  role?: DatasetRole;
}

export interface VisionDatasetEntry extends DatasetEntryBase {
  modality: 'vision';
  load(options?: DatasetLoadOptions): Promise<LabeledDataset<ImageRecord>>;
}

export interface TextDatasetEntry extends DatasetEntryBase {
  modality: 'text';
  load(options?: DatasetLoadOptions): Promise<LabeledDataset<TextRecord>>;
}

export type DatasetEntry = VisionDatasetEntry | TextDatasetEntry;
