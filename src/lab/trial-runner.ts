// How a lab gets a round's trials trained. The lab plans every trial as plain data (a recipe: the
// strategy's spec, the seed, the fold, the budget, and the trial's fingerprint), reuses what its
// run directory already holds, and hands the rest of the round to a TrialRunner. The runner
// reports each record as it finishes and the lab alone stores it, so nothing is written twice.
// The default runner trains here, one trial after another; src/queue has one that sends the
// trials to workers on other machines, which rebuild the data and the backbone from the lab's
// options and check them against the content hashes in the RoundContext.
import type { FeatureCache } from '../adapt/feature-cache.js';
import type { StrategySpec } from '../adapt/strategies.js';
import { trainTrial, type TrainedTrial, type TrialProgress } from '../adapt/trial.js';
import type { TrialRecord } from '../record/run-record.js';
import type { Modality } from '../record/vocabulary.js';
import type { Backbone } from '../kinds/backbone.js';
import type { LabOptions } from './options.js';
import { fingerprint } from './run-dir.js';
import type { PreparedTarget } from './targets.js';

/** One trial as data: everything that says how it trains besides the data and the backbone themselves. */
export interface TrialRecipe {
  modality: Modality;
  strategy: StrategySpec;
  seed: number;
  /** The fold number (0 with one validation split). */
  f: number;
  /** Cross-validated runs: the fold the record names; absent with one validation split. */
  fold?: { index: number; of: number };
  epochs: number;
  batchSize: number;
}

/** A recipe with its fingerprint: what the run directory stores the record under. */
export interface PlannedTrial extends TrialRecipe {
  fingerprint: string;
}

/** Trains a recipe on a prepared target: the one place where a lab trial's setup is written. */
export function trainRecipe(r: TrialRecipe, backbone: Backbone, target: PreparedTarget, cache: FeatureCache, onProgress?: (p: TrialProgress) => void): TrainedTrial {
  const classNames = target.dataset.classNames;
  return trainTrial({
    modality: r.modality,
    strategy: r.strategy,
    seed: r.seed,
    buildModel: (init, s) => backbone.buildModel(init, s, classNames.length, classNames),
    backboneKey: backbone.key,
    data: target.foldData(r.f),
    fold: r.fold,
    numClasses: classNames.length,
    epochs: r.epochs,
    batchSize: r.batchSize,
    featureCache: cache,
    device: target.device,
    onProgress,
  });
}

/** How the target was split and allocated (split seed, sizes, class counts, folds): equal wherever the same data is prepared the same way. */
export function targetFingerprint(target: Pick<PreparedTarget, 'split' | 'allocation'>): string {
  return fingerprint({ split: target.split, allocation: target.allocation });
}

/** What a runner learns about the round's modality. */
export interface RoundContext {
  /** The lab's options (a worker prepares the same data and backbone from them). */
  options: LabOptions;
  modality: Modality;
  /** Content hash of the target data, and the backbone's key (a content hash of its weights). */
  dataHash: string;
  backboneKey: string;
  /** targetFingerprint of the prepared target. */
  targetPrint: string;
  /** Trains one trial in this process (staging its model in the run directory when models are kept). */
  trainHere(t: PlannedTrial, onProgress: (p: TrialProgress) => void): Promise<TrialRecord>;
}

/** Where the lab hears about each trial the runner works on. */
export interface TrialSink {
  started(t: PlannedTrial): void;
  progress(t: PlannedTrial, p: TrialProgress): void;
  /** Stores the finished record; called once per trial, as soon as it is done. */
  finished(t: PlannedTrial, record: TrialRecord): Promise<void>;
}

export interface TrialRunner {
  /** Trains every trial of a round (none of them stored yet), handing each record to `sink.finished`. */
  runRound(ctx: RoundContext, trials: readonly PlannedTrial[], sink: TrialSink): Promise<void>;
}

/** The default: every trial in this process, in the order planned. */
export const inProcessRunner: TrialRunner = {
  async runRound(ctx, trials, sink) {
    for (const t of trials) {
      sink.started(t);
      await sink.finished(t, await ctx.trainHere(t, (p) => sink.progress(t, p)));
    }
  },
};
