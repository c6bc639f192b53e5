// The worker side of a queued lab (`adaptlab worker`): a BullMQ worker on the trial queue. This
// process only holds the queue's connections and the jobs' locks; each trial trains in a training
// process (training-pool.ts), one per --concurrency slot, kept for the next job so its prepared
// data and feature cache are reused. A worker that dies mid-trial stops renewing the job's lock:
// once `lockDurationMs` has passed, any worker's stalled-job check (every `stalledIntervalMs`)
// puts the job back in the queue, and another worker trains it.
import { Worker, type Job } from 'bullmq';
import { QUEUE_NAME, describeQueue, type QueueConnection } from './connection.js';
import { trialName, WORKER_DEVICE_ENV, WORKER_NAME_ENV, type TrialJob, type TrialJobResult } from './job.js';
import { DEFAULT_DEVICE, type Device } from '../tensor/index.js';
import { TrainingPool } from './training-pool.js';

export interface WorkerSettings {
  connection: QueueConnection;
  /** `host:pid`: how the coordinator's display and the job's progress name this worker. */
  name: string;
  /** Trials trained at once, each in its own process. */
  concurrency: number;
  /** Where this worker's trials train (its --device); each record says so. Default: the CPU. */
  device?: Device;
  /** How long a job's lock lasts unless renewed (renewed every half of it). BullMQ's default: 30 s. */
  lockDurationMs: number;
  /** How often this worker looks for jobs whose lock expired and puts them back. BullMQ's default: 30 s. */
  stalledIntervalMs: number;
  /** Stop once the queue has had nothing for this worker this long; undefined: run until closed. */
  idleExitMs?: number;
  log(line: string): void;
}

export interface RunningWorker {
  /** Settles when the worker has stopped (closed, or idle for idleExitMs). */
  stopped: Promise<void>;
  /** Stops taking jobs; waits for the running ones unless `force`. */
  close(force?: boolean): Promise<void>;
}

/** How many times a job may stall (its worker died) before it fails instead of going back. */
const MAX_STALLS = 3;
/** The same connection error is logged at most this often while Redis is away. */
const ERROR_LOG_EVERY_MS = 10_000;

export function startWorker(s: WorkerSettings): RunningWorker {
  // The training processes inherit the environment: this name, the device, and the engine's thread count (--threads).
  process.env[WORKER_NAME_ENV] = s.name;
  process.env[WORKER_DEVICE_ENV] = s.device ?? DEFAULT_DEVICE;
  const pool = new TrainingPool();
  const worker = new Worker<TrialJob, TrialJobResult>(QUEUE_NAME, (job) => pool.run(job), {
    connection: s.connection,
    name: s.name,
    concurrency: s.concurrency,
    lockDuration: s.lockDurationMs,
    stalledInterval: s.stalledIntervalMs,
    maxStalledCount: MAX_STALLS,
  });
  const what = (job: Job<TrialJob> | undefined): string => (job?.data?.trial ? trialName(job.data.trial) : `job ${job?.id ?? '?'}`);
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let lastError = { text: '', at: -Infinity };
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const close = async (force = false): Promise<void> => {
    clearTimeout(idleTimer);
    await worker.close(force);
    pool.close();
    stop();
  };
  const idle = (): void => {
    if (s.idleExitMs === undefined || active > 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (active > 0) return;
      s.log(`${s.name}: nothing to train for ${s.idleExitMs! / 1000} s; stopping`);
      void close();
    }, s.idleExitMs);
  };
  worker.on('ready', () => s.log(`${s.name}: waiting for trials on ${describeQueue(s.connection)} (${s.concurrency} at a time)`));
  worker.on('active', (job) => {
    active++;
    clearTimeout(idleTimer);
    s.log(`${s.name}: training ${what(job)}`);
  });
  worker.on('completed', (job, result) => {
    active--;
    s.log(`${s.name}: finished ${what(job)} in ${result.seconds.train.toFixed(1)} s`);
    idle();
  });
  worker.on('failed', (job, err) => {
    active = Math.max(0, active - 1);
    s.log(`${s.name}: ${what(job)} failed: ${err.message}`);
    idle();
  });
  worker.on('drained', idle);
  worker.on('stalled', (jobId) => s.log(`${s.name}: job ${jobId} had stalled (its worker stopped renewing its lock); it goes back to the queue`));
  worker.on('error', (err) => {
    const now = Date.now();
    if (err.message === lastError.text && now - lastError.at < ERROR_LOG_EVERY_MS) return;
    lastError = { text: err.message, at: now };
    s.log(`${s.name}: queue connection: ${err.message} (retrying)`);
  });
  idle();
  return { stopped, close };
}
