// Shared test utilities: repository paths, fixture loading and numeric comparison.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Tensor, fromTypedArray, memoryStats } from '../src/tensor/index.js';
import { runCli } from '../src/cli/main.js';

/** The repository root (tests run from dist/test/...). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function fixturePath(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts);
}

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8')) as T;
}

/** A fixture tensor as written by the oracle scripts: {shape, data} (float32 unless dtype says). */
export interface TensorFixture {
  shape: number[];
  data: number[];
  dtype?: 'float32' | 'int64';
}

export function fixtureTensor(f: TensorFixture): Tensor {
  if (f.dtype === 'int64') return fromTypedArray(BigInt64Array.from(f.data.map((v) => BigInt(v))), f.shape, 'int64');
  return fromTypedArray(Float32Array.from(f.data), f.shape);
}

/**
 * Asserts every element of `actual` is within rtol * |expected| + atol of `expected`, and names
 * the worst element when it is not.
 */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: TensorFixture | ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = 'tensor'): void {
  const a = actual instanceof Tensor ? actual.toArray() : Array.from(actual);
  const eArr = 'data' in (expected as object) && 'shape' in (expected as object) ? (expected as TensorFixture).data : Array.from(expected as ArrayLike<number>);
  if (actual instanceof Tensor && 'shape' in (expected as object)) {
    assert.deepEqual(actual.shape, (expected as TensorFixture).shape, `${what}: shape`);
  }
  assert.equal(a.length, eArr.length, `${what}: element count`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - eArr[i]) - (rtol * Math.abs(eArr[i]) + atol);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${a[worst]}, expected ${eArr[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Live tensors and native bytes, for leak assertions. */
export function snapshot(): { liveTensors: number; nativeBytes: number } {
  const { liveTensors, nativeBytes } = memoryStats();
  return { liveTensors, nativeBytes };
}

/** Runs the CLI in this process with console output captured: exit code, stdout and stderr. */
export async function runCliCaptured(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await runCli(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
