// Multi-head self-attention in Hugging Face's BertSelfAttention layout, so a BERT checkpoint's
// `encoder.layer.i.attention.self.{query,key,value}.{weight,bias}` load by name. Like HF, there is
// no output projection here: BERT keeps `attention.output.dense` in a separate module.
// Shapes: N batch, T tokens, H hidden size, h heads, d = H / h head size.
import { Tensor, F, tidy } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';
import { Module } from './module.js';
import { Linear, Dropout } from './layers.js';

/** torch.finfo(torch.float32).min: the value Hugging Face adds to masked attention scores. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * A (N, T) padding mask (1 or true = real token, 0 = padding; any dtype) as Hugging Face's
 * additive attention mask (N, 1, 1, T): 0 where kept, float32 min where masked, computed as
 * (1 - mask) * min exactly like `get_extended_attention_mask`. It broadcasts over heads and
 * query positions of the (N, h, T, T) scores.
 */
export function additiveAttentionMask(paddingMask: Tensor): Tensor {
  if (paddingMask.ndim !== 2) {
    throw new ArgumentError(`additiveAttentionMask: expected a (batch, tokens) 0/1 mask, got shape [${paddingMask.shape.join(', ')}]`);
  }
  return tidy(() => {
    const m = paddingMask.to('float32').unsqueeze(1).unsqueeze(2); // (N, 1, 1, T)
    return m.neg().add(1).mul(FLOAT32_MIN); // (1 - m) * min
  });
}

export interface MultiHeadSelfAttentionOptions {
  /** Dropout on the attention probabilities (BERT's attention_probs_dropout_prob). Default 0.1. */
  attentionDropout?: number;
}

/** (N, T, H) -> (N, T, H): per-head softmax(q k^T / sqrt(d) + mask) v, heads concatenated. */
export class MultiHeadSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  readonly headDim: number;

  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    options: MultiHeadSelfAttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(hiddenSize) || !Number.isInteger(numHeads) || numHeads < 1 || hiddenSize % numHeads !== 0) {
      throw new ArgumentError(`MultiHeadSelfAttention: hidden size ${hiddenSize} is not a multiple of the number of heads ${numHeads}`);
    }
    this.headDim = hiddenSize / numHeads;
    // Registration order = HF's, so namedParameters() lists query, key, value as a checkpoint does.
    this.query = this.module('query', new Linear(hiddenSize, hiddenSize));
    this.key = this.module('key', new Linear(hiddenSize, hiddenSize));
    this.value = this.module('value', new Linear(hiddenSize, hiddenSize));
    // A child (no parameters) so train()/eval() switch it with the rest of the model.
    this.dropout = this.module('dropout', new Dropout(options.attentionDropout ?? 0.1));
  }

  /**
   * x (N, T, H); additiveMask broadcastable to (N, h, T, T) (e.g. additiveAttentionMask's
   * (N, 1, 1, T)), 0 to keep and a large negative number to mask, or null. Returns the context
   * (N, T, H), before BERT's output projection.
   */
  forward(x: Tensor, additiveMask: Tensor | null = null): Tensor {
    const shape = x.shape;
    if (shape.length !== 3 || shape[2] !== this.hiddenSize) {
      throw new ArgumentError(`MultiHeadSelfAttention: expected input (batch, tokens, ${this.hiddenSize}), got [${shape.join(', ')}]`);
    }
    const [n, t] = shape;
    return tidy(() => {
      // (N, T, H) -> (N, T, h, d) -> (N, h, T, d)
      const heads = (proj: Linear): Tensor => proj.forward(x).view([n, t, this.numHeads, this.headDim]).permute([0, 2, 1, 3]);
      const q = heads(this.query);
      const k = heads(this.key);
      const v = heads(this.value);
      const ctx = F.scaledDotProductAttention(q, k, v, additiveMask, this.dropout.p, this.dropout.training); // (N, h, T, d)
      // (N, h, T, d) -> (N, T, h, d) -> (N, T, H)
      return ctx.permute([0, 2, 1, 3]).contiguous().view([n, t, this.hiddenSize]);
    });
  }
}
