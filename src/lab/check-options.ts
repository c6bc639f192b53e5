// Every lab option checked at once, before any data loads or any trial trains. Pure: no I/O.
// A bad option is a UsageError that names the library field and its CLI flag, says what was
// expected, what was found and what to do. Limits that depend on the data or the backbone (the
// number of backbone groups partial_unfreeze can train, class sizes) are checked where those load.
import { UsageError } from '../errors.js';
import { BATCH_NORM_POLICIES, STRATEGY_NAMES } from '../record/vocabulary.js';
import { kindOf, MODALITIES } from '../kinds/registry.js';
import type { LabOptions } from './options.js';

const SCHEDULES = ['race', 'grid'] as const;
/** Seeds are 32-bit unsigned (the engine's generator seeds). */
const SEED_LIMIT = 2 ** 32;
export const MAX_SEEDS = 1000;
export const MAX_FOLDS = 50;
export const MAX_EPOCHS = 10_000;
export const MIN_IMAGE_SIZE = 8;
export const MAX_IMAGE_SIZE = 1024;

/** A value as it appears in a message: strings quoted, numbers (NaN and Infinity too) as written. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** "epochs (--epochs)": the library field and its CLI flag. */
function named(field: string, flag: string): string {
  return `${field} (--${flag})`;
}

