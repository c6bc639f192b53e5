// Builders for constructed TrialRecords: small, fully specified runs whose every number can be
// worked out by hand. Shared by the evaluate and decide tests.
import type { TrialRecord } from '../../src/record/run-record.js';
import type { Modality, StrategyName } from '../../src/record/vocabulary.js';
import { splitMetrics } from '../../src/evaluate/metrics.js';
import type { Predictions } from '../../src/record/evaluation.js';

/** Predictions with ids e0, e1, ... */
export function preds(labels: number[], predictions: number[], prefix = 'e'): Predictions {
  return { ids: labels.map((_, i) => `${prefix}${i}`), labels: [...labels], predictions: [...predictions] };
}

/** labels with some positions replaced: wrong(labels, {3: 1}) predicts class 1 for example 3. */
export function withErrors(labels: number[], errors: Record<number, number>): number[] {
  return labels.map((y, i) => (i in errors ? errors[i] : y));
}

export interface RecordSpec {
  strategy: StrategyName;
  seed: number;
  k: number;
  validation: Predictions;
  test?: Predictions;
  modality?: Modality;
  auditPassed?: boolean;
  changedFrozen?: string[];
  trainFlops?: number;
  storedBytes?: number;
  trainable?: number;
  total?: number;
  config?: Partial<TrialRecord['config']>;
  selectedEpoch?: number;
}

const DEFAULT_FLOPS: Partial<Record<StrategyName, number>> = { scratch: 4e12, frozen: 1e11, partial_unfreeze: 1.5e12, full_finetune: 4e12 };
const DEFAULT_BYTES: Partial<Record<StrategyName, number>> = { scratch: 44e6, frozen: 4e3, partial_unfreeze: 20e6, full_finetune: 44e6 };
const DEFAULT_TRAINABLE: Partial<Record<StrategyName, number>> = { scratch: 11_177_538, frozen: 1_026, partial_unfreeze: 8_394_754, full_finetune: 11_177_538 };

export function makeRecord(spec: RecordSpec): TrialRecord {
  const s = spec.strategy;
  const test = spec.test ?? spec.validation;
  const passed = spec.auditPassed ?? true;
  return {
    modality: spec.modality ?? 'vision',
    strategy: s,
    seed: spec.seed,
    config: {
      epochs: 5,
      steps: 100,
      batchSize: 32,
      headLr: 1e-3,
      backboneLr: s === 'frozen' ? null : s === 'scratch' ? 1e-3 : 1e-4,
      layerDecay: null,
      batchNorm: s === 'frozen' ? 'frozen' : 'train',
      partialK: s === 'partial_unfreeze' ? 2 : null,
      ...spec.config,
    },
    groups: [],
    totals: { trainable: spec.trainable ?? DEFAULT_TRAINABLE[s]!, frozen: 11_177_538 - (spec.trainable ?? DEFAULT_TRAINABLE[s]!), buffers: 9_620, total: spec.total ?? 11_177_538 },
    audit: { passed, checked: 120, changedFrozen: spec.changedFrozen ?? (passed ? [] : ['layer1.0.bn1.running_mean']), changedParameters: 10, unchangedTrainable: [] },
    selectedEpoch: spec.selectedEpoch ?? 5,
    curve: [],
    metrics: { validation: splitMetrics(spec.validation, spec.k), test: splitMetrics(test, spec.k) },
    predictions: { validation: spec.validation, test },
    cost: {
      wallSeconds: 10,
      samplesPerSec: 100,
      trainFlops: spec.trainFlops ?? DEFAULT_FLOPS[s]!,
      peakNativeBytes: 1e8,
      storedBytes: spec.storedBytes ?? DEFAULT_BYTES[s]!,
      trainableParams: spec.trainable ?? DEFAULT_TRAINABLE[s]!,
    },
  };
}
