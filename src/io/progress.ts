// A small terminal progress display with an ETA, for long jobs (pretraining, lab runs).
//
// On a TTY it draws one line, re-drawn in place (carriage return + clear line) at most every
// `redrawMs`:   pretrain vision  [########------------]  41%  1,120/2,730 steps  2m05s left  loss 0.412
// When the stream is not a TTY (CI logs, pipes, files) in-place redraws would pile up as garbage,
// so it prints a plain line every `lineEveryMs` (and at the end) instead:
//   pretrain vision: 41% (1120/2730 steps), 3m01s elapsed, ~4m20s left, loss 0.412
// The ETA is the remaining work at the average rate since the first unit of work finished (the
// first unit is excluded: it carries one-off warm-up costs such as allocator growth).
// Progress goes to stderr by default, so stdout stays for results.

export interface ProgressOptions {
  /** What is running, e.g. "pretrain vision". */
  label: string;
  /** Units of work in all (steps, batches, ...); > 0. */
  total: number;
  /** Name of a unit in plural, e.g. "steps". Default "steps". */
  unit?: string;
  /** Where to draw. Default process.stderr. null: silent (tests, library use). */
  stream?: NodeJS.WritableStream | null;
  /** Force TTY or plain-line mode (default: the stream's isTTY). */
  tty?: boolean;
  /** Minimum time between TTY redraws. Default 100 ms. */
  redrawMs?: number;
  /** Time between plain lines. Default 15 s. */
  lineEveryMs?: number;
  /** Clock in ms (tests). Default performance.now. */
  now?: () => number;
}

const BAR_WIDTH = 24;

/** "4s", "2m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  readonly label: string;
  readonly total: number;
  readonly unit: string;
  readonly #stream: NodeJS.WritableStream | null;
  readonly #tty: boolean;
  readonly #redrawMs: number;
  readonly #lineEveryMs: number;
  readonly #now: () => number;
  readonly #start: number;
  #done = 0;
  #info = '';
  /** Time and count when the first unit finished: the ETA's reference point. */
  #firstAt: { t: number; done: number } | null = null;
  #lastDraw = -Infinity;
  #finished = false;

  constructor(options: ProgressOptions) {
    if (!(Number.isFinite(options.total) && options.total > 0)) throw new RangeError(`Progress: total must be a positive number, got ${options.total}`);
    this.label = options.label;
    this.total = options.total;
    this.unit = options.unit ?? 'steps';
    this.#stream = options.stream === undefined ? process.stderr : options.stream;
    this.#tty = options.tty ?? Boolean((this.#stream as { isTTY?: boolean } | null)?.isTTY);
    this.#redrawMs = options.redrawMs ?? 100;
    this.#lineEveryMs = options.lineEveryMs ?? 15_000;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    // A plain-mode log starts with the first line at once, so a reader knows the job began.
    if (!this.#tty) this.#lastDraw = this.#start - this.#lineEveryMs;
  }

  get done(): number {
    return this.#done;
  }

  /** Seconds since the display was created. */
  get elapsedSeconds(): number {
    return (this.#now() - this.#start) / 1000;
  }

  /** Estimated seconds left, or NaN before there is a rate to go by. */
  get etaSeconds(): number {
    const first = this.#firstAt;
    if (first === null || this.#done <= first.done) return Number.NaN;
    const rate = (this.#done - first.done) / Math.max(1e-9, this.#now() - first.t); // units per ms
    return (this.total - this.#done) / rate / 1000;
  }

  /** Advances by n units; `info` (e.g. "loss 0.41") replaces the trailing note when given. */
  tick(n = 1, info?: string): void {
    this.update(this.#done + n, info);
  }

  /** Sets the units done so far. */
  update(done: number, info?: string): void {
    if (this.#finished) return;
    this.#done = Math.min(this.total, Math.max(0, done));
    if (info !== undefined) this.#info = info;
    const t = this.#now();
    if (this.#firstAt === null && this.#done > 0) this.#firstAt = { t, done: this.#done };
    if (t - this.#lastDraw >= (this.#tty ? this.#redrawMs : this.#lineEveryMs)) {
      this.#lastDraw = t;
      this.#draw();
    }
  }

  /** Replaces the trailing note without advancing (shown at the next redraw). */
  note(info: string): void {
    this.#info = info;
  }

  /** Prints a message above the bar (TTY) or as its own line. */
  log(message: string): void {
    if (!this.#stream) return;
    if (this.#tty) this.#stream.write(`\r\x1b[2K${message}\n`);
    else this.#stream.write(`${message}\n`);
    if (this.#tty && !this.#finished) this.#draw();
  }

  /** Draws the final state and ends the line; later updates are ignored. */
  finish(summary?: string): void {
    if (this.#finished) return;
    if (summary !== undefined) this.#info = summary;
    this.#draw(true);
    this.#finished = true;
    if (this.#tty && this.#stream) this.#stream.write('\n');
  }

  /** The current line, without terminal control characters. */
  render(final = false): string {
    const fraction = this.#done / this.total;
    const percent = `${Math.floor(fraction * 100)}%`;
    const count = `${this.#done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${this.unit}`;
    const elapsed = formatDuration(this.elapsedSeconds);
    const eta = this.etaSeconds;
    const timing = final ? `${elapsed}` : Number.isNaN(eta) ? `${elapsed} elapsed` : this.#tty ? `${formatDuration(eta)} left` : `${elapsed} elapsed, ~${formatDuration(eta)} left`;
    const info = this.#info ? (this.#tty ? `  ${this.#info}` : `, ${this.#info}`) : '';
    if (!this.#tty) return `${this.label}: ${percent} (${count}), ${timing}${info}`;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    return `${this.label}  ${bar} ${percent.padStart(4)}  ${count}  ${timing}${info}`;
  }

  #draw(final = false): void {
    if (!this.#stream) return;
    const line = this.render(final);
    if (this.#tty) {
      const columns = (this.#stream as { columns?: number }).columns ?? 120;
      this.#stream.write(`\r\x1b[2K${line.length > columns - 1 ? line.slice(0, columns - 1) : line}`);
    } else {
      this.#stream.write(`${line}\n`);
    }
  }
}
