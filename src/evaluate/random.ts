// A small deterministic PRNG for resampling. Bootstrap intervals must be reproducible from the run
// record alone, so they cannot use Math.random(). Marsaglia's xorshift32 (shifts 13, 17, 5) is
// ample for choosing resample indices; the seed is mixed first so that nearby seeds (0, 1, 2 ...)
// do not start from nearby states.
import { ArgumentError } from '../errors.js';

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

function mix(seed: number): number {
  // Multiplicative hashing with the golden-ratio constant, then an avalanche step.
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 0x6d2b79f5; // xorshift must never hold 0
}

export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new ArgumentError(`createRng: the seed must be an integer, got ${String(seed)}`);
  let state = mix(seed | 0) ^ mix(Math.floor(seed / 2 ** 32));
  if (state === 0) state = 0x6d2b79f5;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}
