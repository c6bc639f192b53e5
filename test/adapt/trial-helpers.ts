// Small learnable tasks for whole trials (trainTrial) on a ResNet-20 and a tiny BERT, and a step
// recorder: which parameters changed at which optimizer step, from checksums taken after each step.
import { randn, randint, ones, zeros, manualSeed, tidy, keep } from '../../src/tensor/index.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import type { ClassificationModel } from '../../src/models/contract.js';
import { imageTable, tokenTable, type ExampleTable } from '../../src/data/example-table.js';
import { FeatureCache } from '../../src/adapt/feature-cache.js';
import { takeChecksums, type Checksums } from '../../src/adapt/audit.js';
import type { TrialData, TrialSetup } from '../../src/adapt/trial.js';
import type { StrategySpec } from '../../src/adapt/strategies.js';

export const CLASSES = 3;

function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}/${i}`);
}

/** Class c brightens channel c of a 16x16 image: learnable in a few steps. */
function imageSplit(name: string, n: number): ExampleTable {
  const labels = Array.from({ length: n }, (_, i) => i % CLASSES);
  const images = tidy(() => {
    const x = randn([n, 3, 16, 16]);
    for (let i = 0; i < n; i++) x.select(0, i).select(0, labels[i]).add_(2).dispose(); // views disposed, the storage kept
    return keep(x);
  });
  return imageTable(images, labels, ids(name, n));
}

/** Class c puts token 3 + c at a random position among random filler tokens (ids 10..49). */
function textSplit(name: string, n: number): ExampleTable {
  const labels = Array.from({ length: n }, (_, i) => i % CLASSES);
  const t = 8;
  const inputIds = tidy(() => {
    const x = randint(10, 50, [n, t]);
    for (let i = 0; i < n; i++) x.select(0, i).select(0, 1 + (i % (t - 1))).fill_(3 + labels[i]).dispose();
    return keep(x);
  });
  return tokenTable({ inputIds, attentionMask: ones([n, t], 'int64'), tokenTypeIds: zeros([n, t], 'int64') }, labels, ids(name, n));
}

export interface TaskKind {
  label: string;
  modality: 'vision' | 'text';
  /** A new model for `init`, seeded: the "pretrained" backbone is the same random weights for every seed. */
  build(init: 'pretrained' | 'random', seed: number): ClassificationModel;
  data(): TrialData;
}

export const RESNET: TaskKind = {
  label: 'ResNet-20',
  modality: 'vision',
  build: (init, seed) => {
    manualSeed(init === 'pretrained' ? 1234 : seed);
    const model = resnet('resnet20', { numClasses: 10 });
    model.resetClassifier(CLASSES, seed);
    return model;
  },
  data: () => {
    manualSeed(7);
    return { train: imageSplit('train', 24), validation: imageSplit('validation', 12), test: imageSplit('test', 12) };
  },
};

export const BERT: TaskKind = {
  label: 'BERT',
  modality: 'text',
  build: (init, seed) => {
    manualSeed(init === 'pretrained' ? 1234 : seed);
    const model = new BertForSequenceClassification(
      bertConfig({ vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 2 }),
    );
    model.resetClassifier(CLASSES, seed);
    return model;
  },
  data: () => {
    manualSeed(8);
    return { train: textSplit('train', 24), validation: textSplit('validation', 12), test: textSplit('test', 12) };
  },
};

export function disposeData(d: TrialData): void {
  d.train.dispose();
  d.validation.dispose();
  d.test.dispose();
}

/**
 * A trial setup whose model is kept for inspection (`model()`), and a log of what changed: after
 * every optimizer step, the names of the parameters and buffers whose checksum differs from the
 * step before (step 0 = the checksums before the first update).
 */
export function recordedSetup(kind: TaskKind, strategy: StrategySpec, data: TrialData, o: { epochs: number; batchSize: number; featureCache?: FeatureCache; seed?: number }) {
  let built: ClassificationModel | null = null;
  const changedAt: Set<string>[] = []; // index = global step (1-based); [0] unused
  let last: Checksums | null = null;
  let step = 0;
  const setup: TrialSetup = {
    modality: kind.modality,
    strategy,
    seed: o.seed ?? 0,
    buildModel: (init, seed) => {
      built = kind.build(init, seed);
      last = takeChecksums(built);
      return built;
    },
    backboneKey: `test-${kind.label}`,
    data,
    numClasses: CLASSES,
    epochs: o.epochs,
    batchSize: o.batchSize,
    featureCache: o.featureCache ?? new FeatureCache(),
    onProgress: () => {
      step++;
      const now = takeChecksums(built!);
      changedAt[step] = new Set([...now].filter(([k, v]) => last!.get(k) !== v).map(([k]) => k));
      last = now;
    },
  };
  return {
    setup,
    model: () => built!,
    /** Names changed by step `s` (1-based). */
    changedAt: (s: number) => changedAt[s] ?? new Set<string>(),
    steps: () => step,
    /** The first step at which `name` changed, or null. */
    firstChange: (name: string): number | null => {
      for (let s = 1; s <= step; s++) if (changedAt[s]?.has(name)) return s;
      return null;
    },
  };
}
