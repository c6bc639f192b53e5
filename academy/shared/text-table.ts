// Plain-text tables for the terminal: left-aligned columns padded to their widest cell, numbers
// right-aligned. Shared by the demo and the lab workflow so both print the same way.

/** Rows of cells → lines; `right` lists the columns to right-align. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** A learning rate or weight decay as written in a config: 0.0003 → "3e-4", null → "—". */
export function rate(v: number | null): string {
  if (v === null) return '\u2014';
  if (v === 0) return '0';
  const [mantissa, exponent] = v.toExponential().split('e');
  const m = Number(Number(mantissa).toPrecision(3));
  return Number(exponent) >= -2 ? String(Number(v.toPrecision(3))) : `${m}e${Number(exponent)}`;
}
