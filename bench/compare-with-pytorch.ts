// Runs every workload in adaptlab and in PyTorch (../shared/bench/torch_peers.py, Debian's
// python3-torch) in the same session, workload by workload so both see the same machine state,
// and appends the ratios to bench/RESULTS.md with date, machine and command.
//
//   node dist/bench/compare-with-pytorch.js [--only W1a_resnet20_train,...] [--peer path/to/torch_peers.py]
//
// PyTorch runs its three thread configurations (2, 1, 2 + OMP_WAIT_POLICY=PASSIVE) and the best
// is the reference. adaptlab runs with its own defaults (what a user gets) and, for the record,
// with PASSIVE and with 1 thread.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { cpus } from 'node:os';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const peer = opt('peer') ?? join(root, '..', 'shared', 'bench', 'torch_peers.py');
const python = '/usr/bin/python3';
const spec = JSON.parse(readFileSync(join(root, 'bench', 'workloads.json'), 'utf8')) as { workloads: Record<string, unknown> };
const only = (opt('only') ?? Object.keys(spec.workloads).join(',')).split(',');

if (!existsSync(peer)) {
  console.error(`compare: the PyTorch peer script is not at ${peer}; pass --peer <path to torch_peers.py>.`);
  process.exit(1);
}
if (spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status !== 0) {
  console.error('compare: PyTorch for Python is not installed. Run `npm run setup -- --peer` (installs python3-torch and python3-torchvision).');
  process.exit(1);
}

interface TorchRecord {
  workload: string;
  config: string;
  samples_per_s: number;
  gflops_per_s: number;
  flops_per_step: number;
  foreign_busy_cpus: number;
}

function runTorch(ids: string[]): TorchRecord[] {
  const out = join(root, 'bench', 'results', `.torch-tmp-${process.pid}.json`);
  const r = spawnSync(python, [peer, '--only', ids.join(','), '--json', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`torch_peers.py failed (exit ${r.status})`);
  const records = (JSON.parse(readFileSync(out, 'utf8')) as { results: TorchRecord[] }).results;
  spawnSync('rm', ['-f', out]);
  return records;
}

interface OursRecord {
  workload: string;
  samplesPerSec: { median: number; min: number; max: number };
  gflopPerStep: number;
  gflops: number;
  foreignBusyCpus: number;
}

const OUR_CONFIGS: { label: string; env: Record<string, string> }[] = [
  { label: 'adaptlab default', env: {} },
  { label: '2:OMP_WAIT_POLICY=PASSIVE', env: { OMP_WAIT_POLICY: 'PASSIVE' } },
  { label: '1', env: { ADAPTLAB_THREADS: '1' } },
];

function runOurs(id: string, env: Record<string, string>): OursRecord {
  const clean = { ...process.env };
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'ADAPTLAB_THREADS']) delete clean[k];
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'bin.js'), 'bench', id, '--json'], {
    encoding: 'utf8',
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`adaptlab bench ${id} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as OursRecord;
}

const date = new Date().toISOString();
const rows: string[] = [];
const raw: unknown[] = [];
let matmulPeak: number | null = null;
const peaks = runTorch(['peak_matmul']);
const mm2048 = peaks.find((p) => p.config === '2' && /2048/.test(JSON.stringify(p)));
matmulPeak = mm2048?.gflops_per_s ?? Math.max(...peaks.filter((p) => p.config === '2').map((p) => p.gflops_per_s));
raw.push({ peaks });

for (const id of only) {
  const torch = runTorch([id]);
  const best = torch.reduce((a, b) => (b.samples_per_s > a.samples_per_s ? b : a));
  const ours = OUR_CONFIGS.map((c) => ({ config: c.label, record: runOurs(id, c.env) }));
  raw.push({ workload: id, torch, ours });
  const def = ours[0].record;
  const busy = Math.max(def.foreignBusyCpus, ...torch.map((t) => t.foreign_busy_cpus));
  rows.push(
    `| ${id}${busy > 0.2 ? ' (!contended)' : ''} | ${torch.map((t) => `${t.config}: ${t.samples_per_s.toFixed(1)}`).join('<br>')} | ` +
      `${ours.map((o) => `${o.config}: ${o.record.samplesPerSec.median.toFixed(1)}`).join('<br>')} | ` +
      `**${(def.samplesPerSec.median / best.samples_per_s).toFixed(2)}x** | ${def.gflopPerStep.toFixed(2)} / ${(best.flops_per_step / 1e9).toFixed(2)} | ` +
      `${def.gflops.toFixed(0)} (${((100 * def.gflops) / matmulPeak!).toFixed(0)}% of matmul peak) |`,
  );
  console.log(rows[rows.length - 1]);
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const day = date.slice(0, 10);
writeFileSync(join(root, 'bench', 'results', `compare-${day}.json`), JSON.stringify({ date, machine: cpus()[0]?.model, matmulPeak, raw }, null, 1));
const section = [
  '',
  `## ${date.slice(0, 16).replace('T', ' ')} UTC — ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}`,
  '',
  `Command: \`node dist/bench/compare-with-pytorch.js${args.length ? ' ' + args.join(' ') : ''}\` (raw records: \`bench/results/compare-${day}.json\`).`,
  `Matmul peak measured by the peer in this session (2048², 2 threads): ${matmulPeak!.toFixed(0)} GFLOP/s.`,
  '',
  '| workload | PyTorch samples/s by thread config | adaptlab samples/s by config | adaptlab default / best PyTorch | GFLOP per step (adaptlab / PyTorch) | adaptlab GFLOP/s |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
appendFileSync(join(root, 'bench', 'RESULTS.md'), section);
console.log(section);
