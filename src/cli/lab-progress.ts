// Progress of a lab run on the terminal: one line per trial, with the trial's ETA while it
// trains and the run's ETA from the trials finished so far.
import type { LabEvents } from '../lab/run-lab.js';

function fmt(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class LabProgress {
  readonly #tty = process.stderr.isTTY === true;
  #trialStart = 0;
  #runStart = performance.now();
  #trained = 0;
  #trainedSeconds = 0;
  #lastLine = 0;

  events(): LabEvents {
    return {
      message: (text) => this.#print(text),
      trialStart: (e) => {
        this.#trialStart = performance.now();
        if (e.reused) this.#print(`[${e.index}/${e.total}] ${e.modality} ${e.strategy} seed ${e.seed}: reused from an earlier run`);
      },
      trialProgress: (e) => {
        const done = (e.epoch - 1) * e.stepsPerEpoch + e.step;
        const all = e.epochs * e.stepsPerEpoch;
        const elapsed = (performance.now() - this.#trialStart) / 1000;
        const now = performance.now();
        if (!this.#tty && now - this.#lastLine < 10_000 && done !== all) return;
        this.#lastLine = now;
        const line = `  ${e.modality} ${e.strategy} seed ${e.seed}: epoch ${e.epoch}/${e.epochs} step ${done}/${all}, ETA ${fmt((elapsed / done) * (all - done))}`;
        if (this.#tty) process.stderr.write(`\r\x1b[2K${line}`);
        else this.#print(line);
      },
      trialEnd: (e) => {
        const r = e.record;
        if (!e.reused) {
          this.#trained++;
          this.#trainedSeconds += r.cost.wallSeconds;
        }
        const left = e.total - e.index;
        const eta = this.#trained ? (this.#trainedSeconds / this.#trained) * left : NaN;
        if (this.#tty) process.stderr.write('\r\x1b[2K');
        this.#print(
          `[${e.index}/${e.total}] ${r.modality} ${r.strategy} seed ${r.seed}: validation ${(100 * r.metrics.validation.accuracy).toFixed(1)}%, ` +
            `test ${(100 * r.metrics.test.accuracy).toFixed(1)}%, ${r.cost.wallSeconds.toFixed(1)}s, audit ${r.audit.passed ? 'passed' : 'FAILED'}` +
            (left ? `; run ETA ${fmt(eta)}` : ''),
        );
      },
    };
  }

  done(): void {
    this.#print(`lab finished in ${fmt((performance.now() - this.#runStart) / 1000)}`);
  }

  #print(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}
