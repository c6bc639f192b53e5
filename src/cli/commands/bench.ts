// `adaptlab bench <workload>`: one workload of the peer benchmark (src/cli/bench/workloads.json), timed by the peer rules.
import { UsageError } from '../../errors.js';
import { DEVICE_OPTIONS, type CommandSpec } from '../options.js';

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'time one benchmark workload (ids: adaptlab bench list) the way the PyTorch peer does',
  positionals: [{ name: 'workload', description: 'workload id, e.g. W1a_resnet20_train, or "list"', required: true }],
  options: {
    json: { type: 'boolean', description: 'print one JSON object instead of a summary line' },
    warmup: { type: 'integer', description: 'untimed steps before timing (default: the spec, 3)' },
    steps: { type: 'integer', description: 'timed steps, at least 5 (default: the spec, 10)' },
    batch: { type: 'integer', description: 'override the batch size of the spec' },
    phases: { type: 'boolean', description: 'also time each phase of a step (zero_grad, forward, backward, optimizer); each phase end synchronizes' },
    ...DEVICE_OPTIONS,
  },
  examples: ['adaptlab bench W1a_resnet20_train --json', 'adaptlab bench W4_bertmini_lastlayer --phases', 'adaptlab bench list'],
  async run({ positionals, options }) {
    const { runWorkload, workloadIds } = await import('../bench/workloads.js');
    const id = positionals[0];
    if (id === 'list') {
      console.log(workloadIds().join('\n'));
      return 0;
    }
    if (!workloadIds().includes(id)) throw new UsageError(`unknown workload "${id}". Workloads: ${workloadIds().join(', ')}`);
    if (options.steps !== undefined && !((options.steps as number) >= 5 && (options.steps as number) <= 100_000)) throw new UsageError(`--steps must be in 5..100000 (median, min and max need at least 5); got ${String(options.steps)}`);
    if (options.batch !== undefined && !((options.batch as number) >= 1 && (options.batch as number) <= 4096)) throw new UsageError(`--batch must be an integer in 1..4096; got ${String(options.batch)}`);
    if (options.warmup !== undefined && !((options.warmup as number) >= 0 && (options.warmup as number) <= 10_000)) throw new UsageError(`--warmup must be an integer in 0..10000; got ${String(options.warmup)}`);
    const record = runWorkload(id, {
      warmup: options.warmup as number | undefined,
      steps: options.steps as number | undefined,
      batch: options.batch as number | undefined,
      phases: options.phases === true,
    });
    if (options.json) {
      console.log(JSON.stringify(record));
    } else {
      const s = record.samplesPerSec;
      console.log(
        `${record.workload}: ${s.median.toFixed(1)} samples/s [${s.min.toFixed(1)}–${s.max.toFixed(1)}], ` +
          `${record.gflopPerStep.toFixed(2)} GFLOP/step, ${record.gflops.toFixed(1)} GFLOP/s (threads ${record.threads.intraOp}/${record.threads.blas ?? '?'})`,
      );
      if (record.phaseMs) console.log(`  median ms per phase: ${Object.entries(record.phaseMs).map(([phase, ms]) => `${phase} ${ms.toFixed(1)}`).join(', ')}`);
    }
    return 0;
  },
};
