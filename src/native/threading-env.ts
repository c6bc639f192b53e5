// Thread-pool environment, set before libtorch loads.
//
// libtorch runs element-wise ops and convolutions on a GNU OpenMP pool and matrix products on
// OpenBLAS's own pthread pool. On a 2-core machine, OpenMP workers that spin-wait after each
// parallel region steal the cores OpenBLAS needs (measured: BERT training 1.9x slower). A bounded
// spin keeps most of the benefit of spinning for back-to-back conv kernels without starving BLAS.
// Measured against libgomp's default (300,000), 100,000, 30,000, OMP_WAIT_POLICY=PASSIVE, and with
// OpenBLAS's own idle spin cut (OPENBLAS_THREAD_TIMEOUT=4): 10,000 is the best compromise over the
// ResNet and BERT workloads (bench/RESULTS.md). Values the user already set are left alone.

import { availableParallelism } from 'node:os';

/** The spin count libgomp uses between parallel regions (its default is 300,000 when active). */
export const DEFAULT_GOMP_SPINCOUNT = '10000';

/** Sets the thread-pool variables the user left unset; returns the intra-op thread count to use. */
export function configureThreadingEnv(env: NodeJS.ProcessEnv = process.env): number {
  const threads = Math.max(1, Number(env.ADAPTLAB_THREADS) || Number(env.OMP_NUM_THREADS) || availableParallelism());
  env.OMP_NUM_THREADS ??= String(threads);
  env.OPENBLAS_NUM_THREADS ??= String(threads);
  if (env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined) {
    env.GOMP_SPINCOUNT = DEFAULT_GOMP_SPINCOUNT;
  }
  return threads;
}
