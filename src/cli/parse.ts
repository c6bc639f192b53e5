// A thin argv parser over an OptionTable: --name value, --name=value, --flag, --no-flag, -h/-V
// (one-letter aliases the table declares), and -- to end the options.
//
// Why not node:util.parseArgs underneath: the tables already carry everything the parser needs
// (types integer/number/list, choices, defaults, required), and util.parseArgs knows none of
// them, so every value would still be converted and checked here. Its own failures are Node's
// messages (ERR_PARSE_ARGS_*), not ours with a did-you-mean; --no-<flag> needs Node 22.4+
// (allowNegative) while adaptlab supports Node 20; and the loop below is the whole parser (about
// 60 lines), with no second place where options are defined. Decided: keep it.
import { UsageError } from '../errors.js';
import type { CommandSpec, OptionSpec, ParsedOptions } from './options.js';
import { COMMON_OPTIONS } from './options.js';

/** The CLI flag of an option name: partialK -> partial-k. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** How a name compares: case, camelCase and underscores aside (partialK, partial_k -> partial-k). */
function normalised(s: string): string {
  return kebab(s).toLowerCase().replace(/_/g, '-');
}

/** Damerau-Levenshtein distance (optimal string alignment): edits, with a swap of neighbours as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates a mistyped name was probably meant to be: the nearest ones within 2 edits (1 for
 * names of 3 letters or fewer), else the only candidate the name begins (--valid ->
 * validation-fraction). Empty when nothing is close.
 */
export function closest(input: string, candidates: readonly string[]): string[] {
  const norm = normalised(input);
  let best = Infinity;
  let found: string[] = [];
  for (const c of candidates) {
    const d = editDistance(norm, normalised(c));
    if (d < best) [best, found] = [d, [c]];
    else if (d === best) found.push(c);
  }
  if (best <= (norm.length <= 3 ? 1 : 2)) return found;
  const prefixed = norm.length >= 3 ? candidates.filter((c) => normalised(c).startsWith(norm)) : [];
  return prefixed.length === 1 ? prefixed : [];
}

/** "; did you mean --modality?" (or "--head-lr or --probe-lr"), or '' when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], show: (c: string) => string = (c) => c): string {
  const near = closest(input, candidates);
  if (near.length === 0) return '';
  const shown = near.map(show);
  return `; did you mean ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`}?`;
}

function choiceError(command: string, flag: string, spec: OptionSpec, raw: string): UsageError {
  const choices = spec.choices ?? [];
  const hint = didYouMean(raw, choices);
  if (spec.type === 'list' && spec.item !== undefined) {
    return new UsageError(`adaptlab ${command}: --${flag}: unknown ${spec.item} ${raw}${hint ? `${hint} (choose from ${choices.join(', ')})` : `; choose from ${choices.join(', ')}`}`);
  }
  return new UsageError(`adaptlab ${command}: --${flag} must be ${spec.type === 'list' ? 'a list of' : 'one of'} ${choices.join(', ')}; got "${raw}"${hint}`);
}

function convert(command: string, flag: string, spec: OptionSpec, raw: string): string | number | string[] {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
        throw new UsageError(`adaptlab ${command}: --${flag} expects ${spec.type === 'integer' ? 'an integer' : 'a number'}, got "${raw}"`);
      }
      return n;
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      const bad = spec.choices ? items.find((s) => !spec.choices!.includes(s)) : undefined;
      if (bad !== undefined) throw choiceError(command, flag, spec, bad);
      return items;
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) throw choiceError(command, flag, spec, raw);
      return raw;
  }
}

/** Which options a parse took from the command line (the rest are defaults or absent). */
const GIVEN = new WeakMap<ParsedOptions, ReadonlySet<string>>();

/** The option names the command line gave (not defaults), for options that parseArgs returned; undefined for any other object. */
export function givenOptions(options: ParsedOptions): ReadonlySet<string> | undefined {
  return GIVEN.get(options);
}

