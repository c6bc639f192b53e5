// The CLI's vocabulary: each command declares its options once, as data. The parser, the help
// text and the "unknown option" errors (with their did-you-mean suggestions) all come from these tables.
import { readFileSync } from 'node:fs';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface OptionSpec {
  type: OptionType;
  description: string;
  /** Shown in help; applied when the option is absent. */
  default?: string | number | boolean | string[];
  /** Allowed values for string options, and for every item of a list option. */
  choices?: readonly string[];
  required?: boolean;
  /** A one-letter alias: `-h` for `--help`. */
  short?: string;
  /** The value's placeholder in help (default: the type, or a,b,... for lists). */
  placeholder?: string;
  /** What one value of a list with choices is called in errors: "unknown strategy lora". */
  item?: string;
}

export type OptionTable = Record<string, OptionSpec>;

export type ParsedOptions = Record<string, string | number | boolean | string[] | undefined>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, in order, e.g. ['workload']. */
  positionals?: readonly { name: string; description: string; required?: boolean }[];
  options: OptionTable;
  examples?: readonly string[];
  run(args: { positionals: string[]; options: ParsedOptions }): Promise<number>;
}

export const COMMON_OPTIONS: OptionTable = {
  help: { type: 'boolean', description: 'show this help', short: 'h' },
  version: { type: 'boolean', description: "print adaptlab's version", short: 'V' },
  threads: { type: 'integer', description: 'engine threads (libtorch and OpenBLAS); default: all cores' },
};

/**
 * For the commands that run models (lab, evaluate, predict, pretrain, bench): where models, batches,
 * optimizer state and cached features live. Checked before anything loads (see main.ts).
 */
export const DEVICE_OPTIONS: OptionTable = {
  device: {
    type: 'string',
    description: 'where models, batches, optimizer state and cached features live and compute: cpu, cuda (the first GPU) or cuda:N; cuda needs adaptlab built against a CUDA libtorch (see README, "Running on a GPU")',
    default: 'cpu',
    placeholder: 'cpu|cuda|cuda:N',
  },
};

/** adaptlab's version, from package.json (compiled files live in <root>/dist/src/cli). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
