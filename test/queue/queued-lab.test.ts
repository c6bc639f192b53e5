// A queued lab end to end, with real processes and a real Redis: a coordinator (`adaptlab lab
// --queue`) and two `adaptlab worker` processes give the summary of the same lab run in-process
// (timings aside), and keep giving it when a worker is killed mid-trial, when the coordinator is
// killed and started again, and when Redis restarts empty; a worker that sees other data is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Queue } from 'bullmq';
import { QUEUE_NAME, parseQueueUrl } from '../../src/queue/connection.js';
import type { TrialJob, TrialJobProgress, TrialJobResult } from '../../src/queue/job.js';
import type { Summary } from '../../src/record/run-record.js';
import { makeImageFolder, makeResnetBackbone } from '../lab/make-lab-inputs.js';
import { RedisServer } from './redis-server.js';
import { startCli, stopCli, waitFor, type CliProcess } from './lab-processes.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-queue-'));
const images = join(work, 'images');
const resnet = join(work, 'resnet20.safetensors');
let redis: RedisServer;
let reference: Summary;
const processes: CliProcess[] = [];
const queues: Queue[] = [];
const servers: RedisServer[] = [];

/**
 * A tiny vision lab that races two rounds: the probe's small learning rate leaves `frozen` open
 * against full_finetune after two seeds, so a third seed of each is trained in a second round.
 * Every process uses one engine thread, so the numbers are the same in every process.
 */
function lab(out: string, data = images): string[] {
  const budget = ['--quick', '--folds', '1', '--seeds', '0,1,2', '--epochs', '6', '--batch-size', '16', '--head-lr', '2e-2', '--backbone-lr', '5e-4', '--probe-lr', '1e-3'];
  return ['lab', '--modality', 'vision', '--data', data, '--backbone', resnet, '--arch', 'resnet20', '--strategies', 'frozen,full_finetune', ...budget, '--threads', '1', '--out', out];
}

function start(args: string[]): CliProcess {
  const p = startCli(args);
  processes.push(p);
  return p;
}

/** A worker with short locks, so a killed one's trial goes back to the queue within seconds. */
function worker(url: string): CliProcess {
  return start(['worker', '--queue', url, '--threads', '1', '--lock-duration', '3', '--stalled-interval', '1']);
}

function queueAt(url: string): Queue<TrialJob, TrialJobResult> {
  const q = new Queue<TrialJob, TrialJobResult>(QUEUE_NAME, { connection: parseQueueUrl(url) });
  queues.push(q);
  return q;
}

const TIMINGS = new Set(['createdAt', 'wallSeconds', 'trainSeconds', 'samplesPerSec', 'peakNativeBytes']);

/** summary.json without what measures the machine rather than the lab (times, peak memory). */
function comparable(path: string): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !TIMINGS.has(k)).map(([k, x]) => [k, strip(x)])) : v;
  return strip(JSON.parse(readFileSync(path, 'utf8')));
}

function trialFiles(out: string): string[] {
  const dir = join(out, 'trials', 'vision');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
}

/** The trials a coordinator's console reported finished ("[3/6] vision frozen seed 2: ..."). */
function reported(output: string): string[] {
  return [...output.matchAll(/^\[\d+\/\d+\] vision (\S+) seed (\d+): validation/gm)].map((m) => `${m[1]}-seed${m[2]}`);
}

/** The trials workers started ("host:pid: training vision frozen seed 2"). */
function trained(...workers: CliProcess[]): string[] {
  return workers.flatMap((w) => [...w.output().matchAll(/: training vision (\S+) seed (\d+)$/gm)].map((m) => `${m[1]}-seed${m[2]}`));
}

/** Processes whose parent is `pid` (Linux: /proc/<pid>/stat, the parent pid is the 4th field). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Whether `pid` still runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every trial the in-process run trained, over its rounds. */
const expectedTrials = (): string[] => reference.modalities.vision!.rounds.flatMap((r) => r.added.map((u) => `${u.strategy}-seed${u.seed}`)).sort();

