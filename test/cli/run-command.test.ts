// runCommand runs one command from its table as `adaptlab <command>` does, with the CLI's exit
// codes: 0 on success and for --help, 2 for a usage error (a bad option, or one the command
// refuses), 1 for a runtime failure. The learning track's lab workflow runs through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from '../../src/cli/main.js';
import type { CommandSpec } from '../../src/cli/options.js';
import { DataError, UsageError } from '../../src/errors.js';

const probe = (outcome: 'ok' | 'usage' | 'data'): CommandSpec => ({
  name: 'probe',
  summary: 'a command that succeeds or fails as told',
  options: { level: { type: 'integer', description: 'a number' } },
  async run({ options }) {
    if (outcome === 'usage') throw new UsageError(`adaptlab probe: --level ${String(options.level)} is not allowed here`);
    if (outcome === 'data') throw new DataError('the data folder holds no images');
    return 0;
  },
});

async function quietly(run: () => Promise<number>): Promise<{ code: number; errors: string[]; logs: string[] }> {
  const errors: string[] = [];
  const logs: string[] = [];
  const orig = console.error;
  const origLog = console.log;
  console.error = (...a: unknown[]) => void errors.push(a.join(' '));
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  try {
    return { code: await run(), errors, logs };
  } finally {
    console.error = orig;
    console.log = origLog;
  }
}

test('runCommand: 0 on success and for --help, 2 for usage errors, 1 for runtime failures, one message each', async () => {
  assert.equal((await quietly(() => runCommand(probe('ok'), ['--level', '3']))).code, 0);
  assert.equal((await quietly(() => runCommand(probe('data'), ['--help']))).code, 0);
  const bad = await quietly(() => runCommand(probe('ok'), ['--level', 'x']));
  assert.deepEqual([bad.code, bad.errors.length], [2, 1]);
  assert.match(bad.errors[0], /adaptlab probe: --level expects an integer, got "x"/);
  const refused = await quietly(() => runCommand(probe('usage'), ['--level', '3']));
  assert.deepEqual([refused.code, refused.errors], [2, ['adaptlab probe: --level 3 is not allowed here']]);
  const failed = await quietly(() => runCommand(probe('data'), []));
  assert.deepEqual([failed.code, failed.errors], [1, ['adaptlab: the data folder holds no images']]);
});

test('runCommand: --help names the program it runs as, "adaptlab <command>" unless told another', async () => {
  const usage = async (options?: { program?: string }): Promise<string> => {
    const r = await quietly(() => runCommand(probe('ok'), ['--help'], options));
    assert.equal(r.code, 0);
    return r.logs.join('\n').split('\n')[0];
  };
  assert.equal(await usage(), 'adaptlab probe [options]');
  assert.equal(await usage({ program: 'probe-workflow' }), 'probe-workflow [options]');
});
