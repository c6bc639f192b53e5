// adaptlab next to PyTorch (../shared/bench/torch_peers.py, Debian's python3-torch) on every
// workload of the peer benchmark (src/cli/bench/workloads.json), in interleaved rounds, and the ratios appended to
// bench/RESULTS.md with date, machine and command.
//
//   node dist/bench/compare-with-pytorch.js [--only W1a_resnet20_train,...] [--rounds 5]
//                                           [--ours default,passive] [--peer path/to/torch_peers.py]
//
// Why rounds: on a shared virtual machine the speed of the whole box drifts by 30% or more within
// minutes (another tenant's load is invisible from inside), which is larger than the differences
// being measured. So each round runs every configuration of both engines back to back, in an
// order that rotates from round to round, and the verdict is the median over rounds of the
// per-round ratio: adaptlab's default against PyTorch's best thread configuration, the one with the
// highest median over all rounds (of `2`, `1` and `2:OMP_WAIT_POLICY=PASSIVE`).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const USAGE = `usage: node dist/bench/compare-with-pytorch.js [--only W1a_resnet20_train,...] [--rounds 5]
                                          [--ours default,passive,1,nocache,pthread,pthread-nocache] [--peer path/to/torch_peers.py]`;
let parsed: ReturnType<typeof parseCli>;
function parseCli() {
  return parseArgs({
    args,
    options: { only: { type: 'string' }, rounds: { type: 'string' }, ours: { type: 'string' }, peer: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  }).values;
}
try {
  parsed = parseCli();
} catch (e) {
  console.error(`compare: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const opt = (name: 'only' | 'rounds' | 'ours' | 'peer'): string | undefined => parsed[name];
const peer = opt('peer') ?? join(root, '..', 'shared', 'bench', 'torch_peers.py');
const python = '/usr/bin/python3';
// Read as JSON, not through the workloads module: this process only orchestrates and never loads the engine.
const ids = Object.keys((JSON.parse(readFileSync(join(root, 'src', 'cli', 'bench', 'workloads.json'), 'utf8')) as { workloads: Record<string, unknown> }).workloads);
const only = (opt('only') ?? ids.join(',')).split(',');
const rounds = Number(opt('rounds') ?? 5);

const TORCH_CONFIGS = ['2', '1', '2:OMP_WAIT_POLICY=PASSIVE'];
const OPENMP_BLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
const PTHREAD_BLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
/** adaptlab configurations: `default` is what a user gets; the others are for the record. */
const OUR_CONFIGS: Record<string, Record<string, string>> = {
  /** OpenBLAS's OpenMP build (loaded by the addon), libgomp's own waiting, the CPU block cache. */
  default: {},
  passive: { OMP_WAIT_POLICY: 'PASSIVE' },
  '1': { ADAPTLAB_THREADS: '1' },
  /** Without the allocator's block cache: every step's large blocks are fresh pages again. */
  nocache: { ADAPTLAB_CPU_CACHE_MB: '0' },
  /**
   * The set-up before 2026-12-05 afternoon: the system's pthread OpenBLAS (preloaded, so that it
   * wins over the addon's search path) with its own pool, the OpenMP spin bounded to 10,000.
   */
  pthread: { LD_PRELOAD: `${PTHREAD_BLAS}/libblas.so.3:${PTHREAD_BLAS}/liblapack.so.3`, GOMP_SPINCOUNT: '10000' },
  'pthread-nocache': { LD_PRELOAD: `${PTHREAD_BLAS}/libblas.so.3:${PTHREAD_BLAS}/liblapack.so.3`, GOMP_SPINCOUNT: '10000', ADAPTLAB_CPU_CACHE_MB: '0' },
};
const ours = (opt('ours') ?? 'default').split(',');

function fail(message: string): never {
  console.error(`compare: ${message}`);
  process.exit(1);
}
if (!existsSync(peer)) fail(`the PyTorch peer script is not at ${peer}; pass --peer <path to torch_peers.py>.`);
if (spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status !== 0) {
  fail('PyTorch for Python is not installed. Run `npm run setup -- --peer` (installs python3-torch and python3-torchvision).');
}
for (const id of only) if (!ids.includes(id)) fail(`unknown workload "${id}"; workloads: ${ids.join(', ')}.`);
for (const c of ours) if (!(c in OUR_CONFIGS)) fail(`unknown adaptlab configuration "${c}"; configurations: ${Object.keys(OUR_CONFIGS).join(', ')}.`);
if (!existsSync(join(OPENMP_BLAS, 'libblas.so.3'))) fail(`adaptlab's default needs OpenBLAS's OpenMP build in ${OPENMP_BLAS}: run npm run setup (it installs libopenblas0-openmp).`);
if (ours.some((c) => c.startsWith('pthread')) && !existsSync(join(PTHREAD_BLAS, 'libblas.so.3'))) fail(`the pthread configurations need ${PTHREAD_BLAS}: apt-get install libopenblas0-pthread.`);
if (!(Number.isInteger(rounds) && rounds >= 1)) fail(`--rounds must be a positive integer, got "${opt('rounds')}".`);

