// Every command of the CLI, in the order `adaptlab --help` lists them.
import type { CommandSpec } from '../options.js';
import { benchCommand } from './bench.js';

export const COMMANDS: CommandSpec[] = [benchCommand];
