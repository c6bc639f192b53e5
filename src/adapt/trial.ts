// One trial: one strategy, one seed, the same data and budget as every other trial. It plans the
// adaptation, trains with the planned parameter groups, selects the epoch with the best
// validation accuracy, audits what stayed frozen, evaluates, and measures what it cost.
import { createHash } from 'node:crypto';
import { Tensor, F, keep, noGrad, manualSeed, fromTypedArray, memoryStats, resetPeakMemory, safetensorsSize, DEFAULT_DEVICE, onDevice, type Device } from '../tensor/index.js';
import { AdamW, cosine } from '../optim/index.js';
import { fit } from '../train/fit.js';
import { epochOrder, purposeSeed } from '../train/seeds.js';
import type { Activation, ClassificationModel, ModelInput } from '../models/contract.js';
import { activationTable, type ExampleTable } from '../data/example-table.js';
import { chainConsuming } from '../models/chain.js';
import { splitMetrics } from '../evaluate/metrics.js';
import { planAdaptation, type AdaptationPlan } from './plan.js';
import { withAddedGroups } from './grow-optimizer.js';
import { attachLoraTargets, type LoraAdapter } from '../nn/lora.js';
import { takeChecksums, auditFreeze, fixedTensorNames, type Checksums } from './audit.js';
import { taskMetadata, taskTensorNames, taskTensors } from './task-weights.js';
import type { CachePoint, FeatureCache } from './feature-cache.js';
import { predictTable, accuracyOf } from './predict.js';
import { FeatureStandardizer } from './standardize.js';
import type { StrategySpec } from './strategies.js';
import type { Modality } from '../record/vocabulary.js';
import type { LearningCurvePoint, TrialRecord } from '../record/run-record.js';
import { ConfigError } from '../errors.js';

export interface TrialData<X = ModelInput> {
  train: ExampleTable<X>;
  validation: ExampleTable<X>;
  test: ExampleTable<X>;
}

export interface TrialProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
}

export interface TrialSetup {
  modality: Modality;
  strategy: StrategySpec;
  seed: number;
  /** A model with the pretrained backbone (or random init) and a new head for numClasses, seeded. */
  buildModel(init: 'pretrained' | 'random', seed: number): ClassificationModel;
  /** Identifies the pretrained backbone, so cached features are shared only where valid. */
  backboneKey: string;
  data: TrialData;
  /** Cross-validation: the fold `data.validation` holds out, of how many (absent: one validation split). */
  fold?: { index: number; of: number };
  numClasses: number;
  epochs: number;
  batchSize: number;
  /** Warm-up steps as a fraction of all steps, before the cosine decay. */
  warmupFraction?: number;
  featureCache: FeatureCache;
  /** Where the model trains: the device the data tables live on (default: the CPU). */
  device?: Device;
  onProgress?(p: TrialProgress): void;
}

/** Copies of the tensors training may change, to restore the best epoch. */
function snapshotMutable(model: ClassificationModel, plan: AdaptationPlan): Map<string, Tensor> {
  const fixed = fixedTensorNames(model, plan);
  const out = new Map<string, Tensor>();
  noGrad(() => {
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
      if (fixed.has(name)) continue;
      const view = t.detach(); // a second handle on the same storage: freed once copied
      out.set(name, keep(view.clone()));
      view.dispose();
    }
  });
  return out;
}

function restore(model: ClassificationModel, saved: Map<string, Tensor>): void {
  const own = new Map([...model.namedParameters(), ...model.namedBuffers()]);
  noGrad(() => {
    for (const [name, t] of saved) own.get(name)!.copy_(t);
  });
}

function disposeAll(m: Map<string, Tensor> | null): void {
  if (m) for (const t of m.values()) t.dispose();
}

/** A finished trial with its trained model (the caller owns and disposes the model). */
export interface TrainedTrial {
  record: TrialRecord;
  /** The model as selected (best epoch), in inference mode; a frozen probe's standardisation is folded into its head. */
  model: ClassificationModel;
  /** The tensors this strategy changed: what a task stores besides the backbone (task-weights.ts). */
  taskNames: string[];
  /** The task file's tensors (copies taken before adapters were merged): what `record.cost.storedBytes` measures. */
  taskFile: Map<string, Tensor>;
  /** Frees the model and the task tensors. */
  dispose(): void;
}