/** One timed run: samples/s (median step and fastest step), GFLOP per step and GFLOP/s, and the foreign load. */
interface Run {
  samplesPerSec: number;
  fastestStepSamplesPerSec: number;
  gflopPerStep: number;
  gflops: number;
  foreignBusyCpus: number;
}

const THREAD_VARS = ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'OPENBLAS_THREAD_TIMEOUT', 'ADAPTLAB_THREADS', 'ADAPTLAB_CPU_CACHE_MB', 'LD_PRELOAD', 'LD_LIBRARY_PATH'];
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of THREAD_VARS) delete env[k];
  return { ...env, ...extra };
}

function runTorch(id: string, config: string): Run {
  const out = join(root, 'bench', 'results', `.torch-tmp-${process.pid}.json`);
  const r = spawnSync(python, [peer, '--only', id, '--threads', config, '--json', out], { encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) fail(`torch_peers.py ${id} (${config}) exited with ${r.status}:\n${r.stderr}`);
  const rec = (JSON.parse(readFileSync(out, 'utf8')) as { results: { samples_per_s: number; samples_per_s_max: number; flops_per_step: number; gflops_per_s: number; foreign_busy_cpus: number }[] }).results[0];
  rmSync(out, { force: true });
  return { samplesPerSec: rec.samples_per_s, fastestStepSamplesPerSec: rec.samples_per_s_max, gflopPerStep: rec.flops_per_step / 1e9, gflops: rec.gflops_per_s, foreignBusyCpus: rec.foreign_busy_cpus };
}

function runOurs(id: string, config: string): Run {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'bin.js'), 'bench', id, '--json'], { encoding: 'utf8', env: cleanEnv(OUR_CONFIGS[config]), stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) fail(`adaptlab bench ${id} (${config}) exited with ${r.status}:\n${r.stderr}`);
  const rec = JSON.parse(r.stdout.trim().split('\n').pop()!) as { samplesPerSec: { median: number; max: number }; gflopPerStep: number; gflops: number; foreignBusyCpus: number };
  return { samplesPerSec: rec.samplesPerSec.median, fastestStepSamplesPerSec: rec.samplesPerSec.max, gflopPerStep: rec.gflopPerStep, gflops: rec.gflops, foreignBusyCpus: rec.foreignBusyCpus };
}

