// What a lab run writes: one TrialRecord per (strategy, seed), and one Summary per run.
// These are the shapes of `<out>/trials/<modality>/<strategy>-seed<k>.json` and
// `<out>/summary.json`; reports and the learning track read them.
import type { SplitMetrics, Predictions, StrategyConfusionDiff } from './evaluation.js';
import type { BatchNormPolicy, Modality, StrategyName } from './vocabulary.js';

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
  /** The head's share of `trainable` (the rest is the backbone's); absent in older records. */
  head?: number;
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
  /**
   * Peak bytes held by libtorch's CPU allocator during the trial. On a GPU this is the host side
   * only (staging, cached host copies); GPU memory is not counted here.
   */
  peakNativeBytes: number;
  /** Where the trial trained (cpu, cuda:0, ...): its FLOPs ran there. Absent in records from before devices. */
  device?: string;
  /** Bytes that must be stored per task for this strategy (head only, partial, full). */
  storedBytes: number;
  trainableParams: number;
}

export interface LearningCurvePoint {
  epoch: number;
  trainLoss: number;
  validationAccuracy: number;
  /** Learning rate of each optimizer group at the end of the epoch (absent in older records). */
  lr?: Record<string, number>;
  /** Seconds the epoch's training steps took. */
  seconds?: number;
}

