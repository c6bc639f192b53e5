// BERT's configuration, read from and written to Hugging Face's config.json. Defaults are
// Hugging Face's BertConfig defaults (those of bert-base-uncased), so a minimal config.json
// behaves as it would in transformers. Anything we cannot run exactly is refused with a
// ConfigError rather than approximated.
import { ConfigError } from '../errors.js';

/** gelu: exact erf form; gelu_new: tanh approximation; relu. */
export const BERT_ACTIVATIONS = ['gelu', 'gelu_new', 'relu'] as const;
export type BertActivation = (typeof BERT_ACTIVATIONS)[number];

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: BertActivation;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  initializerRange: number;
  padTokenId: number;
  /** Dropout before the classifier; null means hiddenDropoutProb (as in Hugging Face). */
  classifierDropout: number | null;
  numLabels: number;
  /** Class names by index, when the checkpoint has them. */
  id2label?: Record<number, string>;
}

/** bert-base-uncased's shape. */
export const BERT_BASE: BertConfig = {
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: 'gelu',
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  initializerRange: 0.02,
  padTokenId: 0,
  classifierDropout: null,
  numLabels: 2,
};

/** BERT_BASE with `overrides`, validated. */
export function bertConfig(overrides: Partial<BertConfig> = {}): BertConfig {
  const c = { ...BERT_BASE, ...overrides };
  validate(c, 'bertConfig');
  return c;
}

type Json = Record<string, unknown>;

function num(json: Json, key: string, fallback: number, source: string, kind: 'int' | 'prob' | 'positive'): number {
  const v = json[key] ?? fallback;
  const ok = typeof v === 'number' && Number.isFinite(v) && (kind === 'int' ? Number.isInteger(v) && v >= 0 : kind === 'prob' ? v >= 0 && v < 1 : v > 0);
  if (!ok) {
    const want = kind === 'int' ? 'a non-negative integer' : kind === 'prob' ? 'a probability in [0, 1)' : 'a positive number';
    throw new ConfigError(`${source}: "${key}" must be ${want}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/**
 * A BertConfig from a parsed Hugging Face config.json. `source` (the file) names it in errors.
 * Supported: absolute position embeddings, encoder-only models, activations gelu / gelu_new / relu.
 */
export function bertConfigFromJson(json: unknown, source = 'config.json'): BertConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`${source}: expected a JSON object (a Hugging Face config.json), got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  }
  const j = json as Json;
  if (j.model_type !== undefined && j.model_type !== 'bert') {
    throw new ConfigError(`${source}: model_type is "${String(j.model_type)}", expected "bert"; only BERT checkpoints (BertModel, BertFor*) load here`);
  }
  const act = j.hidden_act ?? 'gelu';
  if (typeof act !== 'string' || !(BERT_ACTIVATIONS as readonly string[]).includes(act)) {
    throw new ConfigError(
      `${source}: hidden_act ${JSON.stringify(act)} is not supported; supported activations: ${BERT_ACTIVATIONS.join(', ')} (gelu = exact erf GELU, gelu_new = tanh approximation)`,
    );
  }
  const pos = j.position_embedding_type ?? 'absolute';
  if (pos !== 'absolute') {
    throw new ConfigError(`${source}: position_embedding_type ${JSON.stringify(pos)} is not supported; only "absolute" is`);
  }
  if (j.is_decoder === true || j.add_cross_attention === true) {
    throw new ConfigError(`${source}: decoder BERT (is_decoder / add_cross_attention) is not supported; use an encoder checkpoint`);
  }
  const id2label = parseId2label(j, source);
  const numLabels = id2label ? Object.keys(id2label).length : num(j, 'num_labels', BERT_BASE.numLabels, source, 'int');
  const classifierDropout = j.classifier_dropout === undefined || j.classifier_dropout === null ? null : num(j, 'classifier_dropout', 0, source, 'prob');
  const c: BertConfig = {
    vocabSize: num(j, 'vocab_size', BERT_BASE.vocabSize, source, 'int'),
    hiddenSize: num(j, 'hidden_size', BERT_BASE.hiddenSize, source, 'int'),
    numHiddenLayers: num(j, 'num_hidden_layers', BERT_BASE.numHiddenLayers, source, 'int'),
    numAttentionHeads: num(j, 'num_attention_heads', BERT_BASE.numAttentionHeads, source, 'int'),
    intermediateSize: num(j, 'intermediate_size', BERT_BASE.intermediateSize, source, 'int'),
    hiddenAct: act as BertActivation,
    hiddenDropoutProb: num(j, 'hidden_dropout_prob', BERT_BASE.hiddenDropoutProb, source, 'prob'),
    attentionProbsDropoutProb: num(j, 'attention_probs_dropout_prob', BERT_BASE.attentionProbsDropoutProb, source, 'prob'),
    maxPositionEmbeddings: num(j, 'max_position_embeddings', BERT_BASE.maxPositionEmbeddings, source, 'int'),
    typeVocabSize: num(j, 'type_vocab_size', BERT_BASE.typeVocabSize, source, 'int'),
    layerNormEps: num(j, 'layer_norm_eps', BERT_BASE.layerNormEps, source, 'positive'),
    initializerRange: num(j, 'initializer_range', BERT_BASE.initializerRange, source, 'positive'),
    padTokenId: num(j, 'pad_token_id', BERT_BASE.padTokenId, source, 'int'),
    classifierDropout,
    numLabels,
    ...(id2label ? { id2label } : {}),
  };
  validate(c, source);
  return c;
}

/** id2label with integer keys 0..n-1 (config.json stores them as strings), or undefined. */
function parseId2label(j: Json, source: string): Record<number, string> | undefined {
  const raw = j.id2label;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: id2label must be an object {"0": "label", ...}`);
  const entries = Object.entries(raw as Record<string, unknown>);
  const out: Record<number, string> = {};
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof v !== 'string') {
      throw new ConfigError(`${source}: id2label must map "0".."${entries.length - 1}" to label strings; found ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    }
    out[i] = v;
  }
  // Like transformers, id2label wins over a disagreeing num_labels.
  return out;
}

