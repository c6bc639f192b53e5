// How many bytes of freed tensor memory the engine keeps for reuse on the CPU.
//
// A training step allocates the same activations and gradients every step; freed to the system,
// each step's large blocks come back as fresh pages the kernel faults in and zeroes (measured:
// 14,000 page faults per ResNet-18 step). The native allocator keeps freed blocks up to this bound
// and hands them out again (native/src/allocator.cc). The bound caps what the process holds beyond
// its live tensors; ADAPTLAB_CPU_CACHE_MB sets it (0 turns the cache off).

import { totalmem } from 'node:os';
import { UsageError } from '../errors.js';

/** Default bound: an eighth of the machine's memory, at most 2 GiB. */
export function defaultBlockCacheBytes(totalBytes = totalmem()): number {
  return Math.min(2 * 1024 ** 3, Math.floor(totalBytes / 8));
}

/** The bound in bytes: ADAPTLAB_CPU_CACHE_MB when set, else the default. */
export function blockCacheLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ADAPTLAB_CPU_CACHE_MB;
  if (raw === undefined || raw === '') return defaultBlockCacheBytes();
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 0) {
    throw new UsageError(`ADAPTLAB_CPU_CACHE_MB must be a whole number of megabytes >= 0 (0 turns the block cache off); found "${raw}". Unset it to use the default (${Math.round(defaultBlockCacheBytes() / 1024 ** 2)} MB here).`);
  }
  return mb * 1024 ** 2;
}
