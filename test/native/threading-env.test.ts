// The thread-pool environment adaptlab sets before libtorch loads (src/native/threading-env.ts),
// and which OpenBLAS build the engine loads (src/native/blas.ts, native/paths.cjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { configureThreadingEnv, DEFAULT_GOMP_SPINCOUNT } from '../../src/native/threading-env.js';
import { openmpBlasDir, openmpBlasInstalled } from '../../src/native/blas.js';
import { repoRoot } from '../helpers.js';

test('with one shared OpenMP pool, an empty environment gets pools of the machine size and libgomp keeps its own waiting', () => {
  const env: NodeJS.ProcessEnv = {};
  const n = configureThreadingEnv(env, true);
  assert.equal(n, availableParallelism());
  assert.deepEqual(env, { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n) });
});

test('with OpenBLAS on a pthread pool of its own, the OpenMP spin is bounded', () => {
  const env: NodeJS.ProcessEnv = {};
  const n = configureThreadingEnv(env, false);
  assert.deepEqual(env, { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), GOMP_SPINCOUNT: DEFAULT_GOMP_SPINCOUNT });
});

test('what the user set is kept: ADAPTLAB_THREADS sizes both pools, a wait policy leaves the spin alone', () => {
  for (const shared of [true, false]) {
    const env: NodeJS.ProcessEnv = { ADAPTLAB_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
    assert.equal(configureThreadingEnv(env, shared), 1);
    assert.deepEqual(env, { ADAPTLAB_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' });

    const own: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '300000', OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' };
    assert.equal(configureThreadingEnv(own, shared), 2);
    assert.deepEqual(own, { GOMP_SPINCOUNT: '300000', OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' });
  }
});

test('the directory the addon is linked to search first is the one the runtime checks for', () => {
  const r = spawnSync(process.execPath, ['native/paths.cjs', 'ldflags'], { cwd: repoRoot, env: { ...process.env, LIBTORCH: '' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.split(' ').includes(`-Wl,-rpath,${openmpBlasDir()}`), `ldflags: ${r.stdout}`);
  assert.ok(r.stdout.includes('--disable-new-dtags'), 'an RUNPATH would not serve the libraries libtorch needs');
  assert.equal(openmpBlasDir('arm64'), '/usr/lib/aarch64-linux-gnu/openblas-openmp');
});

test('loading the engine uses OpenBLAS on the OpenMP pool, applies the defaults before libtorch starts, and sizes the pool', () => {
  // set-up installs the OpenMP build (scripts/setup.sh); this checks that the addon really loads it.
  assert.ok(openmpBlasInstalled(), `OpenBLAS's OpenMP build is not in ${openmpBlasDir()}: run npm run setup`);
  const script = [
    "const t = await import('./dist/src/tensor/index.js');",
    "const { readFileSync } = await import('node:fs');",
    'const { intraOp, blasParallel } = t.threads(); // the first engine call loads the addon',
    "const blasFiles = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.includes('libblas.so.3')).map((l) => l.split(/\\s+/).pop());",
    'console.log(JSON.stringify({ spin: process.env.GOMP_SPINCOUNT ?? null, intraOp, blasParallel, blasDirs: [...new Set(blasFiles.map((f) => f.slice(0, f.lastIndexOf("/"))))] }));',
  ].join('\n');
  const env = { ...process.env };
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'ADAPTLAB_THREADS']) delete env[k];
  const run = (extra: Record<string, string>): unknown => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: { ...env, ...extra }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const shared = { blasParallel: 'openmp', blasDirs: [openmpBlasDir()] };
  assert.deepEqual(run({}), { spin: null, intraOp: availableParallelism(), ...shared });
  assert.deepEqual(run({ ADAPTLAB_THREADS: '1' }), { spin: null, intraOp: 1, ...shared });
  assert.deepEqual(run({ GOMP_SPINCOUNT: '10000' }), { spin: '10000', intraOp: availableParallelism(), ...shared });
});
