// Output paths are never input paths. Every command checks, before any work, that nothing it
// writes is, contains or lies inside something it reads (resolved, symlinks followed where the
// path exists), so a mistyped flag cannot overwrite a model, a table or a dataset.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, basename, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';

/** The absolute path with every existing symlink resolved (a path that does not exist yet: its nearest existing parent resolved). */
export function realPath(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realPath(parent), basename(abs));
}

function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

export interface NamedPath {
  /** The flag that named it, e.g. "--out". */
  flag: string;
  path: string;
}

/**
 * Throws a UsageError when an output is an input, lies inside one (writing into a data folder), or
 * contains one (an output folder that would be filled around the data).
 */
export function checkOutputsApart(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  for (const o of outputs) {
    const out = realPath(o.path);
    for (const i of inputs) {
      const input = realPath(i.path);
      if (within(out, input) || within(input, out)) {
        const how = out === input ? 'is the same path as' : within(out, input) ? 'lies inside' : 'contains';
        throw new UsageError(
          `${o.flag} ${o.path} ${how} ${i.flag} ${i.path}: adaptlab never writes over or into what it reads. Choose an ${o.flag} outside ${i.flag}.`,
        );
      }
    }
  }
}
