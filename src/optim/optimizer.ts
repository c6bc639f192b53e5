// The Optimizer base: parameter groups with their own options, lazily created per-parameter
// state, gradient clearing, and a state dict that splits into a tensor map (safetensors) and
// plain JSON.
//
// Subclasses (SGD, AdamW) supply three things: how to resolve and validate a group's options,
// which state slots a parameter holds, and the update of one group given the parameters that
// have a gradient this step. The base owns everything else, so both optimizers share one
// definition of groups, state keys and checkpoint validation.
import { Tensor, noGrad, tidy, keep, zerosLike } from '../tensor/index.js';
import { ArgumentError, StateDictError } from '../errors.js';
import { foreachOps, loopOps, type ListOps } from './list-ops.js';

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

/** The option names a ParamGroup may carry. */
export const OPTION_KEYS = ['lr', 'weightDecay', 'momentum', 'nesterov', 'betas', 'eps'] as const;
export type OptionKey = (typeof OPTION_KEYS)[number];

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
  weightDecay: number;
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

/** One group in a state dict: plain JSON. */
export interface GroupStateJson {
  name: string;
  baseLr: number;
  /** The resolved options, including the current lr. */
  options: Record<string, number | boolean | number[]>;
  paramNames: string[];
  paramShapes: number[][];
}

/**
 * A snapshot of an optimizer. Everything except `state` is plain JSON; `state` maps
 * "group.param.slot" (e.g. "1.0.exp_avg") to tensors the caller owns, ready for safetensors:
 *
 *   const { state, ...meta } = opt.stateDict();   // write state as safetensors, meta as JSON
 *   opt2.loadStateDict({ ...meta, state });       // later, in a new optimizer on the same params
 */
export interface OptimizerStateDict {
  format: typeof STATE_FORMAT;
  /** 'SGD' or 'AdamW': loading into another kind is an error. */
  optimizer: string;
  /** step() calls so far. */
  stepCount: number;
  groups: GroupStateJson[];
  /** Per group, per parameter: updates that parameter received (AdamW's bias-correction t). */
  steps: number[][];
  state: Map<string, Tensor>;
}

export type OptimizerStateMeta = Omit<OptimizerStateDict, 'state'>;

