// Turning a strategy into an explicit plan for one model: which parameters train, in which group,
// at which learning rate and weight decay; which parts run in inference mode; and the optimizer
// groups. The mapping from parameters to groups is total and exclusive, or planning fails.
import type { Tensor } from '../tensor/index.js';
import { BatchNorm2d, LayerNorm, Embedding, isAdapterLayer, type Module } from '../nn/index.js';
import type { ParamGroup } from '../optim/index.js';
import type { ClassificationModel } from '../models/contract.js';
import { parameterGroupProblems } from '../models/contract.js';
import { ConfigError } from '../errors.js';
import type { ParameterRow, ParameterTotals } from '../record/run-record.js';
import type { StrategySpec } from './strategies.js';

export type ParameterRole = 'weight' | 'bias' | 'norm' | 'embedding' | 'adapter';

export interface AdaptationPlan {
  strategy: StrategySpec;
  /** One row per parameter (shared tensors once), in the model's group order. */
  rows: ParameterRow[];
  totals: ParameterTotals;
  /**
   * Groups for the optimizer: the parameters that train from the first step, split by weight-decay
   * role (under gradual unfreezing, the head's; the others come from unfreeze()).
   */
  optimizerGroups: ParamGroup[];
  /**
   * Gradual unfreezing: the backbone groups that start frozen and join training one by one, in
   * the order they join (top first). Empty when every planned group trains from the first step.
   */
  unfreezeOrder: string[];
  /**
   * Unfreezes the next group of unfreezeOrder: its planned tensors get gradients, its modules leave
   * inference mode. Returns the group and the optimizer groups to add for it (empty once all joined).
   */
  unfreezeNext(): { group: string; optimizerGroups: ParamGroup[] } | null;
  /** Names of the model's groups with at least one trainable tensor (head last). */
  trainableGroups: string[];
  /** Only the head trains: the backbone's output can be computed once and cached. */
  headOnly: boolean;
  /** Backbone groups before the first one with a trainable tensor (0 when the first group trains). */
  frozenPrefix: number;
  /**
   * Qualified names of modules that run in inference mode throughout training (frozen subtrees;
   * under gradual unfreezing, those of groups still waiting run so too until they join).
   */
  inferenceModules: string[];
  /** Removes the train-mode hook this plan installed. */
  release(): void;
}

/**
 * Roles decide weight decay: biases and normalisation parameters get none (transformers#4962);
 * adapter halves (LoRA) decay like weights. They also select what trains under `tensors`.
 */
function parameterRoles(model: Module): Map<Tensor, ParameterRole> {
  const roles = new Map<Tensor, ParameterRole>();
  for (const [, m] of model.namedModules()) {
    const role: ParameterRole | null =
      m instanceof BatchNorm2d || m instanceof LayerNorm ? 'norm' : m instanceof Embedding ? 'embedding' : isAdapterLayer(m) ? 'adapter' : null;
    if (role === null) continue;
    for (const [, t] of m.namedParameters()) if (!roles.has(t)) roles.set(t, role);
  }
  for (const [name, t] of model.namedParameters()) if (!roles.has(t)) roles.set(t, name.endsWith('bias') ? 'bias' : 'weight');
  return roles;
}

function decays(role: ParameterRole): boolean {
  return role === 'weight' || role === 'embedding' || role === 'adapter';
}

/** Whether a tensor of a trainable backbone group trains under `spec` (the head always trains whole). */
function selected(spec: StrategySpec, name: string, role: ParameterRole): boolean {
  switch (spec.tensors ?? 'all') {
    case 'all':
      return true;
    case 'biases':
      return name === 'bias' || name.endsWith('.bias');
    case 'adapters':
      return role === 'adapter';
  }
}

/**
 * Applies `spec` to `model`: sets requires-grad on exactly the planned parameters, installs the
 * BatchNorm/inference-mode policy (re-applied on every train()), and returns the plan.
 */
