// Process-wide engine settings and counters: seeding, threads, memory.
import { native, type NativeBinding, type NativeStats } from '../native/binding.js';
import { ArgumentError } from '../errors.js';

/** Seeds libtorch's CPU generator (randn, dropout, init): same seed, same numbers as PyTorch. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new ArgumentError(`manualSeed: expected a non-negative integer, got ${seed}`);
  native().manualSeed(seed);
}

/** Sets libtorch's intra-op threads and OpenBLAS's pool to n. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`setNumThreads: expected an integer >= 1, got ${n}`);
  native().setNumThreads(n);
}

/** Pool sizes, and which OpenBLAS build multiplies matrices (openmp: on libtorch's own pool). */
export function threads(): ReturnType<NativeBinding['threads']> {
  return native().threads();
}

/** Live tensor handles and the native bytes libtorch holds on the CPU right now (and at peak). */
export function memoryStats(): NativeStats {
  return native().stats();
}

/** Starts a new peak-memory window at the current level. */
export function resetPeakMemory(): void {
  native().resetPeak();
}

export function engineInfo(): { torchVersion: string; config: string; parallel: string } {
  return native().buildInfo();
}
