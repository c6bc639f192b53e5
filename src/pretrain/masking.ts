// BERT's masked-language-model corruption (Devlin et al. 2019), in plain JS over id arrays so it
// is deterministic (its own seeded generator) and testable without the engine:
//   - each eligible position (a real token: not [PAD], [CLS], [SEP], [UNK] or [MASK]) is selected
//     with probability `probability` (0.15);
//   - a selected position becomes [MASK] with probability 0.8, a random token with 0.1 (drawn
//     uniformly from the non-special ids; Hugging Face draws from the whole vocabulary, specials
//     included, which only wastes a few draws), and keeps its token with 0.1;
//   - labels hold the original token at selected positions and IGNORE_INDEX everywhere else, so
//     the loss (and accuracy) counts selected positions only.
// Selection is independent per position (Bernoulli), as in transformers' DataCollatorForLanguageModeling.

export const IGNORE_INDEX = -100;

export interface MaskingSpec {
  probability: number;
  maskFraction: number;
  randomFraction: number;
}

export const BERT_MASKING: Readonly<MaskingSpec> = Object.freeze({ probability: 0.15, maskFraction: 0.8, randomFraction: 0.1 });

export interface MaskingVocab {
  maskId: number;
  vocabSize: number;
  /** Ids never selected and never drawn as random replacements. */
  specialIds: readonly number[];
}

export interface MaskedRows {
  /** The corrupted ids, row-major (rows x length). */
  inputIds: Int32Array;
  /** The original id at selected positions, IGNORE_INDEX elsewhere. */
  labels: Int32Array;
  /** Flat indices (row * length + column) of the selected positions, ascending. */
  selected: number[];
}

/**
 * Corrupts `ids` (rows x length, row-major) for masked-LM training. `random` returns floats in
 * [0, 1); the same generator state gives the same corruption.
 */
export function maskTokens(ids: Int32Array, vocab: MaskingVocab, random: () => number, spec: MaskingSpec = BERT_MASKING): MaskedRows {
  const special = new Set(vocab.specialIds);
  const normal: number[] = [];
  for (let id = 0; id < vocab.vocabSize; id++) if (!special.has(id)) normal.push(id);
  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  const selected: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (special.has(id)) continue;
    if (random() >= spec.probability) continue;
    selected.push(i);
    labels[i] = id;
    const r = random();
    if (r < spec.maskFraction) inputIds[i] = vocab.maskId;
    else if (r < spec.maskFraction + spec.randomFraction) inputIds[i] = normal[Math.floor(random() * normal.length)];
  }
  return { inputIds, labels, selected };
}
