// The CLI's vocabulary: each command declares its options once, as data. The parser, the help
// text and the "unknown option" errors all come from these tables.

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface OptionSpec {
  type: OptionType;
  description: string;
  /** Shown in help; applied when the option is absent. */
  default?: string | number | boolean | string[];
  /** Allowed values for string options. */
  choices?: readonly string[];
  required?: boolean;
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
  help: { type: 'boolean', description: 'show this help' },
  threads: { type: 'integer', description: 'engine threads (libtorch and OpenBLAS); default: all cores' },
};
