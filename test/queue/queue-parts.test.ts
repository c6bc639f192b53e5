// The queue's pieces that need no Redis: the --queue URL, the job and result schemas, the
// coordinator's status line, and the CLI's refusals (exit 2, before anything loads or connects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeQueue, parseQueueUrl } from '../../src/queue/connection.js';
import { trialJob, trialJobId, trialJobProblem, trialResultProblem, TRIAL_RESULT_FORMAT } from '../../src/queue/job.js';
import { checkQueuedLab } from '../../src/queue/queued-lab.js';
import { QueueStatus } from '../../src/queue/queue-status.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import type { PlannedTrial, RoundContext } from '../../src/lab/trial-runner.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { runCliCaptured } from '../helpers.js';

test('a --queue URL becomes connection options that wait through a Redis restart', () => {
  assert.deepEqual(parseQueueUrl('redis://127.0.0.1:6380'), { host: '127.0.0.1', port: 6380, db: 0, maxRetriesPerRequest: null });
  assert.deepEqual(parseQueueUrl('rediss://lab:s%40cret@queue.example:6390/3'), {
    host: 'queue.example',
    port: 6390,
    db: 3,
    username: 'lab',
    password: 's@cret',
    tls: {},
    maxRetriesPerRequest: null,
  });
  assert.equal(parseQueueUrl('redis://[::1]').host, '::1');
  assert.equal(parseQueueUrl('redis://10.0.0.5').port, 6379);
  // messages never show the password
  assert.equal(describeQueue(parseQueueUrl('redis://:hunter2@10.0.0.5:6379/2')), 'redis://10.0.0.5:6379/2');
  for (const [bad, why] of [
    ['10.0.0.5:6379', /--queue expects redis:\/\/HOST:PORT .*got "10\.0\.0\.5:6379"/],
    ['http://10.0.0.5:6379', /scheme is http/],
    ['redis://10.0.0.5:6379/x', /database number .*got "\/x"/],
    ['redis://10.0.0.5:6379?db=2', /query or fragment/],
  ] as const) {
    assert.throws(() => parseQueueUrl(bad), (e: Error) => e.name === 'UsageError' && why.test(e.message), bad);
  }
});

const spec = defineStrategy('frozen', { headLr: 1e-2, probeLr: 0.1, backboneLr: 3e-3, layerDecay: null, partialK: 1, weightDecay: 0.01 });
const planned: PlannedTrial = { modality: 'vision', strategy: spec, seed: 1, f: 0, epochs: 2, batchSize: 64, fingerprint: 'abc123' };
const context = (over: Partial<RoundContext['options']> = {}): RoundContext => ({
  options: { ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], data: 'images', backbone: 'b/resnet.safetensors', out: 'runs/x', force: true, ...over },
  modality: 'vision',
  dataHash: 'd1',
  backboneKey: 'file-sha256:b1',
  targetPrint: 't1',
  trainHere: () => Promise.reject(new Error('not here')),
});

test('a job carries absolute paths, the recipe and the hashes to check, and no run folder', () => {
  const job = trialJob(context(), planned, '9.9.9');
  assert.equal(trialJobProblem(job), null);
  assert.equal(job.options.data, `${process.cwd()}/images`);
  assert.equal(job.options.backbone, `${process.cwd()}/b/resnet.safetensors`);
  assert.ok(!('out' in job.options) && !('force' in job.options), 'the run folder is the coordinator\'s alone');
  assert.deepEqual(job.expect, { dataHash: 'd1', backboneKey: 'file-sha256:b1', targetPrint: 't1' });
  assert.deepEqual(JSON.parse(JSON.stringify(job.trial)), planned, 'the recipe survives JSON');
  assert.equal(trialJobId('0123456789'), 'trial-0123456789', 'never a plain integer, which BullMQ refuses as an id');
  assert.match(trialJobProblem({ ...job, expect: { dataHash: 'd1' } }) ?? '', /content hashes/);
  assert.match(trialJobProblem({ ...job, format: 'other/1' }) ?? '', /format is "other\/1"/);
});

