// Everything one modality's section shows, gathered from the Summary and the TrialRecords as
// plain data: table rows, per-class figures and chart specs. Averages over seeds are the only
// arithmetic; inconsistencies that do not stop the report become visible warnings.
import { STRATEGY_NAMES, type Modality, type StrategyName } from '../record/vocabulary.js';
import type { ModalitySummary, StrategySummary, TrialRecord } from '../record/run-record.js';
import { ArgumentError } from '../errors.js';
import { confusionBaselines } from '../adapt/strategy-answers.js';
import { checkConfusion, diffConfusion, meanConfusion } from './confusion.js';
import type { CellTest, ChartSpec, ConfusionChartSpec, ConfusionDiffChartSpec, CurvesChartSpec, ScoreCostChartSpec } from './chart-spec.js';
import { accuracyInterval } from './format.js';
import { strategyColor } from './colors.js';
import type { ConfusionDiff, ReportSplit } from './types.js';

export interface StrategyRow {
  strategy: StrategyName;
  color: string;
  recommended: boolean;
  /** null when only trial records exist for this strategy. */
  summary: StrategySummary | null;
  trialCount: number;
}

export interface PerClassRow {
  className: string;
  /** Examples of the class in the split (from the first trial: the split is fixed across seeds). */
  support: number | null;
  /** Mean recall over seeds per strategy, in percent; null when no trial covers it. */
  recall: (number | null)[];
}

/** One row of a diff's "largest changes" table. */
export interface ChangeRow {
  actual: string;
  predicted: string;
  /** A diagonal cell: examples of the class predicted correctly. */
  correct: boolean;
  /** Mean counts under the baseline and the strategy, when known. */
  from: number | null;
  to: number | null;
  change: number;
  /** More correct on the diagonal or fewer mistakes off it. */
  better: boolean;
  test: CellTest | null;
}

export interface DiffPanel {
  chart: ConfusionDiffChartSpec;
  /** The diagonal cells that changed most (classes predicted correctly more or less often). */
  classes: ChangeRow[];
  /** The off-diagonal cells that changed most (confusions made less or more often). */
  confusions: ChangeRow[];
}

