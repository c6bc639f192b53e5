// The records every data source produces, and the splits made from them. Plain data: no tensors
// here, so datasets can be hashed, split and cached before any engine work.

/** One image, pixels row-major HWC, 0-255. */
export interface ImageRecord {
  /** Stable identity within its dataset: "mnist/3/0042" or a path relative to an image folder. */
  id: string;
  label: number;
  height: number;
  width: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

export interface TextRecord {
  id: string;
  label: number;
  text: string;
}

export interface LabeledDataset<R extends { id: string; label: number }> {
  /** Registry name ("mnist") or the path it was read from. */
  name: string;
  classNames: string[];
  records: R[];
  /** sha256 over the records' ids, labels and contents, so runs can prove which data they used. */
  contentHash: string;
  /** What the loader skipped or noticed in its source (absent when the loader has nothing to say). */
  report?: LoadReport;
}

/** A loader's account of its source, for reports: what it read, what it skipped and why. */
export interface LoadReport {
  /** Entries found in the source, valid or not. */
  entriesRead: number;
  /** Entries left out as invalid. */
  skipped: number;
  /** One line per skipped entry (or group of entries), saying where it was and what was wrong. */
  skippedDetails: string[];
  /** Other facts worth reporting (duplicates, class imbalance, ...). */
  notes: string[];
}

export interface DataSplit<R> {
  train: R[];
  validation: R[];
  test: R[];
  seed: number;
  contentHash: string;
  /** Examples per class in each part, for reports. */
  counts: { train: number[]; validation: number[]; test: number[] };
}
