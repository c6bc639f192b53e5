// Gradient-mode scopes.
import { native } from '../native/binding.js';

/** Runs fn with gradient recording off (inference, parameter updates, feature extraction). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native().gradEnabled();
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const n = native();
  const previous = n.gradEnabled();
  n.setGradEnabled(enabled);
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError('noGrad/enableGrad: fn must be synchronous');
    return result;
  } finally {
    n.setGradEnabled(previous);
  }
}
