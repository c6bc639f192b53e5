// The peer-benchmark workloads (workloads.json beside this file, a copy of the shared definition
// the PyTorch peer reads), built with adaptlab's own models and optimizers and timed by the same
// rules as the peer. `adaptlab bench` runs one; bench/compare-with-pytorch.ts runs both sides.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor, F, tidy, noGrad, randn, randint, zeros, ones, manualSeed, countMacs, threads, engineInfo, currentDevice } from '../../tensor/index.js';
import { SGD, AdamW, type ParamGroup } from '../../optim/index.js';
import { resnet } from '../../models/resnet.js';
import { BertForSequenceClassification } from '../../models/bert.js';
import { bertConfig } from '../../models/bert-config.js';
import type { Module } from '../../nn/index.js';
import { timeSteps, machineDescription, type PhaseMark, type StepTiming } from './harness.js';

interface WorkloadSpec {
  kind: 'vision_train' | 'vision_features' | 'text_train';
  model: string;
  base?: string;
  batch?: number;
  input?: number[];
  num_classes?: number;
  seq_len?: number;
  bert?: { vocab: number; hidden: number; layers: number; heads: number; intermediate: number; max_position: number; type_vocab: number; dropout: number; ln_eps: number; act: string; num_labels: number };
  optimizer?: { type: 'sgd' | 'adamw'; lr: number; momentum?: number; weight_decay: number; nesterov?: boolean; betas?: [number, number]; eps?: number; no_decay?: string[] };
  trainable?: 'all' | { last_layers: number };
}

interface WorkloadFile {
  timing: { warmup_steps: number; timed_steps: number };
  workloads: Record<string, WorkloadSpec>;
}

// JSON is not compiled into dist/: it is read beside this module's source (dist/src/cli/bench → src/cli/bench).
const specFile = fileURLToPath(new URL('../../../../src/cli/bench/workloads.json', import.meta.url));

function loadSpecs(): WorkloadFile {
  return JSON.parse(readFileSync(specFile, 'utf8')) as WorkloadFile;
}

export function workloadIds(): string[] {
  return Object.keys(loadSpecs().workloads);
}

/** A spec with its `base` workload's fields filled in. */
function resolve(all: Record<string, WorkloadSpec>, id: string): WorkloadSpec {
  const own = all[id];
  return own.base ? { ...resolve(all, own.base), ...own, base: undefined } : own;
}

export interface WorkloadRecord {
  workload: string;
  impl: 'adaptlab';
  batch: number;
  timedSteps: number;
  stepMs: StepTiming['stepMs'];
  /** Median milliseconds per phase (with `phases`). */
  phaseMs?: StepTiming['phaseMs'];
  samplesPerSec: StepTiming['samplesPerSec'];
  gflopPerStep: number;
  gflops: number;
  trainableParams: number;
  foreignBusyCpus: number;
  threads: ReturnType<typeof threads>;
  /** Where the steps ran (cpu, cuda:0, ...). */
  device: string;
  env: Record<string, string | undefined>;
  machine: string;
  torchVersion: string;
  date: string;
}

interface Built {
  /** One step; `mark` (when given) is called as each phase ends. */
  step(mark?: PhaseMark): void;
  model: Module;
  optimizer: { dispose(): void } | null;
  batch: number;
  trainableParams: number;
}

/** The peer's training step: clear gradients, forward and loss, backward, optimizer update. */
function trainStep(optimizer: SGD | AdamW, loss: () => Tensor, mark: PhaseMark | undefined): void {
  tidy(() => {
    optimizer.zeroGrad();
    mark?.('zero_grad');
    const value = loss();
    mark?.('forward');
    value.backward();
    mark?.('backward');
    optimizer.step();
    mark?.('optimizer');
    return undefined;
  });
}

function buildVision(spec: WorkloadSpec, batch: number): Built {
  const [c, h, w] = spec.input!;
  const model = resnet(spec.model === 'resnet20_cifar' ? 'resnet20' : 'resnet18', { numClasses: spec.num_classes ?? 10, inChannels: c });
  const x = randn([batch, c, h, w]);
  if (spec.kind === 'vision_features') {
    model.eval();
    return {
      model,
      optimizer: null,
      batch,
      trainableParams: 0,
      step: (mark) =>
        noGrad(() =>
          tidy(() => {
            model.forwardFeatures(x).sum().item();
            mark?.('forward');
          }),
        ),
    };
  }
  const y = randint(0, spec.num_classes ?? 10, [batch]);
  const o = spec.optimizer!;
  const optimizer = new SGD([{ params: model.parameters(), lr: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weight_decay, nesterov: o.nesterov ?? false }]);
  model.train();
  return {
    model,
    optimizer,
    batch,
    trainableParams: model.parameters().reduce((n, p) => n + p.numel, 0),
    step: (mark) => trainStep(optimizer, () => F.crossEntropy(model.forward(x), y), mark),
  };
}

