// Racing on decisions built for each case: who stops (ruled out, excluded, dearer than an
// acceptable strategy), who gets the next seed (the best and the open comparisons), and when the
// race ends (settled, no seeds left, nothing eligible).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { recommend, type StrategyEvidence } from '../../src/decide/recommend.js';
import { firstRound, nextRound } from '../../src/decide/race.js';

const COST: Partial<Record<StrategyName, { trainFlops: number; storedBytes: number }>> = {
  frozen: { trainFlops: 1e11, storedBytes: 4e3 },
  partial_unfreeze: { trainFlops: 1.5e12, storedBytes: 20e6 },
  scratch: { trainFlops: 4e12, storedBytes: 44e6 },
  full_finetune: { trainFlops: 4e12, storedBytes: 44e6 },
};

/** Per seed: wrong on the first w[s] of n examples. */
function ev(strategy: StrategyName, n: number, wrong: number[], seeds = wrong.map((_, i) => i)): StrategyEvidence {
  return {
    strategy,
    seeds,
    correct: wrong.map((w) => Array.from({ length: n }, (_, i) => i >= w)),
    cost: COST[strategy]!,
    audit: { passed: true, failures: [] },
  };
}

const decide = (list: StrategyEvidence[]) => recommend({ strategies: list, bootstrap: { resamples: 300, seed: 0 } });
const ran = (list: StrategyEvidence[]) => new Map(list.map((e) => [e.strategy, e.seeds]));

test('the first round runs every strategy on two seeds; a grid on all of them', () => {
  const names: StrategyName[] = ['scratch', 'frozen'];
  assert.deepEqual(firstRound(names, [0, 1, 2], 'race'), [
    { strategy: 'scratch', seed: 0 },
    { strategy: 'scratch', seed: 1 },
    { strategy: 'frozen', seed: 0 },
    { strategy: 'frozen', seed: 1 },
  ]);
  assert.equal(firstRound(names, [0, 1, 2], 'grid').length, 6);
});

test('open comparisons get the next seed; ruled-out and dearer strategies stop', () => {
  const n = 400;
  const list = [
    ev('frozen', n, [200, 205]), // far behind: ruled out
    ev('partial_unfreeze', n, [36, 48]), // +1 / −2 points vs the best: open
    ev('scratch', n, [40, 40]), // the best (ties with full_finetune, cheaper by the fixed order)
    ev('full_finetune', n, [40, 41]),
  ];
  const d = decide(list);
  assert.equal(d.best, 'scratch');
  assert.equal(d.settled, false);
  const next = nextRound(d, ran(list), [0, 1, 2, 3]);
  assert.deepEqual(next.units, [
    { strategy: 'partial_unfreeze', seed: 2 },
    { strategy: 'scratch', seed: 2 },
  ]);
  assert.deepEqual(
    next.stopped.map((s) => s.strategy),
    ['frozen', 'full_finetune'],
  );
  assert.match(next.stopped[0].reason, /^ruled out/);
  assert.match(next.stopped[1].reason, /^dearer than scratch/);
  assert.match(next.next, /^another seed for partial_unfreeze, scratch: partial_unfreeze is still open against scratch/);
  // with no seed left the race ends, still naming what is open
  const end = nextRound(d, ran(list), [0, 1]);
  assert.deepEqual(end.units, []);
  assert.match(end.next, /^ended: every allowed seed has run and partial_unfreeze is still open/);
});

test('a settled decision, or one with nothing eligible, ends the race', () => {
  const n = 1000;
  const settled = [ev('frozen', n, [100, 100]), ev('full_finetune', n, [300, 300])];
  const d = decide(settled);
  assert.equal(d.strategy, 'frozen');
  const next = nextRound(d, ran(settled), [0, 1, 2]);
  assert.deepEqual(next.units, []);
  assert.match(next.next, /^ended: no strategy cheaper than frozen is still open/);
  assert.deepEqual(next.stopped, [{ strategy: 'full_finetune', reason: 'ruled out: loses more than the margin to frozen' }]);

  const excluded = { excluded: true, undertrained: false, problems: ['did not learn'] };
  const none = [{ ...ev('frozen', n, [900, 900]), sanity: excluded }, { ...ev('scratch', n, [900, 900]), sanity: excluded }];
  const nd = decide(none);
  assert.equal(nd.evidence, 'insufficient');
  const over = nextRound(nd, ran(none), [0, 1, 2]);
  assert.deepEqual(over.units, []);
  assert.ok(over.stopped.every((s) => s.reason === 'excluded by the sanity gates'));
});
