// Learning-rate schedules: pure functions from the step (optimizer updates taken so far, 0 for
// the first update) to a multiplier of each group's base lr. LrScheduler applies one to an
// optimizer, so groups with different base lrs (backbone, head) keep their ratio.
//
// Conventions follow the references people compare against: warm-up and decay as Hugging Face
// transformers (multiplier step/warmup during warm-up, so the first update uses 0), one-cycle as
// torch.optim.lr_scheduler.OneCycleLR, slanted triangular as ULMFiT (Howard & Ruder 2018).
// Steps past totalSteps hold the final value.
import { ArgumentError } from '../errors.js';
import type { Optimizer } from './optimizer.js';
import { checkLr, type BaseOptions } from './options.js';

/** step (integer >= 0) -> lr multiplier */
export type Schedule = (step: number) => number;

function count(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(`${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function fraction(v: unknown, what: string, lo: number, hi: number, openLo = false): number {
  if (typeof v !== 'number' || !(openLo ? v > lo : v >= lo) || !(v <= hi)) throw new ArgumentError(`${what} must be in ${openLo ? '(' : '['}${lo}, ${hi}], got ${String(v)}`);
  return v;
}

function checked(name: string, f: (step: number) => number): Schedule {
  return (step) => f(count(step, `${name}(step)`));
}

/** 0 -> 1 linearly over warmupSteps (step / warmupSteps), as transformers' schedules. */
function warm(step: number, warmupSteps: number): number {
  return step / Math.max(1, warmupSteps);
}

/** Always 1. */
export function constant(): Schedule {
  return checked('constant', () => 1);
}

/** Linear warm-up from 0 over `warmupSteps`, then 1 (transformers' constant_schedule_with_warmup). */
export function warmupConstant(options: { warmupSteps: number }): Schedule {
  const w = count(options.warmupSteps, 'warmupConstant: warmupSteps');
  return checked('warmupConstant', (t) => (t < w ? warm(t, w) : 1));
}

/**
 * Linear warm-up from 0 over `warmupSteps`, then linear decay to `floor` at `totalSteps`
 * (transformers' linear_schedule_with_warmup when floor is 0).
 */
export function warmupLinearDecay(options: { warmupSteps: number; totalSteps: number; floor?: number }): Schedule {
  const total = count(options.totalSteps, 'warmupLinearDecay: totalSteps', 1);
  const w = count(options.warmupSteps, 'warmupLinearDecay: warmupSteps');
  if (w > total) throw new ArgumentError(`warmupLinearDecay: warmupSteps (${w}) exceeds totalSteps (${total})`);
  const floor = fraction(options.floor ?? 0, 'warmupLinearDecay: floor', 0, 1);
  return checked('warmupLinearDecay', (t) => {
    if (t < w) return warm(t, w);
    const remaining = Math.max(0, (total - t) / Math.max(1, total - w)); // 1 at the end of warm-up, 0 at totalSteps
    return floor + (1 - floor) * remaining;
  });
}

/**
 * Half-cosine from 1 down to `floor` between the end of warm-up and `totalSteps`, after an
 * optional linear warm-up (transformers' cosine_schedule_with_warmup; torch's CosineAnnealingLR
 * with eta_min = floor * base lr when warmupSteps is 0).
 */
export function cosine(options: { totalSteps: number; warmupSteps?: number; floor?: number }): Schedule {
  const total = count(options.totalSteps, 'cosine: totalSteps', 1);
  const w = count(options.warmupSteps ?? 0, 'cosine: warmupSteps');
  if (w > total) throw new ArgumentError(`cosine: warmupSteps (${w}) exceeds totalSteps (${total})`);
  const floor = fraction(options.floor ?? 0, 'cosine: floor', 0, 1);
  return checked('cosine', (t) => {
    if (t < w) return warm(t, w);
    const progress = Math.min(1, (t - w) / Math.max(1, total - w));
    return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  });
}

/**
 * ULMFiT's slanted triangular rate: a short linear rise over the first `cutFrac` of the steps
 * from 1/ratio to 1, then a long linear fall back to 1/ratio at `totalSteps`.
 *   cut = floor(T * cutFrac);  p = t < cut ? t / cut : 1 - (t - cut) / (T - cut)
 *   multiplier = (1 + p * (ratio - 1)) / ratio
 * (ULMFiT writes the fall's length as cut * (1/cutFrac - 1), which is T - cut when T * cutFrac
 * is whole; T - cut ends exactly at 1/ratio otherwise too.)
 */
export function slantedTriangular(options: { totalSteps: number; cutFrac?: number; ratio?: number }): Schedule {
  const total = count(options.totalSteps, 'slantedTriangular: totalSteps', 2);
  const cutFrac = fraction(options.cutFrac ?? 0.1, 'slantedTriangular: cutFrac', 0, 1, true);
  const ratio = options.ratio ?? 32;
  if (typeof ratio !== 'number' || !(ratio >= 1)) throw new ArgumentError(`slantedTriangular: ratio must be >= 1, got ${String(ratio)}`);
  const cut = Math.floor(total * cutFrac);
  if (cut < 1 || cut >= total) throw new ArgumentError(`slantedTriangular: totalSteps * cutFrac (${total} * ${cutFrac}) must leave at least one step to rise and one to fall`);
  return checked('slantedTriangular', (t) => {
    const p = t < cut ? t / cut : Math.max(0, 1 - (t - cut) / (total - cut));
    return (1 + p * (ratio - 1)) / ratio;
  });
}

/**
 * One-cycle (Smith), the lr part of torch.optim.lr_scheduler.OneCycleLR with the group's base lr
 * as max_lr: from 1/divFactor up to 1 over the first pctStart of the steps, then down to
 * 1/(divFactor * finalDivFactor) at the last step (totalSteps - 1), annealing by cosine or
 * linearly. Momentum is not cycled.
 */
export function oneCycle(options: { totalSteps: number; pctStart?: number; divFactor?: number; finalDivFactor?: number; anneal?: 'cos' | 'linear' }): Schedule {
  const total = count(options.totalSteps, 'oneCycle: totalSteps', 2);
  const pctStart = fraction(options.pctStart ?? 0.3, 'oneCycle: pctStart', 0, 1, true);
  const divFactor = options.divFactor ?? 25;
  const finalDivFactor = options.finalDivFactor ?? 1e4;
  if (!(divFactor > 0) || !(finalDivFactor > 0)) throw new ArgumentError(`oneCycle: divFactor and finalDivFactor must be > 0, got ${divFactor} and ${finalDivFactor}`);
  const anneal = options.anneal ?? 'cos';
  if (anneal !== 'cos' && anneal !== 'linear') throw new ArgumentError(`oneCycle: anneal must be 'cos' or 'linear', got ${String(anneal)}`);
  const initial = 1 / divFactor;
  const min = initial / finalDivFactor;
  const peak = pctStart * total - 1; // the step at which the rise ends, as PyTorch (may be fractional)
  const last = total - 1;
  if (!(peak > 0 && peak < last)) throw new ArgumentError(`oneCycle: pctStart * totalSteps - 1 (${peak}) must lie strictly between 0 and ${last}`);
  const interp = (from: number, to: number, pct: number): number =>
    anneal === 'cos' ? to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1) : (to - from) * pct + from;
  return checked('oneCycle', (t) => (t <= peak ? interp(initial, 1, t / peak) : interp(1, min, Math.min(1, (t - peak) / (last - peak)))));
}

/**
 * Sets every group's lr to baseLr * schedule(step). It applies step 0 at construction; call
 * `step()` after each optimizer.step() to advance. One schedule for all groups, or one per group.
 */
export class LrScheduler {
  readonly #optimizer: Optimizer<BaseOptions>;
  readonly #schedules: readonly Schedule[];
  #step = 0;

  constructor(optimizer: Optimizer<BaseOptions>, schedule: Schedule | readonly Schedule[]) {
    const groups = optimizer.paramGroups.length;
    const list = typeof schedule === 'function' ? Array.from({ length: groups }, () => schedule) : [...schedule];
    if (list.length !== groups || list.some((s) => typeof s !== 'function')) {
      throw new ArgumentError(`LrScheduler: expected one schedule or ${groups} (one per group), got ${Array.isArray(schedule) ? schedule.length : typeof schedule}`);
    }
    this.#optimizer = optimizer;
    this.#schedules = list;
    this.#apply();
  }

  /** Optimizer updates counted so far: the step the current lrs are for. */
  get stepCount(): number {
    return this.#step;
  }

  /** The multiplier applied to each group now. */
  get multipliers(): number[] {
    return this.#schedules.map((s) => s(this.#step));
  }

  /** The lr of each group now. */
  get lrs(): number[] {
    return this.#optimizer.paramGroups.map((g) => g.lr);
  }

  /** Advances one step and sets the lrs for the next update. */
  step(): void {
    this.#step += 1;
    this.#apply();
  }

  stateDict(): { step: number } {
    return { step: this.#step };
  }

  loadStateDict(state: { step: number }): void {
    this.#step = count(state?.step, 'LrScheduler.loadStateDict: step');
    this.#apply();
  }

  #apply(): void {
    this.#optimizer.paramGroups.forEach((g, i) => {
      const lr = g.baseLr * this.#schedules[i](this.#step);
      checkLr(lr, `LrScheduler: group '${g.name}' at step ${this.#step}`);
      g.lr = lr;
    });
  }
}
