// BERT WordPiece tokenisation, done by Hugging Face's `tokenizers` package (the Rust implementation
// behind transformers' fast tokenizers), so ids match what the pretrained checkpoints were trained
// with. This module only assembles that pipeline from a Hugging Face tokenizer directory, checks the
// vocabulary has what BERT needs, and turns encodings into padded id rows; text-batch.ts makes
// tensors of them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer, bertProcessing, wordPieceDecoder, type Encoding } from 'tokenizers';
import { ArgumentError, ConfigError } from '../errors.js';

/** The surface forms of BERT's special tokens (tokenizer_config.json may rename them). */
export interface SpecialTokenNames {
  cls: string;
  sep: string;
  pad: string;
  unk: string;
  mask: string;
}

export const BERT_SPECIAL_TOKENS: Readonly<SpecialTokenNames> = Object.freeze({
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  unk: '[UNK]',
  mask: '[MASK]',
});

/** BERT's text normalisation, as Hugging Face's BertTokenizer configures it. */
export interface BertNormalization {
  lowercase: boolean;
  /** HF: `strip_accents` unset means "strip exactly when lower-casing". */
  stripAccents: boolean;
  /** Put spaces around CJK ideographs so each becomes its own word. */
  handleChineseChars: boolean;
}

export interface LoadTokenizerOptions {
  /** Overrides tokenizer_config.json's `do_lower_case` (for a cased/uncased mismatch in a config). */
  lowercase?: boolean;
  /** Fail at load time unless the vocab has [MASK] (masked-LM pretraining needs it). */
  requireMask?: boolean;
}

export interface FromVocabOptions {
  /** Default true: uncased BERT. */
  lowercase?: boolean;
  /** Default: same as lowercase (HF's rule). */
  stripAccents?: boolean;
  handleChineseChars?: boolean;
  /** Longest sequence the model accepts; the default maxLength of encodeBatch. Default 512. */
  modelMaxLength?: number;
  specialTokens?: Partial<SpecialTokenNames>;
  /** Where the vocab came from, for error messages. */
  source?: string;
}

/** One text, or a pair of texts encoded as `[CLS] A [SEP] B [SEP]` (token type ids 0 then 1). */
export type TextInput = string | readonly [string, string];

export interface EncodeBatchOptions {
  /** Truncate every row to this many tokens, specials included. Default: the model's maximum. */
  maxLength?: number;
  /** 'longest' pads to the longest row of the batch; 'max_length' pads every row to maxLength. */
  padding?: 'longest' | 'max_length';
}

/** Rectangular id rows: every row has `length` entries. Plain data; text-batch.ts makes tensors. */
export interface EncodedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  length: number;
}

export const DEFAULT_MODEL_MAX_LENGTH = 512;
const SPECIAL_KEYS = ['cls', 'sep', 'pad', 'unk', 'mask'] as const;
const REQUIRED_KEYS = ['cls', 'sep', 'pad', 'unk'] as const;

/** What a vocabulary lacks: the four tokens every BERT input needs, and [MASK] separately. */
export function missingSpecialTokens(
  vocab: ReadonlyMap<string, number>,
  names: SpecialTokenNames = BERT_SPECIAL_TOKENS,
): { required: string[]; mask: boolean } {
  return {
    required: REQUIRED_KEYS.map((k) => names[k]).filter((t) => !vocab.has(t)),
    mask: !vocab.has(names.mask),
  };
}

/** vocab.txt: one token per line, the line number is the id. A final newline ends the last line. */
export function readVocabFile(path: string): string[] {
  if (!existsSync(path)) throw new ConfigError(`vocabulary file not found: ${path}. Expected a BERT vocab.txt (one token per line).`);
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new ConfigError(`${path} is empty; a BERT vocab.txt has one token per line.`);
  return lines;
}

export function writeVocabFile(path: string, tokens: readonly string[]): void {
  const bad = tokens.findIndex((t) => t.length === 0 || /[\r\n]/.test(t));
  if (bad >= 0) throw new ConfigError(`cannot write ${path}: token ${bad} (${JSON.stringify(tokens[bad])}) is empty or contains a line break.`);
  writeFileSync(path, tokens.join('\n') + '\n');
}

/** Token -> id. When a vocab.txt repeats a token the later line wins, as in HF's load_vocab. */
function vocabMap(tokens: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  tokens.forEach((t, i) => map.set(t, i));
  return map;
}

