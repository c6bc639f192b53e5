// Per-example predictions as CSV (RFC 4180): a header, one row per example, fields quoted when
// they hold a comma, a quote (doubled inside), a line break or leading/trailing spaces, so texts
// round-trip through any CSV reader. Written atomically: readers see no file or a whole one.
import { DataError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-file.js';

/** One field, quoted only when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text: header then rows, "\n" line ends, a final newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

export interface PredictionRow {
  /** The image path (relative to the folder) or the text. */
  item: string;
  label: number;
  prediction: number;
}

/** Writes `item,label,prediction` rows with class names; `itemColumn` is "path" or "text". */
export function writePredictionsCsv(path: string, itemColumn: 'path' | 'text', rows: readonly PredictionRow[], classNames: readonly string[]): void {
  const body = toCsv(
    [itemColumn, 'label', 'prediction'],
    rows.map((r) => [r.item, classNames[r.label], classNames[r.prediction]]),
  );
  try {
    writeFileAtomic(path, body);
  } catch (e) {
    throw new DataError(`cannot write the predictions to ${path}: ${(e as Error).message}. Pass a --predictions path in a writable folder.`);
  }
}
