// Adam with decoupled weight decay, with PyTorch's semantics (torch.optim.AdamW, amsgrad off):
//
//   t += 1                                           (per parameter)
//   p *= 1 - lr * weightDecay                        (decay first, independent of the gradient)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// eps is added after the bias-corrected square root, as PyTorch does (not inside it).
import { zerosLike } from '../tensor/index.js';
import { Optimizer, type GroupStep, type OptimizerSettings, type ParamEntry, type ParamGroup } from './optimizer.js';
import { checkKnown, nonNegative, unitInterval, type BaseOptions, type OptionKey } from './options.js';
import { ArgumentError } from '../errors.js';

export interface AdamWOptions extends BaseOptions {
  betas: readonly [number, number];
  eps: number;
}

export type AdamWDefaults = Partial<AdamWOptions> & OptimizerSettings;

const KEYS: readonly OptionKey[] = ['lr', 'weightDecay', 'betas', 'eps'];

export class AdamW extends Optimizer<AdamWOptions> {
  /** Defaults as PyTorch: betas (0.9, 0.999), eps 1e-8, weightDecay 0.01; lr has no default. */
  constructor(groups: readonly ParamGroup[] | readonly ParamEntry[], defaults: AdamWDefaults = {}) {
    super('AdamW', groups, defaults);
  }

  protected get slotNames(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected resolveOptions(given: Partial<Record<OptionKey, unknown>>, where: string): AdamWOptions {
    checkKnown(given, KEYS, 'AdamW', where);
    const betas = given.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new ArgumentError(`${where}: betas must be [beta1, beta2], got ${JSON.stringify(betas)}`);
    return {
      lr: nonNegative(given, 'lr', undefined, where),
      weightDecay: nonNegative(given, 'weightDecay', 0.01, where),
      betas: Object.freeze([unitInterval(betas[0], 'betas[0]', where), unitInterval(betas[1], 'betas[1]', where)] as const),
      eps: nonNegative(given, 'eps', 1e-8, where),
    };
  }

  protected slotsHeld(_options: AdamWOptions, steps: number): readonly string[] {
    return steps > 0 ? ['exp_avg', 'exp_avg_sq'] : [];
  }

  protected updateGroup(s: GroupStep<AdamWOptions>): void {
    const { lr, weightDecay, betas, eps } = s.options;
    const [beta1, beta2] = betas;
    const { ops, params, grads } = s;
    const m = s.slotOrInit('exp_avg', zerosLike);
    const v = s.slotOrInit('exp_avg_sq', zerosLike);
    if (lr * weightDecay !== 0) ops.mul_(params, 1 - lr * weightDecay); // PyTorch multiplies by 1 too: same result
    ops.mul_(m, beta1);
    ops.add_(m, grads, 1 - beta1);
    ops.mul_(v, beta2);
    ops.addcmul_(v, grads, grads, 1 - beta2);
    // Bias corrections depend on each parameter's own t (a parameter without a gradient on some
    // step lags behind), so update in buckets of equal t: usually one bucket per group.
    for (const [t, idx] of bucketBySteps(s.steps)) {
      const pick = <T>(xs: readonly T[]): T[] => (idx.length === xs.length ? [...xs] : idx.map((i) => xs[i]));
      const stepSize = lr / (1 - beta1 ** t);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
      const denom = ops.sqrt(pick(v)); // new tensors, freed by step()'s tidy scope
      ops.div_(denom, bc2Sqrt);
      ops.addScalar_(denom, eps);
      ops.addcdiv_(pick(params), pick(m), denom, -stepSize);
    }
  }
}

/** step count -> indices having it, in first-seen order. */
function bucketBySteps(steps: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  steps.forEach((t, i) => {
    const b = out.get(t);
    if (b) b.push(i);
    else out.set(t, [i]);
  });
  return out;
}
