// The full-loop workflow in quick mode, as a learner runs it: every depth for both modalities
// through the library's runLab, a note per modality, the run's summary, and a terminal table whose
// numbers are the summary's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STRATEGY_NAMES } from '../../src/adapt/types.js';
import type { Summary } from '../../src/adapt/run-record.js';
import { repoRoot } from '../helpers.js';

const SCRIPT = 'dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js';

test('pretrained-transfer-workflow --quick writes both notes and prints the summary it wrote', () => {
  const out = mkdtempSync(join(tmpdir(), 'adaptlab-workflow-'));
  try {
    // Two seeds and one epoch keep the quick run short; everything else is the workflow's default.
    const r = spawnSync(process.execPath, [SCRIPT, '--quick', '--seeds', '2', '--epochs', '1', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
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
      assert.equal(readdirSync(join(out, 'trials', modality)).filter((f) => f.endsWith('.json')).length, STRATEGY_NAMES.length * 2);

      // The modality's block: a row per strategy with the summary's own trainable count and audit.
      const s = summary.modalities[modality]!;
      const block = r.stdout.slice(r.stdout.indexOf(`\n${modality}: `));
      assert.match(block, /strategy\s+trainable params\s+val acc ± 95% CI\s+train FLOPs\s+audit/);
      for (const name of STRATEGY_NAMES) {
        const st = s.strategies[name]!;
        const row = new RegExp(`\\n  ${name}\\s+${st.trainableParams.toLocaleString('en-US')}\\s+${(100 * st.metrics.validation.accuracy.mean).toFixed(1)}% ± \\d+\\.\\d\\s+[\\d.]+ [kMGTP]?FLOP\\s+${st.audit.passed ? 'passed' : 'FAILED'}`);
        assert.match(block, row, `${modality} ${name} row`);
      }
      const decision = s.recommendation.strategy ? `recommended depth: ${s.recommendation.strategy}` : 'no recommendation: the evidence is insufficient';
      assert.ok(block.includes(decision), `${modality}: "${decision}" is printed`);
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
  assert.match(r.stderr, /unknown strategy linear_probe; choose from scratch, frozen, partial_unfreeze, full_finetune/);
});
