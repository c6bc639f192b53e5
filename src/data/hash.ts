// A stable sha256 of a dataset's class names and records (ids, labels, contents), so a run can
// prove which data it used. Records are hashed in id order (plain UTF-16 code-unit comparison,
// never locale-dependent), so the hash names the set of records, not the order a loader happened
// to produce them in; splits also sort by id, so equal hashes + equal seeds give equal splits.
//
// Encoding (version 1): "adaptlab-dataset-v1\n", u32 class count, each class name as a string,
// u32 record count, then per record (in id order): id string, i32 label, and either "I", u32
// height, u32 width, u8 channels, u32 byte count and the pixel bytes, or "T" and the text as a
// string. A string is its u32 UTF-8 byte length followed by the bytes; integers are
// little-endian. The lengths make the encoding unambiguous: different datasets give different
// byte streams.
import { createHash, type Hash } from 'node:crypto';
import { DataError } from '../errors.js';
import type { ImageRecord, TextRecord } from './types.js';

export type HashableRecord = ImageRecord | TextRecord;

const FORMAT = 'adaptlab-dataset-v1\n';

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

function updateString(hash: Hash, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  hash.update(u32(bytes.length));
  hash.update(bytes);
}

/** Orders by id with plain code-unit comparison: identical on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sha256 (hex) over class names and records; throws a DataError on duplicate ids. */
export function datasetContentHash(classNames: readonly string[], records: readonly HashableRecord[]): string {
  const hash = createHash('sha256');
  hash.update(FORMAT);
  hash.update(u32(classNames.length));
  for (const name of classNames) updateString(hash, name);
  const sorted = [...records].sort((a, b) => compareIds(a.id, b.id));
  hash.update(u32(sorted.length));
  const header = Buffer.alloc(4 + 1 + 4 + 4 + 1 + 4);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    if (i > 0 && sorted[i - 1].id === r.id) {
      throw new DataError(`Dataset has two records with id "${r.id}": ids must be unique (splits and hashes rely on them). Rename or drop one.`);
    }
    if (!Number.isInteger(r.label) || r.label < 0 || r.label > 0x7fffffff) {
      throw new DataError(`Record "${r.id}" has label ${r.label}: expected a non-negative integer class index.`);
    }
    updateString(hash, r.id);
    if ('pixels' in r) {
      header.writeInt32LE(r.label, 0);
      header.write('I', 4, 'latin1');
      header.writeUInt32LE(r.height, 5);
      header.writeUInt32LE(r.width, 9);
      header.writeUInt8(r.channels, 13);
      header.writeUInt32LE(r.pixels.length, 14);
      hash.update(header);
      hash.update(r.pixels);
    } else if (typeof (r as TextRecord).text === 'string') {
      header.writeInt32LE(r.label, 0);
      header.write('T', 4, 'latin1');
      hash.update(header.subarray(0, 5));
      updateString(hash, r.text);
    } else {
      throw new DataError(`Record "${(r as { id: string }).id}" has neither pixels nor text: expected an ImageRecord or a TextRecord.`);
    }
  }
  return hash.digest('hex');
}
