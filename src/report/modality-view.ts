// Everything one modality's section shows, gathered from the Summary and the TrialRecords as
// plain data: table rows, per-class figures and chart specs. Averages over seeds are the only
// arithmetic; inconsistencies that do not stop the report become visible warnings.
import { STRATEGY_NAMES, type Modality, type StrategyName } from '../adapt/types.js';
import type { ModalitySummary, StrategySummary, TrialRecord } from '../adapt/run-record.js';
import { ArgumentError } from '../errors.js';
import { checkConfusion, diffConfusion, meanConfusion } from './confusion.js';
import type { ChartSpec, ConfusionChartSpec, ConfusionDiffChartSpec, CurvesChartSpec, ScoreCostChartSpec } from './chart-spec.js';
import type { ConfusionDiff, ReportSplit } from './types.js';

/** One colour per strategy, the same in every table swatch and chart of the report. */
export const STRATEGY_COLORS: Record<StrategyName, string> = {
  scratch: '#7a7a7a',
  frozen: '#1f77b4',
  partial_unfreeze: '#e07b00',
  full_finetune: '#8e44ad',
};

/** Confusion diffs are taken against these, in this order. */
const DIFF_BASELINES: readonly StrategyName[] = ['scratch', 'frozen'];

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

export interface ModalityView {
  modality: Modality;
  summary: ModalitySummary;
  strategies: StrategyName[];
  rows: StrategyRow[];
  split: ReportSplit;
  perClass: PerClassRow[];
  scoreCost: ScoreCostChartSpec;
  curves: CurvesChartSpec;
  confusions: ConfusionChartSpec[];
  /** Confusion differences grouped by the baseline they are taken against. */
  diffGroups: { baseline: string; charts: ConfusionDiffChartSpec[] }[];
  /** True when the diffs were supplied by the caller rather than computed here. */
  diffsGiven: boolean;
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
      warnings.push(`A trial record names an unknown strategy "${String(t.strategy)}" (seed ${t.seed}); it is not shown.`);
      continue;
    }
    const list = byStrategy.get(t.strategy) ?? [];
    list.push(t);
    byStrategy.set(t.strategy, list);
  }
  const strategies = STRATEGY_NAMES.filter((s) => summary.strategies[s] !== undefined || byStrategy.has(s));
  for (const s of strategies) {
    if (summary.strategies[s] === undefined) warnings.push(`${s} has trial records but no entry in the summary: its table row is empty.`);
    if (!byStrategy.has(s)) warnings.push(`${s} is in the summary but has no trial records: no confusion matrix or learning curve for it.`);
  }
  const recommended = summary.recommendation.strategy;
  const rows: StrategyRow[] = strategies.map((s) => ({
    strategy: s,
    color: STRATEGY_COLORS[s],
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
    const lo = finiteOrNull(acc.ci95?.[0]);
    const hi = finiteOrNull(acc.ci95?.[1]);
    scoreCost.points.push({
      strategy: row.strategy,
      color: row.color,
      flops,
      mean: m * 100,
      ci95: lo !== null && hi !== null ? [lo * 100, hi * 100] : null,
      seeds: (acc.values ?? []).filter((v) => Number.isFinite(v)).map((v) => v * 100),
    });
  }

  const curves: CurvesChartSpec = { kind: 'curves', id: nextId(), series: [] };
  for (const s of strategies) {
    const list = byStrategy.get(s);
    if (!list) continue;
    const perEpoch = new Map<number, number[]>();
    for (const t of list) {
      for (const p of t.curve) {
        if (!Number.isFinite(p.validationAccuracy)) continue;
        const values = perEpoch.get(p.epoch) ?? [];
        values.push(p.validationAccuracy);
        perEpoch.set(p.epoch, values);
      }
    }
    const points = [...perEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, v]): [number, number] => [epoch, mean(v) * 100]);
    if (points.length > 0) curves.series.push({ strategy: s, color: STRATEGY_COLORS[s], points });
  }

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

  const diffGroups: { baseline: string; charts: ConfusionDiffChartSpec[] }[] = [];
  const addDiff = (baseline: string, spec: ConfusionDiffChartSpec): void => {
    let group = diffGroups.find((g) => g.baseline === baseline);
    if (!group) diffGroups.push((group = { baseline, charts: [] }));
    group.charts.push(spec);
  };
  const diffsGiven = givenDiffs !== undefined && givenDiffs.length > 0;
  if (diffsGiven) {
    for (const d of givenDiffs) {
      checkConfusion(d.diff, n, `${modality} ${d.strategy} − ${d.baseline} confusion difference`);
      addDiff(String(d.baseline), { kind: 'confusion-diff', id: nextId(), title: `${d.strategy} − ${d.baseline} (${d.split})`, classNames, diff: d.diff });
    }
  } else {
    for (const baseline of DIFF_BASELINES) {
      const base = meanBy.get(baseline);
      if (!base) continue;
      for (const s of strategies) {
        // scratch − frozen would only mirror frozen − scratch.
        if (s === baseline || (baseline === 'frozen' && s === 'scratch')) continue;
        const m = meanBy.get(s);
        if (!m) continue;
        addDiff(baseline, { kind: 'confusion-diff', id: nextId(), title: `${s} − ${baseline}`, classNames, diff: diffConfusion(m, base) });
      }
    }
  }

  return { modality, summary, strategies, rows, split, perClass, scoreCost, curves, confusions, diffGroups, diffsGiven, warnings };
}

/** The specs in the order their containers appear in the section. */
export function chartsOf(view: ModalityView): ChartSpec[] {
  return [view.scoreCost, view.curves, ...view.confusions, ...view.diffGroups.flatMap((g) => g.charts)];
}
