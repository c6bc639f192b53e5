// Training a BERT WordPiece vocabulary with the `tokenizers` package's trainer.
//
// Special tokens take ids 0..4 in the order of HF's BertWordPieceTokenizer.train:
//   [PAD]=0  [UNK]=1  [CLS]=2  [SEP]=3  [MASK]=4
// then the alphabet (single characters, word-initial ones before "##" ones), then learned pieces in
// the order the trainer merged them (most frequent first).
//
// Why this is not just `new Tokenizer(WordPiece.empty()).train(files)`: the Node binding's train()
// always uses the model's default trainer (vocab size 30,000, min frequency 0, no special tokens;
// no trainer options are exposed), and the WordPiece trainer numbers its "##x" characters in
// hash-map order, which changes from process to process, so ties between equally frequent pairs
// are broken differently on every run. We therefore:
//   1. normalise and pre-tokenise the corpus with the package's BERT normaliser and pre-tokeniser;
//   2. spell every non-initial character of a word as a private-use code point of its own (the
//      "##" form), so the package's BPE trainer, which numbers characters by code point, sees
//      exactly the units the WordPiece trainer would (WordPiece training *is* BPE training with a
//      "##" continuation prefix) but with a deterministic numbering, hence deterministic ties;
//   3. cut the merge sequence where HF's trainer would have stopped: merges happen in a fixed
//      order and the trainer stops at `vocab_size` tokens or at the first pair whose count is
//      below `min_frequency`. Pair counts never increase from one merge to the next (merging
//      only lowers other pairs' counts, and a new pair occurs at most as often as the pair that
//      made it), so both limits keep a prefix of the merges; the minimum-frequency prefix is found
//      by binary search, counting pairs in the package's BPE encoding of the corpus words.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPE, Tokenizer, bertNormalizer, bertPreTokenizer, whitespaceSplitPreTokenizer } from 'tokenizers';
import { ConfigError, DataError } from '../errors.js';
import { BERT_SPECIAL_TOKENS, BertTokenizer, DEFAULT_MODEL_MAX_LENGTH } from './tokenizer.js';

/** In id order: HF's BertWordPieceTokenizer default special_tokens. */
export const TRAINED_SPECIAL_TOKENS: readonly string[] = [
  BERT_SPECIAL_TOKENS.pad,
  BERT_SPECIAL_TOKENS.unk,
  BERT_SPECIAL_TOKENS.cls,
  BERT_SPECIAL_TOKENS.sep,
  BERT_SPECIAL_TOKENS.mask,
];

/** The package's default trainer learns at most this many tokens (alphabet + merges). */
const TRAINER_TOKEN_LIMIT = 30_000;

export interface WordPieceTrainingOptions {
  /** Total tokens including the 5 specials. Default 30,000; at most 30,005 (the trainer's limit + specials). */
  vocabSize?: number;
  /** A pair is merged only if it occurs at least this often (HF's min_frequency). Default 2. */
  minFrequency?: number;
  /** Lower-case and strip accents before training, as uncased BERT does. Default true. */
  lowercase?: boolean;
}

export interface TrainedWordPieceVocab {
  /** The vocabulary, index = id: specials, alphabet, learned pieces. */
  tokens: string[];
  /** Single characters (with or without "##"): always all kept, as HF's trainer does. */
  alphabetSize: number;
  /** What ended the merges: the size limit, the minimum frequency, or no pair left to merge. */
  stoppedBy: 'vocabSize' | 'minFrequency' | 'corpus';
  lowercase: boolean;
}

