// Element-wise updates over lists of tensors, the vocabulary optimizers are written in.
//
// Two interchangeable implementations: `foreachOps` sends a whole list to libtorch in one call
// (aten::_foreach_*, and adaptlab::sgd_step_ for a whole SGD update), `loopOps` calls the
// per-tensor aten operator for each element. On the CPU libtorch's _foreach_ kernels loop over the
// same per-tensor kernels, and the fused SGD pass does their arithmetic, so both give bit-identical
// results (test/optim/oracle.test.ts checks it); foreach saves the JS <-> native crossings, which
// dominate the cost for models with many small parameters (BERT-mini: ~70 tensors), and the fused
// update saves memory traffic, which dominates for large ones (ResNet-18: 11M parameters).
//
// Every list argument must be non-empty and all lists of one call the same length; callers
// (the optimizers) guarantee both. In-place methods end in `_`; the others return new tensors
// that the caller owns.
import { foreach, type Tensor } from '../tensor/index.js';

export type TensorList = foreach.TensorList;
export type SgdUpdate = foreach.SgdUpdate;

export interface ListOps {
  /** xs[i] *= s */
  mul_(xs: TensorList, s: number): void;
  /** xs[i] /= s */
  div_(xs: TensorList, s: number): void;
  /** xs[i] += s */
  addScalar_(xs: TensorList, s: number): void;
  /** xs[i] += alpha * ys[i] */
  add_(xs: TensorList, ys: TensorList, alpha: number): void;
  /** xs[i] += value * a[i] * b[i] */
  addcmul_(xs: TensorList, a: TensorList, b: TensorList, value: number): void;
  /** xs[i] += value * a[i] / b[i] */
  addcdiv_(xs: TensorList, a: TensorList, b: TensorList, value: number): void;
  /** xs[i] = 0 */
  zero_(xs: TensorList): void;
  /** new: xs[i] + alpha * ys[i] */
  add(xs: TensorList, ys: TensorList, alpha: number): Tensor[];
  /** new: sqrt(xs[i]) */
  sqrt(xs: TensorList): Tensor[];
  /**
   * One SGD update of params in place (the rule in sgd.ts); `buffers` (empty when momentum is 0)
   * are updated in place too, and on `u.first` just receive d.
   */
  sgdStep_(params: TensorList, grads: TensorList, buffers: TensorList, u: SgdUpdate): void;
}

/** One native call per list: the tensor layer's list operators. */
export const foreachOps: ListOps = foreach;

/** One native call per tensor: the reference the foreach path is checked against. */
export const loopOps: ListOps = {
  mul_: (xs, s) => xs.forEach((x) => x.mul_(s)),
  div_: (xs, s) => xs.forEach((x) => x.div_(s)),
  addScalar_: (xs, s) => xs.forEach((x) => x.add_(s)),
  add_: (xs, ys, alpha) => xs.forEach((x, i) => x.add_(ys[i], alpha)),
  addcmul_: (xs, a, b, value) => xs.forEach((x, i) => x.addcmul_(a[i], b[i], value)),
  addcdiv_: (xs, a, b, value) => xs.forEach((x, i) => x.addcdiv_(a[i], b[i], value)),
  zero_: (xs) => xs.forEach((x) => x.zero_()),
  add: (xs, ys, alpha) => xs.map((x, i) => x.add(ys[i], alpha)),
  sqrt: (xs) => xs.map((x) => x.sqrt()),
  sgdStep_: (params, grads, buffers, u) =>
    params.forEach((p, i) => {
      let d = u.weightDecay !== 0 ? grads[i].add(p, u.weightDecay) : grads[i];
      if (u.momentum !== 0) {
        const buf = buffers[i];
        if (u.first) buf.copy_(d);
        else buf.mul_(u.momentum).add_(d);
        d = u.nesterov ? d.add(buf, u.momentum) : buf;
      }
      p.add_(d, -u.lr);
    }),
};