interface TokenizerConfigFile {
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  model_max_length?: number;
  [key: string]: unknown;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON (${(e as Error).message}); expected ${what}.`);
  }
}

/** HF writes special tokens either as "[CLS]" or as {"content": "[CLS]", ...}. */
function specialTokenNamesFrom(config: TokenizerConfigFile): SpecialTokenNames {
  const names = { ...BERT_SPECIAL_TOKENS };
  for (const key of SPECIAL_KEYS) {
    const v = config[`${key}_token`];
    if (typeof v === 'string') names[key] = v;
    else if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') names[key] = (v as { content: string }).content;
  }
  return names;
}

/** HF stores "no limit" as a huge sentinel (1e30); only a plausible length is a real maximum. */
function modelMaxLengthFrom(config: TokenizerConfigFile): number {
  const m = config.model_max_length;
  return typeof m === 'number' && Number.isInteger(m) && m > 0 && m <= 1_000_000 ? m : DEFAULT_MODEL_MAX_LENGTH;
}

function normalizationFrom(lowercase: boolean | undefined, stripAccents: boolean | null | undefined, handleChineseChars: boolean | undefined): BertNormalization {
  const lc = lowercase ?? true;
  return { lowercase: lc, stripAccents: stripAccents ?? lc, handleChineseChars: handleChineseChars ?? true };
}

function makeNormalizer(n: BertNormalization) {
  return bertNormalizer({ cleanText: true, handleChineseChars: n.handleChineseChars, stripAccents: n.stripAccents, lowercase: n.lowercase });
}

/** The parts of a tokenizer.json we check and reuse; the package itself parses the whole file. */
interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string };
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean } | null;
}

export class BertTokenizer {
  /** Embedding rows needed: the highest id + 1. */
  readonly vocabSize: number;
  readonly ids: { cls: number; sep: number; pad: number; unk: number };
  /** null when the vocab has no [MASK]: fine for classification, not for masked-LM pretraining. */
  readonly maskId: number | null;
  // Truncation is tokenizer state in the package; every encode runs in this queue so one call's
  // maxLength never leaks into another call that is in flight.
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly inner: Tokenizer,
    /** Tokens by id (vocab.txt order). */
    readonly tokens: readonly string[],
    private readonly vocab: ReadonlyMap<string, number>,
    readonly specialTokens: Readonly<SpecialTokenNames>,
    /** null when a tokenizer.json brings a normaliser other than BERT's. */
    readonly normalization: Readonly<BertNormalization> | null,
    readonly modelMaxLength: number,
    readonly source: string,
  ) {
    this.vocabSize = tokens.length;
    const id = (t: string) => vocab.get(t) as number;
    this.ids = { cls: id(specialTokens.cls), sep: id(specialTokens.sep), pad: id(specialTokens.pad), unk: id(specialTokens.unk) };
    this.maskId = vocab.get(specialTokens.mask) ?? null;
  }

  /**
   * Loads a Hugging Face tokenizer directory: tokenizer.json when present (the full pipeline),
   * otherwise vocab.txt with BERT normalisation from tokenizer_config.json (do_lower_case,
   * strip_accents, tokenize_chinese_chars; uncased when absent).
   */
  static fromDirectory(dir: string, options: LoadTokenizerOptions = {}): BertTokenizer {
    if (!existsSync(dir)) throw new ConfigError(`tokenizer directory not found: ${dir}. Expected a Hugging Face model directory with vocab.txt or tokenizer.json.`);
    const configPath = join(dir, 'tokenizer_config.json');
    const config = existsSync(configPath) ? (readJson(configPath, 'a Hugging Face tokenizer_config.json') as TokenizerConfigFile) : {};
    const names = specialTokenNamesFrom(config);
    const jsonPath = join(dir, 'tokenizer.json');
    let tokenizer: BertTokenizer;
    if (existsSync(jsonPath)) {
      tokenizer = BertTokenizer.fromTokenizerJson(jsonPath, config, names, options);
    } else if (existsSync(join(dir, 'vocab.txt'))) {
      const n = normalizationFrom(options.lowercase ?? config.do_lower_case, config.strip_accents, config.tokenize_chinese_chars);
      tokenizer = BertTokenizer.fromVocab(readVocabFile(join(dir, 'vocab.txt')), {
        ...n,
        modelMaxLength: modelMaxLengthFrom(config),
        specialTokens: names,
        source: join(dir, 'vocab.txt'),
      });
    } else {
      throw new ConfigError(`${dir} has neither tokenizer.json nor vocab.txt; a BERT tokenizer directory needs one of them (as saved by Hugging Face or BertTokenizer.save).`);
    }
    if (options.requireMask) tokenizer.requireMaskToken();
    return tokenizer;
  }

  /** A BERT WordPiece tokenizer over `tokens` (index = id), e.g. a vocab.txt or a trained vocab. */
  static fromVocab(tokens: readonly string[], options: FromVocabOptions = {}): BertTokenizer {
    const names: SpecialTokenNames = { ...BERT_SPECIAL_TOKENS, ...options.specialTokens };
    const source = options.source ?? 'vocabulary';
    const vocab = vocabMap(tokens);
    checkRequiredSpecials(vocab, names, source);
    const normalization = normalizationFrom(options.lowercase, options.stripAccents, options.handleChineseChars);
    const inner = new Tokenizer(WordPiece.init(Object.fromEntries(vocab), { unkToken: names.unk, continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
    inner.setNormalizer(makeNormalizer(normalization));
    inner.setPreTokenizer(bertPreTokenizer());
    finishPipeline(inner, vocab, names);
    return new BertTokenizer(inner, [...tokens], vocab, names, normalization, options.modelMaxLength ?? DEFAULT_MODEL_MAX_LENGTH, source);
  }

  private static fromTokenizerJson(path: string, config: TokenizerConfigFile, names: SpecialTokenNames, options: LoadTokenizerOptions): BertTokenizer {
    const json = readJson(path, 'a Hugging Face tokenizer.json') as TokenizerJson;
    if (json.model?.type !== 'WordPiece' || !json.model.vocab) {
      throw new ConfigError(`${path}: expected a WordPiece model (BERT), found model type ${JSON.stringify(json.model?.type ?? null)}. Only BERT WordPiece tokenizers are supported.`);
    }
    const vocab = new Map(Object.entries(json.model.vocab));
    checkRequiredSpecials(vocab, names, path);
    const tokens: string[] = [];
    for (const [t, i] of vocab) tokens[i] = t;
    let inner: Tokenizer;
    try {
      inner = Tokenizer.fromFile(path);
    } catch (e) {
      throw new ConfigError(`${path} could not be read by the tokenizers package: ${(e as Error).message}`);
    }
    // A tokenizer.json may carry padding/truncation from its last use; ours are set per call.
    inner.disablePadding();
    inner.disableTruncation();
    const jn = json.normalizer;
    let normalization: BertNormalization | null =
      jn?.type === 'BertNormalizer' ? normalizationFrom(jn.lowercase, jn.strip_accents, jn.handle_chinese_chars) : null;
    // Like HF's BertTokenizerFast, an explicit do_lower_case (or our option) wins over the file;
    // a file without a normaliser gets BERT's.
    const lowercase = options.lowercase ?? config.do_lower_case;
    if (!jn || (lowercase !== undefined && normalization?.lowercase !== lowercase)) {
      normalization = normalizationFrom(lowercase, config.strip_accents, config.tokenize_chinese_chars);
      inner.setNormalizer(makeNormalizer(normalization));
    }
    if (!inner.getPreTokenizer()) inner.setPreTokenizer(bertPreTokenizer());
    finishPipeline(inner, vocab, names);
    return new BertTokenizer(inner, tokens, vocab, names, normalization, modelMaxLengthFrom(config), path);
  }

  tokenToId(token: string): number | null {
    return this.vocab.get(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.tokens[id] ?? null;
  }

  /** The [MASK] id, or a ConfigError saying masked-LM pretraining cannot run with this vocab. */
  requireMaskToken(): number {
    if (this.maskId === null) {
      throw new ConfigError(
        `${this.source}: the vocabulary has no ${this.specialTokens.mask} token, which masked-language-model pretraining needs ` +
          `(it has ${this.vocabSize} tokens and the other BERT specials). Add ${this.specialTokens.mask} to vocab.txt or train a vocab with trainWordPieceVocab, which includes it.`,
      );
    }
    return this.maskId;
  }

  /** WordPiece tokens of `text`, without [CLS]/[SEP]. */
  async tokenize(text: string): Promise<string[]> {
    const enc = await this.exclusive(() => this.inner.encode(text, null, { addSpecialTokens: false }));
    return enc.getTokens();
  }

  /** Ids of `[CLS] text [SEP]` (or a pair), untruncated and unpadded. */
  async encode(text: string, pair?: string): Promise<number[]> {
    const enc = await this.exclusive(() => this.inner.encode(text, pair ?? null));
    return enc.getIds();
  }

  /** Encodes, truncates every row to maxLength and pads with [PAD] (mask 0, type id 0) on the right. */
  async encodeBatch(inputs: readonly TextInput[], options: EncodeBatchOptions = {}): Promise<EncodedBatch> {
    const maxLength = options.maxLength ?? this.modelMaxLength;
    const padding = options.padding ?? 'longest';
    if (inputs.length === 0) throw new ArgumentError('encodeBatch: no texts given; expected at least one string or [string, string] pair.');
    if (padding !== 'longest' && padding !== 'max_length') throw new ArgumentError(`encodeBatch: padding must be 'longest' or 'max_length', got ${JSON.stringify(padding)}.`);
    const hasPairs = inputs.some((x) => typeof x !== 'string');
    // Room for the specials plus at least one token of each text; the package would otherwise return rows longer than maxLength.
    const minLength = hasPairs ? 5 : 3;
    if (!Number.isInteger(maxLength) || maxLength < minLength) {
      throw new ArgumentError(`encodeBatch: maxLength must be an integer >= ${minLength} (${hasPairs ? '[CLS] A [SEP] B [SEP]' : '[CLS] text [SEP]'}), got ${maxLength}.`);
    }
    const encodings = await this.exclusive(async () => {
      this.inner.setTruncation(maxLength);
      try {
        if (!hasPairs) return await this.inner.encodeBatch(inputs as string[]);
        return await Promise.all(inputs.map((x) => (typeof x === 'string' ? this.inner.encode(x) : this.inner.encode(x[0], x[1]))));
      } finally {
        this.inner.disableTruncation();
      }
    });
    const length = padding === 'max_length' ? maxLength : encodings.reduce((m, e) => Math.max(m, e.getLength()), 0);
    return padEncodings(encodings, length, this.ids.pad, this.specialTokens.pad);
  }

  /** Text of `ids`, WordPiece pieces joined; special tokens dropped unless asked for. */
  async decode(ids: readonly number[], skipSpecialTokens = true): Promise<string> {
    return this.inner.decode([...ids], skipSpecialTokens);
  }

  /**
   * Writes vocab.txt, tokenizer_config.json and tokenizer.json into `dir` (created if needed), so a
   * checkpoint directory carries the exact tokenizer it was trained with.
   */
  async save(dir: string): Promise<void> {
    const gap = this.tokens.findIndex((t) => t === undefined);
    if (gap >= 0) throw new ConfigError(`${this.source}: token ids are not contiguous (no token has id ${gap}), so no vocab.txt can represent this vocabulary.`);
    mkdirSync(dir, { recursive: true });
    writeVocabFile(join(dir, 'vocab.txt'), this.tokens);
    const config: Record<string, unknown> = {
      tokenizer_class: 'BertTokenizer',
      model_max_length: this.modelMaxLength,
      cls_token: this.specialTokens.cls,
      sep_token: this.specialTokens.sep,
      pad_token: this.specialTokens.pad,
      unk_token: this.specialTokens.unk,
      mask_token: this.specialTokens.mask,
    };
    if (this.normalization) {
      config.do_lower_case = this.normalization.lowercase;
      config.strip_accents = this.normalization.stripAccents;
      config.tokenize_chinese_chars = this.normalization.handleChineseChars;
    }
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
    await this.exclusive(async () => this.inner.save(join(dir, 'tokenizer.json'), true));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.pending.then(work, work);
    this.pending = run.catch(() => undefined);
    return run;
  }
}

function checkRequiredSpecials(vocab: ReadonlyMap<string, number>, names: SpecialTokenNames, source: string): void {
  const { required } = missingSpecialTokens(vocab, names);
  if (required.length > 0) {
    throw new ConfigError(
      `${source}: the vocabulary lacks the BERT special token(s) ${required.join(', ')} (it has ${vocab.size} tokens; ` +
        `BERT needs ${names.cls}, ${names.sep}, ${names.pad} and ${names.unk}). Use the vocab.txt that came with the model, or train one with trainWordPieceVocab, which adds them.`,
    );
  }
}

/** `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`, specials matched whole in raw text, WordPiece decoding. */
function finishPipeline(inner: Tokenizer, vocab: ReadonlyMap<string, number>, names: SpecialTokenNames): void {
  inner.setPostProcessor(bertProcessing([names.sep, vocab.get(names.sep) as number], [names.cls, vocab.get(names.cls) as number]));
  inner.setDecoder(wordPieceDecoder('##', true));
  inner.addSpecialTokens(SPECIAL_KEYS.map((k) => names[k]).filter((t) => vocab.has(t)));
}

function padEncodings(encodings: Encoding[], length: number, padId: number, padToken: string): EncodedBatch {
  const out: EncodedBatch = { inputIds: [], attentionMask: [], tokenTypeIds: [], length };
  for (const enc of encodings) {
    enc.pad(length, { padId, padToken, padTypeId: 0 });
    if (enc.getLength() !== length) {
      throw new ConfigError(`encodeBatch: a row has ${enc.getLength()} tokens after truncation and padding, expected ${length}; the tokenizer.json may override truncation.`);
    }
    out.inputIds.push(enc.getIds());
    out.attentionMask.push(enc.getAttentionMask());
    out.tokenTypeIds.push(enc.getTypeIds());
  }
  return out;
}
