// Pieces both pretraining recipes share: their checked settings, seeded epoch orders, weight-decay
// groups, a logger, the stop on a diverged run.
import type { Tensor } from '../tensor/index.js';
import type { ParamGroup } from '../optim/index.js';
import type { FitResult } from '../train/fit.js';
import { resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { ArgumentError, ConfigError } from '../errors.js';
import { Progress } from '../io/progress.js';

/** The seeded epoch order every training loop uses (train/seeds.ts). */
export { epochOrder } from '../train/seeds.js';

/**
 * Two optimizer groups: matrices, embeddings and convolution kernels (more than one dimension) get
 * weight decay; biases and norm parameters (one dimension) get none, the usual rule.
 */
export function decayGroups(named: [string, Tensor][], weightDecay: number): ParamGroup[] {
  const decay: [string, Tensor][] = [];
  const rest: [string, Tensor][] = [];
  for (const entry of named) (entry[1].ndim > 1 ? decay : rest).push(entry);
  return [
    { name: 'decay', params: decay, weightDecay },
    { name: 'no_decay', params: rest, weightDecay: 0 },
  ];
}

/** Where a pretraining run reports: a line logger and a progress display factory. */
export interface PretrainReporter {
  log(line: string): void;
  progress(label: string, total: number, unit: string): Progress;
}

/** Progress and log lines on stderr (the CLI), or nothing at all (`silent`, for tests and library calls). */
export function reporter(silent: boolean): PretrainReporter {
  return silent
    ? { log: () => undefined, progress: (label, total, unit) => new Progress({ label, total, unit, stream: null }) }
    : { log: (line) => process.stderr.write(`${line}\n`), progress: (label, total, unit) => new Progress({ label, total, unit }) };
}

export function round(v: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `v` when it is a positive integer; else an ArgumentError naming the recipe ("pretrain text") and the option. */
export function positiveInt(recipe: string, v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`${recipe}: ${what} must be a positive integer, got ${v}`);
  return v;
}

/** The options every recipe takes (each adds its own and says its defaults). */
export interface PretrainBaseOptions {
  /** Output directory (created if needed). */
  out: string;
  /** Passes over the training data. */
  epochs?: number;
  /** Seeds everything random in the run (split, initialisation, batch order, ...). Default 0. */
  seed?: number;
  /** A tiny budget that finishes in seconds: for tests and first looks, not for real use. */
  quick?: boolean;
  /** Training examples per step. */
  batchSize?: number;
  /** Peak learning rate. */
  lr?: number;
  /** No progress or log output. */
  silent?: boolean;
  /** Recorded in the manifest; default: the CLI invocation, or the equivalent command. */
  command?: string;
}

/** A recipe's own defaults: its seed, its full and quick budgets, and its peak learning rate for a batch size. */
export interface RecipeDefaults {
  seed: number;
  epochs: { full: number; quick: number };
  batchSize: { full: number; quick: number };
  lr: (batchSize: number) => number;
}

/** The settings a recipe runs with: every default applied and checked, the output directory resolved, the clock started. */
export interface PretrainSettings {
  quick: boolean;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  dir: string;
  report: PretrainReporter;
  /** performance.now() as the run started. */
  t0: number;
}

/** The settings of a `recipe` ("pretrain vision") run; an ArgumentError naming the recipe for a bad value. */
export function pretrainSettings(recipe: string, options: PretrainBaseOptions, defaults: RecipeDefaults): PretrainSettings {
  const quick = options.quick ?? false;
  const seed = options.seed ?? defaults.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`${recipe}: seed must be an integer in [0, 2^32), got ${seed}`);
  const budget = quick ? 'quick' : 'full';
  const epochs = positiveInt(recipe, options.epochs ?? defaults.epochs[budget], 'epochs');
  const batchSize = positiveInt(recipe, options.batchSize ?? defaults.batchSize[budget], 'batch size');
  const lr = options.lr ?? defaults.lr(batchSize);
  if (!(lr > 0 && Number.isFinite(lr))) throw new ArgumentError(`${recipe}: lr must be a positive number, got ${lr}`);
  const dir = resolve(options.out);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ArgumentError(`${recipe}: --out ${options.out} is a file; give a directory`);
  return { quick, seed, epochs, batchSize, lr, dir, report: reporter(options.silent ?? false), t0: performance.now() };
}

/**
 * `measure(model)` on a model loaded back from the files just written, which is disposed after:
 * the source metric is measured on what ships.
 */
export function measureReloaded<M extends { dispose(): void }, T>(model: M, measure: (reloaded: M) => T): T {
  try {
    return measure(model);
  } finally {
    model.dispose();
  }
}

/** A pretraining run whose loss stopped being finite ends here, with nothing written. */
export function stopOnFailure(what: string, failure: FitResult['failure']): void {
  if (!failure) return;
  throw new ConfigError(
    `${what}: the training loss became ${failure.loss} at epoch ${failure.epoch}, step ${failure.step}; expected a finite loss. Nothing was written; lower the learning rate (the lr option) or try another seed.`,
  );
}
