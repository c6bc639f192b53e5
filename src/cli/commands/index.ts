// Every command of the CLI, in the order `adaptlab --help` lists them.
import type { CommandSpec } from '../options.js';
import { benchCommand } from './bench.js';
import { evaluateCommand } from './evaluate.js';
import { exportCommand } from './export.js';
import { labCommand } from './lab.js';
import { predictCommand } from './predict.js';
import { pretrainCommand } from './pretrain.js';
import { workerCommand } from './worker.js';

export const COMMANDS: CommandSpec[] = [labCommand, workerCommand, predictCommand, exportCommand, pretrainCommand, evaluateCommand, benchCommand];
