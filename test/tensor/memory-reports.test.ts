// What V8 is told about native memory: nothing while a tidy scope is open (the scope frees it),
// what is left when the outermost scope closes, and everything outside scopes, so that the GC
// frees tensors a program forgot to dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, tidy, keep, memoryStats } from '../../src/tensor/index.js';

const MB = 2 ** 20;

test('memory made inside a tidy scope is not reported to V8; what the outermost scope leaves is', () => {
  const before = memoryStats();
  const kept = tidy(() => {
    tidy(() => {
      zeros([64, MB / 4]); // 64 MB (float32), freed with the scope
      assert.equal(memoryStats().nativeBytes - before.nativeBytes, 64 * MB);
      assert.equal(memoryStats().reportedBytes, before.reportedBytes, 'reported while the scope was open');
    });
    assert.equal(memoryStats().reportedBytes, before.reportedBytes, 'an inner scope closing reported');
    return keep(zeros([MB / 4])); // 1 MB that outlives the scope
  });
  const after = memoryStats();
  assert.equal(after.reportedBytes, after.nativeBytes, 'the outermost close reports what is held');
  assert.equal(after.nativeBytes - before.nativeBytes, MB);
  kept.dispose();
});

test('a scope that throws still closes its deferral', () => {
  assert.throws(() =>
    tidy(() => {
      zeros([MB / 4]);
      throw new Error('inside');
    }),
  );
  const t = zeros([MB / 4]);
  assert.equal(memoryStats().reportedBytes, memoryStats().nativeBytes, 'outside any scope, memory is reported at once');
  t.dispose();
});

test('tensors leaked outside any scope are freed by the GC, driven by the reported memory', async () => {
  const start = memoryStats().nativeBytes;
  let peak = 0;
  // 2,000 MB allocated and never disposed, in 1 MB tensors, yielding as a program would.
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 50; i++) zeros([MB / 4]);
    await new Promise((resolve) => setImmediate(resolve));
    peak = Math.max(peak, memoryStats().nativeBytes - start);
  }
  assert.ok(peak < 1000 * MB, `leaked tensors piled up to ${(peak / MB).toFixed(0)} MB: the GC never heard of them`);
});
