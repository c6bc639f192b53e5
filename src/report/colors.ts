// The report's colour per strategy, the same in every table swatch and chart: each strategy
// answers for its own (adapt/strategy-answers.ts); one without a colour yet, or a name the report
// does not know, is drawn in the neutral FALLBACK_COLOR.
import { STRATEGY_NAMES, type StrategyName } from '../record/vocabulary.js';
import { answersOf } from '../adapt/strategy-answers.js';

export const FALLBACK_COLOR = '#444444';

/** The strategies that have a colour of their own, with it, in STRATEGY_NAMES order. */
export function strategyColors(): [StrategyName, string][] {
  return STRATEGY_NAMES.flatMap((s) => {
    const color = answersOf(s).color;
    return color === null ? [] : [[s, color]];
  });
}

export function strategyColor(strategy: string): string {
  return ((STRATEGY_NAMES as readonly string[]).includes(strategy) ? answersOf(strategy as StrategyName).color : null) ?? FALLBACK_COLOR;
}
