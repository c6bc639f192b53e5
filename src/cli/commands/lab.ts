// `adaptlab lab`: every adaptation depth on the same data and budget, over several seeds, for
// one or both modalities; writes the run directory and prints each modality's recommendation.
// `--config` replays a run folder's config.json instead of reading the settings from flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { BATCH_NORM_POLICIES, DEFAULT_STRATEGIES, STRATEGY_NAMES, type Modality, type StrategyName } from '../../record/vocabulary.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../lab/options.js';
import { MODALITIES } from '../../kinds/registry.js';
import { checkLabOptions, MAX_SEEDS } from '../../lab/check-options.js';
import { cliVersion, DEVICE_OPTIONS, type CommandSpec, type ParsedOptions } from '../options.js';
import { DEFAULT_DEVICE, type Device } from '../../tensor/index.js';
import { didYouMean, givenOptions, kebab } from '../parse.js';
import { LabProgress } from '../lab-progress.js';
import { checkQueuedLab } from '../../queue/queued-lab.js';

const MIN_SEEDS = 2;
const SEEDS_EXAMPLE = DEFAULT_LAB_OPTIONS.seeds.join(',');

/** "--seeds 3,7,11" lists the seeds; "--num-seeds 5" means 0..4; neither: 0,1,2. */
function seedsFrom(listed: string[] | undefined, count: number | undefined): number[] {
  if (listed !== undefined && count !== undefined) {
    throw new UsageError(`--seeds and --num-seeds both name the seeds; give one of them: --seeds ${SEEDS_EXAMPLE} lists the seeds, --num-seeds ${DEFAULT_LAB_OPTIONS.seeds.length} means seeds 0..${DEFAULT_LAB_OPTIONS.seeds.length - 1}`);
  }
  if (count !== undefined) {
    if (count < MIN_SEEDS) throw new UsageError(`--num-seeds must be at least ${MIN_SEEDS} seeds (a spread and a confidence interval need two); got ${count}`);
    if (count > MAX_SEEDS) {
      throw new UsageError(`--num-seeds ${count} asks for more than ${MAX_SEEDS} seeds; give at most ${MAX_SEEDS} (a race adds seeds only where a comparison is open)`);
    }
    return Array.from({ length: count }, (_, i) => i);
  }
  if (listed === undefined) return [...DEFAULT_LAB_OPTIONS.seeds];
  if (listed.length < MIN_SEEDS) {
    const n = Number(listed[0]);
    if (listed.length === 1 && Number.isInteger(n) && n >= MIN_SEEDS) {
      throw new UsageError(`--seeds lists seeds (at least ${MIN_SEEDS}, e.g. ${SEEDS_EXAMPLE}); for ${n} seeds use --num-seeds ${n}`);
    }
    throw new UsageError(`--seeds lists seeds: at least ${MIN_SEEDS} seeds are needed for a spread and a confidence interval, e.g. --seeds ${SEEDS_EXAMPLE}; got only ${listed.join(',') || 'none'}`);
  }
  const seeds = listed.map(Number);
  if (seeds.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--seeds lists seeds as non-negative integers separated by commas, e.g. ${SEEDS_EXAMPLE} (--num-seeds N for 0..N-1); got ${listed.join(',')}`);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds lists a seed twice: ${listed.join(',')}`);
  return seeds;
}

/** "--folds auto" or "--folds k"; the range (1..50) is checked with every other option. */
function foldsFrom(raw: string): number | 'auto' {
  if (raw === 'auto') return 'auto';
  const k = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(k)) {
    throw new UsageError(`--folds expects auto or a number of folds k (1 = one validation split, k >= 2 = k-fold cross-validation); got "${raw}"`);
  }
  return k;
}

const BUDGET_FORMS = 'seconds of training wall time as 90s, 15m or 1h, or training FLOPs as 2e15flop (or 2e15flops)';
const SECONDS_PER: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** "--budget 15m" -> { seconds: 900 }; "--budget 2e15flop" -> { flops: 2e15 }. */
export function budgetFrom(raw: string): { seconds: number } | { flops: number } {
  const m = /^(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)(s|m|h|flops?)$/i.exec(raw.trim());
  const unit = m?.[2].toLowerCase();
  // s, m and h in lower case only: "M" reads as mega, not minutes.
  if (m === null || unit === undefined || (unit.length === 1 && m[2] !== unit)) {
    throw new UsageError(`--budget expects ${BUDGET_FORMS}; got "${raw}"`);
  }
  const amount = Number(m[1]);
  if (!(amount > 0 && Number.isFinite(amount))) {
    throw new UsageError(`--budget must be more than nothing: ${BUDGET_FORMS}; got "${raw}"`);
  }
  return unit.startsWith('flop') ? { flops: amount } : { seconds: amount * SECONDS_PER[unit] };
}

