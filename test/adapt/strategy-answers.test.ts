// What each strategy answers for the decision and the reports: the baselines, the plan table's
// groups and the next experiments once it is chosen. Shared code reads these instead of names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRATEGY_NAMES, type StrategyName } from '../../src/record/vocabulary.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { answersOf, confusionBaselines, isScratchBaseline, lowerRate, type HintContext } from '../../src/adapt/strategy-answers.js';

const config = (c: Partial<TrialRecord['config']>): TrialRecord['config'] => ({
  epochs: 8,
  steps: 128,
  batchSize: 64,
  headLr: 1e-2,
  backboneLr: 3e-3,
  layerDecay: null,
  batchNorm: 'frozen',
  partialK: null,
  ...c,
});

const context = (c: Partial<HintContext>): HintContext => ({ fewerEpochs: null, other: () => undefined, ...c });

test('the scratch baseline is the strategy whose spec starts from random weights, and only that one', () => {
  assert.deepEqual(STRATEGY_NAMES.filter(isScratchBaseline), ['scratch']);
});

test('confusion baselines: scratch then frozen, restricted to the strategies given, in that order', () => {
  assert.deepEqual(confusionBaselines(), ['scratch', 'frozen']);
  assert.deepEqual(confusionBaselines(['full_finetune', 'frozen', 'scratch']), ['scratch', 'frozen']);
  assert.deepEqual(confusionBaselines(['lora', 'full_finetune']), []);
});

test('every strategy answers; the groups it trains are stated where a count describes them', () => {
  const groups = Object.fromEntries(STRATEGY_NAMES.map((s) => [s, answersOf(s).groupsTrained]));
  assert.deepEqual(groups, { scratch: 'all', frozen: 'none', partial_unfreeze: 'last-k', lora: null, bitfit: null, lp_ft: null, gradual_unfreeze: null, full_finetune: 'all' });
});

test('partial_unfreeze chosen: one group fewer than it trained, and a third of its backbone rate', () => {
  const hints = answersOf('partial_unfreeze').whenChosen(context({ config: config({ partialK: 3, backboneLr: 3e-3 }) }));
  assert.deepEqual(
    hints.map((h) => h.label),
    ['partial_unfreeze with 2 unfrozen group(s) instead of 3', 'partial_unfreeze with a lower backbone learning rate (0.001 instead of 0.003)'],
  );
  assert.equal(lowerRate(3e-3), '0.001');
});

test('full_finetune chosen: partial_unfreeze with one group more (naming its verdict), then layer decay when none was used, else LP-FT', () => {
  const other = (name: StrategyName): ReturnType<HintContext['other']> => (name === 'partial_unfreeze' ? { verdict: 'inferior', config: config({ partialK: 1 }) } : undefined);
  const plain = answersOf('full_finetune').whenChosen(context({ config: config({}), other }));
  assert.equal(plain[0].label, 'partial_unfreeze with more unfrozen groups (2 instead of 1)');
  assert.match(plain[0].why, /partial_unfreeze was inferior against the best/);
  assert.match(plain[1].label, /--layer-decay 0\.75/);
  const decayed = answersOf('full_finetune').whenChosen(context({ config: config({ layerDecay: 0.75 }) }));
  assert.equal(decayed[0].why, 'No partial depth was run; it is the natural step below full fine-tuning.');
  assert.match(decayed[1].label, /--strategies lp_ft/);
});

test('scratch and frozen chosen: their own next step, with the fewer-epochs hint where validation selected an earlier epoch', () => {
  const fewer = { strategy: 'frozen' as const, label: 'frozen with 5 epoch(s) instead of 8', why: 'w' };
  assert.deepEqual(
    answersOf('frozen').whenChosen(context({ fewerEpochs: fewer })).map((h) => h.label),
    ['frozen with 5 epoch(s) instead of 8', 'frozen with a smaller label budget (--label-budget)'],
  );
  const scratch = answersOf('scratch').whenChosen(context({}));
  assert.deepEqual(scratch.map((h) => h.strategy), ['scratch']);
  assert.match(scratch[0].label, /Transfer is not justified/);
});

test('every strategy has its own colour in the report, so no two rungs look alike in a chart', () => {
  const colors = STRATEGY_NAMES.map((s) => answersOf(s).color);
  for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(new Set(colors).size, STRATEGY_NAMES.length);
});
