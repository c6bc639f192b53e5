// A realistic run for the report tests, made in code: 2 modalities × 4 strategies × 3 seeds,
// with hostile class names. Predictions are drawn per example (seeded), and every metric, the
// confusion matrices and the summary statistics are derived from them the way the lab does, so
// the records are consistent with one another.
import type { Summary, TrialRecord, SeedStat, StrategySummary, ModalitySummary } from '../../src/record/run-record.js';
import type { ClassMetrics, SplitMetrics } from '../../src/record/evaluation.js';
import type { Modality, StrategyName } from '../../src/record/vocabulary.js';
import { strategySanity } from '../../src/evaluate/sanity.js';
import { summarizeTrials } from '../../src/evaluate/summarize.js';
import { confusionBaselines } from '../../src/adapt/strategy-answers.js';

export const XSS_CLASS = '<img src=x onerror=alert(1)>';
export const SCRIPT_CLASS = 'bird</script><script>alert(2)</script>';
export const TEXT_SCRIPT_CLASS = `phish'</script>"&amp;`;
/** The four depths the fixture runs (the lab's other strategies are not in it). */
type Depth = 'scratch' | 'frozen' | 'partial_unfreeze' | 'full_finetune';
export const STRATEGIES: Depth[] = ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune'];
export const SEEDS = [0, 1, 2];

/** mulberry32: small, seeded, good enough to draw fixture predictions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModalitySpec {
  modality: Modality;
  dataset: string;
  classNames: string[];
  /** Share of each class in the validation and test splits. */
  classShares: number[];
  sizes: { train: number; validation: number; test: number };
  arch: string;
  source: string;
  epochs: number;
  /** Target accuracy per strategy. */
  accuracy: Record<Depth, number>;
  trainFlops: Record<Depth, number>;
  wallSeconds: Record<Depth, number>;
  trainable: Record<Depth, number>;
  totalParams: number;
}

const VISION: ModalitySpec = {
  modality: 'vision',
  dataset: 'pets-4 (images/pets & co)',
  classNames: ['cat', 'dog', XSS_CLASS, SCRIPT_CLASS],
  classShares: [0.3, 0.3, 0.25, 0.15],
  sizes: { train: 480, validation: 120, test: 120 },
  arch: 'resnet18',
  source: 'torchvision/resnet18-f37072fd.safetensors',
  epochs: 6,
  accuracy: { scratch: 0.48, frozen: 0.8, partial_unfreeze: 0.85, full_finetune: 0.86 },
  trainFlops: { scratch: 2.1e13, frozen: 6.3e11, partial_unfreeze: 7.9e12, full_finetune: 2.2e13 },
  wallSeconds: { scratch: 412.5, frozen: 21.3, partial_unfreeze: 160.2, full_finetune: 455.9 },
  trainable: { scratch: 11_178_564, frozen: 2_052, partial_unfreeze: 8_395_780, full_finetune: 11_178_564 },
  totalParams: 11_178_564,
};

const TEXT: ModalitySpec = {
  modality: 'text',
  dataset: 'spam-assassin "mini"',
  classNames: ['ham', 'spam', TEXT_SCRIPT_CLASS],
  classShares: [0.5, 0.35, 0.15],
  sizes: { train: 900, validation: 150, test: 150 },
  arch: 'bert-mini',
  source: 'prajjwal1/bert-mini',
  epochs: 4,
  accuracy: { scratch: 0.62, frozen: 0.79, partial_unfreeze: 0.83, full_finetune: 0.84 },
  trainFlops: { scratch: 3.4e12, frozen: 2.9e11, partial_unfreeze: 1.9e12, full_finetune: 3.6e12 },
  wallSeconds: { scratch: 98.4, frozen: 7.7, partial_unfreeze: 55.1, full_finetune: 101.3 },
  trainable: { scratch: 11_171_075, frozen: 771, partial_unfreeze: 3_153_923, full_finetune: 11_171_075 },
  totalParams: 11_171_075,
};

/** Oxford-IIIT-like class names for the many-class fixtures; some long, one not ASCII. */
const PET_NAMES = [
  'abyssinian', 'american_bulldog', 'american_pit_bull_terrier', 'basset_hound', 'beagle', 'bengal', 'birman', 'bombay',
  'boxer', 'british_shorthair', 'chihuahua', 'egyptian_mau', 'english_cocker_spaniel', 'english_setter',
  'german_shorthaired', 'great_pyrenees', 'havanese', 'japanese_chin', 'keeshond', 'leonberger', 'maine_coon',
  'miniature_pinscher', 'newfoundland', 'persian', 'pomeranian', 'pug', 'ragdoll', 'russian_blue', 'saint_bernard',
];
/** A class name far longer than an axis has room for. */
export const LONG_CLASS = 'staffordshire_bull_terrier (incl. mixed breeds from the shelter)';
export const UNICODE_CLASS = 'Ägyptische Mau 猫';