/**
 * Every LabOptions field, as a config file names it. `satisfies` makes this list complete: a new
 * LabOptions field does not compile until it is added here (and given a flag, or not).
 */
const LAB_FIELDS = {
  modalities: 'list',
  strategies: 'list',
  seeds: 'list',
  folds: 'number or auto',
  validationFraction: 'number',
  testFraction: 'number',
  schedule: 'string',
  budget: 'object',
  saveModels: 'string',
  force: 'boolean',
  epochs: 'number',
  batchSize: 'number',
  encoding: 'string',
  layerDecay: 'number',
  bnPolicy: 'string',
  partialK: 'number',
  headLr: 'number',
  backboneLr: 'number',
  probeLr: 'number',
  margin: 'number',
  data: 'string',
  textColumn: 'string',
  labelColumn: 'string',
  backbone: 'string',
  arch: 'string',
  imageSize: 'number',
  labelBudget: 'number',
  splitSeed: 'number',
  out: 'string',
  quick: 'boolean',
} as const satisfies Record<keyof LabOptions, string>;

/** What may go with --config: where the replay goes, and how the machine runs it; never a setting. */
const WITH_CONFIG = new Set(['config', 'out', 'force', 'threads', 'device', 'queue', 'help', 'version']);

/** Options the command line gave: known to parseArgs; for a hand-made object, those not at their default. */
function givenIn(o: ParsedOptions): ReadonlySet<string> {
  const given = givenOptions(o);
  if (given !== undefined) return given;
  const table = labCommand.options;
  return new Set(Object.keys(o).filter((k) => o[k] !== undefined && JSON.stringify(o[k]) !== JSON.stringify(table[k]?.default)));
}

/** A run folder's config.json (or a file like it) as LabOptions fields, checked field by field. */
function readRunConfig(path: string): { fields: Record<string, unknown>; version: string | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--config ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder; give its config.json' : `cannot read it (${(e as Error).message})`}. It takes a run folder's config.json, e.g. --config runs/lab/config.json`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path} is not JSON (${(e as Error).message}); it takes a run folder's config.json, e.g. --config runs/lab/config.json`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(`--config ${path} must hold one JSON object of lab settings (a run folder's config.json); found ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`);
  }
  const { adaptlabVersion: version, ...fields } = raw as Record<string, unknown>;
  const known = Object.keys(LAB_FIELDS);
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'force') throw new UsageError(`--config ${path}: "force" is not a setting of a run; leave it out of the file and add --force to the command line`);
    if (!known.includes(key)) {
      throw new UsageError(`--config ${path}: unknown field "${key}"${didYouMean(key, known, (k) => `"${k}"`) || `; the fields are ${known.filter((k) => k !== 'force').join(', ')}`}`);
    }
    const kind = LAB_FIELDS[key as keyof typeof LAB_FIELDS];
    // Numbers, lists and the budget are checked with their ranges by checkLabOptions; strings and switches here.
    if ((kind === 'string' || kind === 'boolean') && value !== undefined && typeof value !== kind) {
      throw new UsageError(`--config ${path}: "${key}" must be a ${kind}; got ${JSON.stringify(value)}`);
    }
  }
  if (version !== undefined && typeof version !== 'string') throw new UsageError(`--config ${path}: "adaptlabVersion" must be a string; got ${JSON.stringify(version)}`);
  return { fields, version };
}

/**
 * `--config run.json`: the settings of the file, exactly (fields it leaves out take the library's
 * defaults); only --out (where the replay goes; default: the file's out) and --force may go with it.
 */