test('a result is accepted only as the record of the trial it answers', () => {
  const record = {
    modality: 'vision',
    strategy: 'frozen',
    seed: 1,
    metrics: { validation: { accuracy: 1, macroF1: 1, confusion: [[1]] }, test: { accuracy: 1, macroF1: 1, confusion: [[1]] } },
    predictions: { validation: { ids: ['a'], labels: [0], predictions: [0] }, test: { ids: ['b'], labels: [0], predictions: [0] } },
    cost: { wallSeconds: 1, trainFlops: 1, storedBytes: 1, samplesPerSec: 1, peakNativeBytes: 1, trainableParams: 1 },
    audit: { passed: true, changedFrozen: [], unchangedTrainable: [] },
    curve: [{ epoch: 1, validationAccuracy: 1 }],
    config: { epochs: 2 },
    totals: {},
    groups: [],
  } as unknown as TrialRecord;
  const result = { format: TRIAL_RESULT_FORMAT, fingerprint: 'abc123', record, worker: 'h:1', seconds: { prepare: 0, train: 1 } };
  assert.equal(trialResultProblem(result, planned), null);
  assert.match(trialResultProblem({ ...result, fingerprint: 'zzz' }, planned) ?? '', /of trial zzz, not abc123/);
  assert.match(trialResultProblem({ ...result, record: { ...record, seed: 2 } }, planned) ?? '', /record is of frozen seed 2/);
  assert.match(trialResultProblem({ ...result, record: { ...record, cost: {} } }, planned) ?? '', /damaged \(cost is incomplete\)/);
  assert.match(trialResultProblem(null, planned) ?? '', /no result/);
});

test('the status line counts done, running and waiting trials, per worker', () => {
  const lines: string[] = [];
  const status = new QueueStatus('vision', 5, (l) => lines.push(l), 0);
  const other: PlannedTrial = { ...planned, seed: 0, fingerprint: 'def' };
  status.show([], []);
  assert.match(lines.at(-1)!, /^queue vision: 0 done, 0 running, 5 waiting of 5 \| no worker is connected: start one with adaptlab worker --queue/);
  status.finished('a:1');
  status.show([{ trial: planned, worker: 'a:1', progress: { worker: 'a:1', epoch: 2, epochs: 4, step: 3, stepsPerEpoch: 5 } }, { trial: other, worker: 'b:2', progress: undefined }], ['a:1', 'b:2', 'c:3'], 1);
  assert.equal(lines.at(-1), 'queue vision: 1 done, 2 running, 2 waiting of 5 | a:1: frozen seed 1 (epoch 2/4 step 3/5), 1 done | b:2: frozen seed 0 (starting), 0 done | c:3: idle, 0 done');
  const count = lines.length;
  status.show([{ trial: planned, worker: 'a:1', progress: { worker: 'a:1', epoch: 2, epochs: 4, step: 3, stepsPerEpoch: 5 } }, { trial: other, worker: 'b:2', progress: undefined }], ['a:1', 'b:2', 'c:3'], 2);
  assert.equal(lines.length, count, 'an unchanged line is not printed again');
});

test('the CLI refuses a bad queue before anything loads: exit 2, with what to do', async () => {
  const noQueue = await runCliCaptured(['worker']);
  assert.equal(noQueue.code, 2);
  assert.match(noQueue.stderr, /adaptlab worker: --queue is required/);
  const typo = await runCliCaptured(['wroker', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean worker\?/);
  const concurrency = await runCliCaptured(['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0']);
  assert.equal(concurrency.code, 2);
  assert.match(concurrency.stderr, /--concurrency must be an integer in 1\.\.256/);
  const lock = await runCliCaptured(['worker', '--queue', 'redis://127.0.0.1:1', '--lock-duration', '0']);
  assert.equal(lock.code, 2);
  assert.match(lock.stderr, /--lock-duration is a number of seconds greater than 0; got 0/);
  const url = await runCliCaptured(['lab', '--modality', 'vision', '--quick', '--queue', 'localhost:6379', '--out', '/tmp/adaptlab-never-made']);
  assert.equal(url.code, 2);
  assert.match(url.stderr, /--queue expects redis:\/\/HOST:PORT/);
  const all = await runCliCaptured(['lab', '--modality', 'vision', '--quick', '--save-models', 'all', '--queue', 'redis://127.0.0.1:1', '--out', '/tmp/adaptlab-never-made']);
  assert.equal(all.code, 2);
  assert.match(all.stderr, /--save-models all keeps every trial's model, but queue workers keep none.*Use --save-models recommended/);
  assert.throws(() => checkQueuedLab('redis://127.0.0.1:1', { saveModels: 'all' }), /--save-models all/);
  assert.equal(checkQueuedLab('redis://127.0.0.1:1', { saveModels: 'none' }).port, 1);
});
