// Timing rules of the peer benchmark (../shared/bench/README.md, workloads.json): warm-up steps
// untimed, then each timed step on its own wall clock; median, min and max reported; samples/s =
// batch / step time. Also records how busy the machine was with other processes, because a
// concurrent CPU-bound job ruins OpenMP timings.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { synchronize } from '../../tensor/index.js';

/** The phases of a training step, in order (a feature workload has only `forward`). */
export type Phase = 'zero_grad' | 'forward' | 'backward' | 'optimizer';
/** Called by a step as each phase ends. */
export type PhaseMark = (phase: Phase) => void;

export interface StepTiming {
  stepMs: { median: number; min: number; max: number };
  /** Median milliseconds per phase over the timed steps, when phases were timed. */
  phaseMs?: Partial<Record<Phase, number>>;
  samplesPerSec: { median: number; min: number; max: number };
  timedSteps: number;
  /** CPUs' worth of time other processes used during timing (0 = idle machine). */
  foreignBusyCpus: number;
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Busy and total jiffies of the whole machine, from /proc/stat (Linux). */
function machineJiffies(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Times `step` one call at a time; each timed call ends when its device work has (synchronize).
 * With `phases`, each phase end is also a synchronize point and its duration is kept: on a GPU this
 * costs the overlap between phases, so phase timing is a diagnostic, not the headline number.
 */
export function timeSteps(step: (mark?: PhaseMark) => void, samplesPerStep: number, warmup: number, timed: number, phases = false): StepTiming {
  for (let i = 0; i < warmup; i++) step();
  synchronize();
  const before = machineJiffies();
  const cpuBefore = process.cpuUsage();
  const wallStart = performance.now();
  const ms: number[] = [];
  const perPhase = new Map<Phase, number[]>();
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    let last = t0;
    const mark: PhaseMark | undefined = phases
      ? (phase) => {
          synchronize();
          const now = performance.now();
          perPhase.set(phase, [...(perPhase.get(phase) ?? []), now - last]);
          last = now;
        }
      : undefined;
    step(mark);
    synchronize();
    ms.push(performance.now() - t0);
  }
  const wallSec = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const after = machineJiffies();
  let foreignBusyCpus = 0;
  if (before && after && wallSec > 0) {
    // /proc/stat counts in USER_HZ (100 per second on Linux).
    const busySec = (after.busy - before.busy) / 100;
    const ownSec = (cpu.user + cpu.system) / 1e6;
    foreignBusyCpus = Math.max(0, (busySec - ownSec) / wallSec);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const stepMs = { median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1] };
  const phaseMs = phases ? Object.fromEntries([...perPhase].map(([phase, xs]) => [phase, median([...xs].sort((a, b) => a - b))])) : undefined;
  return {
    stepMs,
    ...(phaseMs && { phaseMs }),
    samplesPerSec: { median: (samplesPerStep * 1000) / stepMs.median, min: (samplesPerStep * 1000) / stepMs.max, max: (samplesPerStep * 1000) / stepMs.min },
    timedSteps: timed,
    foreignBusyCpus: Math.round(foreignBusyCpus * 100) / 100,
  };
}

export function machineDescription(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'unknown CPU'}`;
}
