// Seeds by purpose: each purpose's seed is a fixed function of (seed, purpose), the purposes'
// streams are unrelated, and an epoch order is a seeded permutation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOrder, purposeSeed } from '../../src/train/seeds.js';

test('purposeSeed: the same (seed, purpose) gives the same 32-bit seed; purposes and seeds differ', () => {
  const seeds = [0, 1, 2, 0xffffffff];
  const all = seeds.flatMap((s) => (['adapters', 'order', 'dropout'] as const).map((p) => purposeSeed(s, p)));
  for (const v of all) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32, String(v));
  assert.equal(new Set(all).size, all.length, 'every (seed, purpose) pair gets its own seed');
  assert.equal(purposeSeed(7, 'order'), purposeSeed(7, 'order'));
  assert.notEqual(purposeSeed(7, 'order'), 7, 'not the trial seed itself');
});

test('epochOrder: a permutation of 0..n-1, fixed by (seed, epoch), different across epochs', () => {
  const a = epochOrder(50, purposeSeed(3, 'order'), 1);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(epochOrder(50, purposeSeed(3, 'order'), 1), a);
  assert.notDeepEqual(epochOrder(50, purposeSeed(3, 'order'), 2), a);
  assert.notDeepEqual(epochOrder(50, purposeSeed(4, 'order'), 1), a);
});
