// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD, dampening 0):
//
//   d = grad + weightDecay * p                      (L2 decay folded into the gradient)
//   buf = d on the first update, else momentum * buf + d
//   d = nesterov ? d + momentum * buf : buf         (when momentum > 0)
//   p -= lr * d
import { Tensor, zerosLike } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';
import { Optimizer, type GroupStep, type OptimizerSettings, type ParamEntry, type ParamGroup } from './optimizer.js';
import { checkKnown, flag, nonNegative, type BaseOptions, type OptionKey } from './options.js';

export interface SGDOptions extends BaseOptions {
  momentum: number;
  nesterov: boolean;
}

export type SGDDefaults = Partial<SGDOptions> & OptimizerSettings;

const KEYS: readonly OptionKey[] = ['lr', 'weightDecay', 'momentum', 'nesterov'];

export class SGD extends Optimizer<SGDOptions> {
  /** `groups`: ParamGroup[] (or Tensor[] for one group); `defaults` fill options the groups leave out. */
  constructor(groups: readonly ParamGroup[] | readonly ParamEntry[], defaults: SGDDefaults = {}) {
    super('SGD', groups, defaults);
  }

  protected get slotNames(): readonly string[] {
    return ['momentum_buffer'];
  }

  protected resolveOptions(given: Partial<Record<OptionKey, unknown>>, where: string): SGDOptions {
    checkKnown(given, KEYS, 'SGD', where);
    const options: SGDOptions = {
      lr: nonNegative(given, 'lr', undefined, where),
      weightDecay: nonNegative(given, 'weightDecay', 0, where),
      momentum: nonNegative(given, 'momentum', 0, where),
      nesterov: flag(given, 'nesterov', false, where),
    };
    if (options.nesterov && options.momentum === 0) throw new ArgumentError(`${where}: nesterov needs momentum > 0`);
    return options;
  }

  protected slotsHeld(options: SGDOptions, steps: number): readonly string[] {
    return options.momentum > 0 && steps > 0 ? ['momentum_buffer'] : [];
  }

  protected updateGroup(s: GroupStep<SGDOptions>): void {
    const { lr, weightDecay, momentum, nesterov } = s.options;
    const { ops, params, grads } = s;
    if (momentum === 0) {
      ops.sgdStep_(params, grads, [], { lr, weightDecay, momentum, nesterov, first: false });
      return;
    }
    // Parameters whose buffer exists take the momentum rule; the others (first update) start theirs at d.
    const buffers = s.slot('momentum_buffer');
    const started: number[] = [];
    const starting: number[] = [];
    buffers.forEach((b, i) => (b === undefined ? starting : started).push(i));
    for (const i of starting) s.setSlot('momentum_buffer', i, zerosLike(params[i]));
    const all = s.slot('momentum_buffer') as Tensor[];
    for (const [indices, first] of [[started, false], [starting, true]] as const) {
      if (indices.length === 0) continue;
      const pick = <T>(xs: readonly T[]) => indices.map((i) => xs[i]);
      ops.sgdStep_(pick(params), pick(grads), pick(all), { lr, weightDecay, momentum, nesterov, first });
    }
  }
}
