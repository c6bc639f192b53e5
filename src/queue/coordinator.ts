// The coordinator side of a queued lab (`adaptlab lab --queue`): a TrialRunner that enqueues each
// round's trials as BullMQ jobs whose id is the trial's fingerprint (enqueuing one again is a
// no-op), then polls their jobs and hands every result to the lab as it arrives; the lab alone
// writes the run directory. Polling, rather than listening to events, is what makes it survive
// anything: a restarted coordinator finds jobs that finished while it was away, a restarted Redis
// is waited for, and a job that Redis lost (restarted without persistence) is enqueued again.
import { Queue, type Job } from 'bullmq';
import { ConfigError } from '../errors.js';
import type { PlannedTrial, RoundContext, TrialRunner, TrialSink } from '../lab/trial-runner.js';
import { QUEUE_NAME, describeQueue, type QueueConnection } from './connection.js';
import { adaptlabVersion, trialJob, trialJobId, trialName, trialResultProblem, TRIAL_JOB_OPTIONS, type TrialJob, type TrialJobProgress, type TrialJobResult } from './job.js';
import { QueueStatus, type RunningTrial } from './queue-status.js';

export interface QueueRunnerSettings {
  connection: QueueConnection;
  /** How often the coordinator looks at its trials' jobs. Default 1000 ms. */
  pollMs?: number;
  /** How often the connected workers are listed for the display. Default 5000 ms. */
  workersEveryMs?: number;
  /** Where progress lines go (default: nowhere). */
  status?(line: string): void;
}

type TrialQueue = Queue<TrialJob, TrialJobResult>;

