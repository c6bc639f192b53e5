// The coordinator's view of a queued round, for the console: trials done, running and waiting, and
// per worker what it trains now and how many of this round's trials it finished. One line, printed
// when it changes (at most every `everyMs`, except when a trial finishes).
import type { PlannedTrial } from '../lab/trial-runner.js';
import { trialName, type TrialJobProgress } from './job.js';

export interface RunningTrial {
  trial: PlannedTrial;
  progress: Partial<TrialJobProgress> | undefined;
  /** The worker that holds the job, when known. */
  worker: string | undefined;
}

export class QueueStatus {
  readonly #doneBy = new Map<string, number>();
  #done = 0;
  #last = '';
  #lastAt = -Infinity;

  constructor(
    readonly modality: string,
    readonly total: number,
    readonly print: (line: string) => void,
    readonly everyMs = 2000,
  ) {}

  /** A trial came back from `worker` (or from a run that finished while the coordinator was away). */
  finished(worker: string | undefined): void {
    this.#done++;
    const w = worker ?? 'an earlier attempt';
    this.#doneBy.set(w, (this.#doneBy.get(w) ?? 0) + 1);
    this.#lastAt = -Infinity;
  }

  /** The line for the trials running now; `workers` are those connected to the queue. */
  line(running: readonly RunningTrial[], workers: readonly string[]): string {
    const waiting = this.total - this.#done - running.length;
    const byWorker = new Map<string, string[]>();
    for (const r of running) {
      const w = r.worker ?? 'a worker';
      const p = r.progress;
      const where = p?.epoch !== undefined && p.stepsPerEpoch ? `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}` : 'starting';
      byWorker.set(w, [...(byWorker.get(w) ?? []), `${trialName(r.trial).replace(`${this.modality} `, '')} (${where})`]);
    }
    const names = [...new Set([...workers, ...byWorker.keys(), ...this.#doneBy.keys()])].sort();
    const per = names.map((w) => `${w}: ${byWorker.get(w)?.join(', ') ?? 'idle'}, ${this.#doneBy.get(w) ?? 0} done`);
    const none = workers.length === 0 && running.length === 0 && waiting > 0 ? ' | no worker is connected: start one with adaptlab worker --queue <the same URL>' : '';
    return `queue ${this.modality}: ${this.#done} done, ${running.length} running, ${waiting} waiting of ${this.total}${per.length ? ` | ${per.join(' | ')}` : ''}${none}`;
  }

  /** Prints the line if it changed and enough time passed (at once after a trial finished). */
  show(running: readonly RunningTrial[], workers: readonly string[], now = performance.now()): void {
    const text = this.line(running, workers);
    if (text === this.#last || now - this.#lastAt < this.everyMs) return;
    this.#last = text;
    this.#lastAt = now;
    this.print(text);
  }
}
