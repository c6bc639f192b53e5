// How numbers read in the report's tables. Each returns plain text (the caller escapes it);
// anything that is not a finite number shows as an em dash rather than "NaN".
import type { SeedStat } from '../adapt/run-record.js';

const DASH = '—';

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** 1234567 -> "1,234,567" (fixed grouping, independent of the machine's locale). */
export function grouped(v: unknown): string {
  if (!finite(v)) return DASH;
  const [int, frac] = Math.abs(v).toString().split('.');
  return (v < 0 ? '-' : '') + int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

function scaled(v: unknown, base: number, units: readonly string[], suffix: string): string {
  if (!finite(v)) return DASH;
  let x = v;
  let u = 0;
  while (Math.abs(x) >= base && u < units.length - 1) {
    x /= base;
    u++;
  }
  const digits = u === 0 ? 0 : Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${x.toFixed(digits)} ${units[u]}${suffix}`;
}

/** Parameter counts: 11689512 -> "11.7 M". */
export function count(v: unknown): string {
  return scaled(v, 1000, ['', 'k', 'M', 'G', 'T'], '').trimEnd();
}

/** 3.2e12 -> "3.20 TFLOP". */
export function flops(v: unknown): string {
  return scaled(v, 1000, ['', 'k', 'M', 'G', 'T', 'P', 'E'], 'FLOP');
}

/** Binary units, as storage is counted: 45000000 -> "42.9 MiB". */
export function bytes(v: unknown): string {
  return scaled(v, 1024, ['', 'Ki', 'Mi', 'Gi', 'Ti'], 'B');
}

export function seconds(v: unknown): string {
  if (!finite(v)) return DASH;
  return v < 10 ? `${v.toFixed(2)} s` : `${v.toFixed(1)} s`;
}

/** "84.3 ± 2.1" in percentage points, half the (symmetric, t-based) 95% interval. */
export function meanCi(stat: SeedStat | undefined): string {
  if (!stat || !finite(stat.mean)) return DASH;
  const m = (stat.mean * 100).toFixed(1);
  const [lo, hi] = stat.ci95 ?? [];
  if (!finite(lo) || !finite(hi)) return `${m}`;
  return `${m} ± ${(((hi - lo) / 2) * 100).toFixed(1)}`;
}

/** The exact interval and seed values, for a cell's tooltip. */
export function ciDetail(stat: SeedStat | undefined): string {
  if (!stat || !finite(stat.mean)) return 'no value';
  const [lo, hi] = stat.ci95 ?? [];
  const interval = finite(lo) && finite(hi) ? `95% CI [${(lo * 100).toFixed(2)}, ${(hi * 100).toFixed(2)}]` : 'no interval';
  const values = (stat.values ?? []).map((v) => (finite(v) ? (v * 100).toFixed(2) : DASH)).join(', ');
  return `${interval}; seeds: ${values}`;
}
