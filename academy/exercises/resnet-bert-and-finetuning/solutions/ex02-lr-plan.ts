// Reference solution of exercise 2: unfreeze the top two backbone groups at a tenth of the head's
// rate, halving again for the group below them.
import { defineStrategy } from '../../../../src/index.js';
import type { LearningRateAnswer } from '../contracts.js';

export function learningRatePlan(): LearningRateAnswer {
  const headLr = 3e-3;
  const backboneLr = 3e-4;
  const layerDecay = 0.5;
  const strategy = defineStrategy('partial_unfreeze', { headLr, backboneLr, layerDecay, partialK: 2 });
  const justification =
    `The head was just replaced, so it starts from random weights and has to travel far: it gets ${headLr}, a rate at which AdamW trains a fresh linear layer in a few epochs. ` +
    `The backbone is pretrained, and large steps on a few hundred target examples would overwrite features the source task paid for; it gets ${backboneLr}, ten times smaller, ` +
    `so it can adjust without forgetting. Layer decay ${layerDecay} halves the rate again for the lower unfrozen group, because the lower layers hold the most general features ` +
    `and need the least change.`;
  return { strategy, justification };
}
