// The full-loop workflow in quick mode, as a learner runs it: the track's four depths (the lab's
// default strategies) for both modalities through the library's runLab, a note per modality, the
// run's summary, and a terminal table whose numbers are the summary's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STRATEGIES, STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import type { Summary } from '../../src/record/run-record.js';
import { repoRoot } from '../helpers.js';

const SCRIPT = 'dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js';

test('pretrained-transfer-workflow --quick writes both notes and prints the summary it wrote', () => {
  const out = mkdtempSync(join(tmpdir(), 'adaptlab-workflow-'));
  try {
    // Two seeds and one epoch keep the quick run short; everything else is the workflow's default.
    const r = spawnSync(process.execPath, [SCRIPT, '--quick', '--seeds', '0,1', '--epochs', '1', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.deepEqual(Object.keys(summary.modalities).sort(), ['text', 'vision']);

    for (const modality of ['vision', 'text'] as const) {
      const note = readFileSync(join(out, 'notes', `${modality}.md`), 'utf8');
      assert.match(note, new RegExp(`^# Adaptation note: ${modality} — `));
      for (const section of ['## Scratch baseline', '## Trainable parameters per depth', '## Learning-rate plan', '## What changed in the confusion pattern', '## Recommended depth']) {
        assert.ok(note.includes(section), `${modality} note lacks ${section}`);
      }
      assert.ok(r.stdout.includes(join(out, 'notes', `${modality}.md`)), `the ${modality} note's path is printed`);
      // One record per strategy, seed and fold: the quick run's small validation split is coarser than
      // the margin, so --folds auto may cross-validate (<strategy>-seed<k>-fold<f>.json per fold).
      const s = summary.modalities[modality]!;
      const folds = s.allocation.folds;
      const expectedFiles = DEFAULT_STRATEGIES.flatMap((name) =>
        [0, 1].flatMap((seed) => (folds > 1 ? Array.from({ length: folds }, (_, f) => `${name}-seed${seed}-fold${f}.json`) : [`${name}-seed${seed}.json`])),
      );
      assert.deepEqual(readdirSync(join(out, 'trials', modality)).filter((f) => f.endsWith('.json')).sort(), expectedFiles.sort());

      // The modality's block: a row per strategy with the summary's own trainable count, audit and gates.
      const block = r.stdout.slice(r.stdout.indexOf(`\n${modality}: `));
      assert.match(block, /strategy\s+trainable params\s+val acc ± 95% CI\s+train FLOPs\s+audit\s+sanity gates/);
      assert.deepEqual(Object.keys(s.strategies).sort(), [...DEFAULT_STRATEGIES].sort());
      for (const name of DEFAULT_STRATEGIES) {
        const st = s.strategies[name]!;
        // The gates column: excluded strategies say so (and why), the others passed or carry their warning.
        const gates = st.sanity.excluded ? 'excluded \\(' : st.sanity.undertrained ? 'undertrained' : st.sanity.unstable ? 'unstable' : 'passed';
        const row = new RegExp(`\\n  ${name}\\s+${st.trainableParams.toLocaleString('en-US')}\\s+${(100 * st.metrics.validation.accuracy.mean).toFixed(1)}% ± \\d+\\.\\d\\s+[\\d.]+ [kMGTP]?FLOP\\s+${st.audit.passed ? 'passed' : 'FAILED'}\\s+${gates}`);
        assert.match(block, row, `${modality} ${name} row`);
      }
      const rec = s.recommendation;
      const decision = rec.strategy ? `recommended depth: ${rec.strategy} (evidence: ${rec.evidence}; cheapest acceptable; best mean: ` : 'no recommendation: the evidence is insufficient';
      assert.ok(block.includes(decision), `${modality}: "${decision}" is printed`);
      if (rec.strategy && !rec.settled) assert.ok(block.includes(`cheapest depth not ruled out: ${rec.cheapestNotRuledOut}`), `${modality}: the cheapest depth not ruled out is printed`);
      assert.ok(block.includes(`decided on: ${s.allocation.reason}`), `${modality}: the data allocation is printed`);
    }
    assert.ok(existsSync(join(out, 'report.html')));
    assert.ok(r.stdout.includes(`Report: ${join(out, 'report.html')}`));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('pretrained-transfer-workflow rejects an unknown strategy with the library vocabulary', () => {
  const r = spawnSync(process.execPath, [SCRIPT, '--strategies', 'frozen,linear_probe'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`unknown strategy linear_probe; choose from ${STRATEGY_NAMES.join(', ')}`), r.stderr);
});