export const STATE_FORMAT = 'adaptlab.optimizer/1';

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
        options: toJsonOptions(g.options),
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
    const from = options.source ? ` (${options.source})` : '';
    const fail = (msg: string, missing: string[] = [], unexpected: string[] = [], mism: { key: string; expected: number[]; found: number[] }[] = []): never => {
      throw new StateDictError(`${this.kind}.loadStateDict${from}: ${msg}`, missing, unexpected, mism);
    };
    if (dict === null || typeof dict !== 'object' || dict.format !== STATE_FORMAT) {
      fail(`not an optimizer state dict (format is ${describe(dict?.format)}, expected '${STATE_FORMAT}')`);
    }
    if (dict.optimizer !== this.kind) fail(`the checkpoint is for ${dict.optimizer}, this optimizer is ${this.kind}; make the same kind of optimizer to resume`);
    if (!Array.isArray(dict.groups) || dict.groups.length !== this.#groups.length) {
      const theirs = Array.isArray(dict.groups) ? `${dict.groups.length} (${dict.groups.map((g) => `'${g?.name}'`).join(', ')})` : 'no groups';
      fail(`the checkpoint has ${theirs} parameter groups, this optimizer has ${this.#groups.length} (${this.#groups.map((g) => `'${g.name}'`).join(', ')})`);
    }
    if (!(dict.state instanceof Map)) fail('state must be a Map from "group.param.slot" to tensors');
    if (!Number.isInteger(dict.stepCount) || dict.stepCount < 0) fail(`stepCount must be a non-negative integer, got ${describe(dict.stepCount)}`);

    const problems: string[] = [];
    const mismatches: { key: string; expected: number[]; found: number[] }[] = [];
    const resolved: O[] = [];
    this.#groups.forEach((g, gi) => {
      const theirs = dict.groups[gi];
      const where = `group #${gi} '${g.name}'`;
      if (theirs?.name !== g.name) problems.push(`${where} is named '${theirs?.name}' in the checkpoint`);
      const steps = dict.steps?.[gi];
      if (!Array.isArray(theirs?.paramShapes) || theirs.paramShapes.length !== g.params.length) {
        problems.push(`${where} has ${theirs?.paramShapes?.length ?? '?'} parameters in the checkpoint, ${g.params.length} here`);
      } else {
        theirs.paramShapes.forEach((shape, pi) => {
          if (!sameShape(shape, g.params[pi].shape)) mismatches.push({ key: `${gi}.${pi} (${g.names[pi]})`, expected: g.params[pi].shape, found: shape });
        });
      }
      if (!Array.isArray(steps) || steps.length !== g.params.length || !steps.every((s) => Number.isInteger(s) && s >= 0)) {
        problems.push(`${where}: steps must list a non-negative integer per parameter (${g.params.length}), got ${describe(steps)}`);
      }
      if (!(Number.isFinite(theirs?.baseLr) && theirs.baseLr >= 0)) problems.push(`${where}: baseLr must be a finite number >= 0, got ${describe(theirs?.baseLr)}`);
      try {
        resolved.push(this.resolveOptions((theirs?.options ?? {}) as Record<OptionKey, unknown>, `${where} in the checkpoint`));
      } catch (e) {
        if (!(e instanceof ArgumentError)) throw e;
        problems.push(e.message);
      }
    });
    if (problems.length > 0 || mismatches.length > 0) {
      fail(`the checkpoint does not match this optimizer's groups:\n  ${[...problems, ...mismatches.map(shapeLine)].join('\n  ')}`, [], [], mismatches);
    }

    // State tensors: every key must name a slot this parameter holds, with its shape; none missing.
    const unexpected: string[] = [];
    for (const [key, t] of dict.state) {
      const parsed = parseStateKey(key);
      const g = parsed && this.#groups[parsed.group];
      if (!parsed || !g || parsed.param >= g.params.length || !this.slotsHeld(resolved[parsed.group], dict.steps[parsed.group][parsed.param]).includes(parsed.slot)) {
        unexpected.push(key);
      } else if (!(t instanceof Tensor) || t.isDisposed) {
        problems.push(`${key} is not a live Tensor`);
      } else if (!sameShape(t.shape, g.params[parsed.param].shape)) {
        mismatches.push({ key, expected: g.params[parsed.param].shape, found: t.shape });
      }
    }
    const missing: string[] = [];
    this.#groups.forEach((g, gi) =>
      g.params.forEach((_, pi) => {
        for (const slot of this.slotsHeld(resolved[gi], dict.steps[gi][pi])) if (!dict.state.has(stateKey(gi, pi, slot))) missing.push(stateKey(gi, pi, slot));
      }),
    );
    if (problems.length || mismatches.length || missing.length || unexpected.length) {
      const lines = [...problems, ...mismatches.map(shapeLine)];
      if (missing.length) lines.push(`missing state: ${missing.join(', ')}`);
      if (unexpected.length) lines.push(`unexpected state (no such group, parameter or slot for ${this.kind} with these options): ${unexpected.join(', ')}`);
      fail(`the checkpoint's state does not fit:\n  ${lines.join('\n  ')}`, missing, unexpected, mismatches);
    }

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

export function checkLr(v: unknown, where: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: the learning rate must be a finite number >= 0, got ${describe(v)}`);
}

function toJsonOptions(o: BaseOptions): Record<string, number | boolean | number[]> {
  const out: Record<string, number | boolean | number[]> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : (v as number | boolean);
  return out;
}

export function stateKey(group: number, param: number, slot: string): string {
  return `${group}.${param}.${slot}`;
}

function parseStateKey(key: string): { group: number; param: number; slot: string } | null {
  const m = /^(\d+)\.(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
  return m ? { group: Number(m[1]), param: Number(m[2]), slot: m[3] } : null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeLine(m: { key: string; expected: number[]; found: number[] }): string {
  return `shape mismatch for ${m.key}: expected [${m.expected.join(', ')}], found [${Array.isArray(m.found) ? m.found.join(', ') : describe(m.found)}]`;
}

function describeTensor(t: Tensor): string {
  return `(${t.dtype} [${t.shape.join(', ')}])`;
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return v.toString();
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
