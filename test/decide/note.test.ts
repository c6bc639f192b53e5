import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModalitySummary } from '../../src/record/run-record.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { evidenceFromTrials } from '../../src/decide/evidence.js';
import { adaptationNote, tableCell } from '../../src/decide/note.js';
import { markdownText } from '../../src/decide/format.js';
import { recommend } from '../../src/decide/recommend.js';
import { summarizeTrials } from '../../src/evaluate/summarize.js';
import { confusionBaselines } from '../../src/adapt/strategy-answers.js';
import { makeRecord, preds, withErrors } from '../evaluate/trial-fixtures.js';

const classNames = ['cat|dog', 'bird\nsong', 'fish'];
// 50 examples per class: 0..49 "cat|dog", 50..99 "bird song", 100..149 "fish".
const labels = [...Array(50).fill(0), ...Array(50).fill(1), ...Array(50).fill(2)];
const range = (from: number, count: number, to: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [from + i, to]));
const seeds = [0, 1, 2];

function errorsOf(s: StrategyName, seed: number): Record<number, number> {
  const noise = range(140, seed, 1); // a little seed-to-seed variation, fish → bird
  switch (s) {
    case 'scratch':
      return { ...range(0, 15, 1), ...range(100, 5, 0), ...noise };
    case 'frozen': // fixes 10 cat|dog → bird, adds 10 bird → fish: the accuracy barely moves
      return { ...range(0, 5, 1), ...range(50, 10, 2), ...noise };
    case 'partial_unfreeze':
      return { ...range(0, 3, 1), ...noise };
    case 'full_finetune':
      return { ...range(0, 2, 1), ...noise };
    default:
      throw new Error(`no error pattern for ${s}`);
  }
}

function build() {
  const records = (['scratch', 'frozen', 'partial_unfreeze', 'full_finetune'] as StrategyName[]).flatMap((s) =>
    seeds.map((seed) => makeRecord({ strategy: s, seed, k: 3, validation: preds(labels, withErrors(labels, errorsOf(s, seed))), selectedEpoch: 4 })),
  );
  const trials = summarizeTrials(records, { baselines: confusionBaselines() });
  const rec = recommend({ ...evidenceFromTrials(records, { classNames, confusionDiffs: trials.diffs }), bootstrap: { resamples: 300, seed: 0 } });
  const summary: ModalitySummary = {
    dataset: { name: 'pets | toy', classNames, contentHash: 'abcdef0123456789', splitSeed: 7, sizes: { train: 600, validation: 150, test: 150 } },
    backbone: { arch: 'resnet18', source: 'torchvision' },
    validationResolution: trials.validationResolution,
    allocation: { folds: 1, automatic: true, decisionExamples: 150, trainPerModel: 600, test: 150, resolutionPoints: 100 / 150, reason: 'one validation split of 150 examples, as asked' },
    schedule: 'grid' as const,
    rounds: [],
    preprocessing: ['The data holds 900 images (as loaded: 900 32x32 RGB).'],
    savedModel: { path: 'models/vision', strategy: 'full_finetune' as const, seed: 1, fold: null, storedBytes: 44_001_234, metrics: { validation: 0.98, test: 0.97 } },
    strategies: trials.strategies,
    recommendation: rec,
  };
  const note = adaptationNote({ modality: 'vision', summary, diffs: trials.diffs, plans: trials.plans, seeds, recommendation: rec });
  return { note, rec };
}

/** The section of the note under a heading, up to the next heading of the same level. */
function section(note: string, heading: string): string {
  const start = note.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `missing section "${heading}"`);
  const end = note.indexOf('\n## ', start + 1);
  return note.slice(start, end < 0 ? undefined : end);
}

