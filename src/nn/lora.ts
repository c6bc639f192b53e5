// Low-rank adapters (LoRA, Hu et al. 2021) on Linear and Conv2d layers, laid out as PEFT does:
//   y = base(x) + (alpha / r) * lora_B(lora_A(lora_dropout(x)))
// Linear: lora_A is Linear(in, r), lora_B Linear(r, out), both without bias. Conv2d: lora_A is a
// Conv2d(in, r) with the base layer's kernel, stride, padding and dilation, lora_B a 1x1
// Conv2d(r, out). lora_A keeps its default (Kaiming-uniform) init and lora_B starts at zero, so
// an adapted layer computes exactly what its base does until the adapter trains.
//
// An adapter is attached to a layer in place, because the models call their layers through their
// own fields: the layer's forward gains the adapter's term, and the adapter's tensors appear
// under the layer's name (`...query.lora_A.weight`, `...query.lora_B.weight`) in namedParameters(),
// stateDict(), train()/eval() and dispose() of every module above it. The base layer's own tensors
// keep their names, so a checkpoint of the base still loads. merge() folds the update into the
// base weight, W + (alpha / r) * B A, and detach() removes the adapter: the layer is then a plain
// layer again, its state dict exactly the base's names.
import { Tensor, noGrad, tidy } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';
import { Module } from './module.js';
import { Linear, Conv2d, Dropout } from './layers.js';

export interface LoraOptions {
  /** Rank r of the update (r >= 1). */
  rank: number;
  /** The update is scaled by alpha / r. */
  alpha: number;
  /** Dropout on the adapter's input, in [0, 1) (PEFT's lora_dropout). */
  dropout: number;
}

/** The layers this module created as adapter halves (lora_A, lora_B), for roles and audits. */
const adapterLayers = new WeakSet<Module>();

/** True for the lora_A / lora_B layers of an attached adapter. */
export function isAdapterLayer(m: Module): boolean {
  return adapterLayers.has(m);
}