/** Times a trial's job may come back with an unusable result before the lab fails. */
const MAX_UNUSABLE = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QueueRunner implements TrialRunner {
  readonly #queue: TrialQueue;
  readonly #settings: QueueRunnerSettings;
  readonly #version = adaptlabVersion();
  #workers: { names: string[]; at: number } = { names: [], at: -Infinity };
  readonly #unusable = new Map<string, number>();

  constructor(settings: QueueRunnerSettings) {
    this.#settings = settings;
    this.#queue = new Queue<TrialJob, TrialJobResult>(QUEUE_NAME, { connection: settings.connection });
    let lastError = '';
    this.#queue.on('error', (err) => {
      if (err.message !== lastError) this.#say(`queue ${describeQueue(settings.connection)}: ${err.message} (retrying)`);
      lastError = err.message;
    });
  }

  async runRound(ctx: RoundContext, trials: readonly PlannedTrial[], sink: TrialSink): Promise<void> {
    if (trials.length === 0) return;
    const pending = new Map(trials.map((t) => [trialJobId(t.fingerprint), t]));
    await this.#enqueue(ctx, trials);
    const status = new QueueStatus(ctx.modality, trials.length, (line) => this.#say(line));
    const started = new Set<string>();
    const pollMs = this.#settings.pollMs ?? 1000;
    while (pending.size > 0) {
      const running: RunningTrial[] = [];
      for (const [id, t] of [...pending]) {
        // The state first, then the job: a job read first could finish before its state is asked,
        // and would then be 'completed' without its return value. Completed and failed are final.
        const state = await this.#queue.getJobState(id);
        const job = state === 'unknown' ? undefined : await this.#queue.getJob(id);
        if (job === undefined) {
          this.#say(`queue: the job of ${trialName(t)} is gone from Redis (restarted without persistence?); enqueuing it again`);
          await this.#add(ctx, [t]);
          continue;
        }
        if (state === 'completed') {
          const result = await this.#result(ctx, job, t);
          if (result === null) continue;
          pending.delete(id);
          status.finished(result.worker);
          await sink.finished(t, result.record);
        } else if (state === 'failed') {
          throw failure(job, t);
        } else if (state === 'active') {
          if (!started.has(id)) sink.started(t);
          started.add(id);
          const progress = progressOf(job);
          running.push({ trial: t, progress, worker: progress?.worker ?? job.processedBy });
        }
      }
      if (pending.size === 0) break;
      status.show(running, await this.#connectedWorkers());
      await sleep(pollMs);
    }
  }

  /** Closes the queue's connections. */
  async close(): Promise<void> {
    await this.#queue.close();
  }

  #say(line: string): void {
    this.#settings.status?.(line);
  }

  async #add(ctx: RoundContext, trials: readonly PlannedTrial[]): Promise<void> {
    await this.#queue.addBulk(trials.map((t) => ({ name: 'trial', data: trialJob(ctx, t, this.#version), opts: { ...TRIAL_JOB_OPTIONS, jobId: trialJobId(t.fingerprint) } })));
  }

  /**
   * Enqueues a round. A trial whose job already exists (a restarted coordinator, or another lab with
   * the same trial) keeps it; one that failed in an earlier attempt of the lab is retried, since
   * starting the lab again says that what failed was fixed.
   */
  async #enqueue(ctx: RoundContext, trials: readonly PlannedTrial[]): Promise<void> {
    await this.#add(ctx, trials);
    for (const t of trials) {
      const job = await this.#queue.getJob(trialJobId(t.fingerprint));
      if (job === undefined || (await job.getState()) !== 'failed') continue;
      this.#say(`queue: ${trialName(t)} failed before (${job.failedReason}); trying it again`);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
  }

  /**
   * A completed job's result, checked against its trial. One that is not the trial's record is
   * trained again: BullMQ's sandbox can hand a job the result of an earlier one when the queue lost
   * that earlier job under a busy worker (a Redis restarted empty). Unusable more than
   * MAX_UNUSABLE times, it fails the lab: then something else is wrong (another version?).
   */
  async #result(ctx: RoundContext, job: Job<TrialJob, TrialJobResult>, t: PlannedTrial): Promise<TrialJobResult | null> {
    const problem = trialResultProblem(job.returnvalue, t);
    if (problem === null) return job.returnvalue;
    const times = (this.#unusable.get(job.id!) ?? 0) + 1;
    this.#unusable.set(job.id!, times);
    if (times > MAX_UNUSABLE) {
      throw new ConfigError(
        `the queued trial ${trialName(t)} (job ${job.id}) came back unusable ${times} times, last: ${problem}. ` +
          'Run the same adaptlab version on the coordinator and every worker, and start the lab again.',
      );
    }
    this.#say(`queue: the job of ${trialName(t)} came back unusable (${problem}); enqueuing it again`);
    await job.remove();
    await this.#add(ctx, [t]);
    return null;
  }

  /** Worker names (`host:pid`) connected to the queue, listed every workersEveryMs. */
  async #connectedWorkers(): Promise<string[]> {
    const now = performance.now();
    if (now - this.#workers.at < (this.#settings.workersEveryMs ?? 5000)) return this.#workers.names;
    const clients = await this.#queue.getWorkers();
    const names = clients.map((c) => /:w:(.*)$/.exec(c.rawname ?? '')?.[1]).filter((n): n is string => !!n);
    this.#workers = { names: [...new Set(names)], at: now };
    return this.#workers.names;
  }
}

function progressOf(job: Job): Partial<TrialJobProgress> | undefined {
  const p = job.progress as unknown;
  return typeof p === 'object' && p !== null ? (p as Partial<TrialJobProgress>) : undefined;
}

/** A trial that failed for good fails the lab with the worker's own message. */
function failure(job: Job, t: PlannedTrial): ConfigError {
  const worker = job.processedBy;
  const attempts = job.attemptsMade > 1 ? ` after ${job.attemptsMade} attempts` : '';
  return new ConfigError(
    `the queued trial ${trialName(t)} failed${worker ? ` on ${worker}` : ''}${attempts}: ${job.failedReason}. ` +
      `The trials that finished are kept in the run folder; once this is fixed, start the lab again and this trial is retried.`,
  );
}
