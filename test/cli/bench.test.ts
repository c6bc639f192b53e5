// `adaptlab bench`: one peer workload timed by the peer's rules, and with --phases where a step's
// time goes (clearing gradients, forward and loss, backward, optimizer update).
import test from 'node:test';
import assert from 'node:assert/strict';
import { runCliCaptured } from '../helpers.js';

async function bench(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCliCaptured(['bench', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

test('--phases times each phase of a training step, in order, and says which BLAS build ran', async () => {
  const rec = await bench(['W1a_resnet20_train', '--batch', '4', '--warmup', '0', '--steps', '5', '--phases']);
  const phases = rec.phaseMs as Record<string, number>;
  assert.deepEqual(Object.keys(phases), ['zero_grad', 'forward', 'backward', 'optimizer']);
  for (const [phase, ms] of Object.entries(phases)) assert.ok(Number.isFinite(ms) && ms >= 0, `${phase}: ${ms}`);
  const step = rec.stepMs as { max: number };
  assert.ok(phases.forward + phases.backward <= step.max * 1.01, 'phases longer than the slowest whole step');
  assert.ok(phases.backward > 0 && phases.forward > 0);
  assert.equal((rec.threads as { blasParallel: string }).blasParallel, 'openmp');
});

test('a feature workload has only a forward phase; without --phases no phase is timed', async () => {
  const features = await bench(['W2_resnet18_features', '--batch', '2', '--warmup', '0', '--steps', '5', '--phases']);
  assert.deepEqual(Object.keys(features.phaseMs as object), ['forward']);
  const plain = await bench(['W2_resnet18_features', '--batch', '2', '--warmup', '0', '--steps', '5']);
  assert.equal(plain.phaseMs, undefined);
});