before(async () => {
  await makeImageFolder(images, 24);
  makeResnetBackbone(resnet);
  redis = await RedisServer.start();
  servers.push(redis);
  const inProcess = start(lab(join(work, 'in-process')));
  assert.equal(await inProcess.exited, 0, inProcess.output());
  reference = JSON.parse(readFileSync(join(work, 'in-process', 'summary.json'), 'utf8')) as Summary;
  assert.equal(reference.modalities.vision!.rounds.length, 2, 'the lab races two rounds');
});

after(async () => {
  for (const p of processes) await stopCli(p);
  for (const q of queues) await q.close();
  for (const s of servers) await s.stop();
});

test('a coordinator and two worker processes give the summary of the in-process run', async () => {
  const url = redis.url(1);
  const out = join(work, 'queued');
  const workers = [worker(url), worker(url)];
  const coordinator = start([...lab(out), '--queue', url]);
  assert.equal(await coordinator.exited, 0, coordinator.output());
  assert.deepEqual(comparable(join(out, 'summary.json')), comparable(join(work, 'in-process', 'summary.json')));
  // every trial trained on a worker, once, and both workers took some; the coordinator recorded each once
  assert.deepEqual(trained(...workers).sort(), expectedTrials());
  for (const w of workers) assert.match(w.output(), /: training vision/, 'both workers trained trials');
  assert.deepEqual(reported(coordinator.output()).sort(), expectedTrials());
  assert.equal(trialFiles(out).length, expectedTrials().length);
  assert.match(coordinator.output(), /^queue vision: \d+ done, \d+ running, \d+ waiting of 4 \| .*: (full_finetune|frozen) seed \d/m, 'the display names what each worker trains');
  // the recommended model is handed over: the coordinator retrains that one trial (workers keep no models)
  const saved = reference.modalities.vision!.savedModel as { strategy: string; seed: number };
  assert.match(coordinator.output(), new RegExp(`retraining ${saved.strategy} seed ${saved.seed} to hand its model over`));
  assert.ok(existsSync(join(out, 'models', 'vision', 'adaptlab-model.json')));
});

test('a worker killed mid-trial: its trial goes back to the queue and the other worker trains it; nothing is recorded twice', async () => {
  const url = redis.url(2);
  const out = join(work, 'worker-killed');
  const queue = queueAt(url);
  const workers = [worker(url), worker(url)];
  const coordinator = start([...lab(out), '--queue', url, '--save-models', 'none']);
  let victimJob = '';
  let victimPid = 0;
  await waitFor('a worker in the middle of a full_finetune trial', async () => {
    for (const job of await queue.getActive()) {
      const p = job.progress as Partial<TrialJobProgress>;
      if (job.data.trial.strategy.name !== 'full_finetune' || !p.worker || !p.epoch || p.epoch >= p.epochs!) continue;
      victimJob = job.id!;
      victimPid = Number(p.worker.split(':').pop());
      return true;
    }
    return false;
  });
  const victim = workers.find((w) => w.pid === victimPid)!;
  const survivor = workers.find((w) => w !== victim)!;
  const trainers = childrenOf(victim.pid);
  assert.ok(trainers.length > 0, 'the victim trains in a process of its own');
  victim.child.kill('SIGKILL');
  assert.equal(await coordinator.exited, 0, coordinator.output());
  const job = (await queue.getJob(victimJob))!;
  assert.equal(await job.getState(), 'completed');
  assert.equal(Number(job.returnvalue.worker.split(':').pop()), survivor.pid, 'the survivor trained the killed trial again');
  assert.ok(trained(survivor).includes(`${job.data.trial.strategy.name}-seed${job.data.trial.seed}`));
  const summary = comparable(join(out, 'summary.json')) as Summary;
  const expected = comparable(join(work, 'in-process', 'summary.json')) as Summary;
  assert.deepEqual({ ...summary.modalities.vision, savedModel: null }, { ...expected.modalities.vision, savedModel: null });
  assert.deepEqual(reported(coordinator.output()).sort(), expectedTrials(), 'each trial recorded once');
  assert.equal(trialFiles(out).length, expectedTrials().length);
  await waitFor("the killed worker's training process to exit (it notices its worker is gone)", () => trainers.every((pid) => !running(pid)), 20_000);
});

