// Texts -> BERT model input: three int64 (N, T) tensors, made from the tokenizer's padded id rows.
// Each tensor crosses into libtorch once, from one BigInt64Array.
import { ArgumentError } from '../errors.js';
import { fromTypedArray, type Tensor } from '../tensor/index.js';
import type { BertTokenizer, EncodeBatchOptions, EncodedBatch, TextInput } from './tokenizer.js';

export interface TextBatch {
  /** int64 (N, T): token ids, [PAD] after the text. */
  inputIds: Tensor;
  /** int64 (N, T): 1 for real tokens (specials included), 0 for padding. */
  attentionMask: Tensor;
  /** int64 (N, T): 0 for the first text (and padding), 1 for the second text of a pair. */
  tokenTypeIds: Tensor;
}

/** Tokenises, truncates to maxLength and pads `inputs` (see BertTokenizer.encodeBatch), as tensors. */
export async function encodeTextBatch(tokenizer: BertTokenizer, inputs: readonly TextInput[], options: EncodeBatchOptions = {}): Promise<TextBatch> {
  return textBatchFromEncoded(await tokenizer.encodeBatch(inputs, options));
}

/** Rectangular id rows -> int64 tensors of shape (rows, length). */
export function textBatchFromEncoded(encoded: EncodedBatch): TextBatch {
  const shape = [encoded.inputIds.length, encoded.length];
  const toTensor = (rows: number[][]): Tensor => {
    const flat = new BigInt64Array(shape[0] * shape[1]);
    rows.forEach((row, i) => {
      if (row.length !== encoded.length) throw new ArgumentError(`textBatchFromEncoded: row ${i} has ${row.length} ids, expected ${encoded.length} (rows must be padded to one length).`);
      for (let j = 0; j < row.length; j++) flat[i * encoded.length + j] = BigInt(row[j]);
    });
    return fromTypedArray(flat, shape, 'int64');
  };
  return {
    inputIds: toTensor(encoded.inputIds),
    attentionMask: toTensor(encoded.attentionMask),
    tokenTypeIds: toTensor(encoded.tokenTypeIds),
  };
}

export function disposeTextBatch(batch: TextBatch): void {
  batch.inputIds.dispose();
  batch.attentionMask.dispose();
  batch.tokenTypeIds.dispose();
}
