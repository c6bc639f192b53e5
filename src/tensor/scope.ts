// Deterministic lifetimes for tensors: tidy() scopes dispose every tensor created inside them,
// except those returned or kept. V8 cannot see native memory, so this is the primary mechanism;
// the native handle's finalizer is only a safety net.
//
// While a scope is open, the addon does not tell V8 about native memory: the scope holds every
// tensor made inside, so no GC could free one, and reporting a training step's transient
// activations made V8 run full collections several times per step. The outermost scope's close
// reports what is left.
import { native } from '../native/binding.js';

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Registers a new tensor with the innermost open scope, if any. */
export function track(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top !== undefined) top.add(t);
}

/** Removes a tensor from every open scope so it survives them. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collectTensors(value: unknown, into: Set<Disposable>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    into.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

/**
 * Runs `fn` in a scope. Tensors created inside are disposed when it returns, except the ones in
 * its result (a tensor, or arrays / plain objects / maps holding tensors), which move to the
 * enclosing scope. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  if (scopes.length === 0) native().deferMemoryReports(true);
  scopes.push(scope);
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError('tidy(fn): fn returned a Promise; tidy scopes are synchronous. Await outside and tidy each step.');
    }
  } finally {
    scopes.pop();
    const survivors = new Set<Disposable>();
    collectTensors(result, survivors); // undefined when fn threw: nothing survives
    for (const t of scope) if (!survivors.has(t)) t.dispose();
    const parent = scopes[scopes.length - 1];
    if (parent === undefined) {
      native().deferMemoryReports(false);
    } else {
      for (const t of survivors) if (scope.has(t)) parent.add(t);
    }
  }
  return result as T;
}

/** Number of open tidy scopes (for tests and diagnostics). */
export function scopeDepth(): number {
  return scopes.length;
}
