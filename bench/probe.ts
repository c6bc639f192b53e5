// Is the transfer real? A linear probe (a new head trained on the frozen backbone's features) on
// the target task, on the pretrained backbone and on a randomly initialised backbone of the same
// architecture, over several seeds. Pretraining helps only if the pretrained probe beats the
// random one by more than the seed-to-seed spread.
//
// Targets: each kind's default target task (MNIST digits; Spam Assassin easy ham / hard ham /
// spam), split with a fixed split seed: 20% of each class for test, a fixed number per class for
// validation (epoch selection: 50, or a tenth of the smallest class when that is fewer), and at
// most `labelBudget` training examples per class. The seeds vary what a seed
// varies in the lab (the head's initialisation, the batch order and, for 'random', the backbone's
// initialisation), not the data, so both arms are scored on the same examples.
// Two probes run on the same cached features (the backbone in inference mode, as the lab's
// feature cache computes them):
//  - `probe`: the textbook linear probe: features z-scored with the training split's per-feature
//    mean and sd, then a full-batch softmax regression (AdamW) trained by fit(), one step per
//    epoch, keeping the step with the best validation accuracy. It measures what the features hold, not how easy they are to optimise:
//    pooled ReLU features have a large common offset (mean >> sd), which a head trained on raw
//    features with a few hundred small steps does not get past;
//  - `labFrozen`: the lab's own trial (adapt/trial.ts) with the 'frozen' strategy as configured
//    here (standardised features folded into the head, minibatch AdamW, cosine schedule): what the
//    lab's frozen strategy sees.
import { splitDataset } from '../src/data/splits.js';
import type { DataSplit } from '../src/data/types.js';
import { runTrial, type TrialData } from '../src/adapt/trial.js';
import { defineStrategy } from '../src/adapt/strategies.js';
import { FeatureCache } from '../src/adapt/feature-cache.js';
import type { SeedStat } from '../src/record/run-record.js';
import type { Modality } from '../src/record/vocabulary.js';
import { seedStat } from '../src/evaluate/statistics.js';
import { splitMetrics } from '../src/evaluate/metrics.js';
import { F, Tensor, manualSeed, noGrad, tidy, keep } from '../src/tensor/index.js';
import { AdamW, constant } from '../src/optim/index.js';
import { Linear } from '../src/nn/index.js';
import { fit } from '../src/train/fit.js';
import { ArgumentError, ConfigError } from '../src/errors.js';
import type { Backbone, LabeledRecord } from '../src/kinds/backbone.js';
import { kindOf } from '../src/kinds/registry.js';
import { embeddedBackboneDir, loadBackbone } from '../src/kinds/load.js';

export interface ProbeOptions {
  modality: Modality;
  /** Default: the embedded backbone of the modality. */
  backboneDir?: string;
  /** Training examples per class. Default 100. */
  labelBudget?: number;
  /** Default [0, 1, 2]. */
  seeds?: number[];
  /** Default 0. */
  splitSeed?: number;
  /** Lab frozen trial: head training epochs (the best validation epoch is kept). Default 40. */
  epochs?: number;
  /** Lab frozen trial: batch size. Default 32. */
  batchSize?: number;
  /** Lab frozen trial: AdamW learning rate of the head. Default 1e-2. */
  headLr?: number;
  /** Validation examples per class. Default 50, or a tenth of the smallest class when that is fewer (hard ham's 250 give 25). */
  validationPerClass?: number;
  log?: (line: string) => void;
}

export interface ProbeSeedResult {
  seed: number;
  validationAccuracy: number;
  testAccuracy: number;
  testMacroF1: number;
  /** The epoch (lab trial) or step (standardised probe) whose validation accuracy selected the head. */
  selectedEpoch: number;
  wallSeconds: number;
}

export interface ProbeArm {
  init: 'pretrained' | 'random';
  protocol: 'probe' | 'labFrozen';
  validation: SeedStat;
  test: SeedStat;
  testMacroF1: SeedStat;
  seeds: ProbeSeedResult[];
}

export interface ProbeResult {
  modality: Modality;
  backbone: string;
  dataset: { name: string; classNames: string[]; contentHash: string; splitSeed: number; labelBudget: number; sizes: { train: number; validation: number; test: number } };
  settings: {
    seeds: number[];
    probe: { steps: number; lr: number; weightDecay: number; evalEvery: number };
    labFrozen: { epochs: number; batchSize: number; headLr: number };
  };
  /** The standardised linear probe (the measurement of the features). */
  probe: ProbeComparison;
  /** The lab's frozen-strategy trial on the same features. */
  labFrozen: ProbeComparison;
}

export interface ProbeComparison {
  pretrained: ProbeArm;
  random: ProbeArm;
  /** Mean test accuracy of pretrained minus random, and the larger of the two seed sds. */
  gap: { test: number; validation: number; spread: number; beyondSpread: boolean };
}

