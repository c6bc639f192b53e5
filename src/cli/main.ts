// adaptlab's command-line entry: finds the command, parses its options from its table, runs it,
// and turns every adaptlab error into a clear message and a non-zero exit code.
import { AdaptlabError, UsageError } from '../errors.js';
import { cliVersion, type CommandSpec } from './options.js';
import { didYouMean, helpText, kebab, parseArgs } from './parse.js';
import { COMMANDS } from './commands/index.js';
import { checkDevice, isDevice, onDevice, type Device } from '../tensor/index.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'adaptlab: transfer learning as a defensible decision',
    '',
    'Usage: adaptlab <command> [options]   (adaptlab <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `  ${'-h, --help'.padEnd(width + 8)}show this help`,
    `  ${'-V, --version'.padEnd(width + 8)}print adaptlab's version`,
  ].join('\n');
}

const HELP = ['--help', '-h', 'help'];
const VERSION = ['--version', '-V'];

/** An option before any command: say which command takes it, or what was probably meant. */
function optionFirst(arg: string): UsageError {
  const flag = arg.replace(/^-+/, '').split('=')[0];
  const owners = COMMANDS.filter((c) => Object.keys(c.options).some((name) => kebab(name) === flag));
  if (owners.length > 0) {
    const names = owners.map((c) => c.name);
    const which = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    return new UsageError(`options come after the command; --${flag} is an option of ${which} (e.g. adaptlab ${names[0]} --${flag} ...)`);
  }
  const hint = didYouMean(arg, [...HELP.slice(0, 1), ...VERSION.slice(0, 1)]);
  return new UsageError(`unknown option ${arg}${hint || `; expected a command first (${COMMANDS.map((c) => c.name).join(', ')}), or --help, or --version`}`);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP.includes(name)) {
    // "adaptlab help lab" is "adaptlab lab --help".
    if (name === 'help' && rest.length > 0) return main([rest[0], '--help']);
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (VERSION.includes(name)) {
    console.log(cliVersion());
    return 0;
  }
  if (name.startsWith('-')) throw optionFirst(name);
  const command: CommandSpec | undefined = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name);
    const hint = didYouMean(name, names);
    throw new UsageError(`unknown command "${name}"${hint || `. Commands: ${names.join(', ')}`}`);
  }
  return runParsed(command, rest);
}

/** One command's arguments parsed and run: --help (naming `program`) and --version answered, --threads set, --device checked. */
async function runParsed(command: CommandSpec, argv: readonly string[], program?: string): Promise<number> {
  const args = parseArgs(command, argv);
  if (args.options.help) {
    console.log(helpText(command, program));
    return 0;
  }
  if (args.options.version) {
    console.log(cliVersion());
    return 0;
  }
  const threads = args.options.threads;
  if (typeof threads === 'number') {
    if (!(threads >= 1 && threads <= 1024)) throw new UsageError(`adaptlab ${command.name}: --threads must be an integer in 1..1024 (engine threads); got ${threads}. Leave it out to use every core.`);
    process.env.ADAPTLAB_THREADS = String(threads);
  }
  // A device this libtorch cannot provide stops the command here, before any data or model loads;
  // a usable one is where every tensor the command makes from data goes (models it loads, batches).
  const device = args.options.device;
  if (typeof device !== 'string') return command.run(args);
  return onDevice(checkDeviceOption(command.name, device), () => command.run(args));
}

function checkDeviceOption(command: string, device: string): Device {
  if (!isDevice(device)) throw new UsageError(`adaptlab ${command}: --device must be cpu, cuda or cuda:N (N a GPU index); got "${device}"`);
  return checkDevice(device);
}

/** Runs the CLI and maps failures to exit codes: 2 for usage errors, 1 for everything else. */
export async function runCli(argv: readonly string[]): Promise<number> {
  return exitCode(() => main(argv));
}

/**
 * Runs one command from its table exactly as `adaptlab <command>` does, with the same exit codes:
 * the learning track's lab workflow is the lab command with its own default --out and its own
 * reading of the result. `program` is the name its --help shows (default "adaptlab <command>").
 */
export async function runCommand(command: CommandSpec, argv: readonly string[], options: { program?: string } = {}): Promise<number> {
  return exitCode(() => runParsed(command, argv, options.program));
}

/** Runs `run`; a failure prints one message and becomes exit code 2 (usage errors) or 1 (everything else). */
async function exitCode(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
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
