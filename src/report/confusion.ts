// The only arithmetic the report does on results: averaging confusion matrices over seeds and
// subtracting two averages. Everything else is read from the Summary as the lab wrote it.
import { ArgumentError } from '../errors.js';
import type { ConfusionMatrix } from '../record/evaluation.js';

/** Throws unless `m` is size×size (one row and one column per class). */
export function checkConfusion(m: ConfusionMatrix, size: number, what: string): void {
  if (!Array.isArray(m) || m.length !== size || m.some((row) => !Array.isArray(row) || row.length !== size)) {
    const found = Array.isArray(m) ? `${m.length} rows of lengths ${m.map((r) => (Array.isArray(r) ? r.length : 'non-array')).join(', ')}` : typeof m;
    throw new ArgumentError(`${what}: expected a ${size}×${size} confusion matrix (one row and column per class), found ${found}.`);
  }
}

/** Element-wise mean of same-sized matrices (one per seed). */
export function meanConfusion(matrices: readonly ConfusionMatrix[], size: number, what = 'confusion matrix'): ConfusionMatrix {
  if (matrices.length === 0) throw new ArgumentError(`${what}: there is no matrix to average.`);
  matrices.forEach((m, k) => checkConfusion(m, size, `${what} #${k}`));
  return Array.from({ length: size }, (_, r) =>
    Array.from({ length: size }, (_, c) => matrices.reduce((s, m) => s + m[r][c], 0) / matrices.length),
  );
}

/** `a - b`, cell by cell: positive where `a` puts more examples than `b`. */
export function diffConfusion(a: ConfusionMatrix, b: ConfusionMatrix, what = 'confusion difference'): ConfusionMatrix {
  checkConfusion(a, a.length, `${what} (left)`);
  checkConfusion(b, a.length, `${what} (right)`);
  return a.map((row, r) => row.map((v, c) => v - b[r][c]));
}