/** One trial; the trained model is disposed. */
export function runTrial(setup: TrialSetup): TrialRecord {
  const trained = trainTrial(setup);
  trained.dispose();
  return trained.record;
}

/** One stretch of training with one plan: a linear probe before fine-tuning, or the strategy's own plan. */
interface Phase {
  name: 'probe' | 'train';
  spec: StrategySpec;
  epochs: number;
  /** The model is selected among this phase's epochs (the last phase; an earlier one is a warm start). */
  selects: boolean;
}

/**
 * The phases of a strategy: a linear probe first when it asks for one (its share of the epochs,
 * at least one each), then its own plan. Derived from the spec's fields alone.
 */
export function trialPhases(strategy: StrategySpec, epochs: number): Phase[] {
  const allBy = strategy.unfreezing?.allBy;
  if (allBy !== undefined && !(allBy > 0 && allBy < 1)) {
    throw new ConfigError(`strategy ${strategy.name}: unfreezing.allBy is the share of the steps by which every group trains, in (0, 1); got ${allBy}`);
  }
  const probe = strategy.probeFirst;
  if (!probe) return [{ name: 'train', spec: strategy, epochs, selects: true }];
  if (epochs < 2) {
    throw new ConfigError(`strategy ${strategy.name}: a linear probe followed by fine-tuning needs at least 2 epochs (one per phase), got ${epochs}`);
  }
  const probeEpochs = Math.min(epochs - 1, Math.max(1, Math.round(epochs * probe.fraction)));
  const probeSpec: StrategySpec = {
    name: strategy.name,
    init: strategy.init,
    trainable: { kind: 'head' },
    lr: { head: probe.headLr, backbone: null, layerDecay: null },
    weightDecay: strategy.weightDecay,
    batchNorm: 'frozen',
    description: `${strategy.name}: the linear probe before fine-tuning`,
  };
  return [
    { name: 'probe', spec: probeSpec, epochs: probeEpochs, selects: false },
    { name: 'train', spec: strategy, epochs: epochs - probeEpochs, selects: true },
  ];
}

/** A batch's row numbers as the (B) int64 index tensor tables are taken with. */
function rowIndex(rows: Uint32Array): Tensor {
  return fromTypedArray(BigInt64Array.from(rows, (r) => BigInt(r)), [rows.length], 'int64');
}

/**
 * What a cached prefix computes from, by content: the checksums (taken before training; a prefix
 * is frozen, so still current) of the parameters of the groups it runs and of the model's buffers.
 * The backbone's key alone is not enough: a part the checkpoint lacks (a BERT pooler) is
 * initialised from each trial's seed, and so are its features.
 */
