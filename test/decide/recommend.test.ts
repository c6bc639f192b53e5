import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { recommend, type RecommendInput, type StrategyEvidence } from '../../src/decide/recommend.js';
import { evidenceFromTrials } from '../../src/decide/evidence.js';
import { compareConfusion } from '../../src/evaluate/confusion-diff.js';
import type { StrategyConfusionDiff } from '../../src/record/evaluation.js';
import { makeRecord, preds, withErrors } from '../evaluate/trial-fixtures.js';

const COST: Partial<Record<StrategyName, { trainFlops: number; storedBytes: number }>> = {
  frozen: { trainFlops: 1e11, storedBytes: 4e3 },
  partial_unfreeze: { trainFlops: 1.5e12, storedBytes: 20e6 },
  full_finetune: { trainFlops: 4e12, storedBytes: 44e6 },
  scratch: { trainFlops: 4e12, storedBytes: 44e6 },
};

/** n outcomes, wrong exactly on [0, wrong) ∪ [from, from + extra). */
function outcomes(n: number, wrong: number, extra = 0, from = wrong): boolean[] {
  return Array.from({ length: n }, (_, i) => !(i < wrong || (i >= from && i < from + extra)));
}

function ev(strategy: StrategyName, correct: boolean[][], more: Partial<StrategyEvidence> = {}): StrategyEvidence {
  return {
    strategy,
    seeds: correct.map((_, s) => s),
    correct,
    cost: COST[strategy]!,
    audit: { passed: true, failures: [] },
    config: { epochs: 5, steps: 100, batchSize: 32, headLr: 1e-3, backboneLr: strategy === 'frozen' ? null : 1e-4, layerDecay: null, batchNorm: 'train', partialK: strategy === 'partial_unfreeze' ? 2 : null },
    ...more,
  };
}

/** Three seeds of n examples; `wrong[s]` errors on seed s (on the first examples). */
function seeds3(n: number, wrong: [number, number, number]): boolean[][] {
  return wrong.map((w) => outcomes(n, w));
}

const run = (input: RecommendInput) => recommend({ bootstrap: { resamples: 500, seed: 1 }, ...input });

