// The typed interface of the native addon (native/src/addon.cc) and its loader.
// Only src/tensor imports this module (.dependency-cruiser.cjs checks it: native-only-from-tensor).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AdaptlabError } from '../errors.js';
import { configureThreadingEnv } from './threading-env.js';
import { blockCacheLimit } from './memory-env.js';
import { openmpBlasDir, openmpBlasInstalled } from './blas.js';

/** An opaque reference to a libtorch tensor. Freed explicitly with `free`. */
export type TensorHandle = { readonly __tensorHandle: unique symbol };
/** An operator found in libtorch's dispatcher, e.g. aten::conv2d. */
export type OpHandle = { readonly __opHandle: unique symbol };

/** What JS values an operator argument may be; the schema decides how each is converted. */
export type OpArg = TensorHandle | number | boolean | string | null | undefined | readonly OpArg[];
export type OpResult = TensorHandle | number | boolean | string | null | OpResult[];

export interface NativeStats {
  liveTensors: number;
  nativeBytes: number;
  peakNativeBytes: number;
  /** The native bytes V8 was last told about (its GC pressure from tensors). */
  reportedBytes: number;
  /** Bytes of freed blocks kept for reuse (not in nativeBytes; bounded by ADAPTLAB_CPU_CACHE_MB). */
  cachedBytes: number;
}

export interface NativeBinding {
  op(name: string, overload: string): OpHandle;
  schema(op: OpHandle): string;
  call(op: OpHandle, args: readonly OpArg[], discardResult?: boolean): OpResult;

  /** A copy of `bytes` as a tensor, on `device` when given (default: the CPU). */
  fromBuffer(bytes: ArrayBufferView, shape: readonly number[], scalarType: number, device?: string): TensorHandle;
  /** The elements, copied to the host first when the tensor lives elsewhere. */
  toBuffer(t: TensorHandle): ArrayBuffer;
  item(t: TensorHandle): number | boolean;
  free(t: TensorHandle): boolean;
  /** [shape, scalarType, requiresGrad] */
  meta(t: TensorHandle): [number[], number, boolean];
  /** "cpu", "cuda:0", ... */
  deviceOf(t: TensorHandle): string;
  /** Replaces the (leaf) tensor behind this handle by its copy on `device`. */
  moveTo(t: TensorHandle, device: string): void;
  devices(): { cudaBuilt: boolean; cudaAvailable: boolean; cudaDeviceCount: number };
  /** Waits for queued GPU work (no-op without CUDA). */
  synchronize(): void;

  setRequiresGrad(t: TensorHandle, flag: boolean): void;
  grad(t: TensorHandle): TensorHandle | null;
  setGrad(t: TensorHandle, grad: TensorHandle | null): void;
  isLeaf(t: TensorHandle): boolean;
  backward(t: TensorHandle, gradient: TensorHandle | null, retainGraph: boolean): void;
  gradEnabled(): boolean;
  setGradEnabled(flag: boolean): void;

  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  /** blasParallel: OpenBLAS's build (openmp: on libtorch's pool), null when the BLAS is not OpenBLAS. */
  threads(): { intraOp: number; interOp: number; blas: number | null; blasParallel: 'sequential' | 'pthreads' | 'openmp' | null };
  stats(): NativeStats;
  resetPeak(): void;
  /** How many bytes of freed blocks the CPU allocator keeps for reuse (0: none). */
  setBlockCacheLimit(bytes: number): void;
  /** True while a tidy scope is open: V8 hears of native memory only when the outermost one closes. */
  deferMemoryReports(flag: boolean): void;
  buildInfo(): { torchVersion: string; config: string; parallel: string };
}

const addonPath = fileURLToPath(new URL('../../../native/build/Release/adaptlab_native.node', import.meta.url));

let loaded: NativeBinding | undefined;

export function native(): NativeBinding {
  if (loaded) return loaded;
  if (!existsSync(addonPath)) {
    throw new AdaptlabError(
      'NATIVE_ADDON_MISSING',
      `The native addon is not built: expected ${addonPath}. Run \`npm run setup\` (it installs libtorch and builds the addon).`,
    );
  }
  // Thread pools size themselves when libtorch and OpenBLAS load, so this must come first.
  // The addon loads OpenBLAS's OpenMP build when it is installed and the addon was linked to look
  // for it (its RPATH names the directory; a build against another LIBTORCH does not).
  const sharedPool = openmpBlasInstalled() && readFileSync(addonPath).includes(openmpBlasDir());
  const threads = configureThreadingEnv(process.env, sharedPool);
  const cacheLimit = blockCacheLimit();
  const require = createRequire(import.meta.url);
  try {
    loaded = require(addonPath) as NativeBinding;
    // libtorch may size its intra-op pool from cgroup limits rather than OMP_NUM_THREADS.
    loaded.setNumThreads(threads);
    loaded.setBlockCacheLimit(cacheLimit);
  } catch (cause) {
    throw new AdaptlabError(
      'NATIVE_ADDON_MISSING',
      `The native addon at ${addonPath} failed to load (${(cause as Error).message}). ` +
        'Rebuild it with `npm run setup`; if libtorch lives elsewhere, set LIBTORCH to its folder first.',
      { cause },
    );
  }
  return loaded;
}
