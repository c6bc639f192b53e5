// Module: the base of every layer and model. Parameters, buffers and children are registered
// under the exact names of PyTorch state dicts (`running_mean`, `layer1.0.conv1.weight`), so
// loading a checkpoint is a name lookup; TypeScript fields keep their own casing.
import { Tensor, noGrad } from '../tensor/index.js';
import { StateDictError } from '../errors.js';

export type StateDict = Map<string, Tensor>;

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

export abstract class Module {
  #training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, { tensor: Tensor | null; persistent: boolean }>();
  readonly #children = new Map<string, Module>();
  readonly #modeHooks: ((module: Module, training: boolean) => void)[] = [];

  /** Registers (or replaces) a trainable tensor; marks it requires-grad. Returns it. */
  protected param<T extends Tensor | null>(name: string, tensor: T): T {
    if (tensor !== null) tensor.requiresGrad_(true);
    this.#parameters.set(name, tensor);
    return tensor;
  }

  /** Registers (or replaces) a state tensor that is not trained (e.g. BatchNorm running stats). */
  protected buffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    this.#buffers.set(name, { tensor, persistent });
    return tensor;
  }

  /** Registers (or replaces) a child module. Returns it. */
  protected module<M extends Module>(name: string, child: M): M {
    this.#children.set(name, child);
    return child;
  }

  get training(): boolean {
    return this.#training;
  }

  /** Sets train (true) or eval (false) mode on this module and all descendants, then runs mode hooks. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.#training = mode;
    for (const [, m] of this.namedModules()) for (const hook of m.#modeHooks) hook(m, mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Runs `hook` after every train()/eval() call that reaches this module. Adaptation strategies use
   * it to re-apply their BatchNorm policy on every switch to train mode.
   */
  onModeChange(hook: (module: Module, training: boolean) => void): () => void {
    this.#modeHooks.push(hook);
    return () => {
      const i = this.#modeHooks.indexOf(hook);
      if (i >= 0) this.#modeHooks.splice(i, 1);
    };
  }

  /** Sets only this module's own flag, without touching children or running hooks. */
  setOwnTraining(mode: boolean): void {
    this.#training = mode;
  }

  /** [qualified name, module], this module first (name ''), depth-first in registration order. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.#children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** Every parameter with its state-dict name; a tensor shared by two modules is listed once. */
  namedParameters(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#parameters) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(options: { persistentOnly?: boolean } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.#buffers) {
        if (b.tensor === null || (options.persistentOnly && !b.persistent)) continue;
        out.push([prefix ? `${prefix}.${name}` : name, b.tensor]);
      }
    }
    return out;
  }

  /**
   * Parameters and persistent buffers by state-dict name. Like PyTorch, tied weights appear under
   * every name that holds them. The tensors are the module's own (not copies): do not dispose them.
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string): string => (prefix ? `${prefix}.${name}` : name);
      for (const [name, t] of m.#parameters) if (t !== null) out.set(key(name), t);
      for (const [name, b] of m.#buffers) if (b.tensor !== null && b.persistent) out.set(key(name), b.tensor);
    }
    return out;
  }

  /**
   * Copies values from `state` into this module's tensors. Strict by default: every key must
   * match and every shape agree; all problems are reported together, and nothing is changed when
   * any is found. With strict false, matching keys load and the rest are returned.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, options: { strict?: boolean; source?: string } = {}): LoadResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    const mismatches: { key: string; expected: number[]; found: number[] }[] = [];
    for (const [key, target] of own) {
      const src = state.get(key);
      if (src === undefined) continue;
      const expected = target.shape;
      const found = src.shape;
      if (expected.length !== found.length || expected.some((d, i) => d !== found[i])) mismatches.push({ key, expected, found });
    }
    const from = options.source ? ` in ${options.source}` : '';
    if (mismatches.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const lines: string[] = [];
      for (const m of mismatches) lines.push(`shape mismatch for ${m.key}: expected [${m.expected.join(', ')}], found [${m.found.join(', ')}]${from}`);
      if (strict && missing.length) lines.push(`missing keys${from}: ${missing.join(', ')}`);
      if (strict && unexpected.length) lines.push(`unexpected keys${from}: ${unexpected.join(', ')}`);
      const hint = mismatches.length
        ? 'The checkpoint was made for a different architecture or class count; replace the head after loading, or load with strict: false and skip those keys.'
        : 'Check that the checkpoint matches this architecture (and prefix), or pass strict: false to load the keys that match.';
      throw new StateDictError(`loadStateDict failed:\n  ${lines.join('\n  ')}\n${hint}`, missing, unexpected, mismatches);
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const src = state.get(key);
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /**
   * Moves every parameter and buffer of this module tree to `device`, in place (layers keep their
   * tensor fields; an optimizer built afterwards sees the moved tensors). Build optimizers after this.
   */
  to(device: string): this {
    for (const [, m] of this.namedModules()) {
      for (const t of m.#parameters.values()) t?.moveTo_(device);
      for (const b of m.#buffers.values()) b.tensor?.moveTo_(device);
    }
    return this;
  }

  /** Releases every parameter and buffer of this module tree. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const t of m.#parameters.values()) t?.dispose();
      for (const b of m.#buffers.values()) b.tensor?.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Number of elements over tensors, counting a shared tensor once. */
export function countElements(tensors: Iterable<Tensor>): number {
  let n = 0;
  for (const t of new Set(tensors)) n += t.numel;
  return n;
}
