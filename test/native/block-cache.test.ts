// The CPU allocator's block cache (native/src/allocator.cc, src/native/memory-env.ts): freed large
// blocks are handed out again instead of coming back from the kernel as fresh pages, within a
// bound the user can set (ADAPTLAB_CPU_CACHE_MB; 0 turns it off).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ones, randn, memoryStats } from '../../src/tensor/index.js';
import { blockCacheLimit, defaultBlockCacheBytes } from '../../src/native/memory-env.js';
import { UsageError } from '../../src/errors.js';
import { repoRoot } from '../helpers.js';

const MB = 2 ** 20;

test('the bound: an eighth of the memory up to 2 GiB, ADAPTLAB_CPU_CACHE_MB in megabytes, 0 allowed', () => {
  assert.equal(defaultBlockCacheBytes(8 * 1024 * MB), 1024 * MB);
  assert.equal(defaultBlockCacheBytes(64 * 1024 * MB), 2048 * MB);
  assert.equal(blockCacheLimit({ ADAPTLAB_CPU_CACHE_MB: '256' }), 256 * MB);
  assert.equal(blockCacheLimit({ ADAPTLAB_CPU_CACHE_MB: '0' }), 0);
  assert.equal(blockCacheLimit({}), defaultBlockCacheBytes());
  for (const bad of ['-1', '1.5', 'lots']) {
    assert.throws(() => blockCacheLimit({ ADAPTLAB_CPU_CACHE_MB: bad }), (e: unknown) => e instanceof UsageError && e.message.includes(`found "${bad}"`) && e.message.includes('Unset it'));
  }
});

test('a freed large block is kept, not counted as live, and handed out again for the same size', () => {
  const before = memoryStats();
  const a = randn([4 * MB]); // 16 MB
  a.dispose();
  const freed = memoryStats();
  assert.equal(freed.nativeBytes, before.nativeBytes, 'live bytes are back where they were');
  assert.ok(freed.cachedBytes >= before.cachedBytes + 16 * MB, `16 MB should be cached, cache went ${before.cachedBytes} -> ${freed.cachedBytes}`);
  const b = ones([4 * MB]); // same size: the cached block
  assert.ok(memoryStats().cachedBytes <= freed.cachedBytes - 16 * MB, 'the cached block was not reused');
  // The reused block holds what the new tensor says, not the old numbers.
  const data = b.toArray();
  assert.ok(data.every((v) => v === 1));
  b.dispose();
});

function childRun(env: Record<string, string>, body: string): Record<string, number> {
  const script = `const t = await import('./dist/src/tensor/index.js');\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, number>;
}

test('a repeated step touches no fresh pages with the cache, and does without it (ADAPTLAB_CPU_CACHE_MB=0)', () => {
  // 20 rounds of a 64 MB tensor written and freed: 16,384 fresh 4 KiB pages a round without the cache.
  const body = [
    'const warm = t.zeros([16 * 2 ** 20]); warm.dispose();',
    'const f0 = process.resourceUsage().minorPageFault;',
    'for (let i = 0; i < 20; i++) t.zeros([16 * 2 ** 20]).dispose();',
    'console.log(JSON.stringify({ faults: (process.resourceUsage().minorPageFault - f0) / 20, cached: t.memoryStats().cachedBytes }));',
  ].join('\n');
  const cached = childRun({}, body);
  const uncached = childRun({ ADAPTLAB_CPU_CACHE_MB: '0' }, body);
  assert.ok(cached.faults < 100, `with the cache: ${cached.faults} page faults per round`);
  assert.ok(uncached.faults > 8000, `without the cache: only ${uncached.faults} page faults per round`);
  assert.ok(cached.cached >= 64 * MB);
  assert.equal(uncached.cached, 0);
});

test('the cache stays within its bound, keeping the most recently freed blocks', () => {
  const out = childRun(
    { ADAPTLAB_CPU_CACHE_MB: '1' },
    [
      'const big = t.zeros([4 * 2 ** 20]); big.dispose(); // 16 MB: more than the bound, not kept',
      'const afterBig = t.memoryStats().cachedBytes;',
      'const small = [0, 1, 2, 3].map(() => t.zeros([64 * 1024])); // 256 KB each',
      'for (const s of small) s.dispose();',
      'console.log(JSON.stringify({ afterBig, afterSmall: t.memoryStats().cachedBytes }));',
    ].join('\n'),
  );
  assert.equal(out.afterBig, 0);
  assert.ok(out.afterSmall > 0 && out.afterSmall <= MB, `cached ${out.afterSmall} bytes with a 1 MB bound`);
});

test('a malformed ADAPTLAB_CPU_CACHE_MB stops the engine from loading with a message saying what to set', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const t = await import('./dist/src/tensor/index.js'); t.zeros([1]);"], {
    cwd: repoRoot,
    env: { ...process.env, ADAPTLAB_CPU_CACHE_MB: 'lots' },
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ADAPTLAB_CPU_CACHE_MB must be a whole number of megabytes/);
});
