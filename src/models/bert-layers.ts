// BERT's encoder with Hugging Face's module names, so `model.safetensors` of any BertModel /
// BertFor* checkpoint loads by name: embeddings.{word,position,token_type}_embeddings,
// embeddings.LayerNorm, encoder.layer.N.attention.self.{query,key,value},
// encoder.layer.N.attention.output.{dense,LayerNorm}, encoder.layer.N.intermediate.dense,
// encoder.layer.N.output.{dense,LayerNorm}, pooler.dense.
// Math follows Hugging Face: post-LN residual blocks, additive mask (1 - mask) * float32 min.
// Shapes: N batch, T tokens, H hidden, I intermediate.
import { Tensor, arange, zeros } from '../tensor/index.js';
import { Module, Linear, LayerNorm, Embedding, Dropout, ModuleList, MultiHeadSelfAttention, additiveAttentionMask } from '../nn/index.js';
import { ArgumentError } from '../errors.js';
import { chain, chainConsuming, addConsuming } from './chain.js';
import type { BertActivation, BertConfig } from './bert-config.js';
import type { BertInput } from './contract.js';

/** The elementwise activation named by config.hidden_act. */
export function activation(name: BertActivation): (t: Tensor) => Tensor {
  switch (name) {
    case 'gelu':
      return (t) => t.gelu('none');
    case 'gelu_new':
      return (t) => t.gelu('tanh');
    case 'relu':
      return (t) => t.relu();
  }
}

export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(readonly cfg: BertConfig) {
    super();
    this.wordEmbeddings = this.module('word_embeddings', new Embedding(cfg.vocabSize, cfg.hiddenSize, cfg.padTokenId));
    this.positionEmbeddings = this.module('position_embeddings', new Embedding(cfg.maxPositionEmbeddings, cfg.hiddenSize));
    this.tokenTypeEmbeddings = this.module('token_type_embeddings', new Embedding(cfg.typeVocabSize, cfg.hiddenSize));
    this.layerNorm = this.module('LayerNorm', new LayerNorm(cfg.hiddenSize, cfg.layerNormEps));
    this.dropout = this.module('dropout', new Dropout(cfg.hiddenDropoutProb));
  }

  /** ids (N, T), tokenTypeIds (N, T) or null for zeros -> (N, T, H) */
  forward(inputIds: Tensor, tokenTypeIds: Tensor | null): Tensor {
    const [n, t] = inputIds.shape;
    const words = this.wordEmbeddings.forward(inputIds); // (N, T, H)
    const types = tokenTypeIds ?? zeros([n, t], 'int64');
    const typeEmb = this.tokenTypeEmbeddings.forward(types); // (N, T, H)
    if (types !== tokenTypeIds) types.dispose();
    const positions = arange(t); // (T)
    const posEmb = this.positionEmbeddings.forward(positions); // (T, H), broadcast over N
    positions.dispose();
    // (words + types) + positions, in Hugging Face's order (float addition is not associative)
    const sum = addConsuming(addConsuming(words, typeEmb), posEmb);
    return chainConsuming(
      sum,
      (h) => this.layerNorm.forward(h),
      (h) => this.dropout.forward(h),
    );
  }
}

/** dense -> dropout -> LayerNorm(. + residual): attention.output and output of a layer. */
export class BertResidualOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(inFeatures: number, cfg: BertConfig) {
    super();
    this.dense = this.module('dense', new Linear(inFeatures, cfg.hiddenSize));
    this.layerNorm = this.module('LayerNorm', new LayerNorm(cfg.hiddenSize, cfg.layerNormEps));
    this.dropout = this.module('dropout', new Dropout(cfg.hiddenDropoutProb));
  }

  /** x (N, T, inFeatures), residual (N, T, H) -> (N, T, H) */
  forward(x: Tensor, residual: Tensor): Tensor {
    const h = chain(
      x,
      (t) => this.dense.forward(t),
      (t) => this.dropout.forward(t),
    );
    return chainConsuming(addConsuming(h, residual, residual), (t) => this.layerNorm.forward(t));
  }
}

/** `attention`: self-attention (`self`) and its output projection + residual (`output`). */
export class BertAttention extends Module {
  readonly self: MultiHeadSelfAttention;
  readonly output: BertResidualOutput;

  constructor(cfg: BertConfig) {
    super();
    this.self = this.module('self', new MultiHeadSelfAttention(cfg.hiddenSize, cfg.numAttentionHeads, { attentionDropout: cfg.attentionProbsDropoutProb }));
    this.output = this.module('output', new BertResidualOutput(cfg.hiddenSize, cfg));
  }

  /** h (N, T, H), additiveMask (N, 1, 1, T) or null -> (N, T, H) */
  forward(h: Tensor, additiveMask: Tensor | null): Tensor {
    const context = this.self.forward(h, additiveMask); // (N, T, H)
    try {
      return this.output.forward(context, h);
    } finally {
      context.dispose();
    }
  }
}

/** `intermediate`: dense H -> I followed by the configured activation. */
export class BertIntermediate extends Module {
  readonly dense: Linear;
  readonly act: (t: Tensor) => Tensor;

