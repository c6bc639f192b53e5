// adaptlab processes for the queue tests: a coordinator (`adaptlab lab --queue`) and workers
// (`adaptlab worker`), each a real process of the CLI, with its output kept for the assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'bin.js'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, pid: child.pid!, output: () => out, exited };
}

/** Waits until `ready()` holds, checking every 50 ms; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a process that is still running (SIGTERM, then SIGKILL after 5 s) and waits for it. */
export async function stopCli(p: CliProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(timer);
}
