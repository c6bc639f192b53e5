// What running a lab through the job queue costs, on one machine: the default vision lab
// (`adaptlab lab --modality vision`) in-process with 2 engine threads, then through a local Redis
// with a coordinator and 2 single-thread workers (`adaptlab worker --threads 1`). It reports both
// wall times, whether the two summaries agree (timings aside; 2 threads and 1 thread may round
// differently), and the queue's overhead per trial, from the jobs' timestamps in Redis and the
// trial files' times:
//   pickup     a free worker starting a waiting job (job start − max(enqueued, that worker's previous finish))
//   in job     the job's time on the worker besides preparing the data and training (child IPC, result)
//   collect    job finished → its record written to the run folder (the coordinator's polling)
//   prepare    a worker loading the data and the backbone (its first job of the lab only)
//
//   node dist/bench/queue-overhead.js [--quick] [--append]
//     --quick    the lab's --quick budget: checks that the script works (about a minute)
//     --append   append the result to bench/RESULTS.md
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { QUEUE_NAME, parseQueueUrl } from '../src/queue/connection.js';
import { trialJobId, type TrialJob, type TrialJobResult } from '../src/queue/job.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'dist', 'src', 'cli', 'bin.js');
const quick = process.argv.includes('--quick');
const work = mkdtempSync(join(tmpdir(), 'adaptlab-queue-bench-'));

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; seconds: number; output: string }> } {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, seconds: (performance.now() - t0) / 1000, output }))) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const lab = (out: string, threads: number): string[] => ['lab', '--modality', 'vision', ...(quick ? ['--quick'] : []), '--threads', String(threads), '--out', out];

// 1. in-process, 2 threads
const inProcess = await run(lab(join(work, 'in-process'), 2)).done;
if (inProcess.code !== 0) throw new Error(`the in-process lab failed:\n${inProcess.output}`);

// 2. queued: Redis, 2 single-thread workers, a coordinator (1 thread: it prepares the data and
// retrains the recommended trial to hand its model over, which must reproduce the workers' numbers)
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const url = `redis://127.0.0.1:${port}`;
const workers = [0, 1].map(() => run(['worker', '--queue', url, '--threads', '1']));
const queue = new Queue<TrialJob, TrialJobResult>(QUEUE_NAME, { connection: parseQueueUrl(url) });
const dir = join(work, 'queued', 'trials', 'vision');
const rows: { worker: string; enqueued: number; started: number; finished: number; written: number; prepare: number; train: number }[] = [];
let queued: Awaited<ReturnType<typeof run>['done']>;
try {
  queued = await run([...lab(join(work, 'queued'), 1), '--queue', url]).done;
  if (queued.code !== 0) throw new Error(`the queued lab failed:\n${queued.output}`);
  // 3. the jobs of every trial the queued lab recorded
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const { fingerprint } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { fingerprint: string };
    const job = await queue.getJob(trialJobId(fingerprint));
    if (!job?.processedOn || !job.finishedOn) throw new Error(`no finished job for ${file}`);
    const r = job.returnvalue;
    rows.push({ worker: r.worker, enqueued: job.timestamp, started: job.processedOn, finished: job.finishedOn, written: statSync(join(dir, file)).mtimeMs, prepare: r.seconds.prepare, train: r.seconds.train });
  }
} finally {
  await queue.close();
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  redis.kill('SIGTERM');
}

// pickup: from the moment the job was waiting and its worker was free
const previousFinish = (row: (typeof rows)[number]): number =>
  Math.max(-Infinity, ...rows.filter((o) => o.worker === row.worker && o.finished <= row.started && o !== row).map((o) => o.finished));
const per = rows.map((row) => {
  const pickup = (row.started - Math.max(row.enqueued, previousFinish(row))) / 1000;
  const inJob = (row.finished - row.started) / 1000 - row.prepare - row.train;
  const collect = (row.written - row.finished) / 1000;
  return { pickup, inJob, collect, prepare: row.prepare, total: pickup + inJob + collect };
});
const stat = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.floor((s.length - 1) / 2)].toFixed(2)} / ${s.at(-1)!.toFixed(2)}`;
};

const TIMINGS = new Set(['createdAt', 'wallSeconds', 'trainSeconds', 'samplesPerSec', 'peakNativeBytes']);
const strip = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !TIMINGS.has(k)).map(([k, x]) => [k, strip(x)])) : v;
const summaryOf = (name: string): string => JSON.stringify(strip(JSON.parse(readFileSync(join(work, name, 'summary.json'), 'utf8'))));
const agree = summaryOf('in-process') === summaryOf('queued');
const cpu = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
const rec = (name: string): string => {
  const r = (JSON.parse(readFileSync(join(work, name, 'summary.json'), 'utf8')) as { modalities: { vision: { recommendation: { strategy: string | null; evidence: string } } } }).modalities.vision.recommendation;
  return `${r.strategy ?? 'none'} (${r.evidence})`;
};
const text = [
  `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — a lab through the job queue: 2 single-thread workers vs in-process with 2 threads (${cpu})`,
  '',
  `Command: \`node dist/bench/queue-overhead.js${quick ? ' --quick' : ''}\` — \`adaptlab lab --modality vision${quick ? ' --quick' : ''}\` in-process (\`--threads 2\`), then with \`--queue\` on a local`,
  'redis-server, a coordinator (`--threads 1`) and two `adaptlab worker --threads 1` on the same machine.',
  '',
  '| run | wall | trials | recommendation |',
  '|---|---|---|---|',
  `| in-process, 2 threads | ${inProcess.seconds.toFixed(1)} s | ${rows.length} | ${rec('in-process')} |`,
  `| queued, 2 workers x 1 thread | ${queued.seconds.toFixed(1)} s | ${rows.length} | ${rec('queued')} |`,
  '',
  `Summaries equal (timings aside): ${agree ? 'yes' : 'no (2 threads and 1 thread round differently; compare the recommendation)'}.`,
  '',
  'Queue overhead per trial, median / max over the trials, seconds:',
  '',
  '| pickup | in job, besides training | collect | total | prepare (first job per worker) |',
  '|---|---|---|---|---|',
  `| ${stat(per.map((p) => p.pickup))} | ${stat(per.map((p) => p.inJob))} | ${stat(per.map((p) => p.collect))} | ${stat(per.map((p) => p.total))} | ${stat(per.filter((p) => p.prepare > 0).map((p) => p.prepare))} |`,
  '',
].join('\n');
console.log(text);
if (process.argv.includes('--append')) appendFileSync(join(root, 'bench', 'RESULTS.md'), `\n${text}`);
