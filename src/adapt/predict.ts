// Predictions of a model on a split, in inference mode, batch by batch.
import { noGrad, type Tensor } from '../tensor/index.js';
import type { ClassificationModel, ModelInput } from '../models/contract.js';
import { forEachBatch, type ExampleTable } from '../data/example-table.js';
import type { Predictions } from '../record/evaluation.js';

/**
 * Argmax predictions for every example of `table`, with the probability (softmax) the model gave
 * each. `forward` maps a batch of the table's inputs to logits (the whole model, or the head
 * alone on cached features).
 */
export function predictTable<X = ModelInput>(model: ClassificationModel, table: ExampleTable<X>, batchSize: number, forward: (x: X) => Tensor = (x) => model.forward(x as ModelInput)): Predictions {
  const wasTraining = model.training;
  model.eval();
  const predictions: number[] = [];
  const confidence: number[] = [];
  noGrad(() =>
    forEachBatch(table.size, batchSize, (idx) => {
      const logits = forward(table.take(idx));
      for (const p of logits.argmax(1).toArray()) predictions.push(p);
      // The largest probability is the predicted class's; 4 decimals keep the records small.
      for (const p of logits.softmax(1).amax(1).toArray()) confidence.push(Math.round(p * 1e4) / 1e4);
    }),
  );
  model.train(wasTraining);
  return { ids: [...table.ids], labels: table.labels.toArray(), predictions, confidence };
}

/** Fraction of correct predictions. */
export function accuracyOf(p: Predictions): number {
  let correct = 0;
  for (let i = 0; i < p.labels.length; i++) if (p.labels[i] === p.predictions[i]) correct++;
  return p.labels.length ? correct / p.labels.length : 0;
}
