// The Optimizer base: parameter groups with their own options, lazily created per-parameter
// state, gradient clearing, and snapshots of all of it (stateDict / loadStateDict) whose format
// and checks live in state-dict.ts.
//
// Subclasses (SGD, AdamW) supply three things: how to resolve and validate a group's options,
// which state slots a parameter holds, and the update of one group given the parameters that
// have a gradient this step. The base owns everything else, so both optimizers share one
// definition of groups, state keys and checkpoint validation.
import { Tensor, noGrad, tidy, keep, zerosLike } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';
import { foreachOps, loopOps, type ListOps } from './list-ops.js';
import { checkLr, describe, describeTensor, type BaseOptions, type OptionKey } from './options.js';
import { STATE_FORMAT, checkStateDict, jsonOptions, parseStateKey, stateKey, type OptimizerStateDict, type OptimizerStateMeta } from './state-dict.js';

/** A parameter, optionally with its name (as from `module.namedParameters()`), used in messages. */
export type ParamEntry = Tensor | readonly [name: string, param: Tensor];

/**
 * One group of parameters trained with the same options. Options left out come from the
 * optimizer's defaults. Options an optimizer does not have (betas for SGD) are an error.
 */
export interface ParamGroup {
  name?: string;
  params: readonly ParamEntry[];
  lr?: number;
  weightDecay?: number;
  /** SGD */
  momentum?: number;
  /** SGD */
  nesterov?: boolean;
  /** AdamW */
  betas?: readonly [number, number];
  /** AdamW */
  eps?: number;
}

/** Optimizer-wide settings that are not per group. */
export interface OptimizerSettings {
  /** Use aten::_foreach_* (one native call per list) instead of one call per tensor. Default true; results are identical. */
  foreach?: boolean;
}

/**
 * What `paramGroups` shows of one group: its resolved options (read-only), its parameters, the
 * base lr it was created with, and the current `lr`, which schedules set (writable).
 */
export type GroupView<O extends BaseOptions> = { readonly [K in Exclude<keyof O, 'lr'>]: O[K] } & {
  lr: number;
  /** The lr the group was created with (or restored with); schedules multiply this. */
  readonly baseLr: number;
  readonly name: string;
  readonly index: number;
  readonly params: readonly Tensor[];
  /** The given names, or "#i" for parameters passed without one. */
  readonly paramNames: readonly string[];
};

/** What an update sees of one group on one step: only the parameters that have a gradient. */
export interface GroupStep<O extends BaseOptions> {
  readonly options: Readonly<O>;
  readonly params: readonly Tensor[];
  /** Aligned with params. These alias `param.grad`: never modify them in place. */
  readonly grads: readonly Tensor[];
  /** Aligned with params: updates each has received, counting this one (1 on its first). */
  readonly steps: readonly number[];
  readonly ops: ListOps;
  /** The slot's tensor for each active parameter, or undefined where it was not created yet. */
  slot(name: string): (Tensor | undefined)[];
  /** Stores `t` (which the optimizer now owns) as active parameter i's slot. */
  setSlot(name: string, i: number, t: Tensor): void;
  /** The slot's tensors, creating missing ones with `init(param)`. */
  slotOrInit(name: string, init: (param: Tensor) => Tensor): Tensor[];
}

interface Group<O extends BaseOptions> {
  readonly index: number;
  readonly name: string;
  readonly params: readonly Tensor[];
  readonly names: readonly string[];
  options: O;
  baseLr: number;
  steps: number[];
  /** slot -> per parameter */
  state: Map<string, (Tensor | undefined)[]>;
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly #groups: Group<O>[];
  readonly #ops: ListOps;
  #views: readonly GroupView<O>[] | undefined;
  #stepCount = 0;
  #disposed = false;

  /** 'SGD', 'AdamW': names the optimizer in messages and state dicts. */
  readonly kind: string;
  /** Every state slot this optimizer can hold per parameter. */
  protected abstract get slotNames(): readonly string[];
  /** Fills defaults into and validates `given` (group over optimizer defaults); `where` names the group. */
  protected abstract resolveOptions(given: Partial<Record<OptionKey, unknown>>, where: string): O;
  /** The slots a parameter holds after `steps` updates under `options` (to validate checkpoints). */
  protected abstract slotsHeld(options: O, steps: number): readonly string[];
  /** Updates one group's parameters that have a gradient. Runs under noGrad inside a tidy scope. */
  protected abstract updateGroup(step: GroupStep<O>): void;

