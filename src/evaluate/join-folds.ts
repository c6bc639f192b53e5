// Cross-validated trials of one (strategy, seed) joined into one record of that seed: every
// labelled example's out-of-fold prediction on validation (each example once, predicted by the
// model that never trained on it), every fold model's predictions on the untouched test split
// (tagged "id@fold", so pairs across strategies stay (example, fold) pairs), costs summed over
// the folds, the learning curve averaged per epoch. The rest of the pipeline (summaries, gates,
// the decision) then reads a seed the same way whether it was cross-validated or not.
import { ArgumentError, DataError } from '../errors.js';
import type { TrialRecord } from '../record/run-record.js';
import { splitMetrics } from './metrics.js';
import type { Predictions } from '../record/evaluation.js';

function concat(parts: readonly Predictions[], tag?: (id: string, fold: number) => string): Predictions {
  const out: Predictions = { ids: [], labels: [], predictions: [] };
  parts.forEach((p, f) => {
    out.ids.push(...(tag ? p.ids.map((id) => tag(id, f)) : p.ids));
    out.labels.push(...p.labels);
    out.predictions.push(...p.predictions);
  });
  // Confidences only when every fold has them (records of older versions have none).
  if (parts.every((p) => Array.isArray(p.confidence))) out.confidence = parts.flatMap((p) => p.confidence!);
  return out;
}

/** The folds of one (strategy, seed), in any order, as one record of the seed. */
export function joinFolds(folds: readonly TrialRecord[]): TrialRecord {
  if (folds.length === 0) throw new ArgumentError('joinFolds: no fold records');
  const first = folds[0];
  const k = first.fold && 'of' in first.fold ? first.fold.of : 0;
  const where = `${first.strategy} seed ${first.seed}`;
  if (k < 2) throw new ArgumentError(`joinFolds: ${where} is not a cross-validated trial`);
  const ordered = [...folds].sort((a, b) => (a.fold as { index: number }).index - (b.fold as { index: number }).index);
  ordered.forEach((r, i) => {
    const f = r.fold as { index: number; of: number } | undefined;
    if (r.strategy !== first.strategy || r.seed !== first.seed || !f || f.of !== k || f.index !== i) {
      throw new DataError(`joinFolds: ${where} needs folds 0..${k - 1} exactly once; got ${folds.map((x) => JSON.stringify(x.fold)).join(', ')}`);
    }
  });
  const validation = concat(ordered.map((r) => r.predictions.validation));
  if (new Set(validation.ids).size !== validation.ids.length) throw new DataError(`joinFolds: ${where}: an example was held out by two folds; folds must partition the labelled examples`);
  const test = concat(
    ordered.map((r) => r.predictions.test),
    (id, f) => `${id}@${f}`,
  );
  const classes = first.metrics.validation.confusion.length;
  const epochs = first.curve.length;
  const mean = (f: (r: TrialRecord) => number): number => ordered.reduce((s, r) => s + f(r), 0) / k;
  const sum = (f: (r: TrialRecord) => number): number => ordered.reduce((s, r) => s + f(r), 0);
  const changedFrozen = [...new Set(ordered.flatMap((r) => r.audit.changedFrozen))];
  return {
    ...first,
    fold: { joined: k },
    ...(ordered.find((r) => r.failure) ? { failure: ordered.find((r) => r.failure)!.failure } : {}),
    config: { ...first.config, steps: sum((r) => r.config.steps) },
    audit: {
      passed: ordered.every((r) => r.audit.passed),
      checked: first.audit.checked,
      changedFrozen,
      changedParameters: Math.max(...ordered.map((r) => r.audit.changedParameters)),
      unchangedTrainable: [...new Set(ordered.flatMap((r) => r.audit.unchangedTrainable))],
    },
    // The median fold's choice: what "the selected epoch" of a cross-validated seed means.
    selectedEpoch: [...ordered.map((r) => r.selectedEpoch)].sort((a, b) => a - b)[Math.floor(k / 2)],
    curve: Array.from({ length: epochs }, (_, e) => ({
      epoch: e + 1,
      trainLoss: mean((r) => r.curve[e]?.trainLoss ?? Number.NaN),
      validationAccuracy: mean((r) => r.curve[e]?.validationAccuracy ?? Number.NaN),
    })),
    metrics: { validation: splitMetrics(validation, classes), test: splitMetrics(test, classes) },
    predictions: { validation, test },
    cost: {
      wallSeconds: sum((r) => r.cost.wallSeconds),
      samplesPerSec: mean((r) => r.cost.samplesPerSec),
      trainFlops: sum((r) => r.cost.trainFlops),
      peakNativeBytes: Math.max(...ordered.map((r) => r.cost.peakNativeBytes)),
      // One model is kept per task, whichever fold trained it.
      storedBytes: first.cost.storedBytes,
      trainableParams: first.cost.trainableParams,
    },
  };
}
