// How numbers read in the report's tables. Each returns plain text (the caller escapes it);
// anything that is not a finite number shows as an em dash rather than "NaN".
import type { SeedStat } from '../record/run-record.js';
import { bytes as decideBytes, flops as decideFlops } from '../decide/format.js';

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

/** 3.2e12 -> "3.20 TFLOP", as the adaptation notes write it. */
export function flops(v: unknown): string {
  return finite(v) ? decideFlops(v) : DASH;
}

/** Decimal units, as the adaptation notes write sizes: 8208 -> "8.21 kB", 45000000 -> "45.0 MB". */
export function bytes(v: unknown): string {
  return finite(v) ? decideBytes(v) : DASH;
}

export function seconds(v: unknown): string {
  if (!finite(v)) return DASH;
  return v < 10 ? `${v.toFixed(2)} s` : `${v.toFixed(1)} s`;
}

/** Mean counts over seeds: 3 -> "3", 2.6667 -> "2.7". */
export function examples(v: unknown): string {
  if (!finite(v)) return DASH;
  return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(1);
}

/** A signed change in examples, with a real minus sign: "+3", "−2.5", "0". */
export function signedExamples(v: unknown): string {
  if (!finite(v)) return DASH;
  const s = examples(Math.abs(v));
  if (Number(s) === 0) return '0';
  return `${v < 0 ? '\u2212' : '+'}${s}`;
}

/** A 95% interval of an accuracy as the report shows it (fractions, like the SeedStat). */
export interface ShownInterval {
  lo: number;
  hi: number;
  /** 'bounded': inside [0, 1] by construction (ci95Bounded, or an asymmetric ci95); 't': the symmetric t interval. */
  kind: 'bounded' | 't';
  /** The interval runs below 0 or above 1, which an accuracy cannot. */
  beyond: boolean;
}

function pair(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2 || !finite(v[0]) || !finite(v[1]) || v[0] > v[1]) return null;
  return [v[0], v[1]];
}

/**
 * The interval to show for an accuracy. Summaries from this version hold a bounded `ci95` (a
 * score interval, inside [0, 1], possibly asymmetric); older ones a symmetric t interval, which
 * can leave [0, 1]: that one is kept as it is and flagged `beyond`, so the page can say so
 * instead of clipping it. A separate `ci95Bounded` (fractions in [0, 1]) is preferred when present.
 */
export function accuracyInterval(stat: SeedStat | undefined): ShownInterval | null {
  if (!stat || !finite(stat.mean)) return null;
  const bounded = pair((stat as SeedStat & { ci95Bounded?: unknown }).ci95Bounded);
  if (bounded && bounded[0] >= 0 && bounded[1] <= 1) return { lo: bounded[0], hi: bounded[1], kind: 'bounded', beyond: false };
  const t = pair(stat.ci95);
  if (!t) return null;
  const beyond = t[0] < 0 || t[1] > 1;
  const symmetric = Math.abs(t[1] - stat.mean - (stat.mean - t[0])) <= 1e-9 * Math.max(1, Math.abs(stat.mean));
  return { lo: t[0], hi: t[1], kind: !beyond && !symmetric ? 'bounded' : 't', beyond };
}

/** The footnote mark of an interval that runs past 0% or 100%. */
export const BEYOND_MARK = '†';

/**
 * "84.3 ± 2.1" in percentage points (half the symmetric 95% interval); "97.1 (93.0–99.6)" for a
 * bounded, asymmetric interval; a symmetric interval that leaves [0, 100] gets BEYOND_MARK.
 */
export function meanCi(stat: SeedStat | undefined): string {
  if (!stat || !finite(stat.mean)) return DASH;
  const m = (stat.mean * 100).toFixed(1);
  const ci = accuracyInterval(stat);
  if (!ci) return m;
  if (ci.kind === 'bounded') return `${m} (${(ci.lo * 100).toFixed(1)}\u2013${(ci.hi * 100).toFixed(1)})`;
  return `${m} ± ${(((ci.hi - ci.lo) / 2) * 100).toFixed(1)}${ci.beyond ? BEYOND_MARK : ''}`;
}

/** The exact interval and seed values, for a cell's tooltip. */
export function ciDetail(stat: SeedStat | undefined): string {
  if (!stat || !finite(stat.mean)) return 'no value';
  const ci = accuracyInterval(stat);
  let interval = 'no interval';
  if (ci) {
    interval = `95% interval [${(ci.lo * 100).toFixed(2)}, ${(ci.hi * 100).toFixed(2)}]`;
    if (ci.kind === 'bounded') interval += ' (bounded to 0–100%)';
    else if (ci.beyond) interval += ': a symmetric t interval over the seeds, it runs past what an accuracy can be (0–100%)';
  }
  const values = (stat.values ?? []).map((v) => (finite(v) ? (v * 100).toFixed(2) : DASH)).join(', ');
  return `${interval}; seeds: ${values}`;
}
