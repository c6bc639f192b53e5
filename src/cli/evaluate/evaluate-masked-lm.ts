// Evaluating a masked-LM backbone (a BertForMaskedLM directory, as `adaptlab pretrain text`
// writes) on the texts of a table: the source task's metric. 15% of each text's real tokens are
// corrupted as in BERT (80% [MASK], 10% random, 10% kept) with a fixed seed, and the model must
// restore the originals; next to it, the unigram baseline: always predicting the most frequent
// token of these texts (chosen on the data itself, so an optimistic baseline).
import { ConfigError, UsageError } from '../../errors.js';
import { readTexts } from '../../data/text-table.js';
import { BertTokenizer } from '../../data/tokenizer.js';
import { loadBertForMaskedLM } from '../../models/index.js';
import { encodeRows, evaluateMasked, mostFrequentToken } from '../../pretrain/masked-lm.js';
import type { MaskingVocab } from '../../pretrain/masking.js';
import type { TextEvaluationRequest } from './evaluate-request.js';

/** The corruption is drawn from this seed, so a result can be reproduced exactly. */
export const MASK_SEED = 0;

export interface MaskedLmEvaluation {
  arch: string;
  model: string;
  data: string;
  texts: number;
  maxLength: number;
  /** Masked positions scored. */
  positions: number;
  maskedAccuracy: number;
  unigramBaseline: number;
  baselineToken: string;
  /** Mean cross-entropy at the masked positions. */
  loss: number;
  maskSeed: number;
  notes: string[];
}

export async function evaluateMaskedLm(req: TextEvaluationRequest): Promise<MaskedLmEvaluation> {
  if (req.predictions !== undefined) {
    throw new UsageError(`adaptlab evaluate: --predictions writes one class per example, but ${req.modelDir} is a masked LM (no classifier); drop --predictions.`);
  }
  if (req.labelColumn !== undefined) {
    throw new UsageError(`adaptlab evaluate: --label-column is for classifiers; ${req.modelDir} is a masked LM, scored on the texts alone. Drop --label-column.`);
  }
  const texts = readTexts(req.data, { textColumn: req.textColumn, encoding: req.encoding });
  const tokenizer = BertTokenizer.fromDirectory(req.modelDir);
  const { model, report } = loadBertForMaskedLM(req.modelDir);
  try {
    if (tokenizer.vocabSize > model.config.vocabSize) {
      throw new ConfigError(`${req.modelDir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model embeds only ${model.config.vocabSize} (config.json vocab_size); use the tokenizer files saved with this checkpoint.`);
    }
    const positions = model.config.maxPositionEmbeddings;
    if (req.maxLength !== undefined && req.maxLength > positions) {
      throw new UsageError(`adaptlab evaluate: --max-length ${req.maxLength} exceeds the ${positions} positions of the model in ${req.modelDir}; pass --max-length ${positions} or less.`);
    }
    const maxLength = req.maxLength ?? Math.min(tokenizer.modelMaxLength, positions);
    const maskId = tokenizer.requireMaskToken();
    const specialIds = [tokenizer.ids.pad, tokenizer.ids.unk, tokenizer.ids.cls, tokenizer.ids.sep, maskId];
    const vocab: MaskingVocab = { maskId, vocabSize: tokenizer.vocabSize, specialIds };
    const rows = await encodeRows(tokenizer, texts, maxLength);
    const what = `the texts of ${req.data}`;
    const baselineId = mostFrequentToken(rows, specialIds, what);
    const r = evaluateMasked(model, rows, vocab, tokenizer.ids.pad, MASK_SEED, baselineId, what, req.batchSize);
    return {
      arch: 'bert (masked LM)',
      model: req.modelDir,
      data: req.data,
      texts: texts.length,
      maxLength,
      positions: r.positions,
      maskedAccuracy: r.accuracy,
      unigramBaseline: r.baseline,
      baselineToken: tokenizer.idToToken(baselineId) ?? `#${baselineId}`,
      loss: r.loss,
      maskSeed: MASK_SEED,
      notes: report.notes,
    };
  } finally {
    model.dispose();
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

export function formatMaskedLm(e: MaskedLmEvaluation): string {
  const lines = [
    `${e.arch} (${e.model}) on ${e.texts} texts from ${e.data} (at most ${e.maxLength} tokens each)`,
    `masked-token accuracy  ${pct(e.maskedAccuracy)} over ${e.positions} masked positions (15% of real tokens, 80% [MASK] / 10% random / 10% kept, mask seed ${e.maskSeed})`,
    `unigram baseline       ${pct(e.unigramBaseline)} (always "${e.baselineToken}", the most frequent token of these texts)`,
    `masked-LM loss         ${e.loss.toFixed(4)}`,
  ];
  for (const note of e.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export function maskedLmJson(e: MaskedLmEvaluation): Record<string, unknown> {
  return { modality: 'text', task: 'masked-lm', ...e };
}
