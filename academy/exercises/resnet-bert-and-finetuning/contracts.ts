// What each exercise's starter (and solution) must export. The checker imports the learner's
// module and calls these; keep the names and shapes, change the bodies.
import type { Optimizer } from '../../../src/optim/index.js';
import type { AdaptationPlan } from '../../../src/adapt/plan.js';
import type { StrategySpec } from '../../../src/adapt/strategies.js';
import type { StrategyName } from '../../../src/record/vocabulary.js';
import type { Verdict } from '../../../src/decide/recommend.js';
import type { ResNet } from '../../../src/models/resnet.js';
import type { Predictions } from '../../../src/record/evaluation.js';
import type { RunFixture } from './fixtures/build.js';

export type { RunFixture };

/** Exercise 1: everything a training loop needs for a frozen run of `model` (new head already in place). */
export interface FrozenRun {
  optimizer: Optimizer;
  /** The adaptation plan, when one was made (the checker releases it afterwards). */
  plan?: AdaptationPlan;
}
export type Ex01Module = { prepareFrozenRun(model: ResNet): FrozenRun };

/** Exercise 2: a learning-rate plan for adapting a pretrained backbone, and why. */
export interface LearningRateAnswer {
  strategy: StrategySpec;
  /** Two or more sentences: why the head and the backbone get these rates (the checker reads it). */
  justification: string;
}
export type Ex02Module = { learningRatePlan(): LearningRateAnswer };

/** Exercise 3: what a run of all four depths says about partial_unfreeze. */
export interface PartialReading {
  /** Mean over seeds of validation accuracy, partial_unfreeze − frozen, in accuracy points. */
  partialMinusFrozenPoints: number;
  /** The same, partial_unfreeze − full_finetune. */
  partialMinusFullPoints: number;
  /**
   * The cheapest strategy whose validation evidence is acceptable under the run's margin, among
   * those that passed the audit and the sanity gates: what recommend() names, settled or provisional.
   */
  cheapestAcceptable: StrategyName;
  /** Is scratch shown worse than the best strategy (the whole interval below zero)? Never against a scratch the gates excluded. */
  transferBeatsScratch: boolean;
}
export type Ex03Module = { readPartialRun(run: RunFixture): PartialReading };

/** Exercise 4: the off-diagonal cell whose count changed most between two strategies. */
export interface ChangedPair {
  /** Class names, as in the run's classNames. */
  actual: string;
  predicted: string;
  /** Examples of `actual` predicted as `predicted`, per run (mean over seeds), before and after. */
  baselineCount: number;
  adaptedCount: number;
  /** Fewer such mistakes after adaptation ('improved') or more ('worsened'). */
  direction: 'improved' | 'worsened';
  /** Is the change more than noise (Holm-adjusted p < 0.05 in compareConfusion)? */
  significant: boolean;
}
export type Ex04Module = {
  /** `baseline[s]` and `adapted[s]` are the validation predictions of the same seed s. */
  mostChangedPair(baseline: Predictions[], adapted: Predictions[], classNames: string[]): ChangedPair;
};

/** Exercise 5: one comparison where accuracy stayed within noise but a class pair changed. */
export interface HiddenPatternCase {
  strategy: StrategyName;
  baseline: StrategyName;
  split: 'validation' | 'test';
  /** Mean over seeds of accuracy(strategy) − accuracy(baseline), in points. */
  accuracyChangePoints: number;
  /** The class pair (names) whose confusion changed significantly. */
  actual: string;
  predicted: string;
}
export type Ex05Module = { findHiddenPattern(run: RunFixture): HiddenPatternCase };

/** Exercise 6: the adaptation note (Markdown) for a run, defending one depth. */
export type Ex06Module = { writeNote(run: RunFixture): string };

/** Exercise 7: is LoRA's saving real for this task? lora against full_finetune (and the rest of the run), from the records. */
export interface LoraSavingReading {
  /** Bytes a task stores besides the shared backbone, lora ÷ full_finetune (means over seeds). */
  storedBytesRatio: number;
  /** Training FLOPs actually computed, lora ÷ full_finetune (means over seeds). */
  trainFlopsRatio: number;
  /** Mean over seeds of validation accuracy, lora − full_finetune, in accuracy points. */
  loraMinusFullPoints: number;
  /** recommend()'s verdict on lora against the best strategy ('best' when lora is the best). */
  loraVerdict: Verdict;
  /**
   * Is the saving real: did lora pass the gates and is its loss against the best shown to be within
   * the margin (verdict 'non-inferior', or lora is the best)? A saving bought with an accuracy loss
   * the evidence cannot bound is not shown.
   */
  savingIsReal: boolean;
  /** The strategy recommend() names on this evidence (null when it names none). */
  recommended: StrategyName | null;
}
export type Ex07Module = { readLoraRun(run: RunFixture): LoraSavingReading };
