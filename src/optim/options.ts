// Optimizer options: their names, the ones every optimizer has, and their validation, shared by
// SGD and AdamW: each check names the group and the option, says what was expected and what was
// found.
import { Tensor } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';

/** The option names a ParamGroup may carry. */
export const OPTION_KEYS = ['lr', 'weightDecay', 'momentum', 'nesterov', 'betas', 'eps'] as const;
export type OptionKey = (typeof OPTION_KEYS)[number];

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
  weightDecay: number;
}

export function checkLr(v: unknown, where: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: the learning rate must be a finite number >= 0, got ${describe(v)}`);
}

export function describeTensor(t: Tensor): string {
  return `(${t.dtype} [${t.shape.join(', ')}])`;
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return v.toString();
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}


type Given = Partial<Record<OptionKey, unknown>>;

/** Rejects options this optimizer does not have (e.g. betas given to SGD). */
export function checkKnown(given: Given, allowed: readonly OptionKey[], kind: string, where: string): void {
  for (const key of Object.keys(given)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new ArgumentError(`${where}: ${kind} has no option '${key}'; its options are ${allowed.join(', ')}`);
    }
  }
}

export function nonNegative(given: Given, key: OptionKey, fallback: number | undefined, where: string): number {
  const v = given[key] ?? fallback;
  if (v === undefined) throw new ArgumentError(`${where}: '${key}' is required (give it to the group or to the optimizer's defaults)`);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: '${key}' must be a finite number >= 0, got ${describe(v)}`);
  return v;
}

export function flag(given: Given, key: OptionKey, fallback: boolean, where: string): boolean {
  const v = given[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${where}: '${key}' must be true or false, got ${describe(v)}`);
  return v;
}

/** A coefficient in [0, 1). */
export function unitInterval(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ArgumentError(`${where}: ${what} must be a number in [0, 1), got ${describe(v)}`);
  return v;
}
