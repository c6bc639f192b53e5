// The thread-pool environment adaptlab sets before libtorch loads (src/native/threading-env.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { configureThreadingEnv, DEFAULT_GOMP_SPINCOUNT } from '../../src/native/threading-env.js';
import { repoRoot } from '../helpers.js';

test('an empty environment gets pools of the machine size and a bounded OpenMP spin', () => {
  const env: NodeJS.ProcessEnv = {};
  const n = configureThreadingEnv(env);
  assert.equal(n, availableParallelism());
  assert.deepEqual(env, { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), GOMP_SPINCOUNT: DEFAULT_GOMP_SPINCOUNT });
});

test('what the user set is kept: ADAPTLAB_THREADS sizes both pools, a wait policy leaves the spin alone', () => {
  const env: NodeJS.ProcessEnv = { ADAPTLAB_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
  assert.equal(configureThreadingEnv(env), 1);
  assert.deepEqual(env, { ADAPTLAB_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' });

  const own: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '300000', OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' };
  assert.equal(configureThreadingEnv(own), 2);
  assert.deepEqual(own, { GOMP_SPINCOUNT: '300000', OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' });
});

test('loading the engine applies the defaults to the process before libtorch starts, and sizes the intra-op pool', () => {
  const script = [
    "const t = await import('./dist/src/tensor/index.js');",
    'const intraOp = t.threads().intraOp; // the first engine call loads the addon',
    'console.log(JSON.stringify({ spin: process.env.GOMP_SPINCOUNT, intraOp }));',
  ].join('\n');
  const env = { ...process.env };
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'ADAPTLAB_THREADS']) delete env[k];
  const run = (extra: Record<string, string>): { spin?: string; intraOp: number } => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: { ...env, ...extra }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { spin?: string; intraOp: number };
  };
  assert.deepEqual(run({}), { spin: DEFAULT_GOMP_SPINCOUNT, intraOp: availableParallelism() });
  assert.deepEqual(run({ ADAPTLAB_THREADS: '1' }), { spin: DEFAULT_GOMP_SPINCOUNT, intraOp: 1 });
});
