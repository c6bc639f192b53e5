// The basic layers. Each holds its parameters under PyTorch's names and calls one operator.
import { Tensor, F, empty, zeros, ones, noGrad, type DType } from '../tensor/index.js';
import { ArgumentError } from '../errors.js';
import { Module } from './module.js';
import { normal_, resetLinearLike } from './init.js';

/** y = x W^T + b: (..., inFeatures) -> (..., outFeatures) */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.param('weight', empty([outFeatures, inFeatures]));
    this.bias = this.param('bias', options.bias === false ? null : empty([outFeatures]));
    resetLinearLike(this.weight, this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** (N, Cin, H, W) -> (N, Cout, H', W') */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Required<Omit<Conv2dOptions, 'bias'>>;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dOptions = {},
  ) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = options;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ArgumentError(`Conv2d: channels ${inChannels}->${outChannels} are not divisible by groups=${groups}`);
    }
    this.options = { stride, padding, dilation, groups };
    this.weight = this.param('weight', empty([outChannels, inChannels / groups, kernelSize, kernelSize]));
    this.bias = this.param('bias', bias ? empty([outChannels]) : null);
    resetLinearLike(this.weight, this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

/**
 * BatchNorm over channels of (N, C, H, W). In train mode: batch statistics, running stats updated
 * with `momentum` (or a cumulative average when momentum is null), num_batches_tracked counted.
 * In eval mode: running statistics. Same semantics as torch.nn.BatchNorm2d.
 */
export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  constructor(
    readonly numFeatures: number,
    readonly options: { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean } = {},
  ) {
    super();
    const affine = options.affine ?? true;
    const track = options.trackRunningStats ?? true;
    this.weight = this.param('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.param('bias', affine ? zeros([numFeatures]) : null);
    this.runningMean = this.buffer('running_mean', track ? zeros([numFeatures]) : null);
    this.runningVar = this.buffer('running_var', track ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.buffer('num_batches_tracked', track ? zeros([], 'int64') : null);
  }
  get eps(): number {
    return this.options.eps ?? 1e-5;
  }
  forward(x: Tensor): Tensor {
    let momentum = this.options.momentum === undefined ? 0.1 : this.options.momentum;
    if (this.training && this.numBatchesTracked !== null) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (momentum === null) momentum = 1 / this.numBatchesTracked.item();
    }
    const useBatchStats = this.training || this.runningMean === null;
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, useBatchStats, momentum ?? 0, this.eps);
  }
}

/** Normalises the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly eps = 1e-5,
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    this.weight = this.param('weight', ones(this.normalizedShape));
    this.bias = this.param('bias', zeros(this.normalizedShape));
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/**
 * Lookup table (numEmbeddings, dim); int64 ids (...) -> (..., dim). Init N(0, 1), padding row 0.
 * A negative paddingIdx counts from the end (-1 = last row) and is stored normalised, as PyTorch.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    paddingIdx: number | null = null,
  ) {
    super();
    if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= -numEmbeddings && paddingIdx < numEmbeddings)) {
      throw new ArgumentError(`Embedding: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${paddingIdx}`);
    }
    // aten::embedding reads -1 as "no padding row", so a negative index must not reach it as is.
    this.paddingIdx = paddingIdx !== null && paddingIdx < 0 ? numEmbeddings + paddingIdx : paddingIdx;
    this.weight = this.param('weight', empty([numEmbeddings, embeddingDim]));
    normal_(this.weight);
    const row = this.paddingIdx;
    // select() makes a view handle; dispose it (the weight keeps the storage).
    if (row !== null) noGrad(() => this.weight.select(0, row).fill_(0).dispose());
  }
  forward(ids: Tensor): Tensor {
    return F.embedding(this.weight, ids, this.paddingIdx ?? -1);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new ArgumentError(`Dropout: p must be in [0, 1), got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** Passes its input through (as a new handle on the same tensor). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x.view(x.shape);
  }
}

/** Children named "0", "1", ... applied in order (torchvision's `downsample` is one). */
export class Sequential extends Module {
  readonly layers: (Module & { forward(x: Tensor): Tensor })[];
  constructor(...layers: (Module & { forward(x: Tensor): Tensor })[]) {
    super();
    this.layers = layers.map((m, i) => this.module(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h === x ? x.view(x.shape) : h;
  }
}

/** Children named "0", "1", ... without a forward of its own (BERT's `encoder.layer`). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.module(String(i), m));
  }
  get length(): number {
    return this.items.length;
  }
}

export type { DType };
