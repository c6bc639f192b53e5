// Neural-network operators, with PyTorch's argument conventions. Shapes in comments:
// N batch, C channels, H/W spatial, T tokens, D features.
import type { TensorHandle } from '../native/binding.js';
import { ArgumentError } from '../errors.js';
import { callOp } from './dispatch.js';
import { gradProducts, isCountingMacs, recordMacs } from './flops.js';
import { Tensor } from './tensor.js';

type Pair = number | [number, number];

function wrap(h: unknown): Tensor {
  return new Tensor(h as TensorHandle);
}
function opt(t: Tensor | null | undefined): TensorHandle | null {
  return t ? t.handle : null;
}

/** (N, Cin, H, W) * (Cout, Cin/groups, kH, kW) -> (N, Cout, H', W') */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {},
): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  const out = wrap(callOp('aten::conv2d', [input.handle, weight.handle, opt(bias), stride, padding, dilation, groups]));
  if (isCountingMacs()) {
    const [, cinPerGroup, kh, kw] = weight.shape;
    recordMacs(out.numel * cinPerGroup * kh * kw, gradProducts(out, input, weight));
  }
  return out;
}

/**
 * Batch normalisation over (N, C, ...). In training it normalises with batch statistics and
 * updates running stats in place: running = (1 - momentum) * running + momentum * batch, with the
 * unbiased batch variance, exactly as PyTorch. In eval it uses the running stats.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return wrap(
    callOp('aten::batch_norm', [input.handle, opt(weight), opt(bias), opt(runningMean), opt(runningVar), training, momentum, eps, true]),
  );
}

/**
 * (N, C, H, W) -> (N, C, outH, outW). adaptlab::max_pool2d is aten::max_pool2d with a faster CPU
 * forward (native/src/kernels/max_pool2d.cc): same values, same argmax, same backward.
 */
export function maxPool2d(input: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0, dilation: Pair = 1, ceilMode = false): Tensor {
  return wrap(callOp('adaptlab::max_pool2d', [input.handle, kernelSize, stride ?? kernelSize, padding, dilation, ceilMode]));
}

export function avgPool2d(input: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0): Tensor {
  return wrap(callOp('aten::avg_pool2d', [input.handle, kernelSize, stride ?? kernelSize, padding, false, true, null]));
}

/** (N, C, H, W) -> (N, C, outH, outW) */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return wrap(callOp('aten::adaptive_avg_pool2d', [input.handle, outputSize]));
}

/** (..., Din) x (Dout, Din) + (Dout) -> (..., Dout) */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const out = wrap(callOp('aten::linear', [input.handle, weight.handle, opt(bias)]));
  if (isCountingMacs()) recordMacs(out.numel * weight.size(1), gradProducts(out, input, weight));
  return out;
}

/** (V, D) table, int64 ids (...) -> (..., D). Rows at paddingIdx get no gradient. */
export function embedding(weight: Tensor, ids: Tensor, paddingIdx = -1): Tensor {
  return wrap(callOp('aten::embedding', [weight.handle, ids.handle, paddingIdx, false, false]));
}

/** Normalises over the trailing dims `normalizedShape`. */
export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  return wrap(callOp('aten::layer_norm', [input.handle, normalizedShape, opt(weight), opt(bias), eps, true]));
}

/**
 * Zeroes elements with probability p and scales the rest by 1/(1-p); identity when not training.
 * adaptlab::dropout is aten::dropout with a faster CPU mask (native/src/kernels/dropout.cc): the
 * same mask from the same seed, the generator left in the same state.
 */
export function dropout(input: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) throw new ArgumentError(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return input.clone();
  return wrap(callOp('adaptlab::dropout', [input.handle, p, true]));
}

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

/**
 * Cross-entropy of logits (N, C) against int64 class targets (N), with PyTorch's label
 * smoothing and ignore index (targets equal to it contribute nothing).
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number; weight?: Tensor | null } = {},
): Tensor {
  const { reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0, weight = null } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new ArgumentError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  return wrap(callOp('aten::cross_entropy_loss', [logits.handle, target.handle, opt(weight), REDUCTION[reduction], ignoreIndex, labelSmoothing]));
}

/**
 * softmax(q k^T / sqrt(d) + mask) v, with dropout on the attention probabilities.
 * q, k, v: (N, heads, T, d); additiveMask broadcastable to (N, heads, Tq, Tk), 0 to keep and a
 * large negative number to mask (Hugging Face BERT's convention).
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  additiveMask: Tensor | null,
  dropoutP: number,
  training: boolean,
): Tensor {
  const d = q.size(-1);
  const kT = k.transpose(-1, -2);
  const scores = q.matmul(kT).div(Math.sqrt(d)); // (N, h, Tq, Tk)
  kT.dispose();
  const masked = additiveMask ? scores.add(additiveMask) : scores;
  if (masked !== scores) scores.dispose();
  const probs = masked.softmax(-1);
  masked.dispose();
  const dropped = training && dropoutP > 0 ? dropout(probs, dropoutP, true) : probs;
  if (dropped !== probs) probs.dispose();
  const out = dropped.matmul(v); // (N, h, Tq, d)
  dropped.dispose();
  return out;
}