export function checkLoraOptions(o: LoraOptions, where = 'LoRA'): void {
  if (!Number.isInteger(o.rank) || o.rank < 1) throw new ArgumentError(`${where}: rank must be an integer >= 1, got ${o.rank}`);
  if (!(typeof o.alpha === 'number' && Number.isFinite(o.alpha) && o.alpha > 0)) throw new ArgumentError(`${where}: alpha must be a finite number > 0, got ${o.alpha}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new ArgumentError(`${where}: dropout must be in [0, 1), got ${o.dropout}`);
}

type Adaptable = Linear | Conv2d;

/** The adapter of one layer: its two low-rank halves, their dropout and the scaling. */
export class LoraAdapter extends Module {
  readonly loraA: Adaptable;
  readonly loraB: Adaptable;
  readonly dropout: Dropout;
  readonly scaling: number;
  #base: Adaptable | null;
  readonly #restore: () => void;

  /** Use attachLora(). */
  constructor(base: Adaptable, readonly options: LoraOptions) {
    super();
    checkLoraOptions(options);
    if (Object.prototype.hasOwnProperty.call(base, 'forward')) throw new ArgumentError('LoRA: this layer already has an adapter');
    const r = options.rank;
    if (base instanceof Conv2d) {
      if (base.options.groups !== 1) throw new ArgumentError(`LoRA: a grouped Conv2d (groups=${base.options.groups}) cannot take an adapter`);
      const { stride, padding, dilation } = base.options;
      this.loraA = this.module('lora_A', new Conv2d(base.inChannels, r, base.kernelSize, { stride, padding, dilation, bias: false }));
      this.loraB = this.module('lora_B', new Conv2d(r, base.outChannels, 1, { bias: false }));
    } else {
      this.loraA = this.module('lora_A', new Linear(base.inFeatures, r, { bias: false }));
      this.loraB = this.module('lora_B', new Linear(r, base.outFeatures, { bias: false }));
    }
    noGrad(() => this.loraB.weight.zero_());
    this.dropout = this.module('lora_dropout', new Dropout(options.dropout));
    this.scaling = options.alpha / r;
    adapterLayers.add(this.loraA);
    adapterLayers.add(this.loraB);
    this.#base = base;
    this.#restore = graft(base, this);
    this.train(base.training);
  }

  /** The layer this adapter is attached to (null once detached). */
  get base(): Adaptable | null {
    return this.#base;
  }

  /** The adapter's term alone: scaling * B(A(dropout(x))). */
  forward(x: Tensor): Tensor {
    return tidy(() => this.loraB.forward(this.loraA.forward(this.dropout.forward(x))).mul(this.scaling));
  }

  /** scaling * B A in the base weight's shape: (out, in) or (out, in, k, k). The caller owns it. */
  deltaWeight(): Tensor {
    return tidy(() => {
      const a = this.loraA.weight; // (r, in) or (r, in, k, k)
      const b = this.loraB.weight; // (out, r) or (out, r, 1, 1)
      const [out, r] = b.shape;
      const ba = b.reshape([out, r]).matmul(a.reshape([r, -1])); // (out, in * k * k)
      return ba.reshape(this.#attached().weight.shape).mul(this.scaling);
    });
  }

  /** Folds the update into the base weight (W += scaling * B A) and detaches the adapter. */
  merge(): void {
    const base = this.#attached();
    noGrad(() =>
      tidy(() => {
        base.weight.add_(this.deltaWeight());
      }),
    );
    this.detach();
  }

  /** Removes the adapter from its layer without changing the layer, and frees the adapter's tensors. */
  detach(): void {
    if (this.#base === null) return;
    this.#restore();
    this.#base = null;
    this.dispose();
  }

  #attached(): Adaptable {
    if (this.#base === null) throw new ArgumentError('LoRA: this adapter was merged or detached');
    return this.#base;
  }
}

/**
 * Makes `adapter` part of `layer`: layer.forward(x) = base(x) + adapter(x), and the adapter's
 * children listed among the layer's modules under their own names. Returns the undo.
 */
function graft(layer: Adaptable, adapter: LoraAdapter): () => void {
  const patched = layer as unknown as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(patched, 'forward')) throw new ArgumentError('LoRA: this layer already has an adapter');
  const baseForward = Object.getPrototypeOf(layer).forward as (x: Tensor) => Tensor;
  const baseModules = Module.prototype.namedModules;
  patched.forward = (x: Tensor): Tensor => {
    const y = baseForward.call(layer, x);
    const delta = adapter.forward(x);
    try {
      return y.add(delta);
    } finally {
      y.dispose();
      delta.dispose();
    }
  };
  patched.namedModules = (prefix = ''): [string, Module][] => {
    const out = baseModules.call(layer, prefix);
    for (const [name, child] of adapter.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  };
  return () => {
    delete patched.forward;
    delete patched.namedModules;
  };
}

/** Attaches a LoRA adapter to `layer` (see the top of this file); the adapter is returned. */
export function attachLora(layer: Linear | Conv2d, options: LoraOptions): LoraAdapter {
  if (!(layer instanceof Linear || layer instanceof Conv2d)) throw new ArgumentError('LoRA: adapters attach to Linear and Conv2d layers');
  return new LoraAdapter(layer, options);
}

/** Where adapters go in a model: Linear layers by name, Conv2d layers of the last backbone groups. */
export interface LoraTargets {
  /** Linear layers whose own name (the last part of their qualified name) is listed, e.g. ['query', 'value']. */
  linear: readonly string[];
  /** Conv2d layers inside the last `convGroups` parameter groups before the head (0: none). */
  convGroups: number;
}

/**
 * Attaches adapters to the layers of `model` that `targets` selects, never inside the head (the
 * last parameter group), in module order. Returns them by qualified layer name. Throws when
 * nothing matches, naming what was looked for.
 */
export function attachLoraTargets(
  model: Module & { parameterGroups(): { name: string; params: [string, Tensor][] }[] },
  targets: LoraTargets,
  options: LoraOptions,
): Map<string, LoraAdapter> {
  checkLoraOptions(options);
  const groups = model.parameterGroups();
  const groupOf = new Map(groups.flatMap((g) => g.params.map(([n]) => [n, g.name] as const)));
  const backbone = groups.slice(0, -1).map((g) => g.name);
  const convGroups = new Set(targets.convGroups > 0 ? backbone.slice(-targets.convGroups) : []);
  const head = groups.at(-1)?.name;
  const chosen: [string, Adaptable][] = [];
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof Linear || m instanceof Conv2d) || isAdapterLayer(m)) continue;
    const group = groupOf.get(`${name}.weight`);
    if (group === undefined || group === head) continue;
    const own = name.slice(name.lastIndexOf('.') + 1);
    if ((m instanceof Linear && targets.linear.includes(own)) || (m instanceof Conv2d && convGroups.has(group))) chosen.push([name, m]);
  }
  if (chosen.length === 0) {
    throw new ArgumentError(
      `LoRA: no layer of the model matches the targets (Linear layers named ${targets.linear.join(', ') || '(none)'}; Conv2d layers in the last ${targets.convGroups} backbone group${targets.convGroups === 1 ? '' : 's'})`,
    );
  }
  return new Map(chosen.map(([name, m]) => [name, attachLora(m, options)]));
}
