// Prints include dirs, libraries or linker flags for binding.gyp.
// LIBTORCH points at any libtorch tree with include/ and lib/ (an official build, or
// site-packages/torch of a pip install); without it, Debian's libtorch-dev under /usr.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.env.LIBTORCH ? path.resolve(process.env.LIBTORCH) : null;
const what = process.argv[2];

function fail(msg) {
  process.stderr.write(`adaptlab native build: ${msg}\n`);
  process.exit(1);
}

if (root && !fs.existsSync(path.join(root, 'include', 'ATen', 'ATen.h'))) {
  fail(`LIBTORCH=${root} has no include/ATen/ATen.h. Point LIBTORCH at a libtorch tree that contains include/ and lib/ (for a pip install: <site-packages>/torch).`);
}
if (!root && !fs.existsSync('/usr/include/ATen/ATen.h')) {
  fail('libtorch headers not found in /usr/include. Install them with `apt-get install -y libtorch-dev libopenblas0-pthread` (npm run setup does this), or set LIBTORCH.');
}

// A CUDA build of libtorch keeps its GPU kernels in libtorch_cuda (and libc10_cuda): linked
// explicitly (--no-as-needed keeps them), they register with the dispatcher when the addon loads.
const cudaLibs = root && fs.existsSync(path.join(root, 'lib', 'libtorch_cuda.so')) ? ['-ltorch_cuda', '-lc10_cuda'] : [];

// Debian's libtorch multiplies matrices with whichever OpenBLAS the system's alternatives pick
// (libblas.so.3), by default the pthread build, whose thread pool competes with libtorch's OpenMP
// pool for the cores. The addon looks in OpenBLAS's OpenMP build first (an RPATH, which unlike a
// RUNPATH also serves the libraries libtorch itself needs), so that convolutions and matrix products
// share one libgomp pool; the system's choice stays as it is for every other program. Without the
// libopenblas0-openmp package the directory is absent and the system's BLAS loads as before.
// src/native/blas.ts names the same directory (test/native/blas.test.ts checks they agree).
const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`;
const openmpBlasDir = `/usr/lib/${multiarch}/openblas-openmp`;

const out = {
  include: root ? [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')] : ['/usr/include/torch/csrc/api/include'],
  libs: root ? [`-L${path.join(root, 'lib')}`, '-ltorch', '-ltorch_cpu', '-lc10', ...cudaLibs] : ['-ltorch', '-ltorch_cpu', '-lc10'],
  ldflags: root
    ? [`-Wl,-rpath,${path.join(root, 'lib')}`, '-Wl,--no-as-needed']
    : ['-Wl,--disable-new-dtags', `-Wl,-rpath,${openmpBlasDir}`, '-Wl,--no-as-needed'],
  openmpBlasDir,
  abi: process.env.TORCH_CXX11_ABI ?? cxx11Abi(),
};

// A libtorch built with the C++11 std::string ABI exports symbols mangled with "cxx11"; older
// official and pip builds did not. Reading libc10's symbol table decides it instead of guessing.
function cxx11Abi() {
  const lib = root ? path.join(root, 'lib', 'libc10.so') : `/usr/lib/${multiarch}/libc10.so`;
  try {
    return fs.readFileSync(lib).includes('B5cxx11') ? '1' : '0';
  } catch {
    return '1';
  }
}
if (!(what in out)) fail(`unknown query "${what}"`);
const v = out[what];
process.stdout.write(Array.isArray(v) ? v.join(' ') : String(v));
