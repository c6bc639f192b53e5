// Exercise 2 — build and justify a head-vs-backbone learning-rate plan.
//
// Return a strategy whose plan trains some backbone groups besides the new head, with the
// learning rates you would defend, and a short justification the checker reads.
//
// The checker plans your strategy on a ResNet-20 (groups stem, layer1..layer3, head) and on a
// tiny BERT (embeddings, layer.0, layer.1, pooler, head) and reads every group's rate from the
// plan's rows (name → group → trainable → lr → weight decay). It then reads your justification:
// two or more sentences that say why the head and the backbone get these rates, citing them.
//
// Check:  npm run build:ts && npm run exercise -- 2
// Read:   academy/topics/transfer-and-fine-tuning.md ("Learning rates per parameter group")
import { defineStrategy } from '../../../../src/index.js';
import type { LearningRateAnswer } from '../contracts.js';

export function learningRatePlan(): LearningRateAnswer {
  // TODO(a) One learning rate for every group. Which group starts from random weights, and which
  //   from features worth keeping? Choose headLr and backboneLr (and, if you want, layerDecay:
  //   lower groups get backboneLr * layerDecay^(distance - 1)). Options: StrategyOptions in
  //   src/adapt/strategies.ts.
  const strategy = defineStrategy('full_finetune', { headLr: 1e-3, backboneLr: 1e-3 });

  // TODO(b) Say why, in two or more sentences, with the numbers you chose.
  const justification = 'TODO: why do the head and the backbone get these rates?';

  return { strategy, justification };
}