/** n class names: the two hostile ones, a long one and a non-ASCII one among pet breeds. */
export function manyClassNames(n: number): string[] {
  const names = PET_NAMES.slice(0, n);
  if (n >= 2) names[1] = LONG_CLASS;
  if (n >= 3) names[2] = XSS_CLASS;
  if (n >= 4) names[3] = SCRIPT_CLASS;
  if (n >= 6) names[5] = UNICODE_CLASS;
  return names;
}

/** The vision spec with n classes, a bigger split to match, and full_finetune close to 100%. */
function visionWith(n: number): ModalitySpec {
  const weights = Array.from({ length: n }, (_, k) => 1 + ((k * 7) % 5) / 4);
  const total = weights.reduce((s, v) => s + v, 0);
  const examples = Math.max(120, 30 * n);
  return {
    ...VISION,
    dataset: `pets-${n} (images/pets & co)`,
    classNames: manyClassNames(n),
    classShares: weights.map((w) => w / total),
    sizes: { train: 4 * examples, validation: examples, test: examples },
    // full_finetune's seeds spread around 97.5%: their symmetric t interval runs past 100%.
    accuracy: { scratch: 0.42, frozen: 0.8, partial_unfreeze: 0.9, full_finetune: 0.975 },
  };
}

function splitLabels(spec: ModalitySpec, n: number): number[] {
  const labels: number[] = [];
  spec.classShares.forEach((share, k) => {
    const count = k === spec.classShares.length - 1 ? n - labels.length : Math.round(share * n);
    for (let i = 0; i < count; i++) labels.push(k);
  });
  return labels;
}

/** Metrics from labels and predictions, as the evaluation layer defines them. */
function splitMetrics(labels: number[], predictions: number[], classes: number): SplitMetrics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  labels.forEach((y, i) => confusion[y][predictions[i]]++);
  const perClass: ClassMetrics[] = confusion.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, r) => s + r[k], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const correct = confusion.reduce((s, row, k) => s + row[k], 0);
  return {
    accuracy: correct / labels.length,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / classes,
    perClass,
    confusion,
    n: labels.length,
  };
}

function predict(labels: number[], accuracy: number, classes: number, next: () => number): number[] {
  // Mistakes lean towards the next class, so the confusion matrices have a visible pattern.
  return labels.map((y) => {
    if (next() < accuracy) return y;
    return next() < 0.7 ? (y + 1) % classes : Math.floor(next() * classes);
  });
}

/** The probability a model gave its prediction: higher when it is right (4 decimals, as the lab writes it). */
function confidences(labels: number[], predictions: number[], next: () => number): number[] {
  return labels.map((y, i) => Math.round((predictions[i] === y ? 0.55 + 0.45 * next() : 0.36 + 0.6 * next()) * 1e4) / 1e4);
}

