// The report's colour per strategy, the same in every table swatch and chart: each strategy
// answers for its own (adapt/strategy-answers.ts); a name the report does not know (a record from
// another version) is drawn in the neutral FALLBACK_COLOR.
import { STRATEGY_NAMES, type StrategyName } from '../record/vocabulary.js';
import { answersOf } from '../adapt/strategy-answers.js';

export const FALLBACK_COLOR = '#444444';

/** Every strategy with its colour, in STRATEGY_NAMES order. */
export function strategyColors(): [StrategyName, string][] {
  return STRATEGY_NAMES.map((s) => [s, answersOf(s).color]);
}

export function strategyColor(strategy: string): string {
  return ((STRATEGY_NAMES as readonly string[]).includes(strategy) ? answersOf(strategy as StrategyName).color : null) ?? FALLBACK_COLOR;
}
