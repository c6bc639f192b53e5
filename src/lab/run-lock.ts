// A run folder describes exactly one run. Before anything is written: `--out` must be new, empty,
// or a folder adaptlab made (its marker file, or an older run's config.json); one lab at a time
// holds it (a lock file naming the holder, taken over only when that process is gone); and a
// folder that holds a run with other settings is refused unless the user says --force, which
// clears the old run's results before the new one starts.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-file.js';

export const RUN_MARKER = '.adaptlab-run';
export const LOCK_FILE = '.lock';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsError(e: unknown, path: string, doing: string): never {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EEXIST: 'a file is in the way',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
  };
  throw new UsageError(`cannot ${doing} ${path}: ${why[err.code ?? ''] ?? err.message}. Choose an --out in a writable place.`);
}

/** Makes `out` the run folder of this process, or explains why it cannot be. Returns release(). */
export function claimRunFolder(out: string): () => void {
  if (existsSync(out)) {
    let entries: string[];
    try {
      entries = readdirSync(out);
    } catch (e) {
      fsError(e, out, 'read the folder');
    }
    const ours = entries.includes(RUN_MARKER) || (entries.includes('config.json') && isRunConfig(join(out, 'config.json')));
    if (entries.length > 0 && !ours) {
      throw new UsageError(`--out ${out} exists and is not an adaptlab run folder (it has no ${RUN_MARKER}): adaptlab will not write into it. Choose a new --out.`);
    }
  }
  try {
    mkdirSync(out, { recursive: true });
    if (!existsSync(join(out, RUN_MARKER))) writeFileSync(join(out, RUN_MARKER), 'adaptlab run folder\n');
  } catch (e) {
    fsError(e, out, 'create the run folder');
  }
  const lock = join(out, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, JSON.stringify(me), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fsError(e, lock, 'write the lock');
    }
    let holder: Partial<LockHolder> = {};
    try {
      holder = JSON.parse(readFileSync(lock, 'utf8')) as LockHolder;
    } catch {
      // an unreadable lock is a stale one
    }
    const stale = holder.host !== me.host ? false : typeof holder.pid !== 'number' || !alive(holder.pid);
    if (!stale) {
      throw new UsageError(
        `--out ${out} is in use by another adaptlab lab (pid ${holder.pid} on ${holder.host}, since ${holder.since}). Wait for it to finish, or choose another --out.`,
      );
    }
    rmSync(lock, { force: true }); // its process is gone: take the folder over
  }
  throw new UsageError(`--out ${out}: could not take its lock; another lab may be starting on it. Try again, or choose another --out.`);
}

function isRunConfig(path: string): boolean {
  try {
    return typeof (JSON.parse(readFileSync(path, 'utf8')) as { adaptlabVersion?: unknown }).adaptlabVersion === 'string';
  } catch {
    return false;
  }
}

/** Settings of a run that make its results what they are (the output folder and --force aside). */
function settings(config: Record<string, unknown>): Record<string, unknown> {
  const { out: _out, force: _force, adaptlabVersion: _version, ...rest } = config;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

/**
 * Writes config.json for this run. An earlier run in the folder with the same settings is resumed;
 * one with other settings is refused, or with `force` its results are removed first.
 */
export function acceptRunConfig(out: string, config: Record<string, unknown>, force: boolean, version: string): string {
  const path = join(out, 'config.json');
  if (existsSync(path)) {
    let before: Record<string, unknown> | null = null;
    try {
      before = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      before = null; // unreadable: treated as a different run
    }
    const a = settings(before ?? {});
    const b = settings(config);
    const differ = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (differ.length > 0 && !force) {
      const shown = differ.slice(0, 6).map((k) => `${k}: ${JSON.stringify(a[k])} there, ${JSON.stringify(b[k])} now`).join('; ');
      throw new UsageError(
        `--out ${out} holds a run with other settings (${shown}). Its results would no longer match its config. Choose a new --out, or add --force to replace that run.`,
      );
    }
    if (differ.length > 0) {
      for (const name of ['summary.json', 'report.html', 'notes', 'rounds', 'models']) rmSync(join(out, name), { recursive: true, force: true });
    }
  }
  writeJsonAtomic(path, { ...config, adaptlabVersion: version });
  return path;
}