function trial(spec: ModalitySpec, strategy: Depth, seed: number): TrialRecord {
  const next = rng(1000 * STRATEGIES.indexOf(strategy) + 17 * seed + (spec.modality === 'text' ? 7919 : 0));
  // A generator of its own, so the confidences leave every other drawn number as it was.
  const confNext = rng(500_000 + 1000 * STRATEGIES.indexOf(strategy) + 17 * seed + (spec.modality === 'text' ? 7919 : 0));
  const classes = spec.classNames.length;
  const target = spec.accuracy[strategy] + (next() - 0.5) * 0.06;
  const valLabels = splitLabels(spec, spec.sizes.validation);
  const testLabels = splitLabels(spec, spec.sizes.test);
  const valPred = predict(valLabels, target, classes, next);
  const testPred = predict(testLabels, target - 0.01, classes, next);
  const validation = splitMetrics(valLabels, valPred, classes);
  const test = splitMetrics(testLabels, testPred, classes);
  const speed = strategy === 'scratch' ? 0.45 : strategy === 'frozen' ? 1.6 : 1.0;
  const curve = Array.from({ length: spec.epochs }, (_, e) => {
    const progress = 1 - Math.exp(-speed * (e + 1));
    return {
      epoch: e + 1,
      trainLoss: 1.4 * (1 - progress) + 0.2 + next() * 0.05,
      validationAccuracy: e === spec.epochs - 1 ? validation.accuracy : Math.min(1, validation.accuracy * progress + (next() - 0.5) * 0.03),
    };
  });
  const selectedEpoch = curve.reduce((best, p) => (p.validationAccuracy > best.validationAccuracy ? p : best)).epoch;
  const frozenAll = strategy === 'scratch' || strategy === 'full_finetune';
  const trainable = spec.trainable[strategy];
  const auditPassed = !(spec.modality === 'text' && strategy === 'partial_unfreeze' && seed === 1);
  return {
    modality: spec.modality,
    strategy,
    seed,
    config: {
      epochs: spec.epochs,
      steps: spec.epochs * Math.ceil(spec.sizes.train / 32),
      batchSize: 32,
      headLr: 1e-3,
      backboneLr: strategy === 'frozen' ? null : 1e-4,
      layerDecay: strategy === 'full_finetune' ? 0.8 : null,
      batchNorm: spec.modality === 'vision' ? (strategy === 'frozen' ? 'frozen' : 'train') : null,
      partialK: strategy === 'partial_unfreeze' ? 2 : null,
    },
    groups: [
      { name: 'head.weight', group: 'head', trainable: true, lr: 1e-3, weightDecay: 0.01, numel: trainable, role: 'weight' },
      { name: 'backbone', group: 'backbone', trainable: strategy !== 'frozen', lr: strategy === 'frozen' ? null : 1e-4, weightDecay: strategy === 'frozen' ? null : 0.01, numel: spec.totalParams - trainable, role: 'weight' },
    ],
    totals: { trainable, frozen: spec.totalParams - trainable, buffers: 9_600, total: spec.totalParams },
    audit: {
      passed: auditPassed,
      checked: frozenAll ? 0 : 62,
      changedFrozen: auditPassed ? [] : ['encoder.layer.0.attention.self.query.weight <changed>'],
      changedParameters: frozenAll ? 62 : 4,
      unchangedTrainable: [],
    },
    selectedEpoch,
    curve,
    metrics: { validation, test },
    predictions: {
      validation: { ids: valLabels.map((_, i) => `val-${i}`), labels: valLabels, predictions: valPred, confidence: confidences(valLabels, valPred, confNext) },
      test: { ids: testLabels.map((_, i) => `test-${i}`), labels: testLabels, predictions: testPred, confidence: confidences(testLabels, testPred, confNext) },
    },
    cost: {
      wallSeconds: spec.wallSeconds[strategy] * (0.95 + next() * 0.1),
      samplesPerSec: (spec.sizes.train * spec.epochs) / spec.wallSeconds[strategy],
      trainFlops: spec.trainFlops[strategy],
      peakNativeBytes: 400e6 + next() * 50e6,
      storedBytes: trainable * 4,
      trainableParams: trainable,
    },
  };
}

/**
 * Mean, sample SD and the symmetric t-based 95% interval (t(0.975, 2) = 4.303 for three seeds),
 * as older summaries hold it; with `bounded`, an interval inside [0, 1] instead, asymmetric like
 * the lab's current one (here: the t interval on the logit scale, mapped back).
 */
function seedStat(values: number[], bounded = false): SeedStat {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (4.303 * sd) / Math.sqrt(n);
  const stat: SeedStat = { mean, sd, ci95: [mean - half, mean + half], values };
  if (bounded) {
    const logit = (p: number): number => Math.log(Math.min(0.999, Math.max(0.001, p)) / (1 - Math.min(0.999, Math.max(0.001, p))));
    const z = values.map(logit);
    const zm = z.reduce((s, v) => s + v, 0) / n;
    const zh = (4.303 * Math.sqrt(z.reduce((s, v) => s + (v - zm) ** 2, 0) / (n - 1))) / Math.sqrt(n);
    const back = (x: number): number => 1 / (1 + Math.exp(-x));
    stat.ci95 = [back(zm - zh), back(zm + zh)];
  }
  return stat;
}