function matmulPeak(): number {
  const out = join(root, 'bench', 'results', `.torch-peak-${process.pid}.json`);
  const r = spawnSync(python, [peer, '--only', 'peak_matmul', '--threads', '2', '--json', out], { encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) fail(`torch_peers.py peak_matmul exited with ${r.status}:\n${r.stderr}`);
  const recs = (JSON.parse(readFileSync(out, 'utf8')) as { results: { workload: string; gflops_per_s: number }[] }).results;
  rmSync(out, { force: true });
  return recs.find((p) => p.workload.includes('2048'))?.gflops_per_s ?? Math.max(...recs.map((p) => p.gflops_per_s));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Slot {
  engine: 'torch' | 'adaptlab';
  config: string;
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const date = new Date().toISOString();
const t0 = performance.now();
const peaks = [matmulPeak()];
const rows: string[] = [];
const raw: unknown[] = [];
const achieved: number[] = [];
const others: string[] = [];
for (const id of only) {
  const slots: Slot[] = [...TORCH_CONFIGS.map((config): Slot => ({ engine: 'torch', config })), ...ours.map((config): Slot => ({ engine: 'adaptlab', config }))];
  const runs = new Map<string, Run[]>(slots.map((s) => [`${s.engine} ${s.config}`, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no configuration always runs first (or right after a given other one).
    const order = slots.map((_, i) => slots[(i + round) % slots.length]);
    for (const s of order) runs.get(`${s.engine} ${s.config}`)!.push(s.engine === 'torch' ? runTorch(id, s.config) : runOurs(id, s.config));
    console.error(`compare: ${id} round ${round + 1}/${rounds}: ${slots.map((s) => `${s.engine} ${s.config} ${runs.get(`${s.engine} ${s.config}`)![round].samplesPerSec.toFixed(1)}`).join(', ')}`);
  }
  const med = (key: string): number => median(runs.get(key)!.map((r) => r.samplesPerSec));
  const bestTorch = TORCH_CONFIGS.reduce((a, b) => (med(`torch ${b}`) > med(`torch ${a}`) ? b : a));
  const oursDefault = runs.get(`adaptlab ${ours[0]}`)!;
  const torchBest = runs.get(`torch ${bestTorch}`)!;
  const ratios = oursDefault.map((r, i) => r.samplesPerSec / torchBest[i].samplesPerSec);
  // The fastest step of each run is the least disturbed by other tenants: the same comparison, uncontended.
  const fastest = (rs: Run[]): number => median(rs.map((r) => r.fastestStepSamplesPerSec));
  const fastestRatio = fastest(oursDefault) / fastest(torchBest);
  const busy = Math.max(...[...runs.values()].flat().map((r) => r.foreignBusyCpus));
  const gflops = median(oursDefault.map((r) => r.gflops));
  achieved.push(gflops);
  raw.push({ workload: id, bestTorch, ratios, fastestRatio, runs: Object.fromEntries(runs) });
  // The other adaptlab configurations against the same PyTorch runs, for the record.
  for (const c of ours.slice(1)) {
    const rs = runs.get(`adaptlab ${c}`)!.map((r, i) => r.samplesPerSec / torchBest[i].samplesPerSec);
    others.push(`${id.split('_')[0]} ${c} ${median(rs).toFixed(2)} [${rs.map((x) => x.toFixed(2)).join(' ')}]`);
  }
  rows.push(
    `| ${id}${busy > 0.2 ? ' (!contended)' : ''} | ${TORCH_CONFIGS.map((c) => `${c === bestTorch ? '**' : ''}${c}: ${med(`torch ${c}`).toFixed(1)}${c === bestTorch ? '**' : ''}`).join('<br>')} | ` +
      `${ours.map((c) => `${c}: ${med(`adaptlab ${c}`).toFixed(1)}`).join('<br>')} | **${median(ratios).toFixed(2)}x** [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}] | ${fastestRatio.toFixed(2)}x | ` +
      `${oursDefault[0].gflopPerStep.toFixed(2)} / ${torchBest[0].gflopPerStep.toFixed(2)} | ${gflops.toFixed(0)} |`,
  );
  console.log(rows[rows.length - 1]);
}
peaks.push(matmulPeak());
const minutes = (performance.now() - t0) / 60000;

const day = date.slice(0, 10);
const rawFile = join('bench', 'results', `compare-${date.slice(0, 16).replace(/[:T]/g, '-')}.json`);
writeFileSync(join(root, rawFile), JSON.stringify({ date, machine: `${cpus().length} x ${cpus()[0]?.model}`, rounds, matmulPeaks: peaks, raw }, null, 1));
const peak = median(peaks);
const section = [
  '',
  `## ${date.slice(0, 16).replace('T', ' ')} UTC — same-session comparison with PyTorch, ${rounds} interleaved rounds (${cpus().length} x ${cpus()[0]?.model ?? 'CPU'})`,
  '',
  `Command: \`node dist/bench/compare-with-pytorch.js${args.length ? ' ' + args.join(' ') : ''}\` (${minutes.toFixed(0)} min; raw records: \`${rawFile}\`).`,
  `Samples/s are medians over the rounds; the ratio is the median over rounds of adaptlab ${ours[0]} / PyTorch's best configuration (bold) in the same round, with the range of the per-round ratios. The fastest-step ratio compares the median over rounds of each run's fastest step: the least disturbed by other tenants of the machine.`,
  `Matmul peak (2048², 2 threads, PyTorch) at the start and the end: ${peaks.map((p) => p.toFixed(0)).join(' and ')} GFLOP/s.`,
  '',
  `| workload | PyTorch samples/s by thread config | adaptlab samples/s by config | adaptlab ${ours[0]} / best PyTorch | fastest steps | GFLOP per step (adaptlab / PyTorch) | adaptlab GFLOP/s |`,
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `adaptlab's achieved GFLOP/s as a fraction of the matmul peak (${peak.toFixed(0)}): ${only.map((id, i) => `${id.split('_')[0]} ${Math.round((100 * achieved[i]) / peak)}%`).join(', ')}.`,
  ...(others.length ? ['', `Other adaptlab configurations / PyTorch's best in the same rounds, median [per round]: ${others.join('; ')}.`] : []),
  '',
].join('\n');
appendFileSync(join(root, 'bench', 'RESULTS.md'), section);
console.log(section);
console.error(`compare: appended to bench/RESULTS.md (${day})`);
