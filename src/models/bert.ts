// BERT models with Hugging Face's names and initialisation:
//   BertForSequenceClassification: `bert.` (BertModel with pooler), `dropout`, `classifier`;
//   BertForMaskedLM: `bert.` (no pooler), `cls.predictions.{transform.dense, transform.LayerNorm,
//   decoder, bias}`, the decoder's weight being the word-embedding tensor itself (tied) and its
//   bias `cls.predictions.bias` (as in transformers, both appear in the state dict under two names).
import { Tensor, F, manualSeed, noGrad, zeros, onesLike, zerosLike } from '../tensor/index.js';
import { Module, Linear, LayerNorm, Embedding, Dropout } from '../nn/index.js';
import { additiveAttentionMask } from '../nn/attention.js';
import { chain, chainConsuming } from './chain.js';
import { BertModel, activation, checkBertInput } from './bert-layers.js';
import { bertConfig, classNamesOf, type BertConfig } from './bert-config.js';
import { groupByPrefix, checkHeadArgs, checkedHeadInfo, checkStep, type Activation, type BertInput, type HeadInfo, type ParameterGroup, type TransferContract } from './contract.js';

export { BertModel } from './bert-layers.js';
export type { BertInput } from './contract.js';

/**
 * Hugging Face's `_init_weights` over `root`'s modules in order: Linear and Embedding weights
 * N(0, initializerRange), Linear biases 0, the padding row of an embedding 0, LayerNorm 1 / 0.
 */
export function initBertWeights(root: Module, initializerRange: number): void {
  noGrad(() => {
    for (const [, m] of root.namedModules()) {
      if (m instanceof Linear) {
        m.weight.normal_(0, initializerRange);
        m.bias?.zero_();
      } else if (m instanceof Embedding) {
        m.weight.normal_(0, initializerRange);
        if (m.paddingIdx !== null) m.weight.select(0, m.paddingIdx).fill_(0).dispose(); // dispose the row view only
      } else if (m instanceof LayerNorm) {
        m.weight.fill_(1);
        m.bias.zero_();
      }
    }
  });
}

/** Group rules shared by every BERT: embeddings, layer.0..layer.L-1, pooler (if any). */
export function bertGroupSpec(prefix: string, cfg: BertConfig, hasPooler: boolean): { name: string; prefixes: string[] }[] {
  return [
    { name: 'embeddings', prefixes: [`${prefix}embeddings`] },
    ...Array.from({ length: cfg.numHiddenLayers }, (_, i) => ({ name: `layer.${i}`, prefixes: [`${prefix}encoder.layer.${i}`] })),
    ...(hasPooler ? [{ name: 'pooler', prefixes: [`${prefix}pooler`] }] : []),
  ];
}

/** Pooled [CLS] features -> dropout -> classifier (N, numLabels). */
export class BertForSequenceClassification extends Module implements TransferContract<BertInput> {
  readonly modality = 'text' as const;
  readonly arch = 'bert';
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly featureDim: number;
  #classifier: Linear;
  #head: HeadInfo;
  readonly #cfg: BertConfig;

  constructor(config: Partial<BertConfig> = {}) {
    super();
    const cfg = bertConfig(config);
    this.#cfg = cfg;
    this.featureDim = cfg.hiddenSize;
    this.bert = this.module('bert', new BertModel(cfg));
    this.dropout = this.module('dropout', new Dropout(cfg.classifierDropout ?? cfg.hiddenDropoutProb));
    this.#classifier = this.module('classifier', new Linear(cfg.hiddenSize, cfg.numLabels));
    initBertWeights(this, cfg.initializerRange);
    const names = classNamesOf(cfg);
    this.#head = { numClasses: cfg.numLabels, seed: null, ...(names ? { classNames: names } : {}) };
  }