/** Learns a WordPiece vocabulary from `corpus`. The same corpus and options give the same vocabulary. */
export async function trainWordPieceVocab(corpus: readonly string[], options: WordPieceTrainingOptions = {}): Promise<TrainedWordPieceVocab> {
  const vocabSize = options.vocabSize ?? 30_000;
  const minFrequency = options.minFrequency ?? 2;
  const lowercase = options.lowercase ?? true;
  const specials = TRAINED_SPECIAL_TOKENS.length;
  if (!Number.isInteger(vocabSize) || vocabSize <= specials || vocabSize > TRAINER_TOKEN_LIMIT + specials) {
    throw new ConfigError(
      `trainWordPieceVocab: vocabSize must be an integer in ${specials + 1}..${TRAINER_TOKEN_LIMIT + specials} ` +
        `(the tokenizers Node binding trains at most ${TRAINER_TOKEN_LIMIT} tokens, plus ${specials} specials), got ${vocabSize}.`,
    );
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 0) throw new ConfigError(`trainWordPieceVocab: minFrequency must be a non-negative integer, got ${minFrequency}.`);

  const wordCounts = countWords(corpus, lowercase);
  if (wordCounts.size === 0) throw new DataError(`trainWordPieceVocab: the corpus (${corpus.length} texts) has no words after normalisation; give it non-empty texts.`);
  const codec = new ContinuationCodec(wordCounts.keys());
  const encodedCounts = new Map<string, number>();
  for (const [word, n] of wordCounts) encodedCounts.set(codec.encode(word), n);

  const { tokensById, merges } = trainBpe(encodedCounts);
  const alphabet = tokensById.filter((t) => [...t].length === 1);
  const learned = tokensById.filter((t) => [...t].length > 1);

  // Merges kept by min frequency -> the learned tokens they made (a merge may remake an existing token).
  const mergesKept = minFrequency > 1 ? await countMergesAbove(minFrequency, merges, tokensById, encodedCounts) : merges.length;
  const madeByKept = new Set(merges.slice(0, mergesKept).map(([a, b]) => a + b));
  const byFrequency = learned.filter((t) => madeByKept.has(t));
  const budget = Math.max(0, vocabSize - specials - alphabet.length);
  const kept = byFrequency.slice(0, budget);
  const stoppedBy = byFrequency.length > budget ? 'vocabSize' : mergesKept < merges.length ? 'minFrequency' : learned.length + alphabet.length >= TRAINER_TOKEN_LIMIT ? 'vocabSize' : 'corpus';

  const tokens = [...TRAINED_SPECIAL_TOKENS];
  const seen = new Set(tokens);
  for (const t of [...alphabet, ...kept].map((x) => codec.decode(x))) {
    if (!seen.has(t)) tokens.push(t);
    seen.add(t);
  }
  return { tokens, alphabetSize: alphabet.length, stoppedBy, lowercase };
}

/** Trains a vocabulary and wraps it in a BertTokenizer (save() it to write vocab.txt and friends). */
export async function trainWordPieceTokenizer(corpus: readonly string[], options: WordPieceTrainingOptions & { modelMaxLength?: number } = {}): Promise<BertTokenizer> {
  const trained = await trainWordPieceVocab(corpus, options);
  return BertTokenizer.fromVocab(trained.tokens, {
    lowercase: trained.lowercase,
    modelMaxLength: options.modelMaxLength ?? DEFAULT_MODEL_MAX_LENGTH,
    source: `WordPiece vocabulary trained on ${corpus.length} texts`,
  });
}

/** Words after BERT normalisation and pre-tokenisation (the package's own), with their counts, in first-seen order. */
function countWords(corpus: readonly string[], lowercase: boolean): Map<string, number> {
  const normalizer = bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: lowercase, lowercase });
  const preTokenizer = bertPreTokenizer();
  const counts = new Map<string, number>();
  for (const text of corpus) {
    if (typeof text !== 'string') throw new DataError(`trainWordPieceVocab: the corpus must be an array of strings, found ${typeof text}.`);
    for (const [word] of preTokenizer.preTokenizeString(normalizer.normalizeString(text))) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Spells a word's non-initial characters as private-use code points (one per distinct
 * character, assigned in code-point order) so that "x" and "##x" are different characters to a
 * plain BPE trainer; decode() turns a learned token back into WordPiece form ("##" + characters).
 */
class ContinuationCodec {
  private readonly toPrivate = new Map<string, string>();
  private readonly fromPrivate = new Map<string, string>();

