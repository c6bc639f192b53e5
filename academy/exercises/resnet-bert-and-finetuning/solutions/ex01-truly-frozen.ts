// Reference solution of exercise 1. The strategy says what "frozen" means; the plan applies it:
// requires-grad off on every backbone parameter, optimizer groups for the head only, and a mode
// hook that puts every frozen subtree (its BatchNorm and dropout) back into inference mode after
// each train() — so the running statistics stay the pretrained ones.
import { AdamW, defineStrategy, planAdaptation } from '../../../../src/index.js';
import type { ResNet } from '../../../../src/index.js';
import type { FrozenRun } from '../contracts.js';

export function prepareFrozenRun(model: ResNet): FrozenRun {
  const plan = planAdaptation(model, defineStrategy('frozen', { headLr: 1e-2, batchNorm: 'frozen' }));
  const optimizer = new AdamW(plan.optimizerGroups, { lr: plan.strategy.lr.head });
  return { optimizer, plan };
}