function validate(c: BertConfig, source: string): void {
  for (const key of ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize', 'numLabels'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new ConfigError(`${source}: ${key} must be an integer >= 1, got ${c[key]}`);
  }
  if (!(BERT_ACTIVATIONS as readonly string[]).includes(c.hiddenAct)) {
    throw new ConfigError(`${source}: hidden_act ${JSON.stringify(c.hiddenAct)} is not supported; supported activations: ${BERT_ACTIVATIONS.join(', ')}`);
  }
  // Bounds far above any published BERT, so a typo cannot ask for tens of gigabytes.
  const limits = { vocabSize: 10_000_000, hiddenSize: 16_384, numHiddenLayers: 256, numAttentionHeads: 1_024, intermediateSize: 65_536, maxPositionEmbeddings: 65_536, typeVocabSize: 1_024 } as const;
  for (const [key, max] of Object.entries(limits) as [keyof typeof limits, number][]) {
    if (c[key] > max) throw new ConfigError(`${source}: ${key} ${c[key]} is beyond any BERT (at most ${max}); the config is damaged or belongs to another kind of model`);
  }
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new ConfigError(`${source}: hidden_size ${c.hiddenSize} is not a multiple of num_attention_heads ${c.numAttentionHeads}`);
  }
  if (c.padTokenId >= c.vocabSize) throw new ConfigError(`${source}: pad_token_id ${c.padTokenId} is outside the vocabulary (size ${c.vocabSize})`);
  if (c.id2label !== undefined && Object.keys(c.id2label).length !== c.numLabels) {
    throw new ConfigError(`${source}: numLabels ${c.numLabels} disagrees with id2label's ${Object.keys(c.id2label).length} entries`);
  }
}

/** class names in index order from id2label, or undefined. */
export function classNamesOf(c: BertConfig): string[] | undefined {
  return c.id2label ? Array.from({ length: c.numLabels }, (_, i) => c.id2label![i]) : undefined;
}

/** A Hugging Face config.json object for `c` (`architectures` names the model class). */
export function bertConfigToJson(c: BertConfig, architecture = 'BertForSequenceClassification', classNames?: readonly string[]): Json {
  const names = classNames ?? classNamesOf(c) ?? Array.from({ length: c.numLabels }, (_, i) => `LABEL_${i}`);
  return {
    architectures: [architecture],
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    initializer_range: c.initializerRange,
    pad_token_id: c.padTokenId,
    position_embedding_type: 'absolute',
    classifier_dropout: c.classifierDropout,
    num_labels: names.length,
    id2label: Object.fromEntries(names.map((n, i) => [String(i), n])),
    label2id: Object.fromEntries(names.map((n, i) => [n, i])),
    torch_dtype: 'float32',
  };
}
