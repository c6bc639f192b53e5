// The published types compile in a plain consumer project: a tsconfig with nothing but strict
// NodeNext settings (and one with an ES2022 target, whose default lib has no esnext.disposable),
// type-checking adaptlab's .d.ts files too (skipLibCheck false), against dist/src/index.js.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'adaptlab-types-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const entry = join(repoRoot, 'dist', 'src', 'index.js');
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');

const consumer = `import {
  loadBackbone,
  embeddedBackboneDir,
  loadBert,
  saveBert,
  resolveBackbone,
  trainTrial,
  defineStrategy,
  FeatureCache,
  zeros,
  type LoadedBackbone,
  type Backbone,
  type TrainedTrial,
  type TrialSetup,
  type LoadBertOptions,
  type ClassificationModel,
  type Tensor,
} from ${JSON.stringify(entry)};

const options: LoadBertOptions = { numClasses: 3, allowMissingPooler: true };
export function adapt(setup: TrialSetup): ClassificationModel {
  const trained: TrainedTrial = trainTrial(setup);
  return trained.model;
}
export async function backbones(): Promise<[LoadedBackbone, Backbone]> {
  const b = loadBackbone(embeddedBackboneDir('text'));
  const { model } = loadBert(b.dir, options);
  saveBert(model, '/tmp/never-written');
  return [b, await resolveBackbone('text', b.dir)];
}
export function scoped(): number {
  using t: Tensor = zeros([2]);
  const disposer: () => void = t[Symbol.dispose];
  void disposer;
  const cache: FeatureCache = new FeatureCache();
  cache.dispose();
  return t.shape[0] + defineStrategy('frozen').lr.head;
}
`;

function compile(name: string, compilerOptions: Record<string, unknown>): void {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions }));
  writeFileSync(join(dir, 'consumer.ts'), consumer);
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc -p ${dir} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
}

const base = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, skipLibCheck: false };

test('the emitted index.d.ts carries the esnext.disposable lib reference', () => {
  const dts = readFileSync(join(repoRoot, 'dist', 'src', 'index.d.ts'), 'utf8');
  assert.match(dts.split('\n')[0], /^\/\/\/ <reference lib="esnext.disposable"/);
});

test('a default strict NodeNext project compiles against the published types', () => {
  compile('default', base);
});

test('an ES2022-target project (no esnext.disposable in its lib) compiles against the published types', () => {
  compile('es2022', { ...base, target: 'ES2022' });
});
