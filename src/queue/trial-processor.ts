// A training process of `adaptlab worker` (training-pool.ts forks one per --concurrency slot and
// keeps it for the next job, so its prepared data and feature cache are reused). Training runs
// synchronously for minutes to hours; in the worker process it would block the event loop that
// renews the job's lock, and the queue would hand the job to another worker as stalled. This
// process gets a job over IPC, reports progress, checks the data and the backbone, trains, and
// answers with the record, every message naming its job. IPC messages leave at once even while
// training blocks this process's event loop.
import { readFileSync } from 'node:fs';
import { AdaptlabError } from '../errors.js';
import { trainRecipe } from '../lab/trial-runner.js';
import { adaptlabVersion, JobRefused, trialJobProblem, trialName, TRIAL_RESULT_FORMAT, WORKER_DEVICE_ENV, WORKER_NAME_ENV, type TrialJob, type TrialJobProgress, type TrialJobResult } from './job.js';
import { preparedLabFor } from './prepared-lab.js';
import { checkDevice, DEFAULT_DEVICE } from '../tensor/index.js';

/** The worker's message: train this job. */
export interface TrainMessage {
  type: 'train';
  id: string;
  job: unknown;
}

/** This process's messages about job `id`. */
export type TrainerMessage =
  | { type: 'progress'; id: string; progress: TrialJobProgress }
  | { type: 'done'; id: string; result: TrialJobResult }
  | { type: 'failed'; id: string; error: { message: string; unrecoverable: boolean } };

const PROGRESS_EVERY_MS = 1000;
const parentAtStart = process.ppid;

/**
 * A worker killed with SIGKILL leaves its training processes running; one that is mid-trial would
 * train to the end for nobody (its job goes back to the queue). On Linux it notices at its next
 * progress report that it has a new parent, and exits.
 */
function exitIfOrphaned(): void {
  if (process.platform !== 'linux') return;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== parentAtStart) process.exit(1);
  } catch {
    // no /proc: keep training
  }
}

/** One job: checked, prepared, trained. Throws JobRefused (or an AdaptlabError) for what would fail every time. */
async function trainJob(id: string, data: unknown, report: (p: TrialJobProgress) => void): Promise<TrialJobResult> {
  const worker = process.env[WORKER_NAME_ENV] ?? `pid ${process.pid}`;
  const problem = trialJobProblem(data);
  if (problem) throw new JobRefused(`worker ${worker} cannot read job ${id}: ${problem}. Run the same adaptlab version on the coordinator and on every worker.`);
  const job = data as TrialJob;
  const version = adaptlabVersion();
  if (job.adaptlabVersion !== version) {
    throw new JobRefused(`worker ${worker} runs adaptlab ${version}, but the lab's coordinator runs ${job.adaptlabVersion}: trials could train differently. Run the same adaptlab version on the coordinator and on every worker.`);
  }
  report({ worker });
  try {
    const { lab, seconds: prepare } = await preparedLabFor(job, worker, checkDevice(process.env[WORKER_DEVICE_ENV] ?? DEFAULT_DEVICE));
    const t0 = performance.now();
    let last = -Infinity;
    const trained = trainRecipe(job.trial, lab.backbone, lab.target, lab.cache, (p) => {
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      exitIfOrphaned();
      report({ worker, ...p });
    });
    const record = trained.record;
    trained.dispose();
    return { format: TRIAL_RESULT_FORMAT, fingerprint: job.trial.fingerprint, record, worker, seconds: { prepare, train: (performance.now() - t0) / 1000 } };
  } catch (e) {
    if (e instanceof AdaptlabError) throw new JobRefused(`worker ${worker}, ${trialName(job.trial)}: ${e.message}`);
    throw e;
  }
}

let busy = false;
let stopWhenIdle = false;
const send = (m: TrainerMessage, then?: () => void): void => void process.send!(m, undefined, undefined, then);

process.on('message', (m: TrainMessage) => {
  if (m?.type !== 'train') return;
  busy = true;
  const finish = (answer: TrainerMessage): void => {
    busy = false;
    send(answer, () => {
      if (stopWhenIdle) process.exit(0);
    });
  };
  trainJob(m.id, m.job, (progress) => send({ type: 'progress', id: m.id, progress })).then(
    (result) => finish({ type: 'done', id: m.id, result }),
    // adaptlab's own errors are deterministic (bad data, a missing file, a refused option): the
    // same job would fail the same way on every try, so it is failed at once with this message.
    (e: Error) => finish({ type: 'failed', id: m.id, error: { message: e.message, unrecoverable: e instanceof JobRefused || e instanceof AdaptlabError } }),
  );
});
// The worker decides when to stop: a signal (a terminal's Ctrl-C reaches this process too) lets the
// running trial finish first; an idle process whose worker is gone has nothing to do.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!busy) process.exit(0);
    stopWhenIdle = true;
  });
}
process.on('disconnect', () => process.exit(1));
