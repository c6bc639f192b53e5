// Dependencies point down only: dependency-cruiser checks every import of src/, bench/, academy/,
// examples/ and test/ against the layer order in .dependency-cruiser.cjs (upward imports, cycles,
// src/ importing what lies outside it, folders of src/ without a layer). A second run on a small
// tree made here, with an upward import, a cycle and a folder without a layer, shows that each
// rule fails when broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = join(root, '.dependency-cruiser.cjs');
const cruiser = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string, folders: readonly string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [cruiser, '--config', config, '--output-type', 'err', ...folders], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('every import points down the layer order, and no module is part of a cycle', () => {
  const { status, output } = cruise(root, ['src', 'bench', 'academy', 'examples', 'test']);
  assert.equal(status, 0, `dependency-cruiser found violations; move the import's target down a layer, or the importer up:\n${output}`);
});

test('an upward import, a cycle, src importing bench, the addon used beside the tensor layer and a folder without a layer each fail the check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-layers-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      'src/lab/run.ts': 'export const run = 1;\n',
      'src/tensor/upward.ts': "import { run } from '../lab/run.js';\nexport const up = run;\n",
      'src/data/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
      'src/data/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
      'src/cli/bench-user.ts': "import { w } from '../../bench/w.js';\nexport const x = w;\n",
      'bench/w.ts': 'export const w = 1;\n',
      'src/native/binding.ts': 'export const addon = 1;\n',
      'src/optim/raw.ts': "import { addon } from '../native/binding.js';\nexport const raw = addon;\n",
      'src/unlisted/thing.ts': "import { run } from '../lab/run.js';\nexport const t = run;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const { status, output } = cruise(dir, ['src', 'bench']);
    assert.notEqual(status, 0, `the check passed a tree that breaks its rules:\n${output}`);
    assert.match(output, /upward-from-tensor: src\/tensor\/upward\.ts → src\/lab\/run\.ts/);
    assert.match(output, /no-circular: src\/data\/a\.ts/);
    assert.match(output, /src-imports-outside-src: src\/cli\/bench-user\.ts → bench\/w\.ts/);
    assert.match(output, /folder-not-in-a-layer: src\/unlisted\/thing\.ts/);
    assert.match(output, /native-only-from-tensor: src\/optim\/raw\.ts → src\/native\/binding\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
