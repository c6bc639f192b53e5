// A checkpoint's identity by content, never by path: a copy of the same weights elsewhere is the
// same backbone, and task files record it.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** `file-sha256:<hex>`: the content of a weights file, read in chunks. */
export function fileContentKey(path: string): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return `file-sha256:${hash.digest('hex')}`;
}