function strategySummary(trials: TrialRecord[], bounded = false): StrategySummary {
  const seedStat_ = (values: number[]): SeedStat => seedStat(values, bounded);
  const avg = (f: (t: TrialRecord) => number): number => trials.reduce((s, t) => s + f(t), 0) / trials.length;
  const failures = trials.flatMap((t) => t.audit.changedFrozen.map((name) => `seed ${t.seed}: ${name}`));
  return {
    trainableParams: trials[0].totals.trainable,
    totalParams: trials[0].totals.total,
    audit: { passed: failures.length === 0, failures },
    sanity: strategySanity(trials, trials[0].metrics.validation.confusion.length),
    metrics: {
      validation: { accuracy: seedStat_(trials.map((t) => t.metrics.validation.accuracy)), macroF1: seedStat_(trials.map((t) => t.metrics.validation.macroF1)) },
      test: { accuracy: seedStat_(trials.map((t) => t.metrics.test.accuracy)), macroF1: seedStat_(trials.map((t) => t.metrics.test.macroF1)) },
    },
    cost: {
      wallSeconds: avg((t) => t.cost.wallSeconds),
      trainFlops: avg((t) => t.cost.trainFlops),
      storedBytes: trials[0].cost.storedBytes,
      samplesPerSec: avg((t) => t.cost.samplesPerSec),
      peakNativeBytes: Math.max(...trials.map((t) => t.cost.peakNativeBytes)),
    },
  };
}

interface SummaryOptions {
  bounded: boolean;
  /** Attach the lab's paired confusion comparisons (with tests per cell) to the summary. */
  labDiffs: boolean;
  /** A provisional recommendation with a cheaper depth still open, instead of a settled one. */
  provisional: boolean;
}

function modalitySummary(spec: ModalitySpec, trials: TrialRecord[], options: SummaryOptions): ModalitySummary {
  const strategies: ModalitySummary['strategies'] = {};
  for (const s of STRATEGIES) strategies[s] = strategySummary(trials.filter((t) => t.strategy === s), options.bounded);
  const vision = spec.modality === 'vision';
  const recommendation: ModalitySummary['recommendation'] = !vision
    ? {
        strategy: null,
        evidence: 'insufficient',
        reasons: ['the 95% intervals of frozen, partial_unfreeze and full_finetune overlap at 150 validation examples'],
        flags: ['partial_unfreeze failed its freeze audit on seed 1', `class "${TEXT_SCRIPT_CLASS}" is rare`],
        cheapestNotRuledOut: null,
        settled: false,
        settlingMargin: null,
        evidenceNeeded: [],
      }
    : options.provisional
      ? {
          strategy: 'partial_unfreeze',
          evidence: 'provisional',
          reasons: ['partial_unfreeze is within the 3-point margin of the best validation accuracy (full_finetune) and costs 2.8× fewer training FLOPs'],
          flags: [`class "${XSS_CLASS}" has only ${Math.round(spec.classShares[2] * spec.sizes.validation)} validation examples`],
          cheapestNotRuledOut: 'frozen',
          settled: false,
          settlingMargin: { margin: 0.12, strategy: 'frozen' },
          evidenceNeeded: ['frozen vs partial_unfreeze: about 6 more seeds, or about 900 more validation examples, would show whether frozen is within the margin'],
        }
      : {
          strategy: 'frozen',
          evidence: 'sufficient',
          reasons: [
            'frozen is within the 3-point margin of the best validation accuracy (partial_unfreeze) <and> costs 12× fewer training FLOPs',
            'every frozen seed beats every scratch seed on validation accuracy',
          ],
          flags: [`class "${XSS_CLASS}" has only 18 validation examples`],
          cheapestNotRuledOut: 'frozen',
          settled: true,
          settlingMargin: { margin: 0.02, strategy: 'frozen' },
          evidenceNeeded: [],
        };
  const saved = trials.find((t) => t.strategy === recommendation.strategy && t.seed === 0);
  return {
    dataset: { name: spec.dataset, classNames: spec.classNames, contentHash: 'sha256:9f2c4e</script>', splitSeed: 13, sizes: spec.sizes },
    backbone: { arch: spec.arch, source: spec.source },
    validationResolution: 100 / spec.sizes.validation,
    allocation: {
      folds: 1,
      automatic: true,
      decisionExamples: spec.sizes.validation,
      trainPerModel: spec.sizes.train,
      test: spec.sizes.test,
      resolutionPoints: 100 / spec.sizes.validation,
      reason: `one validation split of ${spec.sizes.validation} examples`,
    },
    schedule: vision ? 'race' : 'grid',
    rounds: vision
      ? [
          {
            round: 1,
            seedsRun: { scratch: [0, 1], frozen: [0, 1], partial_unfreeze: [0, 1], full_finetune: [0, 1] },
            added: STRATEGIES.flatMap((strategy) => [0, 1].map((seed) => ({ strategy, seed }))),
            decision: { strategy: 'frozen', evidence: 'provisional', best: 'partial_unfreeze', cheapestNotRuledOut: 'frozen', settled: false },
            spent: { trainFlops: 1.1e14, trainSeconds: 2099.8 },
            stopped: [{ strategy: 'scratch', reason: 'every seed is below frozen\'s <worst>' }],
            next: 'round 2: one more seed for frozen, partial_unfreeze and full_finetune',
          },
          {
            round: 2,
            seedsRun: { scratch: [0, 1], frozen: [0, 1, 2], partial_unfreeze: [0, 1, 2], full_finetune: [0, 1, 2] },
            added: (['frozen', 'partial_unfreeze', 'full_finetune'] as StrategyName[]).map((strategy) => ({ strategy, seed: 2 })),
            decision: { strategy: recommendation.strategy, evidence: recommendation.evidence, best: 'full_finetune', cheapestNotRuledOut: recommendation.cheapestNotRuledOut, settled: recommendation.settled },
            spent: { trainFlops: 1.4e14, trainSeconds: 2736.6 },
            stopped: [],
            next: 'the race ended: the decision is settled',
          },
        ]
      : [],
    preprocessing: vision
      ? [`The data holds ${spec.sizes.train + spec.sizes.validation + spec.sizes.test} images (as decoded: 32x32 RGB), resized to 64x64 and normalised with ImageNet's mean and std.`]
      : ['The e-mails were lower-cased and cut to 128 tokens.'],
    savedModel: saved
      ? {
          path: `models/${spec.modality}`,
          strategy: saved.strategy,
          seed: 0,
          fold: null,
          storedBytes: saved.cost.storedBytes,
          metrics: { validation: saved.metrics.validation.accuracy, test: saved.metrics.test.accuracy },
        }
      : { none: 'no depth was recommended, so no model was handed over' },
    strategies,
    ...(options.labDiffs ? { confusionDiffs: summarizeTrials(trials, { baselines: confusionBaselines() }).diffs } : {}),
    recommendation,
  };
}