export const PROBE_SETTINGS = { steps: 500, lr: 1e-2, weightDecay: 1e-2, evalEvery: 25 } as const;

interface FeatureSplit {
  /** (N, D) */
  x: Tensor;
  /** (N) int64 */
  y: Tensor;
}

/**
 * The standardised linear probe on fixed features: z-score every feature with the training
 * split's mean and (population) sd, train Linear(D, K) initialised after manualSeed(seed) with
 * full-batch AdamW, evaluate validation every `evalEvery` steps and keep the best (earliest on
 * ties); report validation and test accuracy there.
 */
export function standardisedProbe(
  data: { train: FeatureSplit; validation: FeatureSplit; test: FeatureSplit },
  numClasses: number,
  seed: number,
  settings: { steps: number; lr: number; weightDecay: number; evalEvery: number } = PROBE_SETTINGS,
): ProbeSeedResult {
  const t0 = performance.now();
  return tidy(() => {
    const mean = data.train.x.mean(0, true);
    const sd = data.train.x.var(0, 0, true).sqrt().add(1e-5);
    const z = (x: Tensor): Tensor => x.sub(mean).div(sd);
    const [xTrain, xVal, xTest] = [z(data.train.x), z(data.validation.x), z(data.test.x)];
    manualSeed(seed);
    const head = new Linear(xTrain.size(1), numClasses);
    const predict = (x: Tensor): number[] => noGrad(() => tidy(() => head.forward(x).argmax(1).toArray()));
    const accuracy = (p: number[], y: Tensor): number => {
      const labels = y.toArray();
      return p.filter((v, i) => v === labels[i]).length / labels.length;
    };
    const all = Uint32Array.from({ length: xTrain.size(0) }, (_, i) => i);
    try {
      // Full batch: one "epoch" is one step over every training row.
      const fitted = fit<Map<string, Tensor>>({
        examples: all.length,
        epochs: settings.steps,
        batchSize: all.length,
        optimizer: new AdamW(head.parameters(), { lr: settings.lr, weightDecay: settings.weightDecay }),
        schedule: constant(),
        order: () => all,
        loss: () => F.crossEntropy(head.forward(xTrain), data.train.y),
        validate: () => accuracy(predict(xVal), data.validation.y),
        validateEvery: settings.evalEvery,
        keeper: {
          snapshot: () => new Map([...head.stateDict()].map(([k, t]) => [k, keep(t.detach().clone())])),
          restore: (state) => head.loadStateDict(state),
          release: (state) => {
            for (const t of state.values()) t.dispose();
          },
        },
      });
      const best = { step: fitted.bestEpoch, validation: fitted.bestValidation };
      const testPredictions = predict(xTest);
      const labels = data.test.y.toArray();
      const metrics = splitMetrics({ ids: labels.map((_, i) => String(i)), labels, predictions: testPredictions }, numClasses);
      return {
        seed,
        validationAccuracy: best.validation,
        testAccuracy: metrics.accuracy,
        testMacroF1: metrics.macroF1,
        selectedEpoch: best.step,
        wallSeconds: (performance.now() - t0) / 1000,
      };
    } finally {
      head.dispose();
    }
  });
}

const DEFAULTS = { labelBudget: 100, seeds: [0, 1, 2], splitSeed: 0, epochs: 40, batchSize: 32, headLr: 1e-2 } as const;

function compare(protocol: ProbeArm['protocol'], results: Record<'pretrained' | 'random', ProbeSeedResult[]>): ProbeComparison {
  const pretrained = arm('pretrained', protocol, results.pretrained);
  const random = arm('random', protocol, results.random);
  const spread = Math.max(pretrained.test.sd, random.test.sd);
  const test = pretrained.test.mean - random.test.mean;
  return { pretrained, random, gap: { test, validation: pretrained.validation.mean - random.validation.mean, spread, beyondSpread: test > spread } };
}

async function tablesFor(backbone: Backbone, split: DataSplit<LabeledRecord>): Promise<TrialData> {
  return { train: await backbone.table(split.train), validation: await backbone.table(split.validation), test: await backbone.table(split.test) };
}

function arm(init: 'pretrained' | 'random', protocol: ProbeArm['protocol'], seeds: ProbeSeedResult[]): ProbeArm {
  return {
    init,
    protocol,
    validation: seedStat(seeds.map((s) => s.validationAccuracy)),
    test: seedStat(seeds.map((s) => s.testAccuracy)),
    testMacroF1: seedStat(seeds.map((s) => s.testMacroF1)),
    seeds,
  };
}

