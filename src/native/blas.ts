// Which OpenBLAS build the engine multiplies matrices with, known before libtorch loads.
//
// The addon is linked to look in OpenBLAS's OpenMP build first (native/paths.cjs, an RPATH to this
// directory): matrix products then run on the same libgomp pool as convolutions and element-wise
// kernels, instead of a pthread pool of their own that competes with it for the cores. set-up
// installs it (Debian's libopenblas0-openmp); without it the system's BLAS loads. The thread
// environment (threading-env.ts) depends on which one it will be, and must be set before loading.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MULTIARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' };

/** Where Debian puts OpenBLAS's OpenMP build (the directory the addon's RPATH names). */
export function openmpBlasDir(arch: NodeJS.Architecture = process.arch): string {
  return `/usr/lib/${MULTIARCH[arch] ?? `${arch}-linux-gnu`}/openblas-openmp`;
}

/** True when OpenBLAS's OpenMP build is installed, so the Debian-built addon will load it. */
export function openmpBlasInstalled(dir = openmpBlasDir()): boolean {
  return existsSync(join(dir, 'libblas.so.3'));
}
