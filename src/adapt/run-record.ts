// What a lab run writes: one TrialRecord per (strategy, seed), and one Summary per run.
// These are the shapes of `<out>/trials/<modality>/<strategy>-seed<k>.json` and
// `<out>/summary.json`; reports and the learning track read them.
import type { SplitMetrics, Predictions, StrategyConfusionDiff } from '../evaluate/types.js';
import type { BatchNormPolicy, Modality, StrategyName } from './types.js';

/** One row of the parameter-group report. */
export interface ParameterRow {
  name: string;
  group: string;
  trainable: boolean;
  /** null when frozen (the optimizer never sees it). */
  lr: number | null;
  weightDecay: number | null;
  numel: number;
  /** 'weight' | 'bias' | 'norm' | 'embedding': decides weight decay. */
  role: string;
}

export interface ParameterTotals {
  trainable: number;
  frozen: number;
  buffers: number;
  total: number;
}

/** Checksums before/after training of everything that was meant to stay fixed. */
export interface FreezeAudit {
  passed: boolean;
  /** Frozen parameters and buffers whose checksum was taken. */
  checked: number;
  /** Names of frozen tensors that changed (should be empty). */
  changedFrozen: string[];
  /** How many parameters actually changed (all tensors, frozen or not). */
  changedParameters: number;
  /** Parameters meant to train that did not change at all (suspicious, reported). */
  unchangedTrainable: string[];
}

export interface TrialCost {
  wallSeconds: number;
  samplesPerSec: number;
  /** FLOPs actually computed in training: frozen parts forward only (once when cached). */
  trainFlops: number;
  peakNativeBytes: number;
  /** Bytes that must be stored per task for this strategy (head only, partial, full). */
  storedBytes: number;
  trainableParams: number;
}

export interface LearningCurvePoint {
  epoch: number;
  trainLoss: number;
  validationAccuracy: number;
}

export interface TrialRecord {
  modality: Modality;
  strategy: StrategyName;
  seed: number;
  config: {
    epochs: number;
    steps: number;
    batchSize: number;
    headLr: number;
    backboneLr: number | null;
    layerDecay: number | null;
    batchNorm: BatchNormPolicy | null;
    partialK: number | null;
  };
  groups: ParameterRow[];
  totals: ParameterTotals;
  audit: FreezeAudit;
  /** The epoch whose validation score selected the model. */
  selectedEpoch: number;
  curve: LearningCurvePoint[];
  metrics: { validation: SplitMetrics; test: SplitMetrics };
  predictions: { validation: Predictions; test: Predictions };
  cost: TrialCost;
}

/** Mean over seeds with its 95% confidence interval (t-distribution) and spread. */
export interface SeedStat {
  mean: number;
  sd: number;
  ci95: [number, number];
  values: number[];
}

export interface StrategySummary {
  trainableParams: number;
  totalParams: number;
  audit: { passed: boolean; failures: string[] };
  metrics: {
    validation: { accuracy: SeedStat; macroF1: SeedStat };
    test: { accuracy: SeedStat; macroF1: SeedStat };
  };
  cost: { wallSeconds: number; trainFlops: number; storedBytes: number; samplesPerSec: number; peakNativeBytes: number };
}

export interface Recommendation {
  /** null when the evidence is insufficient to crown any strategy. */
  strategy: StrategyName | null;
  reasons: string[];
  evidence: 'sufficient' | 'insufficient';
  flags: string[];
}

export interface ModalitySummary {
  dataset: { name: string; classNames: string[]; contentHash: string; splitSeed: number; sizes: { train: number; validation: number; test: number } };
  backbone: { arch: string; source: string };
  /** One validation example is worth this many accuracy points (100 / N). */
  validationResolution: number;
  strategies: Partial<Record<StrategyName, StrategySummary>>;
  /** Every strategy vs scratch and vs frozen: mean confusion change and the class pairs that changed. */
  confusionDiffs?: StrategyConfusionDiff[];
  recommendation: Recommendation;
}

export interface Summary {
  adaptlabVersion: string;
  createdAt: string;
  seeds: number[];
  /** Non-inferiority margin as a fraction of accuracy (0.01 = 1 point). */
  margin: number;
  modalities: Partial<Record<Modality, ModalitySummary>>;
}