function labRequestFromConfig(o: ParsedOptions): { options: LabOptions; notes: string[] } {
  const path = o.config as string;
  const given = givenIn(o);
  const others = [...given].filter((name) => !WITH_CONFIG.has(name)).map((name) => `--${kebab(name)}`);
  if (others.length > 0) {
    throw new UsageError(
      `--config replays the settings of ${path} exactly; ${others.join(', ')} would change them. ` +
        `Leave ${others.length > 1 ? 'them' : 'it'} out (only --out, --force, --threads, --device and --queue go with --config), or edit a copy of the file ` +
        '(its fields are the library\'s LabOptions: margin as a fraction, 0.01 = 1 point; budget as {"seconds": 900} or {"flops": 2e15}).',
    );
  }
  const { fields, version } = readRunConfig(path);
  // The file's own order, so that the replay's config.json reads the same; missing fields at the end.
  const options = { ...fields } as Record<string, unknown>;
  for (const [key, value] of Object.entries(DEFAULT_LAB_OPTIONS)) if (!(key in options)) options[key] = value;
  if (given.has('out')) options.out = o.out;
  if (o.force === true) options.force = true;
  checkLabOptions(options as unknown as LabOptions);
  const current = cliVersion();
  const notes = version !== undefined && version !== current ? [`${path} was written by adaptlab ${version}; this is ${current}: the same settings, but results may differ`] : [];
  return { options: options as unknown as LabOptions, notes };
}

/** The lab options of a parsed `adaptlab lab` command line, every one checked before anything loads. */
export function labOptionsFrom(o: ParsedOptions): LabOptions {
  return labRequest(o).options;
}

/** The lab options and anything worth saying about them (a config file from another version). */
export function labRequest(o: ParsedOptions): { options: LabOptions; notes: string[] } {
  if (o.config !== undefined) return labRequestFromConfig(o);
  return { options: labOptionsFromFlags(o), notes: [] };
}

function labOptionsFromFlags(o: ParsedOptions): LabOptions {
  const modality = o.modality as string;
  const modalities: Modality[] = modality === 'both' ? [...MODALITIES] : [modality as Modality];
  for (const name of ['headLr', 'backboneLr', 'probeLr'] as const) {
    const lr = o[name] as number | undefined;
    if (lr !== undefined && !(lr > 0 && Number.isFinite(lr))) {
      throw new UsageError(`--${kebab(name)} is a learning rate, a positive number such as 1e-3; got ${lr}`);
    }
  }
  // The margin is in accuracy points on the command line, a fraction in the library.
  const margin = o.margin as number;
  if (!(margin > 0 && margin < 100)) {
    throw new UsageError(`--margin is in accuracy points, between 0 and 100 (exclusive), e.g. 1 for one point; got ${margin}. Use e.g. --margin 1 (the default) or --margin 0.5.`);
  }
  // A strategy named twice runs once (unknown names are reported by checkLabOptions).
  const strategies = [...new Set((o.strategies as string[] | undefined) ?? DEFAULT_STRATEGIES)] as StrategyName[];
  const options: LabOptions = {
    ...DEFAULT_LAB_OPTIONS,
    modalities,
    strategies,
    seeds: seedsFrom(o.seeds as string[] | undefined, o.numSeeds as number | undefined),
    folds: foldsFrom((o.folds as string | undefined) ?? String(DEFAULT_LAB_OPTIONS.folds)),
    validationFraction: o.validationFraction as number | undefined,
    testFraction: o.testFraction as number | undefined,
    schedule: ((o.schedule as string | undefined) ?? DEFAULT_LAB_OPTIONS.schedule) as LabOptions['schedule'],
    saveModels: ((o.saveModels as string | undefined) ?? DEFAULT_LAB_OPTIONS.saveModels) as LabOptions['saveModels'],
    budget: o.budget === undefined ? undefined : budgetFrom(o.budget as string),
    epochs: o.epochs as number | undefined,
    batchSize: o.batchSize as number | undefined,
    layerDecay: o.layerDecay as number | undefined,
    bnPolicy: o.bnPolicy as LabOptions['bnPolicy'],
    encoding: o.encoding as LabOptions['encoding'],
    partialK: o.partialK as number | undefined,
    headLr: o.headLr as number | undefined,
    backboneLr: o.backboneLr as number | undefined,
    probeLr: o.probeLr as number | undefined,
    margin: margin / 100,
    data: o.data as string | undefined,
    textColumn: o.textColumn as string | undefined,
    labelColumn: o.labelColumn as string | undefined,
    backbone: o.backbone as string | undefined,
    arch: o.arch as string | undefined,
    imageSize: o.imageSize as number | undefined,
    labelBudget: o.labelBudget as number | undefined,
    splitSeed: o.splitSeed as number,
    out: o.out as string,
    quick: o.quick === true,
    ...(o.force === true ? { force: true } : {}),
  };
  checkLabOptions(options);
  return options;
}