export const VISION_NOTES = `# Why frozen is enough here

The pets images are close to ImageNet, so **frozen** features separate the classes well.

- frozen: head only, *cheapest*
- partial_unfreeze: layer4 + head
- raw html stays text: <script>alert(3)</script> and <img src=x onerror=alert(4)>
- links stay text: [docs](https://example.org/guide)

| strategy | val acc |
|---|---:|
| frozen | 80.1 |
| \`partial_unfreeze\` | 85.0 |

\`\`\`
adaptlab lab --modality vision </script>
\`\`\`
`;

export const TEXT_NOTES = `## No recommendation yet

1. run more seeds
2. enlarge the validation split
`;

export interface ReportFixture {
  summary: Summary;
  trials: TrialRecord[];
  notes: { vision: string; text: string };
}

export interface ReportFixtureOptions {
  /**
   * Classes of the vision dataset. Without it, the 4 hostile-named pets of the default run;
   * with it, pet breeds (a long name, the hostile names, a non-ASCII one), a split of 30
   * examples per class, and full_finetune close to 100% (its t interval runs past it).
   */
  visionClasses?: number;
  /** Give every SeedStat a bounded, asymmetric ci95 (as the lab now writes) instead of the symmetric t interval. */
  boundedIntervals?: boolean;
  /** Put the lab's paired confusion comparisons (summarizeTrials' diffs) in the summary, as the lab does. */
  labDiffs?: boolean;
}

export function makeReportFixture(options: ReportFixtureOptions = {}): ReportFixture {
  const vision = options.visionClasses === undefined ? VISION : visionWith(options.visionClasses);
  const trials = [vision, TEXT].flatMap((spec) => STRATEGIES.flatMap((s) => SEEDS.map((seed) => trial(spec, s, seed))));
  const summaryOptions: SummaryOptions = {
    bounded: options.boundedIntervals === true,
    labDiffs: options.labDiffs === true,
    provisional: options.visionClasses !== undefined,
  };
  const summary: Summary = {
    adaptlabVersion: '0.1.0',
    createdAt: '2025-06-01T12:00:00.000Z',
    seeds: SEEDS,
    margin: 0.03,
    modalities: {
      vision: modalitySummary(vision, trials.filter((t) => t.modality === 'vision'), summaryOptions),
      text: modalitySummary(TEXT, trials.filter((t) => t.modality === 'text'), summaryOptions),
    },
  };
  return { summary, trials, notes: { vision: VISION_NOTES, text: TEXT_NOTES } };
}
