// Masked-language modelling on token rows: the forward pass that runs the MLM head only at the
// selected positions, and the source-task metric (masked-token accuracy with a fixed corruption,
// next to the unigram baseline). Used by pretraining and by `adaptlab evaluate` on masked-LM
// directories.
import { F, Tensor, fromTypedArray, noGrad, tidy } from '../tensor/index.js';
import type { BertForMaskedLM } from '../models/index.js';
import type { BertTokenizer } from '../data/tokenizer.js';
import { mulberry32 } from '../data/splits.js';
import { DataError } from '../errors.js';
import { maskTokens, IGNORE_INDEX, type MaskingVocab } from './masking.js';

/** Token id rows ([CLS] ... [SEP], truncated to maxLength), encoded in chunks. */
export async function encodeRows(tokenizer: BertTokenizer, texts: readonly string[], maxLength: number): Promise<Int32Array[]> {
  const rows: Int32Array[] = [];
  for (let start = 0; start < texts.length; start += 1000) {
    const batch = await tokenizer.encodeBatch(texts.slice(start, start + 1000), { maxLength, padding: 'longest' });
    batch.inputIds.forEach((ids, i) => {
      const n = batch.attentionMask[i].reduce((a, b) => a + b, 0);
      rows.push(Int32Array.from(ids.slice(0, n)));
    });
  }
  return rows;
}

/** Rows padded to the longest of them: ids (rows x T) and the attention mask. */
function padRows(rows: readonly Int32Array[], padId: number): { ids: Int32Array; mask: BigInt64Array; length: number } {
  const length = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ids = new Int32Array(rows.length * length).fill(padId);
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((r, i) => {
    ids.set(r, i * length);
    for (let j = 0; j < r.length; j++) mask[i * length + j] = 1n;
  });
  return { ids, mask, length };
}

const toInt64 = (a: ArrayLike<number>, shape: number[]): Tensor => fromTypedArray(BigInt64Array.from(Array.from(a), (v) => BigInt(v)), shape, 'int64');

export interface MlmBatchResult {
  /** Masked-LM loss over the selected positions. */
  loss: Tensor;
  /** (M, V) logits at the selected positions. */
  logits: Tensor;
  /** (M) original ids. */
  targets: Tensor;
}

/** Masked-LM forward over `rows`: the encoder over every position, the MLM head only at the selected ones. */
export function mlmForward(model: BertForMaskedLM, rows: readonly Int32Array[], vocab: MaskingVocab, padId: number, random: () => number): MlmBatchResult | null {
  const { ids, mask, length } = padRows(rows, padId);
  const masked = maskTokens(ids, vocab, random);
  if (masked.selected.length === 0) return null;
  const n = rows.length;
  const hidden = model.bert.forwardSequence({ inputIds: toInt64(masked.inputIds, [n, length]), attentionMask: fromTypedArray(mask, [n, length], 'int64') }); // (N, T, H)
  const flat = hidden.reshape([n * length, model.config.hiddenSize]);
  const logits = model.cls.predictions.forward(flat.indexSelect(0, toInt64(masked.selected, [masked.selected.length]))); // (M, V)
  const targets = toInt64(masked.selected.map((i) => masked.labels[i]), [masked.selected.length]);
  const loss = F.crossEntropy(logits, targets, { ignoreIndex: IGNORE_INDEX });
  return { loss, logits, targets };
}

export interface MaskedEvaluation {
  accuracy: number;
  loss: number;
  positions: number;
  /** Accuracy of always predicting `baselineId` at the same positions. */
  baseline: number;
}

/**
 * Masked-token accuracy on `rows` with a fixed corruption (the generator of `maskSeed`); `what`
 * names the rows in errors.
 */
export function evaluateMasked(model: BertForMaskedLM, rows: readonly Int32Array[], vocab: MaskingVocab, padId: number, maskSeed: number, baselineId: number, what = 'the texts', batchSize = 64): MaskedEvaluation {
  const wasTraining = model.training;
  model.eval();
  const random = mulberry32(maskSeed >>> 0);
  let correct = 0;
  let baseline = 0;
  let positions = 0;
  let lossSum = 0;
  noGrad(() => {
    for (let start = 0; start < rows.length; start += batchSize) {
      const r = tidy(() => {
        const out = mlmForward(model, rows.slice(start, start + batchSize), vocab, padId, random);
        if (out === null) return { c: 0, b: 0, m: 0, l: 0 };
        const m = out.targets.size(0);
        return {
          c: out.logits.argmax(1).eq(out.targets).sum().item(),
          b: out.targets.eq(baselineId).sum().item(),
          m,
          l: out.loss.item() * m,
        };
      });
      correct += r.c;
      baseline += r.b;
      positions += r.m;
      lossSum += r.l;
    }
  });
  model.train(wasTraining);
  if (positions === 0) throw new DataError(`masked-LM evaluation: ${what} gave no maskable tokens to evaluate on; they are empty after tokenisation`);
  return { accuracy: correct / positions, loss: lossSum / positions, positions, baseline: baseline / positions };
}

/** The most frequent maskable token id over `rows`. */
export function mostFrequentToken(rows: readonly Int32Array[], specialIds: readonly number[], what = 'the texts'): number {
  const special = new Set(specialIds);
  const counts = new Map<number, number>();
  for (const r of rows) for (const id of r) if (!special.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  let best = -1;
  let bestCount = -1;
  for (const [id, c] of counts) if (c > bestCount || (c === bestCount && id < best)) [best, bestCount] = [id, c];
  if (best < 0) throw new DataError(`masked-LM evaluation: ${what} have no maskable tokens; they are empty after tokenisation`);
  return best;
}
