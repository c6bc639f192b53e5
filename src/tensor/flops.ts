// Counting the GEMM-like work that is actually computed, by observing the operators as they run.
//
// Convolutions, linear layers and matrix products report their multiply-adds (MACs). The backward
// work is counted per operand that requires a gradient: a frozen weight costs no dW, and an input
// that needs no gradient (the image, or everything below a frozen prefix) costs no dX. This is
// the FLOP definition of the PyTorch peer benchmark (2 FLOPs per MAC; element-wise, normalisation
// and optimizer work not counted), and it is how adaptlab measures what each adaptation depth costs.

export interface MacCount {
  /** MACs of the forward pass. */
  forward: number;
  /** MACs the backward pass will run for the gradients that are required. */
  backward: number;
}

let active: MacCount | null = null;

/** Runs fn and returns its result with the MACs of every counted operator it ran. */
export function countMacs<T>(fn: () => T): { result: T; macs: MacCount } {
  const outer = active;
  const mine: MacCount = { forward: 0, backward: 0 };
  active = mine;
  try {
    const result = fn();
    return { result, macs: mine };
  } finally {
    active = outer;
    if (outer) {
      outer.forward += mine.forward;
      outer.backward += mine.backward;
    }
  }
}

export function isCountingMacs(): boolean {
  return active !== null;
}

/**
 * Records one GEMM-like operator: `macs` forward multiply-adds; each of `gradOperands` (one per
 * operand whose gradient will be computed) adds the same amount again to the backward.
 */
export function recordMacs(macs: number, gradOperands: number): void {
  if (active === null) return;
  active.forward += macs;
  active.backward += macs * gradOperands;
}

/**
 * How many backward products an operator `out = op(operands)` will run: one per operand that gets
 * a gradient, and none when no gradient flows through `out` at all (inside noGrad, parameters
 * still require gradients, but no backward will ever run).
 */
export function gradProducts(out: { requiresGrad: boolean }, ...operands: { requiresGrad: boolean }[]): number {
  return out.requiresGrad ? operands.filter((t) => t.requiresGrad).length : 0;
}

/** FLOPs of a count: 2 per multiply-add. */
export function flopsOf(macs: MacCount): { forward: number; backward: number; total: number } {
  return { forward: 2 * macs.forward, backward: 2 * macs.backward, total: 2 * (macs.forward + macs.backward) };
}
