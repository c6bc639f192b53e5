// What the report says about its numbers: accuracy intervals that respect [0, 100]% (or say
// that they do not), one convention for sizes, the lab's paired confusion tests marking the
// cells, and which cells of a large diff carry a number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SeedStat } from '../../src/record/run-record.js';
import { bytes as noteBytes } from '../../src/decide/format.js';
import { renderReport } from '../../src/report/html.js';
import { accuracyInterval, bytes, ciDetail, meanCi } from '../../src/report/format.js';
import type { ChartSpec, ConfusionDiffChartSpec, ScoreCostChartSpec } from '../../src/report/chart-spec.js';
import { makeReportFixture } from './fixture.js';

function chartData(doc: string): ChartSpec[] {
  const m = /<script type="application\/json" id="adaptlab-report-data">([^<]*)<\/script>/.exec(doc);
  assert.ok(m, 'the report has a chart data block');
  return (JSON.parse(m[1]) as { charts: ChartSpec[] }).charts;
}

function section(doc: string, modality: string): string {
  const start = doc.indexOf(`<section class="modality" id="modality-${modality}">`);
  assert.ok(start >= 0, `section for ${modality}`);
  return doc.slice(start, doc.indexOf('</section>', start));
}

const stat = (mean: number, ci95: [number, number], extra: Partial<SeedStat> & { ci95Bounded?: [number, number] } = {}): SeedStat => ({
  mean,
  sd: 0.01,
  ci95,
  values: [mean - 0.01, mean, mean + 0.01],
  ...extra,
});

test('a symmetric interval inside [0, 1] reads as mean ± half', () => {
  const s = stat(0.8, [0.77, 0.83]);
  assert.deepEqual(accuracyInterval(s), { lo: 0.77, hi: 0.83, kind: 't', beyond: false });
  assert.equal(meanCi(s), '80.0 ± 3.0');
});

test('a t interval past 100% is kept whole and flagged, never clipped silently', () => {
  const s = stat(0.975, [0.93, 1.02]);
  assert.deepEqual(accuracyInterval(s), { lo: 0.93, hi: 1.02, kind: 't', beyond: true });
  assert.equal(meanCi(s), '97.5 ± 4.5†');
  assert.match(ciDetail(s), /95% interval \[93\.00, 102\.00\]: a symmetric t interval over the seeds, it runs past what an accuracy can be/);
  const below = stat(0.02, [-0.01, 0.05]);
  assert.equal(accuracyInterval(below)!.beyond, true);
  assert.equal(meanCi(below), '2.0 ± 3.0†');
});

test('a bounded interval is shown when the summary carries one, as a range', () => {
  const s = stat(0.975, [0.93, 1.02], { ci95Bounded: [0.912, 0.994] });
  assert.deepEqual(accuracyInterval(s), { lo: 0.912, hi: 0.994, kind: 'bounded', beyond: false });
  assert.equal(meanCi(s), '97.5 (91.2–99.4)');
  assert.match(ciDetail(s), /\[91\.20, 99\.40\] \(bounded to 0–100%\)/);
  // A ci95 that is itself bounded (asymmetric, inside [0, 1]) reads the same way.
  assert.deepEqual(accuracyInterval(stat(0.975, [0.912, 0.994])), { lo: 0.912, hi: 0.994, kind: 'bounded', beyond: false });
  // A malformed bounded interval is ignored, not trusted.
  assert.equal(accuracyInterval(stat(0.8, [0.77, 0.83], { ci95Bounded: [0.9, 0.1] }))!.kind, 't');
  // One seed: no interval.
  assert.equal(meanCi(stat(0.8, [Number.NaN, Number.NaN])), '80.0');
  assert.equal(accuracyInterval(stat(0.8, [Number.NaN, Number.NaN])), null);
});

test('the page says when an interval runs past 100%, and shows bounded ones as ranges', () => {
  const tFixture = makeReportFixture({ visionClasses: 3 });
  const doc = renderReport({ summary: tFixture.summary, trials: tFixture.trials });
  const vision = section(doc, 'vision');
  const full = tFixture.summary.modalities.vision!.strategies.full_finetune!.metrics.validation.accuracy;
  assert.ok(full.ci95[1] > 1, 'the fixture has a t interval past 100%');
  assert.ok(vision.includes('†</td>') && vision.includes('<p class="caption footnote">† This 95% interval runs past 100%'));
  const point = chartData(doc).find((c): c is ScoreCostChartSpec => c.kind === 'score-cost')!.points.find((p) => p.strategy === 'full_finetune')!;
  assert.deepEqual(point.ci95, { lo: full.ci95[0] * 100, hi: full.ci95[1] * 100, kind: 't', beyond: true });
  assert.match(vision, /An arrow at the end of a bar marks an interval that runs past 100%/);

  const bFixture = makeReportFixture({ visionClasses: 3, boundedIntervals: true });
  const bounded = section(renderReport({ summary: bFixture.summary, trials: bFixture.trials }), 'vision');
  assert.ok(!bounded.includes('footnote') && !bounded.includes('An arrow at the end'), 'nothing runs past 100%');
  assert.match(bounded, /<td class="num" title="95% interval \[[\d.]+, [\d.]+\] \(bounded to 0–100%\)[^"]*">[\d.]+ \([\d.]+–[\d.]+\)<\/td>/);
});

