// An optimizer's state dict: its plain-JSON part (options, step counts, parameter shapes), the
// "group.param.slot" keys of its state tensors, and the check that a snapshot fits an optimizer
// before anything of it is loaded. Apart from the Optimizer so that checkpoint I/O stands on its
// own; the Optimizer takes and restores snapshots through it.
import { Tensor } from '../tensor/index.js';
import { ArgumentError, StateDictError } from '../errors.js';
import { describe, type BaseOptions, type OptionKey } from './options.js';

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

/** What a state dict is checked against: the optimizer's kind and groups, how it resolves a group's options and which slots a parameter holds. */
export interface StateDictTarget<O extends BaseOptions> {
  kind: string;
  groups: readonly { readonly name: string; readonly params: readonly Tensor[]; readonly names: readonly string[] }[];
  resolveOptions(given: Partial<Record<OptionKey, unknown>>, where: string): O;
  slotsHeld(options: O, steps: number): readonly string[];
}

/**
 * Checks a snapshot against an optimizer of the same kind over parameters of the same structure
 * (same groups, same parameter order and shapes, every state tensor a slot its parameter holds,
 * none missing). Every problem is reported at once in one StateDictError; nothing is changed.
 * Returns each group's options as the checkpoint resolves them.
 */
export function checkStateDict<O extends BaseOptions>(dict: OptimizerStateMeta & { state: ReadonlyMap<string, Tensor> }, target: StateDictTarget<O>, source?: string): O[] {
  const from = source ? ` (${source})` : '';
  const fail = (msg: string, missing: string[] = [], unexpected: string[] = [], mism: { key: string; expected: number[]; found: number[] }[] = []): never => {
    throw new StateDictError(`${target.kind}.loadStateDict${from}: ${msg}`, missing, unexpected, mism);
  };
  if (dict === null || typeof dict !== 'object' || dict.format !== STATE_FORMAT) {
    fail(`not an optimizer state dict (format is ${describe(dict?.format)}, expected '${STATE_FORMAT}')`);
  }
  if (dict.optimizer !== target.kind) fail(`the checkpoint is for ${dict.optimizer}, this optimizer is ${target.kind}; make the same kind of optimizer to resume`);
  if (!Array.isArray(dict.groups) || dict.groups.length !== target.groups.length) {
    const theirs = Array.isArray(dict.groups) ? `${dict.groups.length} (${dict.groups.map((g) => `'${g?.name}'`).join(', ')})` : 'no groups';
    fail(`the checkpoint has ${theirs} parameter groups, this optimizer has ${target.groups.length} (${target.groups.map((g) => `'${g.name}'`).join(', ')})`);
  }
  if (!(dict.state instanceof Map)) fail('state must be a Map from "group.param.slot" to tensors');
  if (!Number.isInteger(dict.stepCount) || dict.stepCount < 0) fail(`stepCount must be a non-negative integer, got ${describe(dict.stepCount)}`);

  const problems: string[] = [];
  const mismatches: { key: string; expected: number[]; found: number[] }[] = [];
  const resolved: O[] = [];
  target.groups.forEach((g, gi) => {
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
      resolved.push(target.resolveOptions((theirs?.options ?? {}) as Record<OptionKey, unknown>, `${where} in the checkpoint`));
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
    const g = parsed && target.groups[parsed.group];
    if (!parsed || !g || parsed.param >= g.params.length || !target.slotsHeld(resolved[parsed.group], dict.steps[parsed.group][parsed.param]).includes(parsed.slot)) {
      unexpected.push(key);
    } else if (!(t instanceof Tensor) || t.isDisposed) {
      problems.push(`${key} is not a live Tensor`);
    } else if (!sameShape(t.shape, g.params[parsed.param].shape)) {
      mismatches.push({ key, expected: g.params[parsed.param].shape, found: t.shape });
    }
  }
  const missing: string[] = [];
  target.groups.forEach((g, gi) =>
    g.params.forEach((_, pi) => {
      for (const slot of target.slotsHeld(resolved[gi], dict.steps[gi][pi])) if (!dict.state.has(stateKey(gi, pi, slot))) missing.push(stateKey(gi, pi, slot));
    }),
  );
  if (problems.length || mismatches.length || missing.length || unexpected.length) {
    const lines = [...problems, ...mismatches.map(shapeLine)];
    if (missing.length) lines.push(`missing state: ${missing.join(', ')}`);
    if (unexpected.length) lines.push(`unexpected state (no such group, parameter or slot for ${target.kind} with these options): ${unexpected.join(', ')}`);
    fail(`the checkpoint's state does not fit:\n  ${lines.join('\n  ')}`, missing, unexpected, mismatches);
  }
  return resolved;
}

/** A group's resolved options as plain JSON (arrays copied). */
export function jsonOptions(o: BaseOptions): Record<string, number | boolean | number[]> {
  const out: Record<string, number | boolean | number[]> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : (v as number | boolean);
  return out;
}

/** The state map's key of one parameter's slot: "group.param.slot", e.g. "1.0.exp_avg". */
export function stateKey(group: number, param: number, slot: string): string {
  return `${group}.${param}.${slot}`;
}

export function parseStateKey(key: string): { group: number; param: number; slot: string } | null {
  const m = /^(\d+)\.(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
  return m ? { group: Number(m[1]), param: Number(m[2]), slot: m[3] } : null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeLine(m: { key: string; expected: number[]; found: number[] }): string {
  return `shape mismatch for ${m.key}: expected [${m.expected.join(', ')}], found [${Array.isArray(m.found) ? m.found.join(', ') : describe(m.found)}]`;
}
