// Pieces both pretraining recipes share: seeded epoch orders, weight-decay groups, a logger, the
// stop on a diverged run.
import type { Tensor } from '../tensor/index.js';
import type { ParamGroup } from '../optim/index.js';
import type { FitResult } from '../train/fit.js';
import { ConfigError } from '../errors.js';
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

/** A pretraining run whose loss stopped being finite ends here, with nothing written. */
export function stopOnFailure(what: string, failure: FitResult['failure']): void {
  if (!failure) return;
  throw new ConfigError(
    `${what}: the training loss became ${failure.loss} at epoch ${failure.epoch}, step ${failure.step}; expected a finite loss. Nothing was written; lower the learning rate (the lr option) or try another seed.`,
  );
}