test('sizes use the notes\' decimal units', () => {
  for (const v of [0, 999, 8208, 2_600, 44_714_256, 3.2e9]) assert.equal(bytes(v), noteBytes(v));
  assert.equal(bytes(8208), '8.21 kB');
  assert.equal(bytes(Number.NaN), '—');
});

test('the lab\'s paired confusion comparisons in the summary are shown for the shown split, with their tests', () => {
  const fixture = makeReportFixture({ labDiffs: true });
  const labDiffs = fixture.summary.modalities.vision!.confusionDiffs!;
  assert.equal(labDiffs.length, 10, '5 comparisons × 2 splits');
  for (const split of ['test', 'validation'] as const) {
    const doc = renderReport({ summary: fixture.summary, trials: fixture.trials, confusionSplit: split });
    const diffs = chartData(doc).filter((c): c is ConfusionDiffChartSpec => c.kind === 'confusion-diff' && c.classNames.length === 4);
    assert.equal(diffs.length, 5, `${split}: one chart per comparison, of the shown split only`);
    for (const chart of diffs) {
      const d = labDiffs.find((x) => x.split === split && `${x.strategy} − ${x.baseline}` === chart.title)!;
      assert.ok(d, `${chart.title} is the lab's ${split} comparison`);
      assert.deepEqual(chart.diff, d.diff);
      assert.ok(chart.tests && chart.tests.length === d.improved.length + d.worsened.length);
      assert.ok(chart.counts, 'every seed was paired, so both sides\' mean counts are known');
      // Up to 6 classes every changed cell carries its number, significant ones included.
      for (const p of [...d.improved, ...d.worsened].filter((x) => x.significant && Math.abs(x.delta) >= 0.05)) {
        assert.ok(chart.labelled.some(([r, c]) => r === p.actual && c === p.predicted), `${chart.title}: significant cell ${p.actual}→${p.predicted} is labelled`);
      }
    }
    const vision = section(doc, 'vision');
    assert.match(vision, /<caption>Largest changes, scratch → frozen in mean examples \(p: paired test, Holm-corrected\)<\/caption>/);
    assert.match(vision, /· p (=|<) [\d.]+( ✱)?<\/span>/);
    assert.match(vision, /exact McNemar, Holm-corrected/);
  }
});

test('in a large diff only the largest changes and the significant ones carry numbers', () => {
  const fixture = makeReportFixture({ visionClasses: 20, labDiffs: true });
  const doc = renderReport({ summary: fixture.summary, trials: fixture.trials });
  const diffs = chartData(doc).filter((c): c is ConfusionDiffChartSpec => c.kind === 'confusion-diff' && c.classNames.length === 20);
  assert.equal(diffs.length, 5);
  for (const chart of diffs) {
    const cells = chart.diff.flatMap((row, r) => row.map((v, c) => ({ r, c, v })));
    const largest = Math.max(...cells.map((x) => Math.abs(x.v)));
    const significant = (chart.tests ?? []).filter((t) => t.significant && Math.abs(chart.diff[t.actual][t.predicted]) >= 0.05);
    assert.ok(chart.labelled.length <= 3 * 20 + significant.length, `${chart.title}: ${chart.labelled.length} numbers`);
    assert.ok(chart.labelled.length < cells.length / 4, `${chart.title}: most of the 400 cells stay unnumbered`);
    const top = cells.reduce((a, b) => (Math.abs(b.v) > Math.abs(a.v) ? b : a));
    assert.ok(chart.labelled.some(([r, c]) => r === top.r && c === top.c), `${chart.title}: the largest change is numbered`);
    for (const [r, c] of chart.labelled) {
      const v = Math.abs(chart.diff[r][c]);
      const isSignificant = significant.some((t) => t.actual === r && t.predicted === c);
      assert.ok(isSignificant || v >= 0.25 * largest, `${chart.title}: ${r},${c} (${v}) is large or significant`);
    }
  }
  // The table beside each holds the full names, escaped, and both kinds of change.
  const vision = section(doc, 'vision');
  assert.ok(vision.includes('<tr class="group"><th colspan="2">Correct predictions of the class</th></tr>'));
  assert.ok(vision.includes('<tr class="group"><th colspan="2">Confusions <span class="sub">actual as predicted</span></th></tr>'));
  assert.match(vision, /rounded to whole examples when the cells are too small for a decimal/);
});
