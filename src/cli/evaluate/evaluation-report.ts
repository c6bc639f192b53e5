// What `adaptlab evaluate` found, as plain data, and its two presentations: a readable summary
// (accuracy, macro-F1, per-class recall, the confusion matrix with class names) and one JSON object.
import type { Modality } from '../../record/vocabulary.js';
import type { SplitMetrics } from '../../record/evaluation.js';
import type { PredictionRow } from './predictions-csv.js';

export interface Evaluation {
  modality: Modality;
  arch: string;
  /** The weights file (images) or model directory (text). */
  model: string;
  data: string;
  /** The model's classes in index order; metrics and rows use these indices. */
  classNames: string[];
  rows: PredictionRow[];
  metrics: SplitMetrics;
  /** The CSV written, if any. */
  predictionsFile?: string;
  /** Loader notes worth a line (legacy names, class-count notes, ...). */
  notes: string[];
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The confusion matrix as aligned text, rows = actual, columns = predicted, labelled by class. */
export function confusionTable(confusion: readonly (readonly number[])[], classNames: readonly string[]): string[] {
  const corner = 'actual \\ predicted';
  const rowWidth = Math.max(corner.length, ...classNames.map((c) => c.length));
  const colWidths = classNames.map((c, j) => Math.max(c.length, ...confusion.map((row) => String(row[j]).length)));
  const header = [corner.padEnd(rowWidth), ...classNames.map((c, j) => c.padStart(colWidths[j]))].join('  ');
  const rows = confusion.map((row, i) => [classNames[i].padEnd(rowWidth), ...row.map((v, j) => String(v).padStart(colWidths[j]))].join('  '));
  return [header, ...rows];
}

/** The human-readable summary. */
export function formatEvaluation(e: Evaluation): string {
  const m = e.metrics;
  const correct = m.confusion.reduce((s, row, i) => s + row[i], 0);
  const what = e.modality === 'vision' ? 'images' : 'texts';
  const nameWidth = Math.max(...e.classNames.map((c) => c.length));
  const lines = [
    `${e.arch} (${e.model}) on ${m.n} ${what} from ${e.data}`,
    `accuracy  ${pct(m.accuracy)} (${correct}/${m.n})`,
    `macro-F1  ${m.macroF1.toFixed(4)}`,
    '',
    'recall per class:',
    ...m.perClass.map((c, i) => {
      const hits = m.confusion[i][i];
      return `  ${e.classNames[i].padEnd(nameWidth)}  ${c.support === 0 ? 'n/a (no examples)' : `${pct(c.recall)} (${hits}/${c.support})`}`;
    }),
    '',
    'confusion matrix (rows = actual, columns = predicted):',
    ...confusionTable(m.confusion, e.classNames).map((l) => `  ${l}`),
  ];
  for (const note of e.notes) lines.push(`note: ${note}`);
  if (e.predictionsFile !== undefined) lines.push('', `predictions written to ${e.predictionsFile}`);
  return lines.join('\n');
}

/** The same content as one JSON-serialisable object. */
export function evaluationJson(e: Evaluation): Record<string, unknown> {
  const m = e.metrics;
  return {
    modality: e.modality,
    arch: e.arch,
    model: e.model,
    data: e.data,
    n: m.n,
    accuracy: m.accuracy,
    macroF1: m.macroF1,
    classNames: e.classNames,
    perClass: m.perClass.map((c, i) => ({ class: e.classNames[i], recall: c.recall, precision: c.precision, f1: c.f1, support: c.support })),
    confusion: m.confusion,
    predictions: e.predictionsFile ?? null,
    notes: e.notes,
  };
}
