// The transfer contract: what every classification model offers to adaptation strategies,
// evaluation and reports. Shared code talks only to this interface and never asks which model
// it holds: features, head, parameter groups (input to output) and head replacement are all it
// needs to freeze, unfreeze or re-head a model.
import type { Tensor } from '../tensor/index.js';
import type { Linear, Module } from '../nn/index.js';
import { ArgumentError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';

/** A batch of token sequences for BERT-like models. */
export interface BertInput {
  /** (N, T) int64 token ids. */
  inputIds: Tensor;
  /** (N, T) 1 for real tokens, 0 for padding (any numeric or bool dtype). Default: all ones. */
  attentionMask?: Tensor;
  /** (N, T) int64 segment ids. Default: zeros. */
  tokenTypeIds?: Tensor;
}

/** What a model accepts: images (N, C, H, W) float32, or token batches. */
export type ModelInput = Tensor | BertInput;

/**
 * What flows between backbone groups: a tensor, or named tensors (BERT's hidden states and
 * attention mask), each with the batch as its first dimension.
 */
export type Activation = Tensor | { readonly [name: string]: Tensor };

/** Where the current classifier head came from. */
export interface HeadInfo {
  numClasses: number;
  /** The seed resetClassifier initialised the head from; null for the head built with the model. */
  seed: number | null;
  classNames?: string[];
}

/** A named slice of the model's parameters; qualified names are state-dict names. */
export interface ParameterGroup {
  name: string;
  params: [string, Tensor][];
}

export interface TransferContract<I = ModelInput> {
  readonly modality: Modality;
  /** Registry name: 'resnet18', 'resnet20', 'bert', ... */
  readonly arch: string;
  /** The JSON-serialisable configuration the model was built from (enough to rebuild it). */
  readonly config: object;
  readonly headInfo: HeadInfo;
  /** Width of forwardFeatures' output: (N, featureDim). */
  readonly featureDim: number;
  /** Everything but the head: (N, featureDim). */
  forwardFeatures(x: I): Tensor;
  /** The classifier: (N, featureDim) -> (N, numClasses) logits. */
  forwardHead(features: Tensor): Tensor;
  /**
   * The linear layer forwardHead ends in, (numClasses, featureDim): in inference forwardHead(f)
   * is headLayer.forward(f) (training may add dropout before it).
   */
  readonly headLayer: Linear;
  /** forwardHead(forwardFeatures(x)). */
  forward(x: I): Tensor;
  /**
   * The backbone in steps, one per parameter group before the head: the activation after groups
   * [0, end). With forwardFeaturesFrom(forwardPrefix(x, k), k) = forwardFeatures(x), the output of
   * a frozen prefix can be computed once and cached. The caller owns the result.
   */
  forwardPrefix(x: I, end: number): Activation;
  /** Runs backbone groups [start, ...) and the feature readout on an activation from forwardPrefix. */
  forwardFeaturesFrom(a: Activation, start: number): Tensor;
  /**
   * Replaces the head with a new one for `numClasses`, initialised after seeding libtorch's
   * generator with `seed` (like torch.manual_seed), and disposes the old head.
   */
  resetClassifier(numClasses: number, seed: number, classNames?: readonly string[]): void;
  /** Parameter groups in input-to-output order; together they hold every parameter exactly once. */
  parameterGroups(): ParameterGroup[];
  /**
   * Records where the current head came from (used by checkpoint loaders; class names may be
   * attached here too). Throws if `info.numClasses` is not the head's actual class count.
   */
  restoreHeadInfo(info: HeadInfo): void;
}

export type ClassificationModel<I = ModelInput> = Module & TransferContract<I>;

/**
 * Splits `named` parameters into groups by state-dict prefix. A parameter belongs to the first
 * group with a prefix `p` such that its name is `p` or starts with `p.`. Throws when a parameter
 * fits no group, so a model can never silently leave a parameter out of its groups.
 */
export function groupByPrefix(named: [string, Tensor][], spec: { name: string; prefixes: string[] }[], owner: string): ParameterGroup[] {
  const groups: ParameterGroup[] = spec.map((s) => ({ name: s.name, params: [] }));
  for (const entry of named) {
    const [key] = entry;
    const i = spec.findIndex((s) => s.prefixes.some((p) => key === p || key.startsWith(`${p}.`)));
    if (i < 0) {
      throw new ArgumentError(`${owner}: parameter ${key} belongs to no parameter group (groups: ${spec.map((s) => s.name).join(', ')}); this is a bug in the model definition`);
    }
    groups[i].params.push(entry);
  }
  return groups;
}

/**
 * Checks that `model.parameterGroups()` holds every parameter of the model exactly once (by
 * tensor identity, so tied weights count once) and that group names are unique. Returns the
 * problems found; an empty list means the groups are sound.
 */
export function parameterGroupProblems(model: ClassificationModel | (Module & { parameterGroups(): ParameterGroup[] })): string[] {
  const problems: string[] = [];
  const all = model.namedParameters();
  const owner = new Map<Tensor, string>();
  const names = new Set<string>();
  for (const group of model.parameterGroups()) {
    if (names.has(group.name)) problems.push(`group name ${group.name} is used twice`);
    names.add(group.name);
    for (const [key, t] of group.params) {
      const prev = owner.get(t);
      if (prev !== undefined) problems.push(`${key} is in group ${group.name} and already in group ${prev}`);
      owner.set(t, group.name);
    }
  }
  for (const [key, t] of all) if (!owner.has(t)) problems.push(`${key} is in no group`);
  const own = new Set(all.map(([, t]) => t));
  for (const t of owner.keys()) if (!own.has(t)) problems.push(`a group holds a tensor that is not a parameter of the model`);
  return problems;
}

/** The tensors of an activation. */
export function activationTensors(a: Activation): Tensor[] {
  return a instanceof Object && 'handle' in a ? [a as Tensor] : Object.values(a as Record<string, Tensor>);
}

/** Throws unless 0 <= k <= steps (the backbone groups of `owner`). */
export function checkStep(owner: string, k: number, steps: number, what: string): void {
  if (!Number.isInteger(k) || k < 0 || k > steps) {
    throw new ArgumentError(`${owner}.${what}: group index must be an integer in [0, ${steps}] (the backbone has ${steps} groups before the head), got ${k}`);
  }
}

/** Validates a class count and optional class names for a head. */
export function checkHeadArgs(owner: string, numClasses: number, seed: number, classNames?: readonly string[]): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ArgumentError(`${owner}.resetClassifier: numClasses must be an integer >= 1, got ${numClasses}`);
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new ArgumentError(`${owner}.resetClassifier: seed must be a non-negative integer, got ${seed}`);
  }
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new ArgumentError(
      `${owner}.resetClassifier: got ${classNames.length} class names for ${numClasses} classes; pass one name per class (or none)`,
    );
  }
}

/** A validated copy of `info` for a head with `actualClasses` outputs. */
export function checkedHeadInfo(owner: string, info: HeadInfo, actualClasses: number): HeadInfo {
  if (info.numClasses !== actualClasses) {
    throw new ArgumentError(`${owner}: head info says ${info.numClasses} classes but the head has ${actualClasses} outputs`);
  }
  if (info.classNames !== undefined && info.classNames.length !== actualClasses) {
    throw new ArgumentError(`${owner}: got ${info.classNames.length} class names for a head with ${actualClasses} classes`);
  }
  return { numClasses: info.numClasses, seed: info.seed ?? null, ...(info.classNames ? { classNames: [...info.classNames] } : {}) };
}
