// PyTorch's default initialisers, drawing from libtorch's generator in the same order as
// PyTorch, so the same seed gives the same weights.
import { Tensor, noGrad } from '../tensor/index.js';

/** fan_in and fan_out of a weight: (out, in, ...kernel) */
export function fans(weight: Tensor): { fanIn: number; fanOut: number } {
  const [out, inp, ...kernel] = weight.shape;
  const receptive = kernel.reduce((a, b) => a * b, 1);
  return { fanIn: (inp ?? 1) * receptive, fanOut: out * receptive };
}

export function uniform_(t: Tensor, low: number, high: number): Tensor {
  return noGrad(() => t.uniform_(low, high));
}

export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

/**
 * He/Kaiming uniform with leaky-ReLU slope `a`: bound = sqrt(3) * gain / sqrt(fan), computed in
 * PyTorch's order so float64 bounds agree to the last bit. Zero-element tensors are left alone
 * (their fan may be 0), as in PyTorch.
 */
export function kaimingUniform_(t: Tensor, a = 0, mode: 'fanIn' | 'fanOut' = 'fanIn', nonlinearity: 'leaky_relu' | 'relu' = 'leaky_relu'): Tensor {
  if (t.numel === 0) return t;
  const fan = fans(t)[mode];
  const gain = nonlinearity === 'relu' ? Math.SQRT2 : Math.sqrt(2 / (1 + a * a));
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound);
}

/** He/Kaiming normal: std = gain / sqrt(fan); torchvision's ResNet uses fanOut with relu. */
export function kaimingNormal_(t: Tensor, mode: 'fanIn' | 'fanOut' = 'fanIn', nonlinearity: 'relu' | 'leaky_relu' = 'relu', a = 0): Tensor {
  if (t.numel === 0) return t;
  const fan = fans(t)[mode];
  const gain = nonlinearity === 'relu' ? Math.SQRT2 : Math.sqrt(2 / (1 + a * a));
  return normal_(t, 0, gain / Math.sqrt(fan));
}

/** Linear/Conv default: weight kaiming_uniform(a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, Math.sqrt(5));
  if (bias !== null) {
    const { fanIn } = fans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
