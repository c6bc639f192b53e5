// `adaptlab worker`: trains trials from a lab's job queue (`adaptlab lab --queue`) on this machine,
// until stopped (SIGINT or SIGTERM: the running trials finish first; a second signal stops at once,
// and their jobs go back to the queue) or, with --idle-exit, once the queue has stayed empty.
import { hostname } from 'node:os';
import { UsageError } from '../../errors.js';
import { parseQueueUrl } from '../../queue/connection.js';
import { DEVICE_OPTIONS, type CommandSpec } from '../options.js';
import type { Device } from '../../tensor/index.js';

const MAX_CONCURRENCY = 256;

/** A positive number of seconds given by `flag`, in milliseconds. */
function secondsOption(flag: string, v: number): number {
  if (!(v > 0 && Number.isFinite(v))) throw new UsageError(`adaptlab worker: --${flag} is a number of seconds greater than 0; got ${v}`);
  return Math.round(v * 1000);
}

export const workerCommand: CommandSpec = {
  name: 'worker',
  summary: 'train the trials of labs run with --queue on this machine: any number of workers, on any machines that reach the Redis, the data and the backbone',
  options: {
    queue: { type: 'string', required: true, placeholder: 'redis://HOST:PORT', description: 'the Redis the lab was started with (adaptlab lab --queue redis://HOST:PORT)' },
    concurrency: { type: 'integer', default: 1, description: 'trials trained at once, each in its own process (with --threads engine threads each)' },
    lockDuration: {
      type: 'number',
      default: 30,
      placeholder: 'seconds',
      description: "how long a trial's lock lasts unless this worker renews it (every half of it); a worker that dies keeps its trial from the others this long at most",
    },
    stalledInterval: {
      type: 'number',
      default: 30,
      placeholder: 'seconds',
      description: 'how often this worker looks for trials whose lock expired (their worker died) and puts them back in the queue',
    },
    idleExit: { type: 'number', placeholder: 'seconds', description: 'stop once the queue has had nothing to train for this long (for Kubernetes Jobs and batch schedulers); default: run until stopped' },
    ...DEVICE_OPTIONS,
  },
  examples: [
    'adaptlab worker --queue redis://10.0.0.5:6379',
    'adaptlab worker --queue redis://10.0.0.5:6379 --concurrency 4 --threads 4     # a 16-core machine',
    'adaptlab worker --queue redis://10.0.0.5:6379 --idle-exit 300                 # as a Kubernetes Job',
  ],
  async run({ options }) {
    const connection = parseQueueUrl(options.queue as string);
    const concurrency = options.concurrency as number;
    if (!(concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) throw new UsageError(`adaptlab worker: --concurrency must be an integer in 1..${MAX_CONCURRENCY} (trials at once); got ${concurrency}`);
    const lockDurationMs = secondsOption('lock-duration', options.lockDuration as number);
    const stalledIntervalMs = secondsOption('stalled-interval', options.stalledInterval as number);
    const idleExitMs = options.idleExit === undefined ? undefined : secondsOption('idle-exit', options.idleExit as number);
    const { startWorker } = await import('../../queue/worker.js');
    const name = `${hostname()}:${process.pid}`;
    const device = options.device as Device;
    const worker = startWorker({ connection, name, concurrency, device, lockDurationMs, stalledIntervalMs, idleExitMs, log: (line) => console.error(line) });
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        // The trials' processes notice their worker is gone at their next progress report and exit;
        // their jobs go back to the queue once their locks expire (--lock-duration).
        console.error(`${name}: ${signal} again: stopping now; the running trials go back to the queue within --lock-duration`);
        process.exit(1);
      }
      stopping = true;
      console.error(`${name}: ${signal}: finishing the running trials first (${signal} again to stop now)`);
      void worker.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await worker.stopped;
    return 0;
  },
};