export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const { modality } = options;
  const labelBudget = options.labelBudget ?? DEFAULTS.labelBudget;
  const seeds = options.seeds ?? [...DEFAULTS.seeds];
  const splitSeed = options.splitSeed ?? DEFAULTS.splitSeed;
  const epochs = options.epochs ?? DEFAULTS.epochs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const headLr = options.headLr ?? DEFAULTS.headLr;
  if (seeds.length < 2) throw new ArgumentError(`probe: at least 2 seeds are needed to measure a spread, got ${seeds.length}`);
  const log = options.log ?? (() => undefined);
  const backbone = loadBackbone(options.backboneDir ?? embeddedBackboneDir(modality));
  if (backbone.modality !== modality) throw new ConfigError(`${backbone.dir} holds a ${backbone.modality} backbone, not a ${modality} one`);
  log(`probe ${modality}: ${backbone.source}`);

  const dataset = await kindOf(modality).loadTarget(backbone, {});
  const smallest = Math.min(...dataset.classNames.map((_, c) => dataset.records.filter((r) => r.label === c).length));
  const validationPerClass = options.validationPerClass ?? Math.min(50, Math.floor(smallest / 10));
  const split = splitDataset(dataset, {
    seed: splitSeed,
    test: { fraction: 0.2 },
    validation: { perClass: validationPerClass },
    trainPerClass: labelBudget,
  });
  const data = await tablesFor(backbone, split);
  const numClasses = dataset.classNames.length;
  const cache = new FeatureCache();
  log(`probe ${modality}: ${dataset.name}, ${split.train.length} train / ${split.validation.length} validation / ${split.test.length} test (budget ${labelBudget} per class)`);
  try {
    const probeResults: Record<'pretrained' | 'random', ProbeSeedResult[]> = { pretrained: [], random: [] };
    const trialResults: Record<'pretrained' | 'random', ProbeSeedResult[]> = { pretrained: [], random: [] };
    for (const init of ['pretrained', 'random'] as const) {
      for (const seed of seeds) {
        // A random backbone differs per seed, so its cached features must too.
        const backboneKey = init === 'pretrained' ? backbone.key : `${backbone.key}:random-init:${seed}`;
        const model = backbone.buildModel(init, seed, numClasses, dataset.classNames);
        let features: { train: FeatureSplit; validation: FeatureSplit; test: FeatureSplit };
        try {
          const get = (part: 'train' | 'validation' | 'test'): FeatureSplit => ({ x: cache.get(backboneKey, part, 'features', model, data[part], 256).features as Tensor, y: data[part].labels });
          features = { train: get('train'), validation: get('validation'), test: get('test') };
        } finally {
          model.dispose();
        }
        const p = standardisedProbe(features, numClasses, seed);
        probeResults[init].push(p);
        const record = runTrial({
          modality,
          strategy: { ...defineStrategy('frozen', { headLr }), init },
          seed,
          buildModel: (i, s) => backbone.buildModel(i, s, numClasses, dataset.classNames),
          backboneKey,
          data,
          numClasses,
          epochs,
          batchSize,
          featureCache: cache,
        });
        const t: ProbeSeedResult = {
          seed,
          validationAccuracy: record.metrics.validation.accuracy,
          testAccuracy: record.metrics.test.accuracy,
          testMacroF1: record.metrics.test.macroF1,
          selectedEpoch: record.selectedEpoch,
          wallSeconds: record.cost.wallSeconds,
        };
        trialResults[init].push(t);
        log(
          `probe ${modality}: ${init} seed ${seed}: standardised probe validation ${(p.validationAccuracy * 100).toFixed(2)}%, test ${(p.testAccuracy * 100).toFixed(2)}% (step ${p.selectedEpoch}); ` +
            `lab frozen trial validation ${(t.validationAccuracy * 100).toFixed(2)}%, test ${(t.testAccuracy * 100).toFixed(2)}% (epoch ${t.selectedEpoch})`,
        );
      }
    }
    return {
      modality,
      backbone: backbone.source,
      dataset: {
        name: dataset.name,
        classNames: dataset.classNames,
        contentHash: dataset.contentHash,
        splitSeed,
        labelBudget,
        sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
      },
      settings: { seeds, probe: { ...PROBE_SETTINGS }, labFrozen: { epochs, batchSize, headLr } },
      probe: compare('probe', probeResults),
      labFrozen: compare('labFrozen', trialResults),
    };
  } finally {
    cache.dispose();
    data.train.dispose();
    data.validation.dispose();
    data.test.dispose();
  }
}

/** "91.23 ± 0.41 (95% CI 90.21–92.25)" in percent. */
export function formatSeedStat(s: SeedStat): string {
  const p = (v: number): string => (v * 100).toFixed(2);
  return `${p(s.mean)} ± ${p(s.sd)} (95% CI ${p(s.ci95[0])}–${p(s.ci95[1])})`;
}
