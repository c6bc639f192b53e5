// Labeled text from a table file: CSV with a header row (parsed by csv-parse, so quoted fields may
// hold commas, doubled quotes and line breaks) or JSONL (one JSON object per line).
//
// Labels are class names. Without an explicit `classNames` list, the classes are the distinct
// labels sorted in plain code-unit order ("neg" < "pos"; "B" < "a"), except that when every label
// is a non-negative integer ("0", "1", "10") they are sorted numerically, so a file already using
// class indices 0..K-1 keeps them. An explicit list fixes the order (and rejects other labels).
//
// Nothing is lost silently: bytes that are not UTF-8 are an error naming the row (a Latin-1 file
// would otherwise turn "café" into "caf\uFFFD" and change the texts), unless the caller opts into
// replacement with encoding: 'utf8-replace'; a CSV header naming a column twice is an error too
// (which of the two would be read is arbitrary).
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import { compareIds, datasetContentHash } from './hash.js';
import type { LabeledDataset, TextRecord } from './types.js';

export interface TextTableOptions {
  /** Column (CSV) or field (JSONL) holding the text. Default "text". */
  textColumn?: string;
  /** Column or field holding the class name. Default "label". */
  labelColumn?: string;
  /** Column or field with a unique id per row; default ids are "row-<n>" (n = 1-based data row). */
  idColumn?: string;
  /** The classes in index order; labels outside it are an error. Default: sorted distinct labels. */
  classNames?: readonly string[];
  /** Default from the extension: .csv -> csv, .jsonl/.ndjson -> jsonl. */
  format?: 'csv' | 'jsonl';
  /** Dataset name; default the path. */
  name?: string;
  /**
   * 'utf8' (default): bytes that are not valid UTF-8 are a DataError naming the row.
   * 'utf8-replace': they are read as U+FFFD, as most editors do.
   */
  encoding?: 'utf8' | 'utf8-replace';
}

/** One row before validation, with where it came from for messages. */
interface RawRow {
  text: unknown;
  label: unknown;
  id: unknown;
  where: string;
}

export function readTextTable(path: string, options: TextTableOptions = {}): LabeledDataset<TextRecord> {
  if (!existsSync(path)) throw new DataError(`text table not found: ${path} (working directory ${process.cwd()}). Check the path.`);
  const format = options.format ?? formatFromExtension(path);
  const columns = { text: options.textColumn ?? 'text', label: options.labelColumn ?? 'label', id: options.idColumn };
  const content = readTableText(path, format, options.encoding);
  const rows = format === 'csv' ? csvRows(path, content, columns) : jsonlRows(path, content, columns);
  if (rows.length === 0) throw new DataError(`${path} has no data rows; expected a header and at least one row (CSV) or one JSON object per line (JSONL).`);
  return buildDataset(path, rows, columns, options);
}

/**
 * The texts of an unlabeled table (a `text` column or field; a label column, if any, is not read),
 * in file order, each non-empty.
 */
export function readTexts(path: string, options: Pick<TextTableOptions, 'textColumn' | 'format' | 'encoding'> = {}): string[] {
  if (!existsSync(path)) throw new DataError(`text table not found: ${path} (working directory ${process.cwd()}). Check the path.`);
  const format = options.format ?? formatFromExtension(path);
  const columns: Columns = { text: options.textColumn ?? 'text', label: null };
  const content = readTableText(path, format, options.encoding);
  const rows = format === 'csv' ? csvRows(path, content, columns) : jsonlRows(path, content, columns);
  if (rows.length === 0) throw new DataError(`${path} has no data rows; expected a header and at least one row (CSV) or one JSON object per line (JSONL).`);
  return rows.map((row) => {
    if (typeof row.text !== 'string' || row.text.trim() === '') {
      throw new DataError(`${path}: ${row.where}: empty text in "${columns.text}" (found ${JSON.stringify(row.text)}); every row needs non-empty text. Remove or fill the row.`);
    }
    return row.text;
  });
}