/** The reasons the console shows: the choice, what would settle it, and what transfer bought. */
const KEY_REASON = /^(Recommended|Provisional|To settle it|Transfer pays off|scratch has the best|The scratch baseline is excluded|Evidence is insufficient)/;
/** The flags the console shows: the sanity gates and audits that fired. */
const GATE_FLAG = /^(did not learn|collapsed|did not train|undertrained|unstable|failed|audit-failed)/;

export const labCommand: CommandSpec = {
  name: 'lab',
  summary: 'train scratch, frozen, partial_unfreeze and full_finetune over seeds and recommend the cheapest acceptable depth',
  options: {
    modality: { type: 'string', description: 'which modality to run', choices: [...MODALITIES, 'both'], default: 'both' },
    strategies: { type: 'list', description: `strategies to compare (the track's four by default; all: ${STRATEGY_NAMES.join(', ')})`, choices: STRATEGY_NAMES, item: 'strategy', default: [...DEFAULT_STRATEGIES] },
    seeds: {
      type: 'list',
      placeholder: 'seed,seed,...',
      description: `the seeds a strategy may use, at least ${MIN_SEEDS} (default: ${SEEDS_EXAMPLE}); a race starts with the first two and adds more only where a comparison is open, a grid runs them all`,
    },
    numSeeds: { type: 'integer', placeholder: 'N', description: `seeds 0..N-1 instead of a list, N >= ${MIN_SEEDS} (--num-seeds 5 = --seeds 0,1,2,3,4); not with --seeds` },
    folds: { type: 'string', description: 'cross-validation folds over the labelled non-test data: auto = 5 folds when one validation split would be coarser than the margin, 1 = one validation split, k >= 2 = k folds', default: 'auto' },
    validationFraction: { type: 'number', description: 'fraction of each class held out for validation when one validation split is used (default: 0.1 vision, 0.2 text, capped per class)' },
    testFraction: { type: 'number', description: 'fraction of each class held out for the final test (default: 0.3, capped per class)' },
    schedule: { type: 'string', description: 'race: stop strategies shown out, add seeds to open comparisons; grid: every strategy x every seed', choices: ['race', 'grid'], default: 'race' },
    saveModels: {
      type: 'string',
      description: "models written to <out>/models/<modality>/: the recommended strategy's (its median-accuracy seed), every trial's too (under all/), or none",
      choices: ['recommended', 'all', 'none'],
      default: 'recommended',
    },
    budget: { type: 'string', description: 'a race starts no new round once training has used this much: seconds of training wall time (90s, 15m, 1h) or training FLOPs (2e15flop); default: only the seeds limit it' },
    epochs: { type: 'integer', description: 'epochs per trial (default: 8; 2 with --quick)' },
    batchSize: { type: 'integer', description: 'examples per training step (default: 64 vision, 16 text)' },
    layerDecay: { type: 'number', description: 'layer-wise learning-rate decay for partial_unfreeze and full_finetune: each group below the head gets the backbone rate times this factor once more (e.g. 0.75)' },
    bnPolicy: {
      type: 'string',
      description:
        'BatchNorm in the frozen backbone groups of frozen and partial_unfreeze: frozen = inference mode, running statistics kept (the default); ' +
        'adapt = batch statistics, running statistics re-estimated on your data; train = training mode (in frozen groups as adapt: scale and shift stay fixed). ' +
        'adapt and train run the frozen groups at every step instead of caching their features. A backbone without BatchNorm (BERT) ignores it, and the lab says so',
      choices: BATCH_NORM_POLICIES,
    },
    encoding: { type: 'string', description: "text tables: 'utf8' refuses invalid UTF-8 (naming the row); 'utf8-replace' turns it into U+FFFD", choices: ['utf8', 'utf8-replace'] },
    partialK: { type: 'integer', description: 'backbone groups partial_unfreeze trains besides the head (default: 1 for vision, the last stage; 2 for text, the last encoder layer and the pooler)' },
    headLr: { type: 'number', description: 'learning rate of the new head in partial_unfreeze and full_finetune, and of every group in scratch (default: 1e-2 vision, 2e-3 text)' },
    backboneLr: { type: 'number', description: 'learning rate of the pretrained groups partial_unfreeze and full_finetune train (default: 3e-3 vision, 1e-3 text)' },
    probeLr: { type: 'number', description: "learning rate of frozen's linear probe on standardised features (default: 0.1)" },
    margin: { type: 'number', description: 'non-inferiority margin in accuracy points', default: 1 },
    data: { type: 'string', description: 'your target data: an image folder (root/<class>/<image>) or a CSV/JSONL table' },
    textColumn: { type: 'string', description: 'text column of a CSV/JSONL table', default: 'text' },
    labelColumn: { type: 'string', description: 'label column of a CSV/JSONL table', default: 'label' },
    backbone: { type: 'string', description: 'your backbone: a torchvision-style .safetensors (with --arch) or a Hugging Face BERT directory' },
    arch: { type: 'string', description: 'architecture of a --backbone file (resnet18, resnet34, resnet50, resnet20, resnet32, resnet56)' },
    imageSize: { type: 'integer', description: 'input size for a --backbone ResNet file (default 224, or 32 for CIFAR ResNets)' },
    labelBudget: { type: 'integer', description: 'training examples per class (default 100; 16 with --quick)' },
    splitSeed: { type: 'integer', description: 'seed of the train/validation/test split', default: 0 },
    out: { type: 'string', description: 'run directory (re-running with the same one reuses finished trials)', default: 'runs/lab' },
    quick: { type: 'boolean', description: 'a reduced run (small splits, 2 epochs) for tests and first looks' },
    force: { type: 'boolean', description: 'replace a run with other settings in --out (its results are removed first); without it such a folder is refused' },
    config: {
      type: 'string',
      placeholder: 'config.json',
      description: "run with exactly the settings of a run folder's config.json (library fields: margin as a fraction); no other flags except --out (default: the file's out), --force, --threads, --device and --queue",
    },
    // Where the trials train is not a setting of the run: the same trials give the same records
    // anywhere, so config.json leaves it out (it may also hold a password), and a run begun here can
    // be finished through a queue or the other way round.
    queue: {
      type: 'string',
      placeholder: 'redis://HOST:PORT',
      description: 'train the trials on workers (adaptlab worker --queue with the same URL, on any machine) through this Redis instead of here; this process plans, collects and decides',
    },
    ...DEVICE_OPTIONS,
  },
  examples: [
    'adaptlab lab',
    'adaptlab lab --modality vision --quick --out runs/first-look',
    'adaptlab lab --modality text --data reviews.csv --strategies frozen,full_finetune --num-seeds 5',
    'adaptlab lab --modality vision --num-seeds 10 --budget 15m',
    'adaptlab lab --modality vision --seeds 7,11,13',
    'adaptlab lab --config runs/lab/config.json --out runs/lab-again      # the same run again',
    'adaptlab lab --modality vision --backbone resnet18.safetensors --arch resnet18 --data photos/ --image-size 64',
    'adaptlab lab --modality vision --data /shared/photos --queue redis://10.0.0.5:6379   # trials on adaptlab worker processes',
  ],
  async run({ options }) {
    const { options: labOptions, notes } = labRequest(options);
    for (const note of notes) console.error(`adaptlab lab: note: ${note}`);
    const queue = options.queue === undefined ? undefined : checkQueuedLab(options.queue as string, labOptions);
    const { runLab } = await import('../../lab/run-lab.js');
    const progress = new LabProgress();
    const runner = queue && new (await import('../../queue/coordinator.js')).QueueRunner({ connection: queue, status: (line) => console.error(line) });
    let result: Awaited<ReturnType<typeof runLab>>;
    try {
      result = await runLab(labOptions, progress.events(), runner, (options.device as Device | undefined) ?? DEFAULT_DEVICE);
    } finally {
      await runner?.close();
    }
    progress.done();
    for (const [modality, outcome] of Object.entries(result.outcomes)) {
      const rec = outcome!.recommendation;
      const head = rec.strategy
        ? `recommended depth: ${rec.strategy} (evidence: ${rec.evidence}${rec.settled ? '' : `; cheapest depth not ruled out: ${rec.cheapestNotRuledOut}`})`
        : 'no recommendation (evidence insufficient)';
      console.log(`\n${modality}: ${head}`);
      // A few lines: the choice and what would settle it, the gates that fired, where the model is.
      // The rule and every comparison are in the note.
      for (const reason of rec.reasons.filter((r) => KEY_REASON.test(r))) console.log(`  - ${reason}`);
      for (const flag of rec.flags.filter((f) => GATE_FLAG.test(f))) console.log(`  ! ${flag}`);
      const saved = outcome!.summary.savedModel;
      if (!('none' in saved)) console.log(`  model: ${join(labOptions.out, saved.path)} (${saved.strategy}, seed ${saved.seed})`);
    }
    console.log(`\nreport:  ${result.files.report}\nsummary: ${result.files.summary}\nnotes:   ${result.files.notes.join(', ')}`);
    return 0;
  },
};