export interface TrialRecord {
  modality: Modality;
  strategy: StrategyName;
  seed: number;
  /**
   * Cross-validation: the fold this trial held out (0-based) of how many. A record of a whole
   * seed (its folds joined) has `joined` = the number of folds instead. Absent for one validation split.
   */
  fold?: { index: number; of: number } | { joined: number };
  /** Training stopped early because it broke (a non-finite loss); the model is the best epoch before it, if any. */
  failure?: { epoch: number; step: number; reason: string };
  config: {
    epochs: number;
    steps: number;
    batchSize: number;
    headLr: number;
    backboneLr: number | null;
    layerDecay: number | null;
    batchNorm: BatchNormPolicy | null;
    partialK: number | null;
    /** Which tensors of the trainable backbone groups trained, when not all of them ('biases': bitfit; 'adapters': lora). */
    tensors?: 'biases' | 'adapters';
    /**
     * How the budget was split when training ran in phases (lp_ft: a linear probe, then the
     * strategy's own plan from that head), in order; `epochs` and `steps` above are their sums.
     */
    phases?: { phase: 'probe' | 'train'; epochs: number; steps: number; headLr: number }[];
    /**
     * Gradual unfreezing: each backbone group as it joined training (top first), with the epoch and
     * the optimizer step (counted from 1 over the whole trial) of its first update.
     */
    unfreezing?: { group: string; epoch: number; step: number }[];
    /**
     * Low-rank adapters trained beside the frozen base: their settings, the layers they were
     * attached to and their parameter count (trainable besides the head). The model handed over
     * has them merged into its weights.
     */
    adapters?: { kind: 'lora'; rank: number; alpha: number; dropout: number; layers: string[]; params: number };
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

/** Mean over seeds with its 95% interval (a score interval with a t quantile: within [0, 1], possibly asymmetric) and spread. */
export interface SeedStat {
  mean: number;
  sd: number;
  ci95: [number, number];
  values: number[];
}

/** The sanity gates of one seed (cross-validated: all folds of the seed together). */
export interface SeedSanity {
  seed: number;
  /** Validation accuracy and the number of validation examples it was measured on. */
  accuracy: number;
  n: number;
  /** Share of the most frequent class among those examples: what always guessing it scores. */
  majorityRate: number;
  /** Exact one-sided binomial P(an accuracy this high | guessing at the majority rate). */
  pAboveMajority: number;
  learned: boolean;
  /** Distinct classes the model predicted, and whether that is too few (collapsed). */
  classesPredicted: number;
  collapsed: boolean;
  /** Validation accuracy at the last epoch minus the best before the last quarter of epochs; null with one epoch. */
  finalRise: number | null;
  /** Validation was still rising when training stopped (or there was only one epoch). */
  undertrained: boolean;
  /** Parameters the strategy declares trainable that never changed. */
  untrained: string[];
}

/** The sanity gates of a strategy over its seeds, computed before any verdict. */
export interface StrategySanity {
  /** Most seeds are not significantly above the majority-class rate. */
  didNotLearn: boolean;
  /** Most seeds predict only a few of the classes. */
  collapsed: boolean;
  /** At least half the seeds were still improving when the budget ended. */
  undertrained: boolean;
  /** Trainable parameters that never changed in some seed (a path that skipped them). */
  didNotTrain: string[];
  /** Seeds far from the others, named. */
  unstable: { seeds: number[]; detail: string } | null;
  /** Kept out of the decision: a seed failed (non-finite loss), it did not learn, collapsed, or did not train. */
  excluded: boolean;
  /** One sentence per problem found. */
  problems: string[];
  seeds: SeedSanity[];
}

export interface StrategySummary {
  trainableParams: number;
  totalParams: number;
  audit: { passed: boolean; failures: string[] };
  sanity: StrategySanity;
  metrics: {
    validation: { accuracy: SeedStat; macroF1: SeedStat };
    test: { accuracy: SeedStat; macroF1: SeedStat };
  };
  cost: { wallSeconds: number; trainFlops: number; storedBytes: number; samplesPerSec: number; peakNativeBytes: number };
}

export interface Recommendation {
  /**
   * The recommended depth: the cheapest strategy shown acceptable (non-inferior to the best, or
   * the best itself). null when no strategy passed the gates, or only one strategy was run.
   */
  strategy: StrategyName | null;
  reasons: string[];
  /**
   * 'sufficient': settled (every cheaper strategy is ruled out, or the cheapest is the best) and
   * resting on no undertrained strategy; 'provisional': a choice is named, but a cheaper strategy
   * is still open or another strategy was still improving; 'insufficient': no choice.
   */
  evidence: 'sufficient' | 'provisional' | 'insufficient';
  flags: string[];
  /** The cheapest strategy the evidence has not ruled out (cheaper than `strategy` while unsettled). */
  cheapestNotRuledOut: StrategyName | null;
  /** True when the cheapest not ruled out is the one recommended. */
  settled: boolean;
  /** The smallest margin (fraction) at which this evidence settles the decision, and the choice there; null when nothing was compared. */
  settlingMargin: { margin: number; strategy: StrategyName } | null;
  /** What would settle each open comparison (seeds, validation examples), in words. */
  evidenceNeeded: string[];
}

/** How the labelled data was allocated to training, validation and test, and why. */
export interface DataAllocation {
  /** 1 = one validation split; k >= 2 = k-fold cross-validation over the labelled non-test examples. */
  folds: number;
  /** Whether the number of folds was chosen by the lab ('auto') rather than asked for. */
  automatic: boolean;
  /** Labelled examples the decision is made on: the validation split, or every cross-validated example. */
  decisionExamples: number;
  /** Training examples per model (per fold when cross-validated). */
  trainPerModel: number;
  test: number;
  /** One decision example is worth this many accuracy points (100 / decisionExamples). */
  resolutionPoints: number;
  /** Why it was allocated this way, in a sentence. */
  reason: string;
}

/** Where a lab put a trained model, and what it is. */
export interface SavedModelRef {
  /** The model directory, relative to the run directory (e.g. models/vision). */
  path: string;
  strategy: StrategyName;
  seed: number;
  fold: { index: number; of: number } | null;
  /** Size of its task file (what this strategy stores besides the backbone), as written. */
  storedBytes: number;
  /** Accuracy of this very model on validation and test. */
  metrics: { validation: number; test: number };
}

/** One round of a race (or the single round of a grid): what ran, what it showed, what happened next. */
export interface RaceRound {
  round: number;
  /** The seeds each strategy had run by the end of this round. */
  seedsRun: Partial<Record<StrategyName, number[]>>;
  /** Trials (strategy, seed) this round added. */
  added: { strategy: StrategyName; seed: number }[];
  decision: { strategy: StrategyName | null; evidence: Recommendation['evidence']; best: StrategyName | null; cheapestNotRuledOut: StrategyName | null; settled: boolean };
  /** Training used so far, over all rounds. */
  spent: { trainFlops: number; trainSeconds: number };
  /** Strategies that got no more seeds after this round, and why. */
  stopped: { strategy: StrategyName; reason: string }[];
  /** What happens next: another round (and for whom) or why the race ended. */
  next: string;
}

export interface ModalitySummary {
  dataset: { name: string; classNames: string[]; contentHash: string; splitSeed: number; sizes: { train: number; validation: number; test: number } };
  backbone: { arch: string; source: string };
  /** One validation example is worth this many accuracy points (100 / N). */
  validationResolution: number;
  allocation: DataAllocation;
  /** What the files held and what was done to them on the way into the model. */
  preprocessing: string[];
  /** How the decision evolved, round by round. */
  rounds: RaceRound[];
  /** 'race' or 'grid'. */
  schedule: 'race' | 'grid';
  /** The recommended model handed over (relative to the run directory), or why there is none. */
  savedModel: SavedModelRef | { none: string };
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
