// Where a pretrained backbone came from: the adaptlab version, the engine, the date, the command,
// and file digests. Everything a manifest needs to say "this is how to make these weights again".
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { engineInfo, threads } from '../tensor/index.js';

/** The repository (or installed package) root: compiled files live in <root>/dist/src/pretrain. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function adaptlabVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** The installed version of an npm package (the data packages), or null when it cannot be read. */
export function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

export interface EngineProvenance {
  torch: string;
  intraOpThreads: number;
  node: string;
  platform: string;
}

export function engineProvenance(): EngineProvenance {
  return { torch: engineInfo().torchVersion, intraOpThreads: threads().intraOp, node: process.version, platform: `${process.platform}-${process.arch}` };
}

export interface FileDigest {
  file: string;
  bytes: number;
  sha256: string;
}

export function fileDigest(path: string, file: string): FileDigest {
  return { file, bytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/**
 * The command as the user typed it when this process is the adaptlab CLI ("adaptlab pretrain
 * vision --quick"), else null (library calls, tests).
 */
export function invokedCommand(): string | null {
  const script = process.argv[1] ?? '';
  if (!/(^|[\\/])(bin\.js|adaptlab)$/.test(script)) return null;
  return ['adaptlab', ...process.argv.slice(2)].map(shellQuote).join(' ');
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
