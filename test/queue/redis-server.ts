// A real redis-server for the queue tests, on a free loopback port, stopped in after(). It keeps
// nothing on disk (--save '' --appendonly no), so a restart empties it. No redis-server installed
// is a failure that says how to install it, never a skipped test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL = 'the queue tests start a real redis-server: install it with npm run setup -- --test (as root; otherwise it prints the apt-get line to run)';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once the server answers PING. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

export class RedisServer {
  #process: ChildProcess | null = null;
  #log = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'adaptlab-redis-')));
    await server.#spawn();
    return server;
  }

  /** The --queue URL of database `db` (each test uses its own, so no job ids collide). */
  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  async #spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    child.stdout!.on('data', (d) => (this.#log += d));
    child.stderr!.on('data', (d) => (this.#log += d));
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT' ? `redis-server was not found: ${INSTALL}` : `redis-server did not start: ${e.message}`))),
    );
    const ready = (async () => {
      for (let i = 0; i < 200; i++) {
        if (await answers(this.port)) return;
        if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${this.#log}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server did not answer on port ${this.port} within 5 s: ${this.#log}`);
    })();
    await Promise.race([ready, spawnError]);
  }

  /** SIGTERM, and wait for it to exit. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }
}