export function planAdaptation(model: ClassificationModel, spec: StrategySpec): AdaptationPlan {
  const problems = parameterGroupProblems(model);
  if (problems.length) throw new ConfigError(`${model.arch}: its parameter groups are not a partition of its parameters:\n  ${problems.join('\n  ')}`);
  const groups = model.parameterGroups();
  const head = groups[groups.length - 1];
  if (head === undefined || head.name !== 'head') {
    throw new ConfigError(`${model.arch}: the last parameter group must be the head (got ${head?.name ?? 'none'}); the transfer contract lists groups input to output`);
  }
  const backbone = groups.slice(0, -1);
  let firstTrainable: number; // index into groups
  switch (spec.trainable.kind) {
    case 'head':
      firstTrainable = groups.length - 1;
      break;
    case 'all':
      firstTrainable = 0;
      break;
    case 'last':
      if (spec.trainable.k > backbone.length) {
        throw new ConfigError(
          `${spec.name}: cannot unfreeze the last ${spec.trainable.k} groups of ${model.arch}: it has ${backbone.length} backbone groups (${backbone.map((g) => g.name).join(', ')})`,
        );
      }
      firstTrainable = backbone.length - spec.trainable.k;
      break;
  }

  const roles = parameterRoles(model);
  const rows: ParameterRow[] = [];
  const trainableSet = new Set<Tensor>();
  const groupOptimizer = new Map<string, ParamGroup[]>(); // model group -> its optimizer groups
  const withTrainable: number[] = []; // indices of groups with at least one trainable tensor
  let headParams = 0;
  groups.forEach((g, i) => {
    const groupTrains = i >= firstTrainable;
    const distance = groups.length - 1 - i; // 0 for the head, 1 right below it, ...
    let lr: number | null = null;
    if (groupTrains) {
      if (distance === 0) lr = spec.lr.head;
      else lr = (spec.lr.backbone ?? spec.lr.head) * Math.pow(spec.lr.layerDecay ?? 1, distance - 1);
    }
    const decayParams: [string, Tensor][] = [];
    const plainParams: [string, Tensor][] = [];
    for (const [name, t] of g.params) {
      const role = roles.get(t)!;
      const trains = groupTrains && (distance === 0 || selected(spec, name, role));
      rows.push({ name, group: g.name, trainable: trains, lr: trains ? lr : null, weightDecay: trains ? (decays(role) ? spec.weightDecay : 0) : null, numel: t.numel, role });
      if (trains) {
        trainableSet.add(t);
        (decays(role) ? decayParams : plainParams).push([name, t]);
        if (distance === 0) headParams += t.numel;
      }
    }
    if (decayParams.length + plainParams.length > 0) withTrainable.push(i);
    if (lr !== null) {
      const own: ParamGroup[] = [];
      if (decayParams.length) own.push({ name: g.name, params: decayParams, lr, weightDecay: spec.weightDecay });
      if (plainParams.length) own.push({ name: `${g.name}/no_decay`, params: plainParams, lr, weightDecay: 0 });
      groupOptimizer.set(g.name, own);
    }
  });
  const frozenPrefix = withTrainable[0] ?? groups.length - 1;
  // Gradual unfreezing: every trainable backbone group waits, and they join top first.
  const unfreezeOrder = spec.unfreezing ? withTrainable.filter((i) => i < groups.length - 1).map((i) => groups[i].name).reverse() : [];
  const waiting = new Set(unfreezeOrder);
  const groupOf = new Map(groups.flatMap((g) => g.params.map(([, t]) => [t, g.name] as const)));
  /** Whether a tensor trains at this point of training (planned, and its group not waiting). */
  const trainingNow = (t: Tensor): boolean => trainableSet.has(t) && !waiting.has(groupOf.get(t)!);

  // Frozen subtrees: modules all of whose parameters are frozen, taken maximal (a frozen layer,
  // not each of its children). Under the 'frozen' policy they run as at inference (BatchNorm on
  // running statistics, dropout off), which also makes their outputs cacheable. A BatchNorm whose
  // scale stays fixed keeps its running statistics as well, even where its bias trains (bitfit).
  const inferenceSet = (trains: (t: Tensor) => boolean): [string, Module][] => {
    const inference: [string, Module][] = [];
    if (spec.batchNorm !== 'frozen') return inference;
    const covered = (name: string): boolean => inference.some(([p]) => p === '' || name === p || name.startsWith(`${p}.`));
    for (const [name, m] of model.namedModules()) {
      if (name === '' || covered(name)) continue;
      const params = m.namedParameters();
      const frozenSubtree = params.length > 0 && params.every(([, t]) => !trains(t));
      const fixedNorm = m instanceof BatchNorm2d && (m.weight === null || !trains(m.weight));
      if (frozenSubtree || fixedNorm) inference.push([name, m]);
    }
    return inference;
  };
  /** Modules that never train (what the audit holds fixed). */
  const neverTrained = inferenceSet((t) => trainableSet.has(t));
  /** Modules in inference mode now (grows smaller as waiting groups join). */
  let inference = inferenceSet(trainingNow);
  const applyPolicy = (_: Module, training: boolean): void => {
    if (!training) return;
    for (const [, m] of inference) for (const [, d] of m.namedModules()) d.setOwnTraining(false);
  };
  const applyGrad = (): void => {
    for (const g of groups) for (const [, t] of g.params) t.requiresGrad_(trainingNow(t));
  };
  applyGrad();
  const release = model.onModeChange(applyPolicy);
  applyPolicy(model, model.training);

  const unfreezeNext = (): { group: string; optimizerGroups: ParamGroup[] } | null => {
    const group = unfreezeOrder.find((g) => waiting.has(g));
    if (group === undefined) return null;
    waiting.delete(group);
    applyGrad();
    inference = inferenceSet(trainingNow);
    model.train(model.training); // every module back to the model's mode, then the policy again
    return { group, optimizerGroups: groupOptimizer.get(group) ?? [] };
  };

  const trainable = rows.filter((r) => r.trainable).reduce((n, r) => n + r.numel, 0);
  const frozen = rows.filter((r) => !r.trainable).reduce((n, r) => n + r.numel, 0);
  const buffers = model.namedBuffers().reduce((n, [, t]) => n + t.numel, 0);
  return {
    strategy: spec,
    rows,
    totals: { trainable, frozen, buffers, total: trainable + frozen, head: headParams },
    optimizerGroups: groups.filter((g) => !waiting.has(g.name)).flatMap((g) => groupOptimizer.get(g.name) ?? []),
    unfreezeOrder,
    unfreezeNext,
    trainableGroups: withTrainable.map((i) => groups[i].name),
    headOnly: frozenPrefix === groups.length - 1,
    frozenPrefix,
    inferenceModules: neverTrained.map(([n]) => n),
    release,
  };
}
