// Element-wise operators over lists of tensors, one native call per list (aten::_foreach_*): what
// optimizers update many small parameters with, without a JS <-> native crossing per tensor.
// Every list must be non-empty and all lists of one call the same length. In-place functions end
// in `_`; the others return new tensors that the caller owns.
import type { TensorHandle } from '../native/binding.js';
import { callOp, callOpInPlace } from './dispatch.js';
import { Tensor } from './tensor.js';

export type TensorList = readonly Tensor[];

const handles = (xs: TensorList): TensorHandle[] => xs.map((t) => t.handle);
const wrapAll = (result: unknown): Tensor[] => (result as TensorHandle[]).map((h) => new Tensor(h));

/** xs[i] *= s */
export function mul_(xs: TensorList, s: number): void {
  callOpInPlace('aten::_foreach_mul_.Scalar', [handles(xs), s]);
}

/** xs[i] /= s */
export function div_(xs: TensorList, s: number): void {
  callOpInPlace('aten::_foreach_div_.Scalar', [handles(xs), s]);
}

/** xs[i] += s */
export function addScalar_(xs: TensorList, s: number): void {
  callOpInPlace('aten::_foreach_add_.Scalar', [handles(xs), s]);
}

/** xs[i] += alpha * ys[i] */
export function add_(xs: TensorList, ys: TensorList, alpha: number): void {
  callOpInPlace('aten::_foreach_add_.List', [handles(xs), handles(ys), alpha]);
}

/** xs[i] += value * a[i] * b[i] */
export function addcmul_(xs: TensorList, a: TensorList, b: TensorList, value: number): void {
  callOpInPlace('aten::_foreach_addcmul_.Scalar', [handles(xs), handles(a), handles(b), value]);
}

/** xs[i] += value * a[i] / b[i] */
export function addcdiv_(xs: TensorList, a: TensorList, b: TensorList, value: number): void {
  callOpInPlace('aten::_foreach_addcdiv_.Scalar', [handles(xs), handles(a), handles(b), value]);
}

/** xs[i] = 0 */
export function zero_(xs: TensorList): void {
  callOpInPlace('aten::_foreach_zero_', [handles(xs)]);
}

/** new: xs[i] + alpha * ys[i] */
export function add(xs: TensorList, ys: TensorList, alpha: number): Tensor[] {
  return wrapAll(callOp('aten::_foreach_add.List', [handles(xs), handles(ys), alpha]));
}

/** One SGD update's settings; `first`: the momentum buffers are new and receive d. */
export interface SgdUpdate {
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  first: boolean;
}

/**
 * One SGD update of every parameter in a single pass over memory (native/src/kernels/sgd_step.cc:
 * the arithmetic of aten's add, mul_, add_, add_ sequence, bit for bit). `buffers`: the momentum
 * buffers, updated in place; empty when momentum is 0.
 */
export function sgdStep_(params: TensorList, grads: TensorList, buffers: TensorList, u: SgdUpdate): void {
  callOpInPlace('adaptlab::sgd_step_', [handles(params), handles(grads), handles(buffers), u.lr, u.weightDecay, u.momentum, u.nesterov, u.first]);
}

/** new: sqrt(xs[i]) */
export function sqrt(xs: TensorList): Tensor[] {
  return wrapAll(callOp('aten::_foreach_sqrt', [handles(xs)]));
}