export function parseArgs(command: CommandSpec, argv: readonly string[]): { positionals: string[]; options: ParsedOptions; given: ReadonlySet<string> } {
  const table = { ...COMMON_OPTIONS, ...command.options };
  const byFlag = new Map(Object.entries(table).map(([name, spec]) => [kebab(name), { name, spec }]));
  const byShort = new Map(Object.entries(table).filter(([, spec]) => spec.short !== undefined).map(([name, spec]) => [spec.short!, { name, spec }]));
  const options: ParsedOptions = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  const unknown = (written: string, flag: string): UsageError => {
    const hint = didYouMean(flag, [...byFlag.keys()], (f) => `--${f}`);
    if (hint) return new UsageError(`adaptlab ${command.name}: unknown option ${written}${hint}`);
    const valid = [...byFlag.keys()].map((f) => `--${f}`).join(', ');
    return new UsageError(`adaptlab ${command.name}: unknown option ${written}. Valid options: ${valid}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // -h, -V: one-letter aliases; "-modality" is a long option with one dash; "-1" and "-" are values.
    if (/^-[A-Za-z]/.test(arg)) {
      const short = byShort.get(arg.slice(1));
      if (short !== undefined && short.spec.type === 'boolean') {
        options[short.name] = true;
        given.add(short.name);
        continue;
      }
      const long = arg.slice(1).split('=')[0];
      if (byFlag.has(long)) throw new UsageError(`adaptlab ${command.name}: unknown option ${arg}; did you mean --${long}? (options take two dashes)`);
      throw unknown(arg, long);
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let flag = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let negated = false;
    if (!byFlag.has(flag) && flag.startsWith('no-') && byFlag.get(flag.slice(3))?.spec.type === 'boolean') {
      flag = flag.slice(3);
      negated = true;
    }
    const entry = byFlag.get(flag);
    if (entry === undefined) throw unknown(`--${flag}`, flag);
    const { name, spec } = entry;
    given.add(name);
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`adaptlab ${command.name}: --${flag} is a switch; use --${flag} or --no-${flag}`);
        options[name] = v === 'true';
      } else {
        options[name] = !negated;
      }
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) {
      throw new UsageError(`adaptlab ${command.name}: --${flag} needs a value (${spec.description})`);
    }
    options[name] = convert(command.name, flag, spec, raw);
  }
  const asksForHelp = options.help === true || options.version === true;
  for (const [name, spec] of Object.entries(table)) {
    if (options[name] === undefined && spec.default !== undefined) options[name] = spec.default;
    if (options[name] === undefined && spec.required && !asksForHelp) {
      throw new UsageError(`adaptlab ${command.name}: --${kebab(name)} is required (${spec.description})`);
    }
  }
  const required = (command.positionals ?? []).filter((p) => p.required);
  if (!asksForHelp && positionals.length < required.length) {
    throw new UsageError(`adaptlab ${command.name}: missing <${required[positionals.length].name}> (${required[positionals.length].description})`);
  }
  GIVEN.set(options, given);
  return { positionals, options, given };
}

/** The command's --help: usage line (`program`, by default "adaptlab <command>"), summary, options and examples. */
export function helpText(command: CommandSpec, program = `adaptlab ${command.name}`): string {
  const table = { ...command.options, ...COMMON_OPTIONS };
  const pos = (command.positionals ?? []).map((p) => (p.required ? ` <${p.name}>` : ` [${p.name}]`)).join('');
  const lines = [`${program}${pos} [options]`, '', command.summary, ''];
  for (const p of command.positionals ?? []) lines.push(`  <${p.name}> `.padEnd(28) + p.description);
  for (const [name, spec] of Object.entries(table)) {
    const value = spec.type === 'boolean' ? '' : ` <${spec.placeholder ?? (spec.type === 'list' ? 'a,b,...' : spec.type)}>`;
    const flag = spec.short !== undefined ? `  -${spec.short}, --${kebab(name)}${value}` : `  --${kebab(name)}${value}`;
    const all = Array.isArray(spec.default) && spec.choices !== undefined && spec.default.join() === spec.choices.join();
    const defaults = spec.default === undefined ? undefined : `default: ${all ? 'all' : String(spec.default)}`;
    const parts = [spec.choices?.join(' | '), defaults].filter((p) => p !== undefined);
    const extra = parts.length > 0 ? ` (${parts.join('; ')})` : '';
    lines.push(`${flag} `.padEnd(28) + spec.description + extra);
  }
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
