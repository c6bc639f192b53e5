// The training processes of an `adaptlab worker` (trial-processor.ts), one per job running at once,
// forked when first needed and kept while idle. A process is handed a new job only after it has
// answered its last one, and an answer counts only for the job it names; a process that exits
// mid-trial fails that attempt (BullMQ retries it).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError, type Job } from 'bullmq';
import { trialName, type TrialJob, type TrialJobResult } from './job.js';
import type { TrainMessage, TrainerMessage } from './trial-processor.js';

const TRAINER = fileURLToPath(new URL('./trial-processor.js', import.meta.url));

export class TrainingPool {
  #idle: ChildProcess[] = [];
  readonly #all = new Set<ChildProcess>();

  /** Trains `job` in an idle training process (or a new one) and answers with its result. */
  run(job: Job<TrialJob, TrialJobResult>): Promise<TrialJobResult> {
    const child = this.#idle.pop() ?? this.#fork();
    const id = job.id!;
    return new Promise((resolve, reject) => {
      const onMessage = (m: TrainerMessage): void => {
        if (m?.id !== id) return;
        if (m.type === 'progress') {
          void job.updateProgress({ ...m.progress }).catch(() => undefined); // a lost update only delays the display
          return;
        }
        stop();
        this.#idle.push(child);
        if (m.type === 'done') resolve(m.result);
        else reject(m.error.unrecoverable ? new UnrecoverableError(m.error.message) : new Error(m.error.message));
      };
      const onExit = (code: number | null, signal: string | null): void => {
        stop();
        reject(new Error(`the training process of ${job.data?.trial ? trialName(job.data.trial) : `job ${id}`} stopped (${signal ?? `exit code ${code}`}) before it finished`));
      };
      const stop = (): void => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ type: 'train', id, job: job.data } satisfies TrainMessage);
    });
  }

  /** Stops the training processes; call when no job runs (an idle one exits at SIGTERM). */
  close(): void {
    for (const child of this.#all) child.kill('SIGTERM');
  }

  #fork(): ChildProcess {
    // The environment is inherited: the worker's name and the engine's thread count (--threads).
    const child = fork(TRAINER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#all.add(child);
    child.once('exit', () => {
      this.#all.delete(child);
      this.#idle = this.#idle.filter((c) => c !== child);
    });
    return child;
  }
}
