// Number formatting shared by the recommendation's reasons and the adaptation note, so the same
// quantity reads the same everywhere. Accuracies are percentages; differences are "points"
// (percentage points), signed, with a real minus sign so they cannot be misread as hyphens.

/** 0.9123 → "91.2%". */
export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'n/a';
}

/** −0.0025 → "−0.25"; always signed (a difference). */
export function signedPoints(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  const v = 100 * x;
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return s;
  return v < 0 ? `\u2212${s}` : `+${s}`;
}

/** 0.01 → "1.0" (an unsigned size in points, e.g. a margin or a resolution). */
export function points(x: number, digits = 2): string {
  return Number.isFinite(x) ? (100 * x).toFixed(digits) : 'n/a';
}

/** A [lo, hi] interval of differences in points: "−0.90 to +0.10". */
export function pointsInterval(ci: readonly [number, number]): string {
  return `${signedPoints(ci[0])} to ${signedPoints(ci[1])}`;
}

/** A [lo, hi] interval of accuracies: "89.9–92.5%". */
export function pctInterval(ci: readonly [number, number]): string {
  if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return 'n/a';
  return `${(100 * ci[0]).toFixed(1)}\u2013${(100 * ci[1]).toFixed(1)}%`;
}

function scaled(x: number, units: readonly string[], base: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  let v = x;
  let u = 0;
  while (Math.abs(v) >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  return `${u === 0 ? String(Math.round(v)) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

/** 1.23e12 → "1.23 TFLOP". */
export function flops(x: number): string {
  return scaled(x, ['FLOP', 'kFLOP', 'MFLOP', 'GFLOP', 'TFLOP', 'PFLOP', 'EFLOP'], 1000);
}

/** 4096 → "4.10 kB" (SI units, as storage is usually quoted). */
export function bytes(x: number): string {
  return scaled(x, ['B', 'kB', 'MB', 'GB', 'TB'], 1000);
}

/** 11689512 → "11,689,512". */
export function count(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a';
}

/** Counts that are means over seeds may be fractional: 3 → "3", 2.6667 → "2.7". */
export function examples(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** A signed change in examples: "+3", "−2.5", "0". */
export function signedExamples(x: number): string {
  if (x === 0) return '0';
  return `${x < 0 ? '\u2212' : '+'}${examples(Math.abs(x))}`;
}

/** A p-value on its own: "0.031", "< 0.001". */
export function pNumber(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** p-values as a phrase: "p = 0.031", "p < 0.001". */
export function pValue(p: number): string {
  const v = pNumber(p);
  return v.startsWith('<') ? `p ${v}` : `p = ${v}`;
}

/** A class name usable inside running text: no line breaks. */
export function inlineName(name: string): string {
  return String(name).replace(/\r\n|\r|\n/g, ' ');
}

/**
 * Text from users (class names, dataset names, reasons quoting them) made safe inside Markdown:
 * one line, and HTML's special characters as entities, so a class called "<script>" stays text.
 */
export function markdownText(text: string): string {
  return inlineName(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The display name of class i, or "class i" when names are not known. */
export function className(names: readonly string[] | undefined, i: number): string {
  return inlineName(names?.[i] ?? `class ${i}`);
}
