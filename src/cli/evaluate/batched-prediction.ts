// Logits and argmax predictions of a classifier over many examples: eval mode (BatchNorm running
// statistics, no dropout), no autograd, one tidy scope per batch so every tensor of a batch is
// freed before the next one is built. The model's train/eval mode is restored afterwards.
import { ArgumentError } from '../../errors.js';
import { noGrad, tidy, type Tensor } from '../../tensor/index.js';
import type { ClassificationModel } from '../../models/index.js';
import { imageBatch } from '../../data/image-batch.js';
import type { ImagePreprocess } from '../../data/images.js';
import { textBatchFromEncoded } from '../../data/text-batch.js';
import type { BertTokenizer } from '../../data/tokenizer.js';
import type { ImageRecord } from '../../data/types.js';

export interface BatchedPredictions {
  /** Argmax class per example. */
  predictions: number[];
  /** Logits per example (K values each). */
  logits: Float32Array[];
}

function checkBatchSize(batchSize: number, where: string): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`${where}: batchSize must be an integer >= 1, got ${batchSize}`);
}

/** Runs `forward` on one batch inside tidy + noGrad and appends its logits and argmax to `out`. */
function collect(out: BatchedPredictions, forward: () => Tensor): void {
  const { logits, argmax, k } = tidy(() =>
    noGrad(() => {
      const y = forward();
      return { logits: y.data<Float32Array>(), argmax: y.argmax(1).toArray(), k: y.size(1) };
    }),
  );
  argmax.forEach((p, i) => {
    out.predictions.push(p);
    out.logits.push(logits.slice(i * k, (i + 1) * k));
  });
}

async function inEvalMode<T>(model: ClassificationModel, work: () => Promise<T>): Promise<T> {
  const wasTraining = model.training;
  model.eval();
  try {
    return await work();
  } finally {
    model.train(wasTraining);
  }
}

/** Predictions for image records, preprocessed by `spec` (Resize + CenterCrop + normalisation) batch by batch. */
export async function predictImages(model: ClassificationModel, records: readonly ImageRecord[], spec: ImagePreprocess, batchSize: number): Promise<BatchedPredictions> {
  checkBatchSize(batchSize, 'predictImages');
  return inEvalMode(model, async () => {
    const out: BatchedPredictions = { predictions: [], logits: [] };
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      collect(out, () => model.forward(imageBatch(batch, spec).images));
    }
    return out;
  });
}

/** Predictions for texts, tokenised, truncated to `maxLength` tokens and padded per batch. */
export async function predictTexts(
  model: ClassificationModel,
  tokenizer: BertTokenizer,
  texts: readonly string[],
  options: { maxLength: number; batchSize: number },
): Promise<BatchedPredictions> {
  checkBatchSize(options.batchSize, 'predictTexts');
  return inEvalMode(model, async () => {
    const out: BatchedPredictions = { predictions: [], logits: [] };
    for (let start = 0; start < texts.length; start += options.batchSize) {
      const encoded = await tokenizer.encodeBatch(texts.slice(start, start + options.batchSize), { maxLength: options.maxLength });
      collect(out, () => model.forward(textBatchFromEncoded(encoded)));
    }
    return out;
  });
}
