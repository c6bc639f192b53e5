// The linear probe on standardised features, folded back into the head.
//
// A head trained directly on a frozen backbone's features learns slowly: pooled ReLU features
// share a large common offset (mean >> sd), which makes the problem ill-conditioned, and a budget
// of a few hundred minibatch steps does not get past it (measured on the embedded backbones:
// 72% vs 85% validation on MNIST, 52% vs 72% on Spam Assassin; bench/TRANSFER.md). Probing
// studies z-score the features first. Here the head trains on z = (f - mean) / sd, with the
// statistics of the training features, and afterwards the transform is folded into the head's
// weights, so the stored head is an ordinary Linear on raw features and predicts the same:
//   W z + b = (W / sd) f + (b - (W / sd) mean).
import { Tensor, noGrad, keep, tidy } from '../tensor/index.js';
import type { Linear } from '../nn/index.js';
import { ArgumentError } from '../errors.js';

/** Features whose sd is below this are constant on the training split: their z is 0. */
const CONSTANT_SD = 1e-6;

export class FeatureStandardizer {
  /** (1, D) */
  readonly mean: Tensor;
  /** (1, D): 1 / sd, or 0 for constant features. */
  readonly invSd: Tensor;

  /** Statistics of `train` (N, D) features: per-feature mean and population sd. */
  constructor(train: Tensor) {
    if (train.shape.length !== 2 || train.size(0) < 1) throw new ArgumentError(`FeatureStandardizer: expected (N, D) training features with N >= 1, got [${train.shape.join(', ')}]`);
    const { mean, invSd } = noGrad(() =>
      tidy(() => {
        const x = train.float();
        const m = x.mean(0, true);
        const sd = x.var(0, 0, true).sqrt();
        const inv = sd.gt(CONSTANT_SD).float().div(sd.clamp(CONSTANT_SD));
        return { mean: keep(m), invSd: keep(inv) };
      }),
    );
    this.mean = mean;
    this.invSd = invSd;
  }

  /** (N, D) -> (N, D) z-scores. The caller owns the result. */
  apply(features: Tensor): Tensor {
    return noGrad(() => tidy(() => features.sub(this.mean).mul(this.invSd)));
  }

  /** Rewrites a head trained on z-scores into the same function of raw features, in place. */
  foldInto(head: Linear): void {
    if (head.inFeatures !== this.mean.size(1)) throw new ArgumentError(`FeatureStandardizer.foldInto: the head reads ${head.inFeatures} features, the statistics describe ${this.mean.size(1)}`);
    noGrad(() =>
      tidy(() => {
        const w = head.weight.mul(this.invSd); // (K, D) * (1, D)
        if (head.bias) head.bias.copy_(head.bias.sub(w.matmul(this.mean.t()).reshape([-1])));
        head.weight.copy_(w);
      }),
    );
  }

  dispose(): void {
    this.mean.dispose();
    this.invSd.dispose();
  }
}