  /** Subclasses' resolveOptions runs here, before their own fields are initialised: it must not use them. */
  protected constructor(kind: string, groups: readonly ParamGroup[] | readonly ParamEntry[], defaults: Partial<Record<OptionKey, unknown>> & OptimizerSettings = {}) {
    this.kind = kind;
    const { foreach = true, ...defaultOptions } = defaults;
    this.#ops = foreach ? foreachOps : loopOps;
    const list = normaliseGroups(groups);
    if (list.length === 0) throw new ArgumentError(`${this.kind}: no parameter groups given; pass ParamGroup[] (or a Tensor[] for one group).`);
    const owner = new Map<Tensor, string>();
    this.#groups = list.map((g, index) => {
      if (g === null || typeof g !== 'object' || !Array.isArray(g.params)) {
        throw new ArgumentError(`${this.kind}: parameter group #${index} must be an object with a params array, got ${describe(g)}`);
      }
      const name = g.name ?? String(index);
      const where = `${this.kind} group '${name}' (#${index})`;
      const params: Tensor[] = [];
      const names: string[] = [];
      g.params.forEach((entry, i) => {
        const [pname, p] = entry instanceof Tensor ? [`#${i}`, entry] : Array.isArray(entry) ? [String(entry[0]), entry[1] as unknown] : ['', entry];
        if (!(p instanceof Tensor)) throw new ArgumentError(`${where}: params[${i}] is not a Tensor (got ${describe(p)})`);
        const label = `parameter ${pname === `#${i}` ? pname : `'${pname}'`} of group '${name}'`;
        if (p.isDisposed) throw new ArgumentError(`${where}: ${label} was already disposed`);
        if (!p.dtype.startsWith('float') && p.dtype !== 'bfloat16') throw new ArgumentError(`${where}: ${label} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
        if (!p.isLeaf) throw new ArgumentError(`${where}: ${label} is not a leaf tensor (it is computed from others); optimize the tensors it comes from`);
        const previous = owner.get(p);
        if (previous !== undefined) {
          throw new ArgumentError(
            `${this.kind}: ${label} ${describeTensor(p)} is also ${previous}; a parameter may belong to one group only. Remove it from one of them.`,
          );
        }
        owner.set(p, label);
        params.push(p);
        names.push(pname);
      });
      // group options over optimizer defaults; undefined means "not given" at both levels
      const given: Partial<Record<OptionKey, unknown>> = {};
      for (const source of [defaultOptions as Record<string, unknown>, g as unknown as Record<string, unknown>]) {
        for (const [key, value] of Object.entries(source)) if (key !== 'name' && key !== 'params' && value !== undefined) given[key as OptionKey] = value;
      }
      const options = this.resolveOptions(given, where);
      return { index, name, params: Object.freeze(params), names: Object.freeze(names), options, baseLr: options.lr, steps: params.map(() => 0), state: new Map() };
    });
  }

  /** The groups: resolved options (read-only) and a writable `lr`. */
  get paramGroups(): readonly GroupView<O>[] {
    this.#views ??= Object.freeze(this.#groups.map((g) => makeView(g)));
    return this.#views;
  }

  /** Every parameter, group by group. */
  parameters(): Tensor[] {
    return this.#groups.flatMap((g) => g.params);
  }

  /** step() calls so far. */
  get stepCount(): number {
    return this.#stepCount;
  }

  /**
   * Clears the gradients of every parameter: by dropping them (default, frees their memory;
   * backward then writes fresh ones) or by zeroing them in place.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    if (setToNone) {
      for (const g of this.#groups) for (const p of g.params) p.grad = null;
      return;
    }
    tidy(() => {
      const grads = this.parameters().flatMap((p) => p.grad ?? []);
      if (grads.length > 0) noGrad(() => this.#ops.zero_(grads));
    });
  }

  /** One update of every parameter that has a gradient; parameters whose grad is null are left alone. */
  step(): void {
    this.#checkAlive('step');
    noGrad(() =>
      tidy(() => {
        for (const g of this.#groups) {
          const active: number[] = [];
          const grads: Tensor[] = [];
          g.params.forEach((p, i) => {
            const grad = p.grad; // a new handle, disposed by this tidy scope
            if (grad !== null) {
              active.push(i);
              grads.push(grad);
            }
          });
          if (active.length === 0) continue;
          for (const i of active) g.steps[i] += 1;
          this.updateGroup(this.#groupStep(g, active, grads));
        }
      }),
    );
    this.#stepCount += 1;
  }

  #groupStep(g: Group<O>, active: number[], grads: Tensor[]): GroupStep<O> {
    const slotOf = (name: string): (Tensor | undefined)[] => {
      if (!this.slotNames.includes(name)) throw new Error(`${this.kind}: internal error, unknown state slot '${name}'`);
      let s = g.state.get(name);
      if (s === undefined) g.state.set(name, (s = g.params.map(() => undefined)));
      return s;
    };
    const setSlot = (name: string, i: number, t: Tensor): void => {
      const s = slotOf(name);
      s[active[i]]?.dispose();
      s[active[i]] = keep(t);
    };
    return {
      options: g.options,
      params: active.map((i) => g.params[i]),
      grads,
      steps: active.map((i) => g.steps[i]),
      ops: this.#ops,
      slot: (name) => active.map((i) => slotOf(name)[i]),
      setSlot,
      slotOrInit: (name, init) =>
        active.map((i, k) => {
          const existing = slotOf(name)[i];
          if (existing !== undefined) return existing;
          const t = init(g.params[i]);
          setSlot(name, k, t);
          return t;
        }),
    };
  }

  /** A snapshot: JSON-able options and step counts, and copies of the state tensors (the caller owns them). */
  stateDict(): OptimizerStateDict {
    this.#checkAlive('stateDict');
    const state = new Map<string, Tensor>();
    noGrad(() => {
      for (const g of this.#groups) {
        for (const [slot, tensors] of g.state) tensors.forEach((t, i) => t !== undefined && state.set(stateKey(g.index, i, slot), t.clone()));
      }
    });
    return {
      format: STATE_FORMAT,
      optimizer: this.kind,
      stepCount: this.#stepCount,
      groups: this.#groups.map((g) => ({
        name: g.name,
        baseLr: g.baseLr,
        options: jsonOptions(g.options),
        paramNames: [...g.names],
        paramShapes: g.params.map((p) => p.shape),
      })),
      steps: this.#groups.map((g) => [...g.steps]),
      state,
    };
  }

  /**
   * Restores a snapshot taken from an optimizer of the same kind over parameters of the same
   * structure (same groups, same parameter order and shapes). Options, lrs, step counts and state
   * are all replaced, as in PyTorch. Every problem is reported at once and nothing changes when any
   * is found. The given tensors are copied; the caller still owns them.
   */
  loadStateDict(dict: OptimizerStateMeta & { state: ReadonlyMap<string, Tensor> }, options: { source?: string } = {}): void {
    this.#checkAlive('loadStateDict');
    const resolved = checkStateDict(
      dict,
      { kind: this.kind, groups: this.#groups, resolveOptions: (given, where) => this.resolveOptions(given, where), slotsHeld: (o, steps) => this.slotsHeld(o, steps) },
      options.source,
    );

    // Valid: replace everything.
    this.#disposeState();
    noGrad(() => {
      this.#groups.forEach((g, gi) => {
        g.options = resolved[gi];
        g.baseLr = dict.groups[gi].baseLr;
        g.steps = [...dict.steps[gi]];
        for (const [key, src] of dict.state) {
          const k = parseStateKey(key)!;
          if (k.group !== gi) continue;
          let s = g.state.get(k.slot);
          if (s === undefined) g.state.set(k.slot, (s = g.params.map(() => undefined)));
          s[k.param] = keep(zerosLike(g.params[k.param]).copy_(src)); // a copy in the parameter's dtype
        }
      });
    });
    this.#stepCount = dict.stepCount;
  }

  /** Frees the state tensors. The optimizer cannot be used afterwards; parameters are untouched. */
  dispose(): void {
    this.#disposeState();
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  #disposeState(): void {
    for (const g of this.#groups) {
      for (const tensors of g.state.values()) for (const t of tensors) t?.dispose();
      g.state.clear();
    }
  }

  #checkAlive(what: string): void {
    if (this.#disposed) throw new ArgumentError(`${this.kind}.${what}(): this optimizer was disposed; make a new one (and loadStateDict to resume).`);
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function normaliseGroups(groups: readonly ParamGroup[] | readonly ParamEntry[]): ParamGroup[] {
  if (!Array.isArray(groups)) throw new ArgumentError(`optimizer: expected an array of parameter groups or of parameters, got ${describe(groups)}`);
  const isParamList = groups.length > 0 && groups.every((g) => g instanceof Tensor || Array.isArray(g));
  return isParamList ? [{ params: groups as readonly ParamEntry[] }] : (groups as ParamGroup[]);
}

function makeView<O extends BaseOptions>(g: Group<O>): GroupView<O> {
  const view = {} as Record<string, unknown>;
  const fixed = (key: string, get: () => unknown): void => void Object.defineProperty(view, key, { get, enumerable: true });
  fixed('name', () => g.name);
  fixed('index', () => g.index);
  fixed('params', () => g.params);
  fixed('paramNames', () => g.names);
  fixed('baseLr', () => g.baseLr);
  for (const key of Object.keys(g.options)) {
    if (key !== 'lr') fixed(key, () => (g.options as unknown as Record<string, unknown>)[key]);
  }
  Object.defineProperty(view, 'lr', {
    enumerable: true,
    get: () => g.options.lr,
    set: (v: unknown) => {
      checkLr(v, `group '${g.name}'.lr`);
      g.options.lr = v;
    },
  });
  return Object.seal(view) as GroupView<O>;
}