test('the coordinator killed and started again re-attaches to the run folder and the queue: same summary, no trial trained twice', async () => {
  const url = redis.url(3);
  const out = join(work, 'coordinator-killed');
  const workers = [worker(url), worker(url)];
  const first = start([...lab(out), '--queue', url, '--save-models', 'none']);
  await waitFor('a first trial recorded', () => trialFiles(out).length >= 1);
  first.child.kill('SIGKILL');
  await first.exited;
  const recordedBefore = trialFiles(out).map((f) => f.replace(/\.json$/, '')).sort();
  assert.ok(recordedBefore.length < expectedTrials().length, 'killed mid-run');
  const second = start([...lab(out), '--queue', url, '--save-models', 'none']);
  assert.equal(await second.exited, 0, second.output());
  const summary = comparable(join(out, 'summary.json')) as Summary;
  const expected = comparable(join(work, 'in-process', 'summary.json')) as Summary;
  assert.deepEqual({ ...summary.modalities.vision, savedModel: null }, { ...expected.modalities.vision, savedModel: null });
  assert.deepEqual(trained(...workers).sort(), expectedTrials(), `enqueuing the same trials again was a no-op:\n${workers.map((w) => w.output()).join('\n')}`);
  const reused = [...second.output().matchAll(/^\[\d+\/\d+\] vision (\S+) seed (\d+): reused from an earlier run$/gm)].map((m) => `${m[1]}-seed${m[2]}`);
  assert.deepEqual(reused.sort(), recordedBefore, 'what the first coordinator recorded is reused');
  const recordedAgain = reported(second.output()).filter((t) => !reused.includes(t));
  assert.deepEqual([...recordedBefore, ...recordedAgain].sort(), expectedTrials(), 'each trial recorded once over both coordinators');
});

test('Redis restarted mid-run, losing every job: workers and coordinator reconnect, the lost trials are enqueued again, and the summary is the same', async () => {
  const restarting = await RedisServer.start(); // no persistence: the restart empties it
  servers.push(restarting);
  const url = restarting.url(0);
  const out = join(work, 'redis-restarted');
  worker(url);
  worker(url);
  const coordinator = start([...lab(out), '--queue', url, '--save-models', 'none']);
  await waitFor('a first trial recorded', () => trialFiles(out).length >= 1);
  await restarting.restart();
  assert.ok(trialFiles(out).length < expectedTrials().length, 'restarted mid-run');
  assert.equal(await coordinator.exited, 0, coordinator.output());
  assert.match(coordinator.output(), /is gone from Redis \(restarted without persistence\?\); enqueuing it again/);
  const summary = comparable(join(out, 'summary.json')) as Summary;
  const expected = comparable(join(work, 'in-process', 'summary.json')) as Summary;
  assert.deepEqual({ ...summary.modalities.vision, savedModel: null }, { ...expected.modalities.vision, savedModel: null });
  assert.deepEqual(reported(coordinator.output()).sort(), expectedTrials(), 'each trial recorded once');
});

test('a worker that sees other data than the coordinator refuses the trial, and the lab fails with its message, without retries', async () => {
  const url = redis.url(5);
  const copy = join(work, 'images-copy');
  cpSync(images, copy, { recursive: true });
  const queue = queueAt(url);
  const coordinator = start([...lab(join(work, 'other-data'), copy), '--queue', url]);
  await waitFor('trials waiting in the queue', async () => (await queue.getWaitingCount()) > 0);
  // The coordinator has prepared its data; on "the worker's machine" one image is now different.
  await sharp(Buffer.alloc(28 * 28, 99), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(copy, 'bars-top', 'img-0.png'));
  const w = worker(url);
  assert.equal(await coordinator.exited, 1, coordinator.output());
  const m = /refuses the trial: its data \((.+?)\) has content hash (\S+), but the lab's coordinator prepared data with hash (\S+)\. .*give every worker the same data/.exec(coordinator.output());
  assert.ok(m, coordinator.output());
  assert.equal(m[1], copy);
  assert.notEqual(m[2], m[3]);
  assert.match(coordinator.output(), /^adaptlab: the queued trial vision \S+ seed \d failed on \S+:\d+: worker/m);
  const failed = await queue.getFailed();
  assert.ok(failed.length >= 1);
  for (const job of failed) assert.equal(job.attemptsMade, 1, 'a refused trial is not retried');
  assert.match(w.output(), /failed: worker .* refuses the trial/);
});
