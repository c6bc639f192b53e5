// `npm run exercise -- <n> [--solution]` as a learner runs it: the script in package.json, its
// output and its exit code; and the constructed runs on disk are what fixtures/build.ts makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';
import { FIXTURES } from '../../academy/exercises/resnet-bert-and-finetuning/fixtures/build.js';
import { EXERCISES } from '../../academy/exercises/resnet-bert-and-finetuning/exercises.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

function exercise(...args: string[]) {
  const [node, script] = pkg.scripts.exercise.split(' ');
  assert.equal(node, 'node');
  return spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
}

test('npm run exercise -- 2 fails on the starter with pointed feedback and exit code 1', () => {
  const r = exercise('2');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /Exercise 2: Build and justify a head-vs-backbone learning-rate plan/);
  assert.match(r.stdout, /your copy: academy\/exercises\/resnet-bert-and-finetuning\/ex02-lr-plan\/starter\.ts/);
  assert.match(r.stdout, /FAIL ResNet-20: the head and the backbone share one learning rate/);
  assert.match(r.stdout, /3 problems to fix in academy\/exercises\/resnet-bert-and-finetuning\/ex02-lr-plan\/starter\.ts/);
});

test('npm run exercise -- all --solution passes every exercise with exit code 0', () => {
  const r = exercise('all', '--solution');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.match(/PASSED:/g)?.length, EXERCISES.length);
  assert.ok(EXERCISES.length >= 7);
  assert.doesNotMatch(r.stdout, /FAIL/);
});

test('npm run exercise without a number prints the list and exits 2; an unknown number is named', () => {
  const none = exercise();
  assert.equal(none.status, 2);
  assert.match(none.stdout, /usage: npm run exercise -- <n \| all> \[--solution\]/);
  assert.match(none.stdout, /6 {2}ex06-adaptation-note/);
  assert.match(none.stdout, /7 {2}ex07-lora-saving {11}Is LoRA's saving real for this task\?/);
  const bad = exercise('9');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown exercise "9"/);
});

test('the constructed runs on disk are exactly what fixtures/build.ts produces', () => {
  for (const [file, build] of Object.entries(FIXTURES)) {
    const onDisk = JSON.parse(readFileSync(join(repoRoot, 'academy/exercises/resnet-bert-and-finetuning/fixtures', file), 'utf8')) as unknown;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(build())), `${file} is stale: run node dist/academy/exercises/resnet-bert-and-finetuning/fixtures/write.js`);
  }
});
