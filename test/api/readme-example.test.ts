// The README's "Library API" example is examples/library-api.ts, verbatim, and it works: a model
// adapted from the embedded vision backbone comes back trained and predicts well above chance on
// digits it never saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../examples/library-api.js';
import { repoRoot } from '../helpers.js';

test('README "## Library API" shows examples/library-api.ts verbatim', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const code = readFileSync(join(repoRoot, 'examples', 'library-api.ts'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library API'), readme.indexOf('## Architecture'));
  assert.ok(readme.indexOf('## Library API') >= 0 && readme.indexOf('## Library API') < readme.indexOf('## Architecture'), 'a "## Library API" section before "## Architecture"');
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'a ```ts block in the section');
  assert.equal(block[1], code, 'the README block and examples/library-api.ts differ: copy the file into the README');
});

test('examples/library-api.ts: main() trains and predicts unseen digits above chance', async () => {
  const { log } = console;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  let accuracy: number;
  try {
    accuracy = await main();
  } finally {
    console.log = log;
  }
  assert.ok(accuracy > 0.5, `accuracy ${accuracy} on 3 classes`);
  assert.match(lines.join('\n'), /frozen: \d+ trainable parameters, test accuracy \d+\.\d%/);
});
