// The job processor that BullMQ runs in a child process of `adaptlab worker` (one per
// --concurrency slot). Training runs synchronously for minutes to hours; in the worker's own
// process it would block the event loop that renews the job's lock, and the queue would hand the
// job to another worker as stalled. Here the worker process stays free to renew locks, and this
// process reports progress, checks the data and the backbone, trains, and returns the record.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { AdaptlabError } from '../errors.js';
import { trainRecipe } from '../lab/trial-runner.js';
import { adaptlabVersion, trialJobProblem, trialName, TRIAL_RESULT_FORMAT, WORKER_NAME_ENV, type TrialJob, type TrialJobProgress, type TrialJobResult } from './job.js';
import { preparedLabFor } from './prepared-lab.js';

const PROGRESS_EVERY_MS = 1000;
const parentAtStart = process.ppid;

/**
 * A worker killed with SIGKILL leaves its children running; one that is mid-trial would train to
 * the end for nobody (its job is already back in the queue). On Linux it notices at its next
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

// An idle process whose worker is gone has nothing to do either.
process.on('disconnect', () => process.exit(1));

export default async function processTrial(job: SandboxedJob<TrialJob, TrialJobResult>): Promise<TrialJobResult> {
  const worker = process.env[WORKER_NAME_ENV] ?? `${hostname()}:${process.pid}`;
  const problem = trialJobProblem(job.data);
  if (problem) throw new UnrecoverableError(`worker ${worker} cannot read job ${job.id}: ${problem}. Run the same adaptlab version on the coordinator and on every worker.`);
  const { trial } = job.data;
  const version = adaptlabVersion();
  if (job.data.adaptlabVersion !== version) {
    throw new UnrecoverableError(`worker ${worker} runs adaptlab ${version}, but the lab's coordinator runs ${job.data.adaptlabVersion}: trials could train differently. Run the same adaptlab version on the coordinator and on every worker.`);
  }
  const report = (p: TrialJobProgress): void => void job.updateProgress({ ...p });
  report({ worker });
  try {
    const { lab, seconds: prepare } = await preparedLabFor(job.data, worker);
    const t0 = performance.now();
    let last = -Infinity;
    const trained = trainRecipe(trial, lab.backbone, lab.target, lab.cache, (p) => {
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      exitIfOrphaned();
      report({ worker, ...p });
    });
    const record = trained.record;
    trained.dispose();
    return { format: TRIAL_RESULT_FORMAT, fingerprint: trial.fingerprint, record, worker, seconds: { prepare, train: (performance.now() - t0) / 1000 } };
  } catch (e) {
    // adaptlab's own errors are deterministic (bad data, a missing file, a refused option): the
    // same job would fail the same way on every try, so it is failed at once with this message.
    if (e instanceof AdaptlabError) throw new UnrecoverableError(`worker ${worker}, ${trialName(trial)}: ${e.message}`);
    throw e;
  }
}
