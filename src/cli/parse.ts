// A thin argv parser over an OptionTable: --name value, --name=value, --flag, --no-flag.
import { UsageError } from '../errors.js';
import type { CommandSpec, OptionSpec, ParsedOptions } from './options.js';
import { COMMON_OPTIONS } from './options.js';

/** The CLI flag of an option name: partialK -> partial-k. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
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
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`adaptlab ${command}: --${flag} must be one of ${spec.choices.join(', ')}; got "${raw}"`);
      }
      return raw;
  }
}

export function parseArgs(command: CommandSpec, argv: readonly string[]): { positionals: string[]; options: ParsedOptions } {
  const table = { ...COMMON_OPTIONS, ...command.options };
  const byFlag = new Map(Object.entries(table).map(([name, spec]) => [kebab(name), { name, spec }]));
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
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
    if (entry === undefined) {
      const valid = [...byFlag.keys()].map((f) => `--${f}`).join(', ');
      throw new UsageError(`adaptlab ${command.name}: unknown option --${flag}. Valid options: ${valid}`);
    }
    const { name, spec } = entry;
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
  for (const [name, spec] of Object.entries(table)) {
    if (options[name] === undefined && spec.default !== undefined) options[name] = spec.default;
    if (options[name] === undefined && spec.required && !options.help) {
      throw new UsageError(`adaptlab ${command.name}: --${kebab(name)} is required (${spec.description})`);
    }
  }
  const required = (command.positionals ?? []).filter((p) => p.required);
  if (!options.help && positionals.length < required.length) {
    throw new UsageError(`adaptlab ${command.name}: missing <${required[positionals.length].name}> (${required[positionals.length].description})`);
  }
  return { positionals, options };
}

export function helpText(command: CommandSpec): string {
  const table = { ...command.options, ...COMMON_OPTIONS };
  const pos = (command.positionals ?? []).map((p) => (p.required ? ` <${p.name}>` : ` [${p.name}]`)).join('');
  const lines = [`adaptlab ${command.name}${pos} [options]`, '', command.summary, ''];
  for (const p of command.positionals ?? []) lines.push(`  <${p.name}>`.padEnd(28) + p.description);
  for (const [name, spec] of Object.entries(table)) {
    const flag = `  --${kebab(name)}${spec.type === 'boolean' ? '' : ` <${spec.type === 'list' ? 'a,b,...' : spec.type}>`}`;
    const extra = spec.default !== undefined ? ` (default: ${String(spec.default)})` : spec.choices ? ` (${spec.choices.join(' | ')})` : '';
    lines.push(flag.padEnd(28) + spec.description + extra);
  }
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
