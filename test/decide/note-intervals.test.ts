// The adaptation note states accuracy intervals within [0, 100]%: a strategy whose seeds sit just
// under 100% (where the symmetric t interval over three seeds runs past 100%) gets the bounded
// interval the lab computes, in the note's strategy lines as in summary.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModalitySummary } from '../../src/record/run-record.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { evidenceFromTrials } from '../../src/decide/evidence.js';
import { adaptationNote } from '../../src/decide/note.js';
import { recommend } from '../../src/decide/recommend.js';
import { summarizeTrials } from '../../src/evaluate/summarize.js';
import { confusionBaselines } from '../../src/adapt/strategy-answers.js';
import { makeRecord, preds, withErrors } from '../evaluate/trial-fixtures.js';

const classNames = ['a', 'b', 'c'];
const labels = [...Array(50).fill(0), ...Array(50).fill(1), ...Array(50).fill(2)];
const seeds = [0, 1, 2];
/** Seed s gets s examples wrong (100%, 99.3%, 98.7%); scratch gets 30 + s wrong. */
const errors = (strategy: StrategyName, seed: number): Record<number, number> =>
  Object.fromEntries(Array.from({ length: (strategy === 'scratch' ? 30 : 0) + seed }, (_, i) => [i, 1]));

test('accuracy intervals in the note stay within [0, 100]% where a t interval would not', () => {
  const records = (['scratch', 'full_finetune'] as StrategyName[]).flatMap((s) =>
    seeds.map((seed) => makeRecord({ strategy: s, seed, k: 3, validation: preds(labels, withErrors(labels, errors(s, seed))), selectedEpoch: 4 })),
  );
  const trials = summarizeTrials(records, { baselines: confusionBaselines() });
  const acc = trials.strategies.full_finetune!.metrics.validation.accuracy;
  const tHalf = (4.303 * acc.sd) / Math.sqrt(acc.values.length);
  assert.ok(acc.mean + tHalf > 1, `the symmetric t interval would reach ${(100 * (acc.mean + tHalf)).toFixed(1)}%`);
  assert.ok(acc.ci95[0] >= 0 && acc.ci95[1] <= 1 && acc.ci95[0] <= acc.mean && acc.mean <= acc.ci95[1], `ci95 ${acc.ci95}`);

  const rec = recommend({ ...evidenceFromTrials(records, { classNames, confusionDiffs: trials.diffs }), bootstrap: { resamples: 200, seed: 0 } });
  const summary: ModalitySummary = {
    dataset: { name: 'near-perfect', classNames, contentHash: '0123', splitSeed: 0, sizes: { train: 300, validation: 150, test: 150 } },
    backbone: { arch: 'resnet20', source: 'test' },
    validationResolution: trials.validationResolution,
    allocation: { folds: 1, automatic: true, decisionExamples: 150, trainPerModel: 300, test: 150, resolutionPoints: 100 / 150, reason: 'one validation split of 150 examples' },
    schedule: 'grid',
    rounds: [],
    preprocessing: [],
    savedModel: { none: 'none asked for' },
    strategies: trials.strategies,
    recommendation: rec,
  };
  const note = adaptationNote({ modality: 'vision', summary, diffs: trials.diffs, plans: trials.plans, seeds, recommendation: rec });
  const intervals = [...note.matchAll(/95% CI (-?\d+(?:\.\d+)?)–(-?\d+(?:\.\d+)?)%/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(intervals.length >= 2, `the note states its accuracy intervals (found ${intervals.length})`);
  for (const [lo, hi] of intervals) assert.ok(lo >= 0 && lo <= hi && hi <= 100, `an interval ${lo}–${hi}% in the note`);
  assert.ok(note.includes(`95% CI ${(100 * acc.ci95[0]).toFixed(1)}–${(100 * acc.ci95[1]).toFixed(1)}%`), 'the note shows the bounded interval of summary.json');
});