test('the adaptation note has every required section, with the run\'s numbers', () => {
  const { note, rec } = build();
  assert.ok(note.startsWith('# Adaptation note: vision — pets | toy\n'));
  const scratch = section(note, 'Scratch baseline');
  assert.match(scratch, /same splits and seeds \(0, 1, 2\)/);
  assert.match(scratch, /- full_finetune: \+12\.00 points/); // (20 + seed) vs (2 + seed) errors: 18 / 150
  const params = section(note, 'Trainable parameters per depth');
  assert.match(params, /\| frozen \| 1,026 \| 11,177,538 \| 0\.009% \| 100 GFLOP \| 4\.00 kB \| passed \|/);
  const plan = section(note, 'Learning-rate plan');
  assert.match(plan, /\| frozen \| 0\.001 \| — \(frozen\) \| — \| 0 \| frozen \| 5 \| 32 \|/);
  assert.match(plan, /\| partial_unfreeze \| 0\.001 \| 0\.0001 \| — \| 2 \| train \| 5 \| 32 \|/);
  const changes = section(note, 'What changed in the confusion pattern');
  assert.match(changes, /### frozen vs scratch \(validation\)/);
  // 10 fewer "cat|dog" → "bird song" confusions, significant; 10 new "bird song" → "fish", also significant
  assert.match(changes, /\| cat\\\|dog \| bird song \| 15 \| 5 \| −10 \| 10 \/ 0 \| 0\.006 \| significant \|/);
  assert.match(changes, /\| bird song \| fish \| 0 \| 10 \| \+10 \| 0 \/ 10 \| 0\.006 \| significant \|/);
  assert.match(changes, /### On the test split/);
  const hidden = section(note, 'Where the headline score hid the error pattern');
  assert.match(hidden, /- frozen vs scratch \(validation\): accuracy \+3\.33 points is within noise/);
  const decision = section(note, 'Recommended depth');
  assert.ok(rec.strategy, 'this run has enough evidence to recommend');
  // partial_unfreeze sits −0.67 points from full_finetune with an interval reaching −2: neither acceptable nor ruled out
  assert.equal(rec.evidence, 'provisional');
  assert.ok(decision.includes(`**full_finetune**, provisional: the cheapest depth shown acceptable; the cheapest depth not ruled out is **partial_unfreeze**.`), decision);
  assert.match(decision, /What would settle it:\n\n- partial_unfreeze \(−0\.67 points, interval −2\.00 to 0\.00\): about \d+ validation examples \(now 150/);
  assert.match(decision, /The smallest margin this evidence settles: 2\.00 points, where the choice is partial_unfreeze\./);
  // the evidence sections: allocation, the sanity gates of every strategy, the rounds
  assert.match(section(note, 'How the data was allocated'), /One validation split of 150 examples decides/);
  const gates = section(note, 'Sanity gates');
  for (const s of ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune']) assert.match(gates, new RegExp(`- \\*\\*${s}\\*\\*: (passed|kept, with a warning)\\. Seeds 0: \\d`));
  assert.match(section(note, 'How the decision evolved'), /No rounds were recorded/);
  assert.match(section(note, 'The model handed over'), /`models\/vision` holds full_finetune, seed 1: validation 98\.0%, test 97\.0%; its task file is 44\.0 MB/);
  assert.ok(decision.includes(rec.rule));
  assert.match(decision, /\| 1 \| frozen \| 100 GFLOP \|/);
  assert.ok(decision.includes('headline-hides-pattern: frozen vs scratch on validation'));
  const next = section(note, 'Next smaller experiment');
  assert.match(next, /\n1\. \*\*.+\*\* — /);
});

test('class names cannot break a table: pipes and backslashes escaped, newlines flattened', () => {
  assert.equal(tableCell('a|b\nc\\'), 'a\\|b c\\\\');
  const { note } = build();
  assert.ok(!/\nsong/.test(note), 'a newline inside a class name must not reach the note');
  // Every row of every table has as many unescaped separators as its header.
  const cells = (line: string) => line.replace(/\\\\/g, '').split(/(?<!\\)\|/).length;
  let header = -1;
  let tables = 0;
  for (const line of note.split('\n')) {
    if (!line.startsWith('|')) {
      header = -1;
      continue;
    }
    if (header < 0) {
      header = cells(line);
      tables++;
    } else assert.equal(cells(line), header, `row breaks its table: ${line}`);
  }
  assert.ok(tables >= 5, `expected the parameter, plan, score, confusion and evidence tables, found ${tables}`);
  assert.ok(note.includes('cat\\|dog'));
});

test('class and dataset names with HTML stay text in the note', () => {
  assert.equal(markdownText('<img src=x onerror=alert(1)> & co\nnext'), '&lt;img src=x onerror=alert(1)&gt; &amp; co next');
  assert.equal(tableCell('<b>|'), '&lt;b&gt;\\|');
});