function fail(field: string, flag: string, expected: string, found: unknown, todo: string): never {
  throw new UsageError(`${named(field, flag)} must be ${expected}; got ${shown(found)}. ${todo}`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function isFinitePositive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function isOpenFraction(v: unknown): v is number {
  return typeof v === 'number' && v > 0 && v < 1;
}

function checkIntRange(field: string, flag: string, v: unknown, lo: number, hi: number | undefined, todo: string): void {
  if (isInt(v) && v >= lo && (hi === undefined || v <= hi)) return;
  fail(field, flag, hi === undefined ? `an integer >= ${lo}` : `an integer in ${lo}..${hi}`, v, todo);
}

/** "a, b or c". */
function orList(xs: readonly string[]): string {
  return xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** How to name the modalities: "['vision'], ['text'] or ['vision', 'text'] (--modality vision, text or both)". */
function modalityChoices(): string {
  return `${orList([...MODALITIES.map((m) => `['${m}']`), `[${MODALITIES.map((m) => `'${m}'`).join(', ')}]`])} (--modality ${orList([...MODALITIES, 'both'])})`;
}

function duplicates<T>(xs: readonly T[]): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const x of xs) (seen.has(x) ? twice : seen).add(x);
  return [...twice];
}

/**
 * Throws a UsageError for the first option a lab cannot run with. Pure and cheap: call it before
 * anything loads. The CLI (`labOptionsFrom`) calls it after turning flags into options.
 */
export function checkLabOptions(o: LabOptions): void {
  // modalities
  if (!Array.isArray(o.modalities) || o.modalities.length === 0) {
    fail('modalities', 'modality', `a non-empty list of ${MODALITIES.join(', ')}`, o.modalities, `Use ${modalityChoices()}.`);
  }
  const badModalities = o.modalities.filter((m) => !(MODALITIES as readonly unknown[]).includes(m));
  if (badModalities.length) {
    fail('modalities', 'modality', `a list of ${MODALITIES.join(', ')}`, o.modalities, `${badModalities.map(shown).join(', ')} is not a modality; use ${MODALITIES.join(' or ')} (--modality ${orList([...MODALITIES, 'both'])}).`);
  }
  if (duplicates(o.modalities).length) {
    fail('modalities', 'modality', 'a list without repeats', o.modalities, 'Name each modality once.');
  }
  if ((o.data !== undefined || o.backbone !== undefined) && o.modalities.length > 1) {
    const which = [o.data !== undefined ? named('data', 'data') : undefined, o.backbone !== undefined ? named('backbone', 'backbone') : undefined].filter(Boolean).join(' and ');
    const each = MODALITIES.map((m) => `['${m}'] (--modality ${m}: ${kindOf(m).userInputs.data}, ${kindOf(m).userInputs.backbone})`);
    throw new UsageError(
      `${which} belong${o.data !== undefined && o.backbone !== undefined ? '' : 's'} to one modality; got modalities ${shown(o.modalities)}. ` +
        `Choose one: modalities ${orList(each)}.`,
    );
  }

  // strategies
  if (!Array.isArray(o.strategies) || o.strategies.length === 0) {
    fail('strategies', 'strategies', `a non-empty list of ${STRATEGY_NAMES.join(', ')}`, o.strategies, 'Name at least one strategy to train.');
  }
  const badStrategies = o.strategies.filter((s) => !(STRATEGY_NAMES as readonly unknown[]).includes(s));
  if (badStrategies.length) {
    throw new UsageError(
      `${named('strategies', 'strategies')}: unknown strateg${badStrategies.length > 1 ? 'ies' : 'y'} ${badStrategies.map(String).join(', ')}; choose from ${STRATEGY_NAMES.join(', ')}.`,
    );
  }
  const twiceStrategies = duplicates(o.strategies);
  if (twiceStrategies.length) {
    fail('strategies', 'strategies', 'a list without repeats', o.strategies, `${twiceStrategies.join(', ')} is listed twice; name each strategy once.`);
  }

  // seeds
  if (!Array.isArray(o.seeds) || o.seeds.length < 2) {
    fail('seeds', 'seeds', 'a list of at least 2 seeds (a spread and a confidence interval need two)', o.seeds, 'Give 2 or more, e.g. [0, 1, 2] (--seeds 0,1,2 or --num-seeds 3).');
  }
  if (o.seeds.length > MAX_SEEDS) {
    fail('seeds', 'seeds', `at most ${MAX_SEEDS} seeds`, `${o.seeds.length} seeds`, `A race adds seeds only where a comparison is open; ${MAX_SEEDS} is far beyond what settles one.`);
  }
  const badSeed = o.seeds.findIndex((s) => !(Number.isSafeInteger(s) && s >= 0 && s < SEED_LIMIT));
  if (badSeed >= 0) {
    fail('seeds', 'seeds', 'integers in [0, 2^32)', o.seeds[badSeed], 'Use whole numbers such as 0, 1, 2.');
  }
  const twiceSeeds = duplicates(o.seeds);
  if (twiceSeeds.length) {
    fail('seeds', 'seeds', 'a list without repeats', o.seeds, `seed ${twiceSeeds.join(', ')} is listed twice; each seed is one independent trial.`);
  }

  // margin: a fraction of accuracy in the library (the CLI's --margin takes points)
  if (typeof o.margin === 'number' && Number.isFinite(o.margin) && o.margin >= 1) {
    const [fraction, points] = o.margin < 100 ? [Number((o.margin / 100).toPrecision(12)), o.margin] : [0.01, 1];
    throw new UsageError(
      `${named('margin', 'margin')}: margin ${o.margin} is a fraction of accuracy in (0, 1): ${fraction} means ${points} point${points === 1 ? '' : 's'}. ` +
        `Pass margin: ${fraction} for ${points} point${points === 1 ? '' : 's'} (only the CLI flag --margin takes accuracy points, e.g. --margin ${points}).`,
    );
  }
  if (!isOpenFraction(o.margin)) {
    fail('margin', 'margin', 'a fraction of accuracy in (0, 1)', o.margin, 'Use e.g. 0.01 for a margin of 1 accuracy point (the CLI flag --margin takes points, e.g. --margin 1).');
  }

  // folds
  if (o.folds !== 'auto') {
    checkIntRange('folds', 'folds', o.folds, 1, MAX_FOLDS, "Use 'auto', 1 for a single validation split, or k >= 2 for k-fold cross-validation.");
  }

  // training
  if (o.epochs !== undefined) checkIntRange('epochs', 'epochs', o.epochs, 1, MAX_EPOCHS, 'Leave it unset for the modality default (8; 2 with quick).');
  if (o.partialK !== undefined) checkIntRange('partialK', 'partial-k', o.partialK, 1, undefined, 'It counts backbone groups partial_unfreeze trains besides the head; leave it unset for the modality default.');
  for (const [field, flag] of [['headLr', 'head-lr'], ['backboneLr', 'backbone-lr'], ['probeLr', 'probe-lr']] as const) {
    const lr = o[field];
    if (lr !== undefined && !isFinitePositive(lr)) fail(field, flag, 'a learning rate, a finite number > 0', lr, 'Use e.g. 1e-3, or leave it unset for the measured default.');
  }
  if (o.layerDecay !== undefined && !(typeof o.layerDecay === 'number' && o.layerDecay > 0 && o.layerDecay <= 1)) {
    fail(
      'layerDecay',
      'layer-decay',
      'a factor in (0, 1]',
      o.layerDecay,
      'Each trainable backbone group one step further below the head learns at the rate of the group above times this factor (1 = no decay); use e.g. 0.8, or leave it unset.',
    );
  }

  if (o.bnPolicy !== undefined && !(BATCH_NORM_POLICIES as readonly unknown[]).includes(o.bnPolicy)) {
    fail(
      'bnPolicy',
      'bn-policy',
      `one of ${BATCH_NORM_POLICIES.map((p) => `'${p}'`).join(', ')}`,
      o.bnPolicy,
      "'frozen' keeps BatchNorm in frozen backbone groups in inference mode (the default); 'adapt' and 'train' let it use batch statistics and re-estimate its running statistics on the target data.",
    );
  }

  // splits
  for (const [field, flag] of [['validationFraction', 'validation-fraction'], ['testFraction', 'test-fraction']] as const) {
    const f = o[field];
    if (f !== undefined && !isOpenFraction(f)) fail(field, flag, 'a fraction in (0, 1)', f, 'Use e.g. 0.2, or leave it unset for the modality default.');
  }
  if (o.validationFraction !== undefined && o.testFraction !== undefined && !(o.validationFraction + o.testFraction < 1)) {
    throw new UsageError(
      `${named('validationFraction', 'validation-fraction')} + ${named('testFraction', 'test-fraction')} must be < 1 (something must be left to train on); ` +
        `got ${o.validationFraction} + ${o.testFraction} = ${Number((o.validationFraction + o.testFraction).toPrecision(12))}. Lower one of them.`,
    );
  }
  if (o.labelBudget !== undefined) checkIntRange('labelBudget', 'label-budget', o.labelBudget, 1, undefined, 'It is training examples per class; leave it unset for the default (100; 16 with quick).');
  if (!(isInt(o.splitSeed) && o.splitSeed >= 0 && o.splitSeed < SEED_LIMIT)) {
    fail('splitSeed', 'split-seed', 'an integer in [0, 2^32)', o.splitSeed, 'Use a whole number such as 0.');
  }

  // custom backbone
  if (o.imageSize !== undefined) checkIntRange('imageSize', 'image-size', o.imageSize, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, 'Use e.g. 224 for ImageNet ResNets or 32 for CIFAR ones.');

  // schedule and budget
  if (!(SCHEDULES as readonly unknown[]).includes(o.schedule)) {
    fail('schedule', 'schedule', `one of ${SCHEDULES.map((s) => `'${s}'`).join(', ')}`, o.schedule, "'race' stops strategies shown out and adds seeds to open comparisons; 'grid' runs every strategy x every seed.");
  }
  if (o.batchSize !== undefined) checkIntRange('batchSize', 'batch-size', o.batchSize, 1, 4096, `Leave it unset for the modality default (${MODALITIES.map((m) => `${kindOf(m).defaults.batchSize} ${m}`).join(', ')}).`);
  if (o.encoding !== undefined && !(['utf8', 'utf8-replace'] as readonly unknown[]).includes(o.encoding)) {
    fail('encoding', 'encoding', "'utf8' or 'utf8-replace'", o.encoding, "'utf8' refuses invalid UTF-8 and names the row; 'utf8-replace' turns it into U+FFFD.");
  }
  if (!(['recommended', 'all', 'none'] as readonly unknown[]).includes(o.saveModels)) {
    fail('saveModels', 'save-models', "one of 'recommended', 'all', 'none'", o.saveModels, "'recommended' writes the recommended strategy's model to <out>/models/<modality>/; 'all' keeps every trial's model too.");
  }
  if (o.budget !== undefined) {
    const b = o.budget as unknown;
    const todo = 'Give { seconds } (training wall time) and/or { flops } (training FLOPs), e.g. { seconds: 900 } (--budget 15m) or { flops: 2e15 } (--budget 2e15flop).';
    if (typeof b !== 'object' || b === null || Array.isArray(b)) fail('budget', 'budget', 'an object with seconds and/or flops', b, todo);
    const { seconds, flops } = b as { seconds?: unknown; flops?: unknown };
    if (seconds === undefined && flops === undefined) fail('budget', 'budget', 'an object with seconds and/or flops', b, todo);
    if (seconds !== undefined && !isFinitePositive(seconds)) fail('budget.seconds', 'budget', 'a finite number of seconds > 0', seconds, todo);
    if (flops !== undefined && !isFinitePositive(flops)) fail('budget.flops', 'budget', 'a finite number of FLOPs > 0', flops, todo);
  }

  // the run directory
  if (typeof o.out !== 'string' || o.out.trim() === '') {
    fail('out', 'out', 'a non-empty path of the run directory', o.out, "Use e.g. 'runs/lab'.");
  }
}
