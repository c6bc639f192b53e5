// What travels through the queue. A job is one planned trial: the lab's options (a worker prepares
// the same data and backbone from them; paths made absolute, the run folder left out), the trial's
// recipe, and the content hashes the coordinator found, which the worker must find too. Its id is
// the trial's fingerprint, so enqueuing a trial again is a no-op. A job's return value is the
// trial record, with the worker that trained it and where its time went.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { TrialRecord } from '../record/run-record.js';
import type { LabOptions } from '../lab/options.js';
import type { PlannedTrial, RoundContext } from '../lab/trial-runner.js';
import { trialProblem } from '../lab/run-dir.js';

export const TRIAL_JOB_FORMAT = 'adaptlab.trial-job/1';
export const TRIAL_RESULT_FORMAT = 'adaptlab.trial-result/1';

/** A worker process names itself (`host:pid`) here for the children that train its jobs. */
export const WORKER_NAME_ENV = 'ADAPTLAB_WORKER_NAME';
/** How a worker tells its training processes where to train (its --device). */
export const WORKER_DEVICE_ENV = 'ADAPTLAB_WORKER_DEVICE';

/** The lab's options as a worker reads them: no run folder (only the coordinator writes one). */
export type WorkerLabOptions = Omit<LabOptions, 'out' | 'force'>;

export interface TrialJob {
  format: typeof TRIAL_JOB_FORMAT;
  /** The coordinator's adaptlab version; a worker of another version refuses the job. */
  adaptlabVersion: string;
  options: WorkerLabOptions;
  trial: PlannedTrial;
  /** What the worker must find when it prepares the data and the backbone (RoundContext). */
  expect: { dataHash: string; backboneKey: string; targetPrint: string };
}

export interface TrialJobResult {
  format: typeof TRIAL_RESULT_FORMAT;
  fingerprint: string;
  record: TrialRecord;
  /** `host:pid` of the worker process that took the job. */
  worker: string;
  /** Preparing data and backbone (0 when this worker had them from an earlier job), and training. */
  seconds: { prepare: number; train: number };
}

/** What a job reports while it runs (job.progress): who runs it, and how far it is. */
export interface TrialJobProgress {
  worker: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  stepsPerEpoch?: number;
}

/** This installation's adaptlab version (compiled files live in <root>/dist/src/queue). */
export function adaptlabVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * A job this worker must refuse, and would refuse every time (other data, another version): the
 * worker fails it at once, without retries, with this message.
 */
export class JobRefused extends Error {
  override name = 'JobRefused';
}

/** BullMQ job ids may not be plain integers, so the fingerprint gets a prefix. */
export function trialJobId(fingerprint: string): string {
  return `trial-${fingerprint}`;
}

/**
 * Retries are for failures that may not happen again (a worker process that died, a lost
 * connection); a deterministic failure is thrown as an UnrecoverableError and fails at once. Stalled
 * jobs (a worker killed mid-trial) go back to the queue without using an attempt. Finished jobs stay
 * a week, so a coordinator that was down meanwhile still finds their results.
 */
export const TRIAL_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'fixed', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The job of one planned trial. */
export function trialJob(ctx: RoundContext, trial: PlannedTrial, adaptlabVersion: string): TrialJob {
  const { out: _out, force: _force, ...options } = ctx.options;
  return {
    format: TRIAL_JOB_FORMAT,
    adaptlabVersion,
    options: {
      ...options,
      ...(options.data === undefined ? {} : { data: resolve(options.data) }),
      ...(options.backbone === undefined ? {} : { backbone: resolve(options.backbone) }),
    },
    trial,
    expect: { dataHash: ctx.dataHash, backboneKey: ctx.backboneKey, targetPrint: ctx.targetPrint },
  };
}

/** "vision full_finetune seed 1 fold 2": a trial as the console names it. */
export function trialName(t: Pick<PlannedTrial, 'modality' | 'strategy' | 'seed' | 'fold'>): string {
  return `${t.modality} ${t.strategy.name} seed ${t.seed}${t.fold ? ` fold ${t.fold.index}` : ''}`;
}

/** What is wrong with a job's data, as a worker reads it (null when nothing). */
export function trialJobProblem(data: unknown): string | null {
  const j = data as Partial<TrialJob> | null;
  if (typeof j !== 'object' || j === null) return 'it is not an object';
  if (j.format !== TRIAL_JOB_FORMAT) return `its format is ${JSON.stringify(j.format)}, expected ${TRIAL_JOB_FORMAT}`;
  if (typeof j.adaptlabVersion !== 'string') return 'it names no adaptlab version';
  if (typeof j.options !== 'object' || j.options === null || !Array.isArray(j.options.modalities)) return 'it carries no lab options';
  const t = j.trial;
  if (typeof t !== 'object' || t === null || typeof t.strategy?.name !== 'string' || !Number.isInteger(t.seed) || !Number.isInteger(t.f) || typeof t.fingerprint !== 'string') return 'its trial lacks a strategy, seed, fold or fingerprint';
  const e = j.expect;
  if (typeof e?.dataHash !== 'string' || typeof e.backboneKey !== 'string' || typeof e.targetPrint !== 'string') return 'it lacks the content hashes to check';
  return null;
}

/** What is wrong with a job's return value as the answer to `trial` (null when nothing). */
export function trialResultProblem(value: unknown, trial: PlannedTrial): string | null {
  const r = value as Partial<TrialJobResult> | null;
  if (typeof r !== 'object' || r === null) return 'the job returned no result';
  if (r.format !== TRIAL_RESULT_FORMAT) return `the result's format is ${JSON.stringify(r.format)}, expected ${TRIAL_RESULT_FORMAT}`;
  if (r.fingerprint !== trial.fingerprint) return `the result is of trial ${String(r.fingerprint)}, not ${trial.fingerprint}`;
  const rec = r.record;
  if (typeof rec !== 'object' || rec === null) return 'the result holds no trial record';
  const problem = trialProblem({ ...rec, fingerprint: trial.fingerprint });
  if (problem) return `its trial record is damaged (${problem})`;
  const fold = rec.fold && 'index' in rec.fold ? rec.fold.index : undefined;
  if (rec.strategy !== trial.strategy.name || rec.seed !== trial.seed || fold !== trial.fold?.index) return `its record is of ${rec.strategy} seed ${rec.seed}${fold === undefined ? '' : ` fold ${fold}`}`;
  return null;
}