  /** The configuration with numLabels / id2label of the current head (enough to rebuild it). */
  get config(): BertConfig {
    const { id2label: _old, ...rest } = this.#cfg;
    const names = this.#head.classNames;
    return { ...rest, numLabels: this.#head.numClasses, ...(names ? { id2label: Object.fromEntries(names.map((n, i) => [i, n])) } : {}) };
  }

  get classifier(): Linear {
    return this.#classifier;
  }

  get headLayer(): Linear {
    return this.#classifier;
  }

  get headInfo(): HeadInfo {
    return checkedHeadInfo(this.arch, this.#head, this.#head.numClasses);
  }

  /** Pooled [CLS] representation (N, H), after the pooler's dense + tanh. */
  forwardFeatures(input: BertInput): Tensor {
    return this.bert.forwardPooled(input);
  }

  /**
   * After groups [0, end): { hidden (N, T, H), mask (N, 1, 1, T) additive } while inside the
   * encoder; the pooled (N, H) features once the pooler (the last group) has run.
   */
  forwardPrefix(input: BertInput, end: number): Activation {
    const layers = this.bert.encoder.layer.items;
    checkStep(this.arch, end, layers.length + 2, 'forwardPrefix');
    if (end === 0) {
      const [n, t] = checkBertInput(input, this.#cfg, this.arch);
      const ids = input.inputIds.view([n, t]);
      return {
        inputIds: ids,
        attentionMask: input.attentionMask ? input.attentionMask.view([n, t]) : onesLike(ids),
        tokenTypeIds: input.tokenTypeIds ? input.tokenTypeIds.view([n, t]) : zerosLike(ids),
      };
    }
    checkBertInput(input, this.#cfg, this.arch);
    const mask = input.attentionMask ? additiveAttentionMask(input.attentionMask) : zeros([input.inputIds.size(0), 1, 1, input.inputIds.size(1)]);
    const embedded = this.bert.embeddings.forward(input.inputIds, input.tokenTypeIds ?? null);
    return this.#continue({ hidden: embedded, mask }, 1, end);
  }

  forwardFeaturesFrom(a: Activation, start: number): Tensor {
    const layers = this.bert.encoder.layer.items;
    checkStep(this.arch, start, layers.length + 2, 'forwardFeaturesFrom');
    if (start === 0) return this.forwardFeatures(a as unknown as BertInput);
    if (start === layers.length + 2) return (a as Tensor).view((a as Tensor).shape); // already pooled
    const out = this.#continue(a as { hidden: Tensor; mask: Tensor }, start, layers.length + 2, false);
    return out as Tensor;
  }

  /** Runs groups [from, to) on { hidden, mask }; consumes its input unless `owned` is false. */
  #continue(a: { hidden: Tensor; mask: Tensor }, from: number, to: number, owned = true): Activation {
    const layers = this.bert.encoder.layer.items;
    let hidden = a.hidden;
    for (let g = from; g < Math.min(to, layers.length + 1); g++) {
      const next = layers[g - 1].forward(hidden, a.mask);
      if (owned || hidden !== a.hidden) hidden.dispose();
      hidden = next;
    }
    if (to === layers.length + 2) {
      const pooled = this.bert.pooler!.forward(hidden);
      if (owned || hidden !== a.hidden) hidden.dispose();
      if (owned) a.mask.dispose();
      return pooled;
    }
    return { hidden: owned || hidden !== a.hidden ? hidden : hidden.view(hidden.shape), mask: owned ? a.mask : a.mask.view(a.mask.shape) };
  }

  /** (N, H) -> dropout -> classifier -> (N, numLabels) */
  forwardHead(features: Tensor): Tensor {
    return chain(
      features,
      (t) => this.dropout.forward(t),
      (t) => this.#classifier.forward(t),
    );
  }

  forward(input: BertInput): Tensor {
    return chainConsuming(this.forwardFeatures(input), (t) => this.forwardHead(t));
  }

  /** A new classifier: seeded, weight N(0, initializerRange), bias 0 (Hugging Face's init). */
  resetClassifier(numClasses: number, seed: number, classNames?: readonly string[]): void {
    checkHeadArgs(this.arch, numClasses, seed, classNames);
    manualSeed(seed);
    const classifier = new Linear(this.featureDim, numClasses);
    initBertWeights(classifier, this.#cfg.initializerRange);
    classifier.train(this.training);
    const old = this.#classifier;
    this.#classifier = this.module('classifier', classifier);
    old.dispose();
    this.#head = { numClasses, seed, ...(classNames ? { classNames: [...classNames] } : {}) };
  }

  restoreHeadInfo(info: HeadInfo): void {
    this.#head = checkedHeadInfo(this.arch, info, this.#classifier.outFeatures);
  }

  /** embeddings, layer.0 .. layer.L-1, pooler, head (classifier). */
  parameterGroups(): ParameterGroup[] {
    return groupByPrefix(this.namedParameters(), [...bertGroupSpec('bert.', this.#cfg, true), { name: 'head', prefixes: ['classifier'] }], this.arch);
  }
}

/** A Linear whose weight and bias are tensors owned elsewhere (weight tying). */
export class TiedLinear extends Module {
  constructor(
    readonly weight: Tensor,
    readonly bias: Tensor | null,
  ) {
    super();
    this.param('weight', weight);
    this.param('bias', bias);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/** cls.predictions.transform: dense -> activation -> LayerNorm */
class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly act: (t: Tensor) => Tensor;
  constructor(cfg: BertConfig) {
    super();
    this.dense = this.module('dense', new Linear(cfg.hiddenSize, cfg.hiddenSize));
    this.act = activation(cfg.hiddenAct);
    this.layerNorm = this.module('LayerNorm', new LayerNorm(cfg.hiddenSize, cfg.layerNormEps));
  }
  forward(h: Tensor): Tensor {
    return chain(h, (t) => this.dense.forward(t), this.act, (t) => this.layerNorm.forward(t));
  }
}

/** cls.predictions: own `bias` (V), `transform`, `decoder` tied to the word embeddings. */
class BertLMPredictionHead extends Module {
  readonly bias: Tensor;
  readonly transform: BertPredictionHeadTransform;
  readonly decoder: TiedLinear;
  constructor(cfg: BertConfig, wordEmbeddings: Tensor) {
    super();
    this.bias = this.param('bias', zeros([cfg.vocabSize])); // (V)
    this.transform = this.module('transform', new BertPredictionHeadTransform(cfg));
    this.decoder = this.module('decoder', new TiedLinear(wordEmbeddings, this.bias));
  }
  /** (N, T, H) -> (N, T, V) */
  forward(h: Tensor): Tensor {
    return chain(h, (t) => this.transform.forward(t), (t) => this.decoder.forward(t));
  }
}

class BertOnlyMLMHead extends Module {
  readonly predictions: BertLMPredictionHead;
  constructor(cfg: BertConfig, wordEmbeddings: Tensor) {
    super();
    this.predictions = this.module('predictions', new BertLMPredictionHead(cfg, wordEmbeddings));
  }
}

/** Masked-language-model head over every position: (N, T) ids -> (N, T, vocab) logits. */
export class BertForMaskedLM extends Module {
  readonly modality = 'text' as const;
  readonly arch = 'bert-mlm';
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  readonly config: BertConfig;

  constructor(config: Partial<BertConfig> = {}) {
    super();
    this.config = bertConfig(config);
    this.bert = this.module('bert', new BertModel(this.config, { addPoolingLayer: false }));
    this.cls = this.module('cls', new BertOnlyMLMHead(this.config, this.bert.embeddings.wordEmbeddings.weight));
    initBertWeights(this, this.config.initializerRange);
  }

  forward(input: BertInput): Tensor {
    return chainConsuming(this.bert.forwardSequence(input), (h) => this.cls.predictions.forward(h));
  }

  /** embeddings (with the tied decoder weight), layer.0 .. layer.L-1, head (cls.predictions). */
  parameterGroups(): ParameterGroup[] {
    return groupByPrefix(this.namedParameters(), [...bertGroupSpec('bert.', this.config, false), { name: 'head', prefixes: ['cls'] }], this.arch);
  }
}