test('clear winner: the only non-inferior strategy is recommended, and the rule is stated', () => {
  const n = 1000;
  const r = run({
    strategies: [
      ev('scratch', seeds3(n, [300, 305, 310])),
      ev('frozen', seeds3(n, [200, 203, 206])),
      ev('partial_unfreeze', seeds3(n, [150, 152, 154])),
      ev('full_finetune', seeds3(n, [100, 101, 102])),
    ],
  });
  assert.equal(r.strategy, 'full_finetune');
  assert.equal(r.evidence, 'sufficient');
  assert.equal(r.best, 'full_finetune');
  assert.deepEqual(
    r.assessments.map((a) => [a.strategy, a.costRank, a.verdict]),
    [
      ['frozen', 1, 'inferior'],
      ['partial_unfreeze', 2, 'inferior'],
      ['scratch', 3, 'inferior'], // same cost as full_finetune: the fixed order puts scratch first
      ['full_finetune', 4, 'best'],
    ],
  );
  assert.match(r.reasons[0], /^Rule: .*excluded.*If the cheapest is also the best, it is recommended.*acceptable when the lower end is above −1\.00 points and ruled out when the upper end is below it/);
  assert.equal(r.settled, true);
  assert.equal(r.cheapestNotRuledOut, 'full_finetune');
  assert.ok(r.reasons.some((x) => /^Recommended: full_finetune .*best validation accuracy and every cheaper strategy \(frozen, partial_unfreeze, scratch\) is ruled out/.test(x)), r.reasons.join('\n'));
  assert.ok(r.reasons.some((x) => /^frozen \(cost rank 1.*: 79\.7%, −10\.20 points vs full_finetune/.test(x)), r.reasons.join('\n'));
  assert.ok(r.reasons.some((x) => /^Transfer pays off: scratch is −20\.40 points/.test(x)), r.reasons.join('\n'));
  assert.deepEqual(r.flags, []);
  // next: probe the depth just below the winner, with its own numbers
  assert.equal(r.nextExperiments[0].label, 'partial_unfreeze with more unfrozen groups (3 instead of 2)');
  assert.deepEqual(r.nextExperiments.map((e) => e.rank), r.nextExperiments.map((_, i) => i + 1));
});

test('tie within the margin: the cheapest non-inferior strategy wins', () => {
  const n = 2000;
  const best = seeds3(n, [200, 200, 200]);
  const r = run({
    strategies: [
      ev('full_finetune', best),
      // 5, 3, 7 more errors than full_finetune: −0.25, −0.15, −0.35 points per seed
      ev('frozen', [outcomes(n, 200, 5), outcomes(n, 200, 3), outcomes(n, 200, 7)]),
      ev('partial_unfreeze', [outcomes(n, 200, 2), outcomes(n, 200, 4), outcomes(n, 200, 0)]),
      ev('scratch', seeds3(n, [600, 600, 610])),
    ],
  });
  assert.equal(r.strategy, 'frozen');
  assert.equal(r.evidence, 'sufficient');
  const frozen = r.assessments.find((a) => a.strategy === 'frozen')!;
  assert.equal(frozen.verdict, 'non-inferior');
  assert.ok(Math.abs(frozen.vsBest!.difference + 0.0025) < 1e-12);
  assert.ok(frozen.vsBest!.ci[0] > -0.01 && frozen.vsBest!.ci[0] < -0.0025, `lower end ${frozen.vsBest!.ci[0]}`);
  assert.equal(r.assessments.find((a) => a.strategy === 'partial_unfreeze')!.verdict, 'non-inferior');
  assert.ok(r.reasons.some((x) => /^Recommended: frozen .*non-inferior to full_finetune and no strategy that passed the gates is cheaper/.test(x)), r.reasons.join('\n'));
  // next experiment after a frozen win: nothing is left to shrink in a linear probe but the labelled data
  assert.ok(r.nextExperiments.some((e) => /smaller label budget/.test(e.label)));
  assert.ok(!r.nextExperiments.some((e) => /smaller head/.test(e.label)), 'the head is one linear layer already');
});

test('a cheaper strategy that is significantly worse is not chosen, even when its mean loss is inside the margin', () => {
  const n = 2000;
  const best = seeds3(n, [200, 200, 200]);
  const partial = [outcomes(n, 200, 2), outcomes(n, 200, 4), outcomes(n, 200, 0)];
  // frozen: 18, 14, 22 more errors = −0.9, −0.7, −1.1 points; mean −0.9 is within 1 point, the interval is not
  const worse = run({ strategies: [ev('full_finetune', best), ev('partial_unfreeze', partial), ev('frozen', [outcomes(n, 200, 18), outcomes(n, 200, 14), outcomes(n, 200, 22)])] });
  const f = worse.assessments.find((a) => a.strategy === 'frozen')!;
  assert.ok(f.vsBest!.difference > -0.01);
  assert.ok(f.vsBest!.ci[0] < -0.01 && f.vsBest!.ci[1] < 0, `interval ${f.vsBest!.ci}`);
  assert.equal(f.verdict, 'worse');
  assert.equal(worse.strategy, 'partial_unfreeze');
  // frozen is neither acceptable nor ruled out: the choice is provisional and frozen is named as still open
  assert.equal(worse.evidence, 'provisional');
  assert.equal(worse.settled, false);
  assert.equal(worse.cheapestNotRuledOut, 'frozen');
  assert.ok(worse.evidenceNeeded.some((x) => x.startsWith('frozen')), worse.evidenceNeeded.join('\n'));
  // much worse: inferior
  const inferior = run({ strategies: [ev('full_finetune', best), ev('partial_unfreeze', partial), ev('frozen', seeds3(n, [400, 410, 390]))] });
  assert.equal(inferior.assessments.find((a) => a.strategy === 'frozen')!.verdict, 'inferior');
  assert.equal(inferior.strategy, 'partial_unfreeze');
  assert.equal(inferior.evidence, 'sufficient');
  assert.equal(inferior.settled, true);
  // after a partial win: fewer unfrozen groups, then a lower backbone lr (the run's own numbers)
  assert.deepEqual(inferior.nextExperiments.slice(0, 2).map((e) => e.label), ['partial_unfreeze with 1 unfrozen group(s) instead of 2', 'partial_unfreeze with a lower backbone learning rate (0.000033 instead of 0.0001)']);
  assert.ok(inferior.reasons.some((x) => /No scratch baseline was run/.test(x)));
  assert.ok(inferior.flags.some((x) => x.startsWith('no-scratch-baseline')));
});

test('a coarse validation split still decides when the cheapest strategy is also the best', () => {
  const n = 50; // one example = 2 points > 1-point margin
  const r = run({ strategies: [ev('frozen', seeds3(n, [5, 5, 5])), ev('full_finetune', seeds3(n, [6, 5, 7]))] });
  assert.equal(r.strategy, 'frozen');
  assert.equal(r.evidence, 'sufficient');
  assert.ok(r.reasons.some((x) => /One validation example is worth 2\.00 points \(N = 50\), coarser than the 1\.00-point margin/.test(x)));
  assert.ok(r.flags.some((x) => x.startsWith('validation-coarse') && /about 100 or more validation examples/.test(x)));
  assert.ok(r.reasons.some((x) => /cheapest strategy that passed the gates and also the best/.test(x)), r.reasons.join('\n'));
});

test('a coarse split where a dearer strategy is better: provisional, naming the cheapest depth not ruled out and what would settle it', () => {
  const n = 50;
  const r = run({ strategies: [ev('frozen', seeds3(n, [6, 7, 6])), ev('full_finetune', seeds3(n, [5, 5, 6]))] });
  assert.equal(r.best, 'full_finetune');
  assert.equal(r.strategy, 'full_finetune');
  assert.equal(r.evidence, 'provisional');
  assert.equal(r.settled, false);
  assert.equal(r.cheapestNotRuledOut, 'frozen');
  assert.ok(r.evidenceNeeded.length === 1 && /validation examples \(now 50/.test(r.evidenceNeeded[0]), r.evidenceNeeded.join('\n'));
  // the smallest margin this evidence settles, and the choice there: wider than 1 point, where frozen is acceptable
  assert.ok(r.settlingMargin && r.settlingMargin.margin > 0.01, JSON.stringify(r.settlingMargin));
  assert.equal(r.settlingMargin!.strategy, 'frozen');
  // at that margin, recommend() itself agrees
  const wider = run({ strategies: [ev('frozen', seeds3(n, [6, 7, 6])), ev('full_finetune', seeds3(n, [5, 5, 6]))], margin: r.settlingMargin!.margin * 1.001 });
  assert.equal(wider.strategy, 'frozen');
  assert.equal(wider.settled, true);
});

test('intervals so wide that every comparison is open: provisional, with the seeds that would settle it', () => {
  const n = 400;
  // frozen: +1, −2, 0 points vs full_finetune across seeds: seed noise swamps the 1-point margin
  const r = run({ strategies: [ev('full_finetune', seeds3(n, [40, 40, 40])), ev('frozen', seeds3(n, [36, 48, 40]))] });
  assert.equal(r.best, 'full_finetune');
  assert.equal(r.assessments.find((a) => a.strategy === 'frozen')!.verdict, 'inconclusive');
  assert.equal(r.strategy, 'full_finetune');
  assert.equal(r.evidence, 'provisional');
  assert.equal(r.cheapestNotRuledOut, 'frozen');
  assert.match(r.evidenceNeeded[0], /^frozen .*about \d+ seeds \(now 3\)/);
});

test('a strategy that did not learn is excluded and never serves as evidence that transfer pays off', () => {
  const n = 1000;
  const chance = { excluded: true, undertrained: false, problems: ['did not learn: scratch is not significantly above always guessing the most frequent class (10.0%)'] };
  const r = run({
    strategies: [ev('scratch', seeds3(n, [900, 900, 900]), { sanity: chance }), ev('frozen', seeds3(n, [300, 300, 300])), ev('full_finetune', seeds3(n, [320, 310, 330]))],
  });
  const scratch = r.assessments.find((a) => a.strategy === 'scratch')!;
  assert.equal(scratch.verdict, 'excluded');
  assert.equal(scratch.vsBest, null);
  assert.equal(r.strategy, 'frozen');
  assert.ok(!r.reasons.some((x) => /Transfer pays off/.test(x)), r.reasons.join('\n'));
  assert.ok(r.reasons.some((x) => /scratch baseline is excluded \(did not learn/.test(x)), r.reasons.join('\n'));
  // and when every strategy failed its gates, nothing is recommended
  const none = run({ strategies: [ev('scratch', seeds3(n, [900, 900, 900]), { sanity: chance }), ev('frozen', seeds3(n, [900, 900, 900]), { sanity: chance })] });
  assert.equal(none.strategy, null);
  assert.equal(none.evidence, 'insufficient');
});

test('a decision that rests on an undertrained strategy is provisional, with the budget to try next', () => {
  const n = 1000;
  const rising = { excluded: false, undertrained: true, problems: ["undertrained: full_finetune's validation accuracy was still rising"] };
  const r = run({ strategies: [ev('frozen', seeds3(n, [100, 100, 100])), ev('full_finetune', seeds3(n, [300, 310, 305]), { sanity: rising })] });
  assert.equal(r.strategy, 'frozen');
  assert.equal(r.settled, true);
  assert.equal(r.evidence, 'provisional');
  assert.ok(r.reasons.some((x) => /rests on full_finetune.*try 10 epochs instead of 5/.test(x)), r.reasons.join('\n'));
  assert.ok(r.nextExperiments.some((e) => e.label === 'full_finetune with 10 epochs instead of 5'));
});

test('a strategy whose freeze audit failed is never chosen, however good and cheap', () => {
  const n = 1000;
  const failures = ['seed 0: 2 frozen tensor(s) changed (layer1.0.bn1.running_mean, layer1.0.bn1.running_var)'];
  const r = run({
    strategies: [
      ev('frozen', seeds3(n, [50, 50, 50]), { audit: { passed: false, failures } }),
      ev('partial_unfreeze', seeds3(n, [100, 101, 100])),
      ev('full_finetune', seeds3(n, [100, 100, 101])),
    ],
  });
  assert.equal(r.strategy, 'partial_unfreeze');
  assert.equal(r.best, 'partial_unfreeze');
  const f = r.assessments.find((a) => a.strategy === 'frozen')!;
  assert.equal(f.verdict, 'audit-failed');
  assert.equal(f.vsBest, null);
  assert.ok(r.reasons.some((x) => x.startsWith('frozen is excluded and never recommended: its freeze audit failed: seed 0: 2 frozen tensor(s) changed')));
  assert.ok(r.flags.some((x) => x.startsWith('audit-failed: frozen')));
  assert.equal(r.nextExperiments[0].label, 'Fix the freeze audit of frozen and rerun it');
  // with only one audited strategy left it is named, provisionally: nothing is left to compare it with
  const alone = run({ strategies: [ev('frozen', seeds3(n, [50, 50, 50]), { audit: { passed: false, failures } }), ev('full_finetune', seeds3(n, [100, 100, 101]))] });
  assert.equal(alone.strategy, 'full_finetune');
  assert.equal(alone.evidence, 'provisional');
  // a single strategy run on its own is never recommended
  const single = run({ strategies: [ev('full_finetune', seeds3(n, [100, 100, 101]))] });
  assert.equal(single.strategy, null);
  assert.equal(single.evidence, 'insufficient');
});

test('headline-vs-pattern flag: equal accuracy within noise while one class pair changed significantly', () => {
  // 3 classes × 100. scratch confuses 20 "cat" as "dog"; frozen instead confuses 20 "bird" as "dog".
  const labels = [...Array(100).fill(0), ...Array(100).fill(1), ...Array(100).fill(2)];
  const err = (from: number) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [from + i, 1]));
  const scratch = preds(labels, withErrors(labels, err(0)));
  const frozen = preds(labels, withErrors(labels, err(200)));
  const fixedOnly = preds(labels, labels);
  const correct = (p: typeof scratch) => [p.predictions.map((y, i) => y === p.labels[i])];
  const diff = (b: typeof scratch): StrategyConfusionDiff => ({ strategy: 'frozen', baseline: 'scratch', split: 'validation', ...compareConfusion([scratch], [b], 3), perSeed: [] });
  const classNames = ['cat', 'dog', 'bird'];
  const flagged = run({ strategies: [ev('scratch', correct(scratch)), ev('frozen', correct(frozen))], confusionDiffs: [diff(frozen)], classNames });
  const flag = flagged.flags.find((x) => x.startsWith('headline-hides-pattern'));
  assert.ok(flag, flagged.flags.join('\n'));
  assert.match(flag, /frozen vs scratch on validation: accuracy 0\.00 points is within noise \(paired p = 1\.000\)/);
  assert.match(flag, /"(cat|bird)" predicted as "dog" (fell|rose) from (20|0) to (0|20) examples per run \((20 vs 0|0 vs 20) discordant examples, Holm-adjusted p < 0\.001\) \(and 1 more/);
  assert.ok(flagged.flags.some((x) => x.startsWith('single-seed')));
  // control: when the accuracy itself moves significantly, the headline does not hide anything
  const control = run({ strategies: [ev('scratch', correct(scratch)), ev('frozen', correct(fixedOnly))], confusionDiffs: [diff(fixedOnly)], classNames });
  assert.ok(!control.flags.some((x) => x.startsWith('headline-hides-pattern')), control.flags.join('\n'));
});

test('scratch as good as transfer: transfer is not justified', () => {
  const n = 2000;
  const r = run({ strategies: [ev('scratch', seeds3(n, [200, 201, 200])), ev('frozen', seeds3(n, [400, 400, 405])), ev('full_finetune', seeds3(n, [200, 200, 200]))] });
  assert.equal(r.best, 'full_finetune');
  assert.equal(r.strategy, 'scratch'); // same cost as full_finetune, first in the fixed order
  assert.ok(r.flags.some((x) => x.startsWith('transfer-not-justified')));
  assert.match(r.nextExperiments[0].label, /^Transfer is not justified/);
});

test('recommend is deterministic, and rejects evidence it cannot pair', () => {
  const n = 500;
  const input: RecommendInput = { strategies: [ev('frozen', seeds3(n, [60, 62, 58])), ev('full_finetune', seeds3(n, [50, 52, 49]))] };
  assert.deepEqual(run(input), run(input));
  assert.throws(() => recommend({ ...input, margin: 0 }), (e: unknown) => e instanceof ArgumentError && /margin/.test(e.message));
  assert.throws(() => recommend({ strategies: [] }), ArgumentError);
  const shifted = ev('full_finetune', seeds3(n, [50, 52, 49]), { seeds: [5, 6, 7] });
  assert.throws(() => recommend({ strategies: [input.strategies[0], shifted] }), (e: unknown) => e instanceof ArgumentError && /share no seed/.test(e.message));
  // a race leaves strategies with different seeds: they pair on the seeds both ran
  const raced = recommend({ strategies: [ev('frozen', seeds3(n, [60, 62, 58]).slice(0, 2)), input.strategies[1]], bootstrap: { resamples: 200, seed: 1 } });
  assert.equal(raced.assessments.find((a) => a.strategy === 'frozen')!.vsBest!.perSeed.length, 2);
  const short = ev('full_finetune', seeds3(n - 1, [50, 52, 49]));
  assert.throws(() => recommend({ strategies: [input.strategies[0], short] }), (e: unknown) => e instanceof ArgumentError && /499 validation outcomes, expected 500/.test(e.message));
});

test('evidence from TrialRecords pairs validation examples by id', () => {
  const labels = Array.from({ length: 300 }, (_, i) => i % 3);
  const recs = (shuffle: boolean) =>
    (['frozen', 'full_finetune'] as StrategyName[]).flatMap((s) =>
      [0, 1, 2].map((seed) => {
        const wrong = s === 'frozen' ? 30 + seed : 10 + seed;
        const p = preds(labels, labels.map((y, i) => (i < wrong ? (y + 1) % 3 : y)));
        if (shuffle && s === 'full_finetune') {
          const order = p.ids.map((_, i) => i).reverse();
          return makeRecord({ strategy: s, seed, k: 3, validation: { ids: order.map((i) => p.ids[i]), labels: order.map((i) => p.labels[i]), predictions: order.map((i) => p.predictions[i]) }, selectedEpoch: 3 });
        }
        return makeRecord({ strategy: s, seed, k: 3, validation: p, selectedEpoch: 3 });
      }),
    );
  const a = evidenceFromTrials(recs(false), { bootstrap: { resamples: 200 } });
  const b = evidenceFromTrials(recs(true), { bootstrap: { resamples: 200 } });
  assert.deepEqual(a.strategies.map((s) => s.strategy), ['frozen', 'full_finetune']);
  assert.deepEqual(a.strategies[1].correct, b.strategies[1].correct);
  assert.deepEqual(a.strategies[0].selectedEpochs, [3, 3, 3]);
  assert.deepEqual(recommend(a), recommend(b));
  assert.equal(recommend(a).strategy, 'full_finetune'); // frozen loses ~6.7 points
});
