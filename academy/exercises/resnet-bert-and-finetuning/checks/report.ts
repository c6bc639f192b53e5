// A checker's findings: each is a passed or failed statement. Failures say what is wrong, where,
// and what to change; an exercise passes when nothing failed.

export interface Finding {
  ok: boolean;
  text: string;
}

export class Report {
  readonly findings: Finding[] = [];

  pass(text: string): void {
    this.findings.push({ ok: true, text });
  }

  fail(text: string): void {
    this.findings.push({ ok: false, text });
  }

  /** Records `ok ? passText : failText`; returns ok. */
  expect(ok: boolean, passText: string, failText: string): boolean {
    (ok ? this.pass : this.fail).call(this, ok ? passText : failText);
    return ok;
  }

  get passed(): boolean {
    return this.findings.length > 0 && this.findings.every((f) => f.ok);
  }

  get failures(): string[] {
    return this.findings.filter((f) => !f.ok).map((f) => f.text);
  }
}

/** The message of anything thrown. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** "a, b, c and 4 more" */
export function listSome(names: readonly string[], shown = 4): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

/** Accuracy fraction → points with two decimals, signed: 0.0123 → "+1.23". */
export function signedPts(fraction: number): string {
  const v = 100 * fraction;
  return `${v >= 0 ? '+' : '\u2212'}${Math.abs(v).toFixed(2)}`;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi;

/**
 * Numbers written in `text`: 3e-4, 0.0003, 93.2%, −0.21 (a real minus sign counts), 1,850,883
 * (thousands separators are read as one number).
 */
export function numbersIn(text: string): number[] {
  const plain = text.replace(/\u2212/g, '-').replace(/(\d)[,_\u2009\u202f](?=\d{3}(?!\d))/g, '$1');
  return (plain.match(NUMBER) ?? []).map(Number).filter(Number.isFinite);
}

/** Does `text` write `value` (within `tolerance`, absolute)? */
export function cites(text: string, value: number, tolerance = 1e-9 + 1e-6 * Math.abs(value)): boolean {
  return numbersIn(text).some((n) => Math.abs(n - value) <= tolerance || Math.abs(Math.abs(n) - Math.abs(value)) <= tolerance);
}
