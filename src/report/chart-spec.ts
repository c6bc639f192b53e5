// The contract between the report builder (Node) and the chart script (browser): plain data,
// one entry per chart container, serialised with jsonForScript. Accuracies are in percent here,
// because that is how they are read; null marks a value the records did not hold.
import type { StrategyName } from '../adapt/types.js';

export interface ConfusionChartSpec {
  kind: 'confusion';
  id: string;
  title: string;
  classNames: string[];
  /** Mean counts over seeds; rows = actual class, columns = predicted class. */
  matrix: number[][];
}

export interface ConfusionDiffChartSpec {
  kind: 'confusion-diff';
  id: string;
  title: string;
  classNames: string[];
  /** `strategy − baseline` in mean counts; rows = actual, columns = predicted. */
  diff: number[][];
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
    ci95: [number, number] | null;
    seeds: number[];
  }[];
}

export interface CurvesChartSpec {
  kind: 'curves';
  id: string;
  series: {
    strategy: StrategyName;
    color: string;
    /** [epoch, mean validation accuracy over the seeds that reached that epoch]. */
    points: [number, number][];
  }[];
}

export type ChartSpec = ConfusionChartSpec | ConfusionDiffChartSpec | ScoreCostChartSpec | CurvesChartSpec;
