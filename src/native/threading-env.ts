// Thread-pool environment, set before libtorch loads (libgomp and OpenBLAS read it once, at load).
//
// libtorch runs convolutions and element-wise kernels on a GNU OpenMP pool. Matrix products run on
// OpenBLAS, whose OpenMP build (installed by set-up, loaded by the addon: blas.ts) uses that same
// pool: then libgomp's own waiting policy is right, and nothing is set beyond the pool sizes.
//
// Only with the pthread build of OpenBLAS (another libtorch, or set-up not run) are there two pools
// on the same cores: OpenMP workers that spin-wait after each parallel region steal the cores
// OpenBLAS needs (measured: BERT training 1.9x slower), so the spin is bounded to 10,000, the best
// compromise over the ResNet and BERT workloads measured with that build (bench/RESULTS.md).
// Values the user already set are left alone.

import { availableParallelism } from 'node:os';
import { openmpBlasInstalled } from './blas.js';

/** The spin count libgomp uses between parallel regions when OpenBLAS has a pool of its own. */
export const DEFAULT_GOMP_SPINCOUNT = '10000';

/**
 * Sets the thread-pool variables the user left unset; returns the intra-op thread count to use.
 * `sharedPool`: whether matrix products will run on the OpenMP pool (OpenBLAS's OpenMP build).
 */
export function configureThreadingEnv(env: NodeJS.ProcessEnv = process.env, sharedPool = openmpBlasInstalled()): number {
  const threads = Math.max(1, Number(env.ADAPTLAB_THREADS) || Number(env.OMP_NUM_THREADS) || availableParallelism());
  env.OMP_NUM_THREADS ??= String(threads);
  env.OPENBLAS_NUM_THREADS ??= String(threads);
  if (!sharedPool && env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined) {
    env.GOMP_SPINCOUNT = DEFAULT_GOMP_SPINCOUNT;
  }
  return threads;
}