  constructor(words: Iterable<string>) {
    const initial = new Set<number>();
    const continuation = new Set<number>();
    for (const word of words) {
      const chars = [...word];
      initial.add(chars[0].codePointAt(0) as number);
      for (let i = 1; i < chars.length; i++) continuation.add(chars[i].codePointAt(0) as number);
    }
    // Supplementary private-use planes 15 and 16, skipping their non-characters and any code point the corpus itself uses at a word start.
    let next = 0xf0000;
    for (const cp of [...continuation].sort((a, b) => a - b)) {
      while (initial.has(next) || (next & 0xffff) >= 0xfffe) next++;
      if (next > 0x10fffd) throw new DataError('trainWordPieceVocab: the corpus uses more distinct characters than can be trained on (over 131,000).');
      const ch = String.fromCodePoint(cp);
      const priv = String.fromCodePoint(next++);
      this.toPrivate.set(ch, priv);
      this.fromPrivate.set(priv, ch);
    }
  }

  encode(word: string): string {
    const chars = [...word];
    return chars[0] + chars.slice(1).map((c) => this.toPrivate.get(c) as string).join('');
  }

  decode(token: string): string {
    const chars = [...token];
    const continuation = this.fromPrivate.has(chars[0]);
    return (continuation ? '##' : '') + chars.map((c) => this.fromPrivate.get(c) ?? c).join('');
  }
}

/** Runs the package's BPE trainer over the words; returns its vocabulary (by id) and merges (in order). */
function trainBpe(wordCounts: ReadonlyMap<string, number>): { tokensById: string[]; merges: [string, string][] } {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-wordpiece-'));
  try {
    const corpusFile = join(dir, 'words.txt');
    const lines: string[] = [];
    for (const [word, n] of wordCounts) for (let i = 0; i < n; i++) lines.push(word);
    writeFileSync(corpusFile, lines.join('\n') + '\n');
    const tokenizer = new Tokenizer(BPE.empty());
    tokenizer.setPreTokenizer(whitespaceSplitPreTokenizer());
    tokenizer.train([corpusFile]);
    const modelFile = join(dir, 'model.json');
    tokenizer.save(modelFile);
    const model = (JSON.parse(readFileSync(modelFile, 'utf8')) as { model: { vocab: Record<string, number>; merges: ([string, string] | string)[] } }).model;
    const tokensById: string[] = [];
    for (const [t, id] of Object.entries(model.vocab)) tokensById[id] = t;
    // Older serialisations write a merge as "a b"; our tokens never contain spaces.
    const merges = model.merges.map((m) => (typeof m === 'string' ? (m.split(' ') as [string, string]) : m));
    return { tokensById: tokensById.filter((t) => t !== undefined), merges };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many leading merges had a pair count >= minFrequency when the trainer made them. */
async function countMergesAbove(minFrequency: number, merges: readonly [string, string][], tokensById: readonly string[], wordCounts: ReadonlyMap<string, number>): Promise<number> {
  const vocab = Object.fromEntries(tokensById.map((t, i) => [t, i]));
  const words = [...wordCounts.keys()];
  const counts = words.map((w) => wordCounts.get(w) as number);
  // Count of merge k's pair in the corpus after merges 0..k-1: the count the trainer compared with min_frequency.
  const pairCount = async (k: number): Promise<number> => {
    const bpe = new Tokenizer(BPE.init(vocab, merges.slice(0, k) as [string, string][]));
    const encodings = await bpe.encodeBatch(words);
    const [a, b] = merges[k];
    let total = 0;
    encodings.forEach((enc, w) => {
      const pieces = enc.getTokens();
      for (let i = 0; i + 1 < pieces.length; i++) if (pieces[i] === a && pieces[i + 1] === b) total += counts[w];
    });
    return total;
  };
  // First k whose count is below the threshold (counts are non-increasing in k).
  let lo = 0;
  let hi = merges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await pairCount(mid)) >= minFrequency) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