function buildText(spec: WorkloadSpec, batch: number): Built {
  const b = spec.bert!;
  const config = bertConfig({
    vocabSize: b.vocab,
    hiddenSize: b.hidden,
    numHiddenLayers: b.layers,
    numAttentionHeads: b.heads,
    intermediateSize: b.intermediate,
    maxPositionEmbeddings: b.max_position,
    typeVocabSize: b.type_vocab,
    hiddenDropoutProb: b.dropout,
    attentionProbsDropoutProb: b.dropout,
    layerNormEps: b.ln_eps,
    hiddenAct: 'gelu',
    numLabels: b.num_labels,
  });
  const model = new BertForSequenceClassification(config);
  const seq = spec.seq_len!;
  const input = { inputIds: randint(0, b.vocab, [batch, seq]), tokenTypeIds: zeros([batch, seq], 'int64'), attentionMask: ones([batch, seq], 'int64') };
  const labels = randint(0, b.num_labels, [batch]);

  // Trainable: everything, or the last k encoder layers plus pooler and classifier.
  const named = model.namedParameters();
  let trainable = named;
  if (spec.trainable !== undefined && spec.trainable !== 'all') {
    const first = b.layers - spec.trainable.last_layers;
    const keep = (name: string): boolean => {
      const m = /encoder\.layer\.(\d+)\./.exec(name);
      if (m) return Number(m[1]) >= first;
      return !name.includes('embeddings');
    };
    trainable = named.filter(([n]) => keep(n));
    for (const [n, p] of named) if (!keep(n)) p.requiresGrad_(false);
  }
  const o = spec.optimizer!;
  const noDecay = (name: string): boolean => (o.no_decay ?? []).some((k) => name.includes(k));
  const groups: ParamGroup[] = [
    { name: 'decay', params: trainable.filter(([n]) => !noDecay(n)), weightDecay: o.weight_decay },
    { name: 'no_decay', params: trainable.filter(([n]) => noDecay(n)), weightDecay: 0 },
  ];
  const optimizer = new AdamW(groups, { lr: o.lr, betas: o.betas, eps: o.eps });
  model.train();
  return {
    model,
    optimizer,
    batch,
    trainableParams: trainable.reduce((n, [, p]) => n + p.numel, 0),
    step: (mark) => trainStep(optimizer, () => F.crossEntropy(model.forward(input), labels), mark),
  };
}

export function runWorkload(id: string, overrides: { warmup?: number; steps?: number; batch?: number; phases?: boolean } = {}): WorkloadRecord {
  const file = loadSpecs();
  const spec = resolve(file.workloads, id);
  const batch = overrides.batch ?? spec.batch!;
  manualSeed(0);
  const built = spec.kind === 'text_train' ? buildText(spec, batch) : buildVision(spec, batch);
  // One extra, untimed step counts the GEMM work actually executed (forward and the gradients
  // autograd computes), as the peer's dispatch-mode counter does.
  const { macs } = countMacs(() => built.step());
  const flopsPerStep = 2 * (macs.forward + macs.backward);
  const timing = timeSteps(built.step, batch, overrides.warmup ?? file.timing.warmup_steps, overrides.steps ?? file.timing.timed_steps, overrides.phases ?? false);
  built.optimizer?.dispose();
  built.model.dispose();
  const env = Object.fromEntries(
    ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'OPENBLAS_THREAD_TIMEOUT', 'ADAPTLAB_THREADS'].map((k) => [k, process.env[k]]),
  );
  return {
    workload: id,
    impl: 'adaptlab',
    batch,
    timedSteps: timing.timedSteps,
    stepMs: timing.stepMs,
    ...(timing.phaseMs && { phaseMs: timing.phaseMs }),
    samplesPerSec: timing.samplesPerSec,
    gflopPerStep: flopsPerStep / 1e9,
    gflops: flopsPerStep / 1e9 / (timing.stepMs.median / 1000),
    trainableParams: built.trainableParams,
    foreignBusyCpus: timing.foreignBusyCpus,
    threads: threads(),
    device: currentDevice(),
    env,
    machine: machineDescription(),
    torchVersion: engineInfo().torchVersion,
    date: new Date().toISOString(),
  };
}

export type { Tensor };