  constructor(cfg: BertConfig) {
    super();
    this.dense = this.module('dense', new Linear(cfg.hiddenSize, cfg.intermediateSize));
    this.act = activation(cfg.hiddenAct);
  }

  /** (N, T, H) -> (N, T, I) */
  forward(h: Tensor): Tensor {
    return chain(h, (t) => this.dense.forward(t), this.act);
  }
}

/** One post-LN transformer block: encoder.layer.N */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(cfg: BertConfig) {
    super();
    this.attention = this.module('attention', new BertAttention(cfg));
    this.intermediate = this.module('intermediate', new BertIntermediate(cfg));
    this.output = this.module('output', new BertResidualOutput(cfg.intermediateSize, cfg));
  }

  /** (N, T, H) -> (N, T, H) */
  forward(h: Tensor, additiveMask: Tensor | null): Tensor {
    const attended = this.attention.forward(h, additiveMask); // (N, T, H)
    try {
      const inner = this.intermediate.forward(attended); // (N, T, I)
      try {
        return this.output.forward(inner, attended);
      } finally {
        inner.dispose();
      }
    } finally {
      attended.dispose();
    }
  }
}

export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;
  constructor(cfg: BertConfig) {
    super();
    this.layer = this.module('layer', new ModuleList(Array.from({ length: cfg.numHiddenLayers }, () => new BertLayer(cfg))));
  }
  forward(h: Tensor, additiveMask: Tensor | null): Tensor {
    return chain(h, ...this.layer.items.map((l) => (t: Tensor) => l.forward(t, additiveMask)));
  }
}

/** tanh(dense(h[:, 0])): (N, T, H) -> (N, H), the [CLS] summary. */
export class BertPooler extends Module {
  readonly dense: Linear;
  constructor(cfg: BertConfig) {
    super();
    this.dense = this.module('dense', new Linear(cfg.hiddenSize, cfg.hiddenSize));
  }
  forward(sequence: Tensor): Tensor {
    return chainConsuming(
      sequence.select(1, 0), // (N, H)
      (t) => this.dense.forward(t),
      (t) => t.tanh(),
    );
  }
}

/** Checks a batch and returns its (N, T). */
export function checkBertInput(input: BertInput, cfg: BertConfig, owner: string): [number, number] {
  const ids = input.inputIds;
  if (ids === undefined || !(ids instanceof Tensor)) {
    throw new ArgumentError(`${owner}: expected { inputIds: Tensor (N, T) int64, attentionMask?, tokenTypeIds? }, got ${ids === undefined ? 'no inputIds' : typeof ids}`);
  }
  const s = ids.shape;
  if (s.length !== 2 || ids.dtype !== 'int64') {
    throw new ArgumentError(`${owner}: inputIds must be (N, T) int64 token ids, got [${s.join(', ')}] ${ids.dtype}`);
  }
  if (s[1] > cfg.maxPositionEmbeddings) {
    throw new ArgumentError(`${owner}: sequences of ${s[1]} tokens exceed max_position_embeddings ${cfg.maxPositionEmbeddings}; truncate them (e.g. tokenizer max length)`);
  }
  for (const [name, t] of [['attentionMask', input.attentionMask], ['tokenTypeIds', input.tokenTypeIds]] as const) {
    if (t !== undefined && (t.ndim !== 2 || t.size(0) !== s[0] || t.size(1) !== s[1])) {
      throw new ArgumentError(`${owner}: ${name} must have the shape of inputIds [${s.join(', ')}], got [${t.shape.join(', ')}]`);
    }
  }
  if (input.tokenTypeIds !== undefined && input.tokenTypeIds.dtype !== 'int64') {
    throw new ArgumentError(`${owner}: tokenTypeIds must be int64, got ${input.tokenTypeIds.dtype}`);
  }
  return [s[0], s[1]];
}

/** The bare encoder (Hugging Face's BertModel), with or without the pooler. */
export class BertModel extends Module {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(
    readonly cfg: BertConfig,
    options: { addPoolingLayer?: boolean } = {},
  ) {
    super();
    this.embeddings = this.module('embeddings', new BertEmbeddings(cfg));
    this.encoder = this.module('encoder', new BertEncoder(cfg));
    this.pooler = options.addPoolingLayer === false ? null : this.module('pooler', new BertPooler(cfg));
  }

  /** Final hidden states (N, T, H). */
  forwardSequence(input: BertInput): Tensor {
    checkBertInput(input, this.cfg, 'BertModel');
    const mask = input.attentionMask === undefined ? null : additiveAttentionMask(input.attentionMask); // (N, 1, 1, T)
    try {
      return chainConsuming(this.embeddings.forward(input.inputIds, input.tokenTypeIds ?? null), (h) => this.encoder.forward(h, mask));
    } finally {
      mask?.dispose();
    }
  }

  /** Pooled [CLS] (N, H); needs the pooler. */
  forwardPooled(input: BertInput): Tensor {
    if (this.pooler === null) throw new ArgumentError('BertModel: this model was built without a pooler (addPoolingLayer: false)');
    const pooler = this.pooler;
    return chainConsuming(this.forwardSequence(input), (h) => pooler.forward(h));
  }
}
