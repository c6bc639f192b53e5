// adaptlab's command-line entry: finds the command, parses its options from its table, runs it,
// and turns every adaptlab error into a clear message and a non-zero exit code.
import { AdaptlabError, UsageError } from '../errors.js';
import type { CommandSpec } from './options.js';
import { helpText, parseArgs } from './parse.js';
import { COMMANDS } from './commands/index.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'adaptlab: transfer learning as a defensible decision',
    '',
    'Usage: adaptlab <command> [options]   (adaptlab <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command: CommandSpec | undefined = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    throw new UsageError(`unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
  const args = parseArgs(command, rest);
  if (args.options.help) {
    console.log(helpText(command));
    return 0;
  }
  const threads = args.options.threads;
  if (typeof threads === 'number') {
    if (!(threads >= 1 && threads <= 1024)) throw new UsageError(`adaptlab ${command.name}: --threads must be an integer in 1..1024 (engine threads); got ${threads}. Leave it out to use every core.`);
    process.env.ADAPTLAB_THREADS = String(threads);
  }
  return command.run(args);
}

/** Runs the CLI and maps failures to exit codes: 2 for usage errors, 1 for everything else. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    if (err instanceof AdaptlabError) {
      // Messages that already name the command ("adaptlab lab: ...") are printed as they are.
      console.error(err.message.startsWith('adaptlab') ? err.message : `adaptlab: ${err.message}`);
      return err instanceof UsageError ? 2 : 1;
    }
    console.error(err);
    return 1;
  }
}
