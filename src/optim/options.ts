// Validation of optimizer options, shared by SGD and AdamW: each check names the group and the
// option, says what was expected and what was found.
import { ArgumentError } from '../errors.js';
import { describe, type OptionKey } from './optimizer.js';

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