function formatFromExtension(path: string): 'csv' | 'jsonl' {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new DataError(`${path}: cannot tell the format from the extension "${ext}"; expected .csv, .jsonl or .ndjson: rename the file (or pass format: 'csv' | 'jsonl' in the library).`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The index of the first byte that starts an invalid UTF-8 sequence (WHATWG rules: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The file's text. Invalid UTF-8 is a DataError naming the row (CSV: the data row, counted as in
 * other messages; JSONL: the line) unless `encoding` is 'utf8-replace'.
 */
function readTableText(path: string, format: 'csv' | 'jsonl', encoding: TextTableOptions['encoding'] = 'utf8'): string {
  if (encoding !== 'utf8' && encoding !== 'utf8-replace') {
    throw new DataError(`${path}: unknown encoding ${JSON.stringify(encoding)}; expected 'utf8' (invalid bytes are an error) or 'utf8-replace' (invalid bytes read as U+FFFD).`);
  }
  const bytes = readFileSync(path);
  if (encoding === 'utf8-replace') return bytes.toString('utf8');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // located below
  }
  const at = firstInvalidUtf8(bytes);
  const lineStart = at < 0 ? 0 : bytes.lastIndexOf(0x0a, at - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  const shown = at < 0 ? '' : [...bytes.subarray(at, Math.min(at + 4, bytes.length))].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
  let where = `line ${line}`;
  if (format === 'csv' && at >= 0) {
    // The row is the CSV record that spans this line; records are counted on the replaced text.
    try {
      const parsed = parseCsv(bytes.toString('utf8'), { bom: true, info: true, skip_empty_lines: true }) as unknown as { info: { lines: number } }[];
      const r = parsed.findIndex((p) => p.info.lines >= line);
      if (r === 0) where = `the header (line ${line})`;
      else if (r > 0) where = `row ${r} (ending on line ${parsed[r].info.lines})`;
    } catch {
      // not valid CSV either: the line is all we can name
    }
  }
  throw new DataError(
    `${path}: ${where} is not valid UTF-8` +
      (at < 0 ? '' : `: found the bytes ${shown} at byte ${at - lineStart + 1} of line ${line} (file offset ${at})`) +
      `; expected UTF-8 text (the file may be Latin-1 or Windows-1252). Re-save it as UTF-8 (e.g. iconv -f windows-1252 -t utf-8), ` +
      `or read such bytes as U+FFFD (--encoding utf8-replace; encoding: 'utf8-replace' in the library).`,
  );
}

/** label null: an unlabeled table (readTexts). */
type Columns = { text: string; label: string | null; id?: string };

function missingColumnMessage(path: string, column: string, role: string, found: readonly string[], where: string): string {
  const near = found.find((c) => c.trim().toLowerCase() === column.toLowerCase());
  return (
    `${path}: ${where} has no ${role} column "${column}"; columns found: ${found.map((c) => JSON.stringify(c)).join(', ') || '(none)'}. ` +
    (near !== undefined ? `Did you mean ${JSON.stringify(near)}? ` : '') +
    `Name the right one with --${role}-column (${role}Column in the library).`
  );
}

function csvRows(path: string, content: string, columns: Columns): RawRow[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parseCsv(content, { bom: true, info: true, skip_empty_lines: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new DataError(`${path} is not valid CSV: ${(e as Error).message}. Quote fields that contain commas, quotes (doubled inside quotes) or line breaks.`);
  }
  if (parsed.length === 0) return [];
  const header = parsed[0].record;
  const firstIndex = new Map<string, number>();
  header.forEach((name, i) => {
    const before = firstIndex.get(name);
    if (before !== undefined) {
      throw new DataError(
        `${path}: the header names column ${JSON.stringify(name)} twice (columns ${before + 1} and ${i + 1}); expected each column name once, since only one of the two could be read. Rename or remove one of them.`,
      );
    }
    firstIndex.set(name, i);
  });
  const index = (name: string, role: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new DataError(missingColumnMessage(path, name, role, header, 'the header'));
    return i;
  };
  const ti = index(columns.text, 'text');
  const li = columns.label === null ? -1 : index(columns.label, 'label');
  const ii = columns.id === undefined ? -1 : index(columns.id, 'id');
  return parsed.slice(1).map(({ record, info }, r) => ({
    text: record[ti],
    label: li < 0 ? undefined : record[li],
    id: ii < 0 ? undefined : record[ii],
    where: `row ${r + 1} (ending on line ${info.lines})`,
  }));
}

function jsonlRows(path: string, content: string, columns: Columns): RawRow[] {
  const rows: RawRow[] = [];
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${path}: ${where} is not valid JSON (${(e as Error).message}); JSONL needs one JSON object per line.`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const example = columns.label === null ? `{"${columns.text}": "..."}` : `{"${columns.text}": "...", "${columns.label}": "..."}`;
      throw new DataError(`${path}: ${where} is ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}, expected a JSON object like ${example}.`);
    }
    const obj = value as Record<string, unknown>;
    const wanted: [string, string][] = [[columns.text, 'text']];
    if (columns.label !== null) wanted.push([columns.label, 'label']);
    if (columns.id !== undefined) wanted.push([columns.id, 'id']);
    for (const [name, role] of wanted) {
      if (!(name in obj)) throw new DataError(missingColumnMessage(path, name, role, Object.keys(obj), where));
    }
    rows.push({ text: obj[columns.text], label: columns.label === null ? undefined : obj[columns.label], id: columns.id === undefined ? undefined : obj[columns.id], where });
  });
  return rows;
}

/** Sorted distinct class names: numerically when all are non-negative integers, else code-unit order. */
export function sortClassNames(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  if (unique.every((n) => /^(0|[1-9][0-9]*)$/.test(n))) return unique.sort((a, b) => Number(a) - Number(b));
  return unique.sort(compareIds);
}

function buildDataset(path: string, rows: RawRow[], columns: Columns, options: TextTableOptions): LabeledDataset<TextRecord> {
  const labels = rows.map((row) => {
    const ok = (typeof row.label === 'string' && row.label.trim() !== '') || (typeof row.label === 'number' && Number.isFinite(row.label));
    if (!ok) throw new DataError(`${path}: ${row.where}: empty or invalid label in "${columns.label}" (found ${JSON.stringify(row.label)}); every row needs a class name.`);
    return String(row.label).trim();
  });
  const classNames = options.classNames ? [...options.classNames] : sortClassNames(labels);
  if (new Set(classNames).size !== classNames.length) throw new DataError(`${path}: classNames has duplicates: ${classNames.join(', ')}.`);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const counts = new Array<number>(classNames.length).fill(0);
  const records: TextRecord[] = rows.map((row, r) => {
    if (typeof row.text !== 'string' || row.text.trim() === '') {
      throw new DataError(`${path}: ${row.where}: empty text in "${columns.text}" (found ${JSON.stringify(row.text)}); every row needs non-empty text. Remove or fill the row.`);
    }
    const label = classIndex.get(labels[r]);
    if (label === undefined) {
      throw new DataError(`${path}: ${row.where}: label "${labels[r]}" is not one of the classes ${classNames.join(', ')}. Add it to classNames or fix the row.`);
    }
    counts[label]++;
    let id = `row-${r + 1}`;
    if (columns.id !== undefined) {
      if ((typeof row.id !== 'string' && typeof row.id !== 'number') || String(row.id).trim() === '') {
        throw new DataError(`${path}: ${row.where}: empty id in "${columns.id}" (found ${JSON.stringify(row.id)}).`);
      }
      id = String(row.id);
    }
    return { id, label, text: row.text };
  });
  return {
    name: options.name ?? path,
    classNames,
    records,
    contentHash: datasetContentHash(classNames, records),
    report: {
      entriesRead: rows.length,
      skipped: 0,
      skippedDetails: [],
      notes: [`examples per class: ${classNames.map((c, i) => `${c} ${counts[i]}`).join(', ')}`],
    },
  };
}
