#!/usr/bin/env node
// Runs the whole test suite with node's test runner on the compiled tests (dist/test).
// Files run one at a time: the engine already uses both cores, and parallel files would fight
// over them. Pass file filters to run a subset: `npm test -- tensor optim`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('TypeScript build failed: fix the errors above (tests run on the compiled output).');
  process.exit(build.status ?? 1);
}

const testRoot = join(root, 'dist', 'test');
function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk(testRoot)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(testRoot, f).includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`No test files matched ${filters.join(' ') || '(all)'} under ${testRoot}.`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ADAPTLAB_TEST: '1' },
});
process.exit(run.status ?? 1);