export interface ModalityView {
  modality: Modality;
  summary: ModalitySummary;
  strategies: StrategyName[];
  rows: StrategyRow[];
  split: ReportSplit;
  perClass: PerClassRow[];
  scoreCost: ScoreCostChartSpec;
  curves: CurvesChartSpec;
  losses: CurvesChartSpec;
  confusions: ConfusionChartSpec[];
  /** Confusion differences grouped by the baseline they are taken against. */
  diffGroups: { baseline: string; panels: DiffPanel[] }[];
  /** True when the differences come with the lab's paired tests per cell. */
  diffsTested: boolean;
  /** Some accuracy interval runs past 0% or 100% (a symmetric t interval over few seeds). */
  intervalsBeyond: boolean;
  warnings: string[];
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function buildModalityView(
  modality: Modality,
  summary: ModalitySummary,
  allTrials: readonly TrialRecord[],
  split: ReportSplit,
  givenDiffs: readonly ConfusionDiff[] | undefined,
  nextId: () => string,
): ModalityView {
  const warnings: string[] = [];
  const classNames = summary.dataset.classNames.map(String);
  const n = classNames.length;
  const trials = allTrials.filter((t) => t.modality === modality);

  const byStrategy = new Map<StrategyName, TrialRecord[]>();
  for (const t of trials) {
    if (!STRATEGY_NAMES.includes(t.strategy)) {
      warnings.push(`A trial file names a strategy this report does not know, "${String(t.strategy)}" (seed ${t.seed}); it is not shown.`);
      continue;
    }
    const list = byStrategy.get(t.strategy) ?? [];
    list.push(t);
    byStrategy.set(t.strategy, list);
  }
  const strategies = STRATEGY_NAMES.filter((s) => summary.strategies[s] !== undefined || byStrategy.has(s));
  for (const s of strategies) {
    if (summary.strategies[s] === undefined) warnings.push(`${s} has trial files but no entry in summary.json: its row in the strategy table is empty.`);
    if (!byStrategy.has(s)) warnings.push(`${s} is in summary.json but has no trial files: no confusion matrix or learning curve for it.`);
  }
  const recommended = summary.recommendation.strategy;
  const rows: StrategyRow[] = strategies.map((s) => ({
    strategy: s,
    color: strategyColor(s),
    recommended: recommended === s,
    summary: summary.strategies[s] ?? null,
    trialCount: byStrategy.get(s)?.length ?? 0,
  }));

  for (const list of byStrategy.values()) {
    for (const t of list) {
      if (t.metrics[split].perClass.length !== n) {
        throw new ArgumentError(
          `${modality} ${t.strategy} seed ${t.seed}: ${split} metrics have ${t.metrics[split].perClass.length} classes, the summary names ${n} (${classNames.join(', ')}).`,
        );
      }
    }
  }
  const perClass: PerClassRow[] = classNames.map((className, k) => {
    const first = strategies.map((s) => byStrategy.get(s)?.[0]).find((t) => t !== undefined);
    return {
      className,
      support: first ? first.metrics[split].perClass[k].support : null,
      recall: strategies.map((s) => {
        const values = (byStrategy.get(s) ?? []).map((t) => t.metrics[split].perClass[k].recall);
        return values.length > 0 && values.every((v) => Number.isFinite(v)) ? mean(values) * 100 : null;
      }),
    };
  });

  const scoreCost: ScoreCostChartSpec = { kind: 'score-cost', id: nextId(), points: [] };
  for (const row of rows) {
    if (!row.summary) continue;
    const flops = row.summary.cost.trainFlops;
    const acc = row.summary.metrics.validation.accuracy;
    const m = finiteOrNull(acc.mean);
    if (!(typeof flops === 'number' && Number.isFinite(flops) && flops > 0) || m === null) {
      warnings.push(`${row.strategy} is missing from the score-vs-cost chart: training FLOPs ${String(flops)} and validation accuracy ${String(acc.mean)} cannot be placed on a log axis.`);
      continue;
    }
    const ci = accuracyInterval(acc);
    scoreCost.points.push({
      strategy: row.strategy,
      color: row.color,
      flops,
      mean: m * 100,
      ci95: ci ? { lo: ci.lo * 100, hi: ci.hi * 100, kind: ci.kind, beyond: ci.beyond } : null,
      seeds: (acc.values ?? []).filter((v) => Number.isFinite(v)).map((v) => v * 100),
    });
  }

  const curve = (metric: 'accuracy' | 'loss'): CurvesChartSpec => {
    const spec: CurvesChartSpec = { kind: 'curves', id: nextId(), metric, series: [] };
    for (const s of strategies) {
      const list = byStrategy.get(s);
      if (!list) continue;
      const perEpoch = new Map<number, number[]>();
      for (const t of list) {
        for (const p of t.curve ?? []) {
          const v = metric === 'accuracy' ? p.validationAccuracy : p.trainLoss;
          if (!Number.isFinite(v) || !Number.isFinite(p.epoch)) continue; // a broken epoch (non-finite loss) is not drawn
          const values = perEpoch.get(p.epoch) ?? [];
          values.push(v);
          perEpoch.set(p.epoch, values);
        }
      }
      const scale = metric === 'accuracy' ? 100 : 1;
      const points = [...perEpoch.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([epoch, v]): [number, number, number] => [epoch, mean(v) * scale, v.length]);
      if (points.length > 0) spec.series.push({ strategy: s, color: strategyColor(s), points });
    }
    return spec;
  };
  const curves = curve('accuracy');
  const losses = curve('loss');

  const meanBy = new Map<StrategyName, number[][]>();
  const confusions: ConfusionChartSpec[] = [];
  for (const s of strategies) {
    const list = byStrategy.get(s);
    if (!list) continue;
    const matrix = meanConfusion(
      list.map((t) => t.metrics[split].confusion),
      n,
      `${modality} ${s} ${split} confusion`,
    );
    meanBy.set(s, matrix);
    confusions.push({ kind: 'confusion', id: nextId(), title: `${s} (${list.length} seed${list.length === 1 ? '' : 's'})`, classNames, matrix });
  }

  const diffGroups: { baseline: string; panels: DiffPanel[] }[] = [];
  const addDiff = (baseline: string, chart: ConfusionDiffChartSpec): void => {
    let group = diffGroups.find((g) => g.baseline === baseline);
    if (!group) diffGroups.push((group = { baseline, panels: [] }));
    group.panels.push({ chart, ...largestChanges(chart) });
  };
  // The lab's paired comparisons of the shown split, when it made them; others only when there
  // are none of this split (their split is then in the title).
  const given = givenDiffs ?? [];
  const shown = given.some((d) => d.split === split) ? given.filter((d) => d.split === split) : given;
  let diffsTested = false;
  if (shown.length > 0) {
    for (const d of shown) {
      checkConfusion(d.diff, n, `${modality} ${d.strategy} − ${d.baseline} confusion difference`);
      const tests = cellTests(d);
      if (tests) diffsTested = true;
      const title = `${d.strategy} − ${d.baseline}${d.split === split ? '' : ` (${d.split} split)`}`;
      // The two sides' mean counts are the report's own means when the comparison paired every
      // seed of both (as a grid does); a race may pair fewer, and then only the tests' counts are known.
      const a = meanBy.get(d.baseline);
      const b = meanBy.get(d.strategy);
      const allSeeds = d.split === split && sameSeeds(d.seeds, byStrategy.get(d.baseline)) && sameSeeds(d.seeds, byStrategy.get(d.strategy));
      const counts = allSeeds && a && b ? { baseline: a, strategy: b } : null;
      addDiff(String(d.baseline), diffSpec(nextId(), title, String(d.strategy), String(d.baseline), classNames, d.diff, counts, tests));
    }
  } else {
    // Against the baselines the strategies declare, in their order; a pair already shown the other way round is not mirrored.
    const baselines = confusionBaselines();
    for (const [i, baseline] of baselines.entries()) {
      const base = meanBy.get(baseline);
      if (!base) continue;
      for (const s of strategies) {
        if (s === baseline || baselines.slice(0, i).includes(s)) continue;
        const m = meanBy.get(s);
        if (!m) continue;
        addDiff(baseline, diffSpec(nextId(), `${s} − ${baseline}`, s, baseline, classNames, diffConfusion(m, base), { baseline: base, strategy: m }, null));
      }
    }
  }

  const intervalsBeyond = rows.some((r) => {
    const m = r.summary?.metrics;
    return !!m && [m.validation.accuracy, m.validation.macroF1, m.test.accuracy, m.test.macroF1].some((st) => accuracyInterval(st)?.beyond === true);
  });

  return { modality, summary, strategies, rows, split, perClass, scoreCost, curves, losses, confusions, diffGroups, diffsTested, intervalsBeyond, warnings };
}

function sameSeeds(seeds: readonly number[] | undefined, trials: readonly TrialRecord[] | undefined): boolean {
  if (!Array.isArray(seeds) || !trials) return false;
  const x = [...seeds].sort((p, q) => p - q);
  const y = trials.map((t) => t.seed).sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Changes smaller than this (in mean examples) read as no change. */
const NO_CHANGE = 0.05;
/** Up to this many classes every changed cell carries its number; above, only the largest and significant ones. */
const LABEL_ALL_UP_TO = 6;
/** Rows of a diff's "largest changes" table: classes, then confusions. */
const LARGEST_CLASSES = 3;
const LARGEST_CONFUSIONS = 6;

function cellTests(d: ConfusionDiff): CellTest[] | null {
  const pairs = [...(Array.isArray(d.improved) ? d.improved : []), ...(Array.isArray(d.worsened) ? d.worsened : [])];
  if (!Array.isArray(d.improved) && !Array.isArray(d.worsened)) return null;
  return pairs
    .filter((p) => Number.isInteger(p.actual) && Number.isInteger(p.predicted) && Number.isFinite(p.adjustedP))
    .map((p) => ({ actual: p.actual, predicted: p.predicted, countA: p.countA, countB: p.countB, adjustedP: p.adjustedP, significant: p.significant === true }));
}

/** Cells by decreasing size of change, no-change cells left out. */
function changedCells(diff: number[][]): { r: number; c: number; v: number }[] {
  const cells: { r: number; c: number; v: number }[] = [];
  diff.forEach((row, r) => row.forEach((v, c) => {
    if (Number.isFinite(v) && Math.abs(v) >= NO_CHANGE) cells.push({ r, c, v });
  }));
  // Ties keep reading order, so the choice is stable.
  return cells.sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.r - b.r || a.c - b.c);
}

function diffSpec(
  id: string,
  title: string,
  strategy: string,
  baseline: string,
  classNames: string[],
  diff: number[][],
  counts: ConfusionDiffChartSpec['counts'],
  tests: CellTest[] | null,
): ConfusionDiffChartSpec {
  const n = classNames.length;
  const cells = changedCells(diff);
  let labelled: { r: number; c: number }[];
  if (n <= LABEL_ALL_UP_TO) {
    labelled = cells;
  } else {
    // The changes that show as colour (a quarter of the largest or more), largest first, at most
    // three per class; and every significant one, however small.
    const largest = cells.length > 0 ? Math.abs(cells[0].v) : 0;
    const top = cells.filter((x) => Math.abs(x.v) >= 0.25 * largest).slice(0, 3 * n);
    const significant = cells.filter((x) => tests?.some((t) => t.significant && t.actual === x.r && t.predicted === x.c));
    labelled = [...top, ...significant.filter((x) => !top.includes(x))];
  }
  return {
    kind: 'confusion-diff',
    id,
    title,
    strategy,
    baseline,
    classNames,
    diff,
    counts,
    labelled: labelled.map((x): [number, number] => [x.r, x.c]),
    tests,
  };
}

function largestChanges(spec: ConfusionDiffChartSpec): { classes: ChangeRow[]; confusions: ChangeRow[] } {
  const rows = changedCells(spec.diff).map(({ r, c, v }): ChangeRow => {
    const test = spec.tests?.find((t) => t.actual === r && t.predicted === c) ?? null;
    const from = spec.counts ? spec.counts.baseline[r][c] : test ? test.countA : null;
    const to = spec.counts ? spec.counts.strategy[r][c] : test ? test.countB : null;
    return { actual: spec.classNames[r], predicted: spec.classNames[c], correct: r === c, from, to, change: v, better: r === c ? v > 0 : v < 0, test };
  });
  return {
    classes: rows.filter((x) => x.correct).slice(0, LARGEST_CLASSES),
    confusions: rows.filter((x) => !x.correct).slice(0, LARGEST_CONFUSIONS),
  };
}

/** The specs in the order their containers appear in the section. */
export function chartsOf(view: ModalityView): ChartSpec[] {
  return [view.scoreCost, view.curves, view.losses, ...view.confusions, ...view.diffGroups.flatMap((g) => g.panels.map((p) => p.chart))];
}
