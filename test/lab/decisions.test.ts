// The decision end to end on small image folders the tests make, where the right answer is known
// by construction (make-small-folders.ts): the cheapest depth where it is clearly right, a dearer
// one where frozen features clearly fall short, and a budget so short that nothing can be
// called sufficient. Small enough to run in about a minute on two cores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import { makeDigitsFolder, makeGarmentsFolder } from './make-small-folders.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-decisions-'));
const garments = join(work, 'garments');
const digits = join(work, 'digits');

before(async () => {
  await makeGarmentsFolder(garments, 30);
  await makeDigitsFolder(digits, 60);
});

test('garments the backbone already separates: frozen, the cheapest depth, is best on every seed and recommended', async () => {
  const result = await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], data: garments, seeds: [0, 1], epochs: 4, out: join(work, 'garments-run') });
  const o = result.outcomes.vision!;
  // 120 images: one validation split would be far coarser than the 1-point margin, so the lab cross-validates
  assert.equal(o.summary.allocation.folds, 5);
  assert.equal(o.summary.allocation.automatic, true);
  const frozen = o.trials.filter((t) => t.strategy === 'frozen');
  for (const f of frozen) {
    for (const other of o.trials.filter((t) => t.seed === f.seed && t.strategy !== 'frozen')) {
      assert.ok(f.metrics.validation.accuracy >= other.metrics.validation.accuracy, `seed ${f.seed}: frozen ${f.metrics.validation.accuracy} vs ${other.strategy} ${other.metrics.validation.accuracy}`);
    }
  }
  const rec = o.recommendation;
  assert.equal(rec.strategy, 'frozen', rec.reasons.join('\n'));
  assert.equal(rec.settled, true);
  assert.equal(rec.best, 'frozen');
  assert.ok(!o.summary.strategies.frozen!.sanity.excluded);
});

test('digits that garment features do not separate: frozen is ruled out and a dearer depth is recommended', async () => {
  const result = await runLab({
    ...DEFAULT_LAB_OPTIONS,
    modalities: ['vision'],
    data: digits,
    strategies: ['frozen', 'partial_unfreeze'],
    // a race: the first round (2 seeds) leaves frozen open; seeds are added until it is ruled out
    seeds: [0, 1, 2, 3],
    folds: 3,
    epochs: 12,
    out: join(work, 'digits-run'),
  });
  const rec = result.outcomes.vision!.recommendation;
  const frozen = rec.assessments.find((a) => a.strategy === 'frozen')!;
  assert.equal(rec.best, 'partial_unfreeze', rec.reasons.join('\n'));
  assert.equal(frozen.verdict, 'inferior', rec.reasons.join('\n'));
  assert.equal(rec.strategy, 'partial_unfreeze');
  assert.equal(rec.settled, true);
  const rounds = result.outcomes.vision!.summary.rounds;
  assert.ok(rounds.length >= 2, 'two seeds could not settle it: the race added seeds');
  assert.equal(rounds[0].decision.settled, false);
  assert.equal(rounds.at(-1)!.decision.settled, true);
});

test('a budget of one epoch: strategies at chance are flagged, and no verdict is sufficient', async () => {
  const result = await runLab({ ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], quick: true, epochs: 1, seeds: [0, 1], out: join(work, 'one-epoch') });
  const o = result.outcomes.vision!;
  for (const [name, s] of Object.entries(o.summary.strategies)) {
    assert.equal(s!.sanity.undertrained, true, `${name}: one epoch shows nothing converged`);
    for (const seed of s!.sanity.seeds) {
      if (!seed.learned) assert.ok(s!.sanity.didNotLearn || s!.sanity.unstable, `${name} seed ${seed.seed} at chance must be named`);
    }
  }
  assert.notEqual(o.recommendation.evidence, 'sufficient', o.recommendation.reasons.join('\n'));
  // whatever is named rests on a model that learned
  if (o.recommendation.strategy) assert.equal(o.summary.strategies[o.recommendation.strategy]!.sanity.didNotLearn, false);
});