function prefixWeightsKey(model: ClassificationModel, point: CachePoint, initial: Checksums): string {
  const groups = model.parameterGroups();
  const read = point === 'features' ? groups.slice(0, -1) : groups.slice(0, point); // the head is the last group
  const hash = createHash('sha256');
  for (const g of read) for (const [name] of g.params) hash.update(`${name}=${initial.get(name)}\n`);
  for (const [name] of model.namedBuffers()) hash.update(`${name}=${initial.get(name)}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** What one phase trains and is evaluated on, and the forward from those inputs to logits. */
interface PhaseInputs {
  /** The training, validation and test tables the phase fits on (standardised features for a head-only phase). */
  tables: TrialData<unknown>;
  /** The same examples as the final evaluation scores them (raw cached features for a folded probe head). */
  evaluation: TrialData<unknown>;
  forward: (x: unknown) => Tensor;
  /** Set for a head-only phase: folded into the head once the phase ends. */
  standardizer: FeatureStandardizer | null;
  /** Forward FLOPs of the frozen prefix on the training split, charged to this phase. */
  extractionFlops: number;
}

/**
 * A frozen prefix that runs as at inference is computed once per split and cached: the whole
 * backbone's features for a head-only plan, the activation after the last frozen group for
 * partial unfreezing. Each trial is charged the prefix's forward FLOPs on its training split once
 * per phase that uses it, whether it computed them or found them cached. A head-only phase trains
 * on standardised features (standardize.ts); `evaluation` keeps the raw ones, which the folded
 * head is scored on. Tensors made here are pushed to `owned`.
 */
function phaseInputs(s: TrialSetup, model: ClassificationModel, p: AdaptationPlan, spec: StrategySpec, initial: Checksums, owned: { dispose(): void }[]): PhaseInputs {
  const { data, batchSize } = s;
  const point: CachePoint | null = spec.batchNorm !== 'frozen' || p.frozenPrefix === 0 ? null : p.headOnly ? 'features' : p.frozenPrefix;
  if (point === null) return { tables: data, evaluation: data, forward: (x) => model.forward(x as ModelInput), standardizer: null, extractionFlops: 0 };
  let extractionFlops = 0;
  const weights = prefixWeightsKey(model, point, initial);
  const cached = (split: 'train' | 'validation' | 'test'): Activation => {
    // Folds train and hold out different examples; the test split is the same for all of them.
    const key = s.fold && split !== 'test' ? `fold${s.fold.index}/${split}` : split;
    const entry = s.featureCache.get(`${s.backboneKey}/${weights}`, key, point, model, data[split], Math.max(batchSize, 256));
    if (split === 'train') extractionFlops += entry.flops;
    return entry.features;
  };
  const raw = { train: cached('train'), validation: cached('validation'), test: cached('test') };
  const table = (split: 'train' | 'validation' | 'test', a: Activation): ExampleTable<Activation> => activationTable(a, data[split].labels, data[split].ids);
  const evaluation = { train: table('train', raw.train), validation: table('validation', raw.validation), test: table('test', raw.test) };
  if (point !== 'features') {
    const forward = (x: unknown): Tensor => chainConsuming(model.forwardFeaturesFrom(x as Activation, point), (f) => model.forwardHead(f));
    return { tables: evaluation, evaluation, forward, standardizer: null, extractionFlops };
  }
  const standardizer = new FeatureStandardizer(raw.train as Tensor);
  owned.push(standardizer);
  const z = (split: 'train' | 'validation' | 'test'): ExampleTable<Activation> => {
    const t = standardizer.apply(raw[split] as Tensor);
    owned.push(t);
    return table(split, t);
  };
  const tables = { train: z('train'), validation: z('validation'), test: z('test') };
  return { tables, evaluation, forward: (x) => model.forwardHead(x as Tensor), standardizer, extractionFlops };
}

/** One trial, handing the trained model back to the caller (who disposes it). */
export function trainTrial(setup: TrialSetup): TrainedTrial {
  const { strategy, seed, data, batchSize, epochs } = setup;
  const phases = trialPhases(strategy, epochs);
  const device = setup.device ?? DEFAULT_DEVICE;
  // Seeds by purpose (train/seeds.ts): the model is initialised from the trial's seed itself.
  // Built and initialised on the host whatever the device (the same weights everywhere), then moved.
  const model = onDevice(DEFAULT_DEVICE, () => setup.buildModel(strategy.init, seed));
  /** The plan in force (the last phase's once training ends); released however the trial ends. */
  const current: { plan: AdaptationPlan | null } = { plan: null };
  /** Tensors and helpers the trial makes for itself, released however it ends. */
  const owned: { dispose(): void }[] = [];
  let ok = false;
  try {
    // Adapters become part of the model (its parameters, groups and state dict) until merged.
    if (strategy.adapters) manualSeed(purposeSeed(seed, 'adapters'));
    const adapters = onDevice(DEFAULT_DEVICE, () => (strategy.adapters ? attachLoraTargets(model, strategy.adapters.targets, strategy.adapters) : new Map<string, LoraAdapter>()));
    // Moved, adapters included, before any optimizer or cached feature exists; whatever training
    // makes from host data (row indices, masks) goes to the same device.
    model.to(device);
    const record = onDevice(device, () => train(setup, model, adapters));
    const plan = current.plan!;
    // What the task stores, taken before any adapter is merged: the adapters themselves (and the
    // head), exactly what the record's storedBytes measured.
    const taskFile = new Map<string, Tensor>();
    noGrad(() => {
      for (const [name, t] of taskTensors(model, taskTensorNames(model, plan))) {
        const view = t.detach();
        taskFile.set(name, keep(view.clone()));
        view.dispose();
      }
    });
    // The model handed over is a plain one: each adapter folded into its base weight.
    for (const a of adapters.values()) a.merge();
    const merged = new Set([...adapters.keys()].map((layer) => `${layer}.weight`));
    const own = new Set(taskTensorNames(model, plan));
    const taskNames = [...model.namedParameters(), ...model.namedBuffers()].map(([n]) => n).filter((n) => own.has(n) || merged.has(n));
    model.eval();
    ok = true;
    return {
      record,
      model,
      taskNames,
      taskFile,
      dispose: () => {
        model.dispose();
        for (const t of taskFile.values()) t.dispose();
      },
    };
  } finally {
    for (const o of owned) o.dispose();
    current.plan?.release();
    if (!ok) model.dispose();
  }

  function train(s: TrialSetup, model: ClassificationModel, adapters: ReadonlyMap<string, LoraAdapter>): TrialRecord {
    const before = takeChecksums(model);
    resetPeakMemory();
    const t0 = performance.now();

    const stepsPerEpoch = Math.ceil(data.train.size / batchSize);
    const curve: LearningCurvePoint[] = [];
    let selectedEpoch = 0;
    let trainMacs = 0;
    let trainSeconds = 0;
    let extractionFlops = 0;
    let failure: TrialRecord['failure'];
    let epochsDone = 0; // over all phases
    let stepsDone = 0; // optimizer steps over all phases
    let seeded = false;
    // What the final evaluation runs on: the last phase's inputs (raw cached features for a probe) and forward.
    let evaluation: TrialData<unknown> = data;
    let forward: (x: unknown) => Tensor = (x) => model.forward(x as ModelInput);
    const phaseLog: NonNullable<TrialRecord['config']['phases']> = [];
    const unfreezeLog: NonNullable<TrialRecord['config']['unfreezing']> = [];

    for (const phase of phases) {
      current.plan?.release();
      const p = (current.plan = planAdaptation(model, phase.spec));
      const inputs = phaseInputs(s, model, p, phase.spec, before, owned);
      extractionFlops += inputs.extractionFlops;
      evaluation = inputs.evaluation;
      forward = inputs.forward;
      const { tables } = inputs;
      const phaseForward = inputs.forward;

      const totalSteps = stepsPerEpoch * phase.epochs;
      const schedule = cosine({ totalSteps, warmupSteps: Math.round(totalSteps * (s.warmupFraction ?? 0.1)) });
      phaseLog.push({ phase: phase.name, epochs: phase.epochs, steps: totalSteps, headLr: phase.spec.lr.head });
      // Gradual unfreezing: group j of unfreezeOrder (from 1) joins before the phase's step
      // round(j * allBy * steps / groups), with its optimizer groups; the others carry on as they were.
      const joinAt = p.unfreezeOrder.map((_, j) => Math.min(totalSteps - 1, Math.round(((j + 1) * (phase.spec.unfreezing?.allBy ?? 0) * totalSteps) / p.unfreezeOrder.length)));
      const joinedBefore = unfreezeLog.length;
      const joined = (): number => unfreezeLog.length - joinedBefore;
      // Dropout draws from libtorch's generator from here on, and nothing else does: seeded once,
      // after any feature extraction (which draws nothing), as the first phase starts.
      if (!seeded) manualSeed(purposeSeed(seed, 'dropout'));
      seeded = true;
      const orderSeed = purposeSeed(seed, 'order');
      const epochOffset = epochsDone;
      const stepOffset = stepsDone;
      const fitted = fit<Map<string, Tensor>>({
        examples: tables.train.size,
        epochs: phase.epochs,
        batchSize,
        optimizer: new AdamW(p.optimizerGroups, { lr: phase.spec.lr.head }),
        schedule,
        // Epochs are numbered over all phases, so a later phase does not repeat an earlier order.
        order: (epoch) => epochOrder(tables.train.size, orderSeed, epochOffset + epoch),
        startEpoch: () => model.train(),
        loss: (rows) => {
          const idx = rowIndex(rows);
          return F.crossEntropy(phaseForward(tables.train.take(idx)), tables.train.labels.indexSelect(0, idx));
        },
        grow: (optimizer, at) => {
          let grown: AdamW | null = null;
          while (joined() < joinAt.length && joinAt[joined()] <= at.stepInFit) {
            const next = p.unfreezeNext()!;
            grown = withAddedGroups(grown ?? (optimizer as AdamW), next.optimizerGroups);
            unfreezeLog.push({ group: next.group, epoch: epochOffset + at.epoch, step: stepOffset + at.stepInFit + 1 });
          }
          return grown;
        },
        validate: () => accuracyOf(predictTable(model, tables.validation, 256, phaseForward)),
        // Under gradual unfreezing the model is selected once every group trains: an epoch before
        // that would be a shallower strategy, its waiting groups still pretrained.
        keeper: phase.selects ? { snapshot: () => snapshotMutable(model, p), restore: (saved) => restore(model, saved), release: disposeAll, eligible: () => joined() === joinAt.length } : undefined,
        onStep: (at) => s.onProgress?.({ epoch: epochOffset + at.epoch, epochs, step: at.step, stepsPerEpoch }),
      });
      trainMacs += fitted.macs;
      trainSeconds += fitted.trainSeconds;
      for (const pt of fitted.points) curve.push({ epoch: epochOffset + pt.epoch, trainLoss: pt.trainLoss, validationAccuracy: pt.validation, lr: pt.lr, seconds: pt.seconds });
      if (fitted.bestEpoch > 0) selectedEpoch = epochOffset + fitted.bestEpoch;
      epochsDone += phase.epochs;
      stepsDone += fitted.steps;
      // The head trained on z-scores becomes the same head on raw features (the next phase starts from it).
      inputs.standardizer?.foldInto(model.headLayer);
      if (fitted.failure) {
        const { epoch, step, loss } = fitted.failure;
        failure = { epoch: epochOffset + epoch, step, reason: `the training loss became ${loss} at epoch ${epochOffset + epoch}, step ${step}` };
        break;
      }
    }
    const finalPlan = current.plan!;

    const audit = auditFreeze(model, finalPlan, before);
    const validation = predictTable(model, evaluation.validation, 256, forward);
    const test = predictTable(model, evaluation.test, 256, forward);
    const wallSeconds = (performance.now() - t0) / 1000;
    // Exactly the size of the task file the lab writes for this model (task-weights.ts).
    const storedBytes = safetensorsSize(taskTensors(model, taskTensorNames(model, finalPlan)), taskMetadata(s.backboneKey, strategy.name));
    return {
      modality: s.modality,
      strategy: strategy.name,
      seed,
      ...(s.fold ? { fold: { ...s.fold } } : {}),
      ...(failure ? { failure } : {}),
      config: {
        epochs,
        steps: stepsPerEpoch * epochs,
        batchSize,
        headLr: strategy.lr.head,
        backboneLr: finalPlan.trainableGroups.length > 1 ? strategy.lr.backbone : null,
        layerDecay: strategy.lr.layerDecay,
        batchNorm: strategy.batchNorm,
        partialK: strategy.trainable.kind === 'last' ? strategy.trainable.k : null,
        ...(strategy.tensors !== undefined && strategy.tensors !== 'all' ? { tensors: strategy.tensors } : {}),
        ...(phases.length > 1 ? { phases: phaseLog } : {}),
        ...(phases.some((p) => p.spec.unfreezing) ? { unfreezing: unfreezeLog } : {}),
        ...(strategy.adapters
          ? {
              adapters: {
                kind: strategy.adapters.kind,
                rank: strategy.adapters.rank,
                alpha: strategy.adapters.alpha,
                dropout: strategy.adapters.dropout,
                layers: [...adapters.keys()],
                params: finalPlan.rows.filter((r) => r.role === 'adapter').reduce((n, r) => n + r.numel, 0),
              },
            }
          : {}),
      },
      groups: finalPlan.rows,
      totals: finalPlan.totals,
      audit,
      selectedEpoch,
      curve,
      metrics: { validation: splitMetrics(validation, s.numClasses), test: splitMetrics(test, s.numClasses) },
      predictions: { validation, test },
      cost: {
        wallSeconds,
        samplesPerSec: (data.train.size * epochs) / Math.max(trainSeconds, 1e-9),
        trainFlops: 2 * trainMacs + extractionFlops,
        peakNativeBytes: memoryStats().peakNativeBytes,
        device,
        storedBytes,
        trainableParams: finalPlan.totals.trainable,
      },
    };
  }
}
