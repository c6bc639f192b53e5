// What each strategy answers for the code that decides and reports on its results, whatever the
// options it was defined with. The decision, the note, the summaries and the report ask these
// and never test a strategy's name; a new strategy answers here, beside its spec (strategies.ts),
// which says how it trains.
import type { TrialRecord } from '../record/run-record.js';
import { STRATEGY_NAMES, type StrategyName } from '../record/vocabulary.js';
import { defineStrategy } from './strategies.js';

type TrialConfig = TrialRecord['config'];

/** A suggestion for the next experiment: the strategy it runs (null: a data or protocol change), what to run and why. */
export interface ExperimentHint {
  strategy: StrategyName | null;
  label: string;
  why: string;
}

/** What a strategy's hints may read about the run that chose it. */
export interface HintContext {
  /** The chosen strategy's recorded training config, when its evidence has one. */
  config?: TrialConfig;
  /** "Fewer epochs" when validation never selected the budget's last epoch; null otherwise. */
  fewerEpochs: ExperimentHint | null;
  /** Another strategy of the run: its verdict against the best and its recorded config; undefined when it did not run. */
  other(name: StrategyName): { verdict: string; config?: TrialConfig } | undefined;
}

export interface StrategyAnswers {
  /** Its colour in the report, the same in every table swatch and chart (a CSS hex colour, one per strategy). */
  color: string;
  /**
   * Other strategies' confusion patterns are compared with this one's, in this rank (1 first);
   * null: it is not a baseline. scratch shows what pretrained weights change, frozen what training
   * the backbone changes.
   */
  confusionBaseline: number | null;
  /**
   * The backbone groups it trains, as tables name them when the record holds no count: 'none' (the
   * head alone), 'all', 'last-k' (the record's partialK), or null when a count of groups does not
   * describe it (biases, adapters, a probe first, groups joining one by one).
   */
  groupsTrained: 'none' | 'all' | 'last-k' | null;
  /** The next, smaller steps along the cost curve once this strategy is the choice, cheapest useful first. */
  whenChosen(ctx: HintContext): ExperimentHint[];
}

/** lr / 3 to two significant digits: a step down that is clearly smaller, not a new search. */
export function lowerRate(lr: number): string {
  return String(Number((lr / 3).toPrecision(2)));
}

const present = (hint: ExperimentHint | null): ExperimentHint[] => (hint ? [hint] : []);

const ANSWERS: Readonly<Record<StrategyName, StrategyAnswers>> = {
  scratch: {
    color: '#7a7a7a',
    confusionBaseline: 1,
    groupsTrained: 'all',
    whenChosen: (ctx) => [
      {
        strategy: 'scratch',
        label: 'Transfer is not justified: try a smaller scratch model or a shorter schedule',
        why: 'Training from scratch matched the pretrained strategies within the margin, so the next saving is in the scratch model itself.',
      },
      ...present(ctx.fewerEpochs),
    ],
  },
  frozen: {
    color: '#1f77b4',
    confusionBaseline: 2,
    groupsTrained: 'none',
    whenChosen: (ctx) => [
      ...present(ctx.fewerEpochs),
      {
        strategy: 'frozen',
        label: 'frozen with a smaller label budget (--label-budget)',
        why: 'The linear probe is already acceptable and the head is a single linear layer: what is left to save is labelled data.',
      },
    ],
  },
  partial_unfreeze: {
    color: '#e07b00',
    confusionBaseline: null,
    groupsTrained: 'last-k',
    whenChosen: (ctx) => {
      const k = ctx.config?.partialK ?? null;
      const lr = ctx.config?.backboneLr ?? null;
      return [
        k !== null && k > 1
          ? { strategy: 'partial_unfreeze', label: `partial_unfreeze with ${k - 1} unfrozen group(s) instead of ${k}`, why: 'Fewer unfrozen groups train and store less; it may stay within the margin.' }
          : { strategy: 'partial_unfreeze', label: 'partial_unfreeze with fewer unfrozen groups', why: 'Unfreezing less trains and stores less; it may stay within the margin.' },
        {
          strategy: 'partial_unfreeze',
          label: lr !== null ? `partial_unfreeze with a lower backbone learning rate (${lowerRate(lr)} instead of ${lr})` : 'partial_unfreeze with a lower backbone learning rate',
          why: 'A gentler update of the unfrozen groups keeps more of the pretrained features and can close the gap to frozen.',
        },
      ];
    },
  },
  lora: { color: '#b8860b', confusionBaseline: null, groupsTrained: null, whenChosen: () => [] },
  bitfit: { color: '#2a9d8f', confusionBaseline: null, groupsTrained: null, whenChosen: () => [] },
  lp_ft: { color: '#d6337f', confusionBaseline: null, groupsTrained: null, whenChosen: () => [] },
  gradual_unfreeze: { color: '#17becf', confusionBaseline: null, groupsTrained: null, whenChosen: () => [] },
  full_finetune: {
    color: '#8e44ad',
    confusionBaseline: null,
    groupsTrained: 'all',
    whenChosen: (ctx) => {
      const partial = ctx.other('partial_unfreeze');
      const k = partial?.config?.partialK ?? null;
      return [
        {
          strategy: 'partial_unfreeze',
          label: k !== null ? `partial_unfreeze with more unfrozen groups (${k + 1} instead of ${k})` : 'partial_unfreeze with more unfrozen groups',
          why: partial ? `partial_unfreeze was ${partial.verdict} against the best; unfreezing a little more may reach the margin at lower cost.` : 'No partial depth was run; it is the natural step below full fine-tuning.',
        },
        ctx.config && ctx.config.layerDecay === null
          ? { strategy: 'full_finetune', label: 'full_finetune with layer-wise learning-rate decay (--layer-decay 0.75)', why: 'Lower rates for early layers keep general features and often make a shallower update enough.' }
          : { strategy: 'full_finetune', label: 'LP-FT: the head first on frozen features, then everything (--strategies lp_ft)', why: 'A trained head before unfreezing distorts the pretrained features less.' },
      ];
    },
  },
};

export function answersOf(name: StrategyName): StrategyAnswers {
  return ANSWERS[name];
}

/**
 * Whether the strategy is the scratch baseline: its spec trains the architecture from random
 * init, so it measures what the target data alone can do and what pretrained weights add.
 */
export function isScratchBaseline(name: StrategyName): boolean {
  return defineStrategy(name).init === 'random';
}

/** The confusion baselines among `names`, in their rank order. */
export function confusionBaselines(names: readonly StrategyName[] = STRATEGY_NAMES): StrategyName[] {
  return names
    .filter((n) => ANSWERS[n].confusionBaseline !== null)
    .sort((a, b) => ANSWERS[a].confusionBaseline! - ANSWERS[b].confusionBaseline!);
}
