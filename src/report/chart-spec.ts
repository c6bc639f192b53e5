// The contract between the report builder (Node) and the chart script (browser): plain data,
// one entry per chart container, serialised with jsonForScript. Accuracies are in percent here,
// because that is how they are read; null marks a value the records did not hold.
import type { StrategyName } from '../record/vocabulary.js';

export interface ConfusionChartSpec {
  kind: 'confusion';
  id: string;
  title: string;
  classNames: string[];
  /** Mean counts over seeds; rows = actual class, columns = predicted class. */
  matrix: number[][];
}

/** The paired test of one off-diagonal cell (actual → predicted), when the lab ran it. */
export interface CellTest {
  actual: number;
  predicted: number;
  /** Mean examples of `actual` predicted as `predicted`, under the baseline and under the strategy. */
  countA: number;
  countB: number;
  /** Holm-adjusted p-value over the comparison's pairs. */
  adjustedP: number;
  significant: boolean;
}

export interface ConfusionDiffChartSpec {
  kind: 'confusion-diff';
  id: string;
  title: string;
  strategy: string;
  baseline: string;
  classNames: string[];
  /** `strategy − baseline` in mean counts; rows = actual, columns = predicted. */
  diff: number[][];
  /** Mean counts of the two sides (for the tooltip); null when only the difference is known. */
  counts: { baseline: number[][]; strategy: number[][] } | null;
  /**
   * Cells [row, column] whose number is drawn: the largest changes and every significant one.
   * The chart draws a number only where it fits its cell; every cell has its value in the tooltip.
   */
  labelled: [number, number][];
  /** The lab's paired tests of off-diagonal cells; null when the report computed the difference itself. */
  tests: CellTest[] | null;
}

/** A 95% interval of an accuracy, in percent. */
export interface IntervalSpec {
  lo: number;
  hi: number;
  /** 'bounded': an interval that respects [0, 100] by construction; 't': the symmetric t interval over seeds. */
  kind: 'bounded' | 't';
  /** The interval runs below 0 or above 100: the chart draws it to the bound with an arrow and says so. */
  beyond: boolean;
}

export interface ScoreCostChartSpec {
  kind: 'score-cost';
  id: string;
  points: {
    strategy: StrategyName;
    color: string;
    /** Training FLOPs (> 0, drawn on a log axis). */
    flops: number;
    mean: number;
    ci95: IntervalSpec | null;
    seeds: number[];
  }[];
}

export interface CurvesChartSpec {
  kind: 'curves';
  id: string;
  /** 'accuracy': validation accuracy in percent (axis within [0, 100]); 'loss': mean training loss. */
  metric: 'accuracy' | 'loss';
  series: {
    strategy: StrategyName;
    color: string;
    /** [epoch, mean over the seeds that reached that epoch, how many seeds that was]. */
    points: [number, number, number][];
  }[];
}

export type ChartSpec = ConfusionChartSpec | ConfusionDiffChartSpec | ScoreCostChartSpec | CurvesChartSpec;

/** The heatmap kinds, which the page sizes by their class count. */
export type HeatmapSpec = ConfusionChartSpec | ConfusionDiffChartSpec;
