// Forward-pass plumbing shared by the models: apply layers in order and free each intermediate
// as soon as the next one exists, so a forward pass holds at most two activations of its own
// (autograd keeps what backward needs through libtorch's reference counts, not through ours).
import type { Tensor } from '../tensor/index.js';

export type Step = (t: Tensor) => Tensor;

/**
 * steps[n-1](...steps[0](x)). Every intermediate is disposed; `x` is not (the caller owns it).
 * If a step throws, the intermediate it was given is disposed before the error propagates.
 */
export function chain(x: Tensor, ...steps: Step[]): Tensor {
  let h = x;
  for (const step of steps) {
    let next: Tensor | undefined;
    try {
      next = step(h);
    } finally {
      // runs on success and on error: h is ours unless it is the caller's input (or was returned)
      if (h !== x && next !== h) h.dispose();
    }
    h = next!;
  }
  return h === x ? x.view(x.shape) : h;
}

/** a + b, disposing both (unless one is `keep`, which belongs to the caller). */
export function addConsuming(a: Tensor, b: Tensor, keep?: Tensor): Tensor {
  const sum = a.add(b);
  if (a !== keep) a.dispose();
  if (b !== keep) b.dispose();
  return sum;
}

/**
 * relu(out + identity), computed in place in `out` (ResNet's block exit, as torchvision does it:
 * no new activation is allocated and written). Disposes `identity` unless it is `keep`, the
 * caller's; on error disposes `out` too.
 */
export function residualRelu_(out: Tensor, identity: Tensor, keep: Tensor): Tensor {
  try {
    return out.add_(identity).relu_();
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    if (identity !== keep) identity.dispose();
  }
}

/** chain() that also disposes `x` (an intermediate the caller made and no longer needs). */
export function chainConsuming(x: Tensor, ...steps: Step[]): Tensor {
  try {
    return chain(x, ...steps);
  } finally {
    x.dispose();
  }
}
