// The first-session demo, run as a learner runs it (`npm run demo`): it replaces the head of the
// embedded vision backbone, prints the parameter-group table that planAdaptation produced, trains
// a few steps and passes the freeze audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

function demo(...args: string[]) {
  const [node, script] = pkg.scripts.demo.split(' ');
  assert.equal(node, 'node');
  return spawnSync(process.execPath, [script, '--steps', '2', ...args], { cwd: repoRoot, encoding: 'utf8' });
}

/** The rows of the parameter-group table: name, group, trainable, lr, weight decay, numel, role. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^\s+name\s+group\s+trainable\s+lr\s+weight decay\s+numel\s+role$/.test(l));
  assert.ok(start > 0, 'the parameter-group table header is printed');
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    rows.push(line.trim().split(/\s+/));
  }
  return rows;
}

test('npm run demo: head replaced in fc, the full parameter-group table, totals, training and a passed audit', () => {
  const r = demo();
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /backbones\/vision: resnet20 pretrained on fashion-mnist/);
  assert.match(out, /source head {2}fc: Linear 64 -> 10 .*classes T-shirt\/top/);
  assert.match(out, /module "fc" replaced: weight \[10, 64\] \(fashion-mnist classes\) -> \[10, 64\] \(digits\)/);
  assert.match(out, /every backbone tensor unchanged: true/);

  const rows = tableRows(out);
  assert.equal(rows.length, 65, 'one row per ResNet-20 parameter');
  const row = (name: string) => rows.find((x) => x[0] === name)!;
  assert.deepEqual(row('conv1.weight').slice(1, 5), ['stem', 'no', '\u2014', '\u2014']);
  assert.deepEqual(row('layer3.0.conv1.weight').slice(1, 5), ['layer3', 'yes', '3e-3', '0.01']);
  assert.deepEqual(row('layer3.0.bn1.bias').slice(1, 5), ['layer3', 'yes', '3e-3', '0']);
  assert.deepEqual(row('fc.weight').slice(1, 5), ['head', 'yes', '0.01', '0.01']);
  const trainable = rows.filter((x) => x[2] === 'yes').reduce((n, x) => n + Number(x[5]), 0);
  assert.match(out, new RegExp(`Totals: ${trainable} trainable \\+ 66128 frozen = 272474 parameters`));
  assert.match(out, /modules kept in inference mode after every train\(\): conv1, bn1, layer1, layer2/);

  const losses = [...out.matchAll(/step \d: loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
  assert.equal(losses.length, 2);
  assert.ok(losses[1] < losses[0], `loss fell: ${losses.join(' -> ')}`);
  assert.match(out, /PASSED: 84 frozen tensors/);
  assert.match(out, /frozen tensors that changed: none/);
});

test('npm run demo -- --strategy frozen: only the head trains, and the audit covers the whole backbone', () => {
  const r = demo('--strategy', 'frozen');
  assert.equal(r.status, 0, r.stderr);
  const rows = tableRows(r.stdout);
  assert.deepEqual(rows.filter((x) => x[2] === 'yes').map((x) => x[0]), ['fc.weight', 'fc.bias']);
  assert.match(r.stdout, /Totals: 650 trainable \+ 271824 frozen = 272474 parameters/);
  assert.match(r.stdout, /PASSED: 126 frozen tensors/);
});

test('npm run demo -- --strategy scratch is refused with the reason', () => {
  const r = demo('--strategy', 'scratch');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /the demo adapts a pretrained backbone; choose frozen, partial_unfreeze, full_finetune \(scratch runs in the lab\)/);
});
