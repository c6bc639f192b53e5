// The report as a string: every section for every modality, escaping of hostile names, no
// external URL, a CSP that admits exactly the report's own scripts, the chart data, and the
// atomic write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport, type ReportInput } from '../../src/report/html.js';
import { writeReport } from '../../src/report/write.js';
import type { ChartSpec, ConfusionChartSpec, ConfusionDiffChartSpec } from '../../src/report/chart-spec.js';
import { ArgumentError } from '../../src/errors.js';
import { makeReportFixture, XSS_CLASS, SCRIPT_CLASS, TEXT_SCRIPT_CLASS, STRATEGIES } from './fixture.js';

const fixture = makeReportFixture();
const input: ReportInput = { summary: fixture.summary, trials: fixture.trials, notes: fixture.notes };
const html = renderReport(input);

function chartData(doc: string): ChartSpec[] {
  const m = /<script type="application\/json" id="adaptlab-report-data">([^<]*)<\/script>/.exec(doc);
  assert.ok(m, 'the report has a chart data block');
  return (JSON.parse(m[1]) as { charts: ChartSpec[] }).charts;
}

/** The markup of one modality's section. */
function section(doc: string, modality: string): string {
  const start = doc.indexOf(`<section class="modality" id="modality-${modality}">`);
  assert.ok(start >= 0, `section for ${modality}`);
  return doc.slice(start, doc.indexOf('</section>', start));
}

/** Inline scripts the browser would execute (not the JSON data block). */
function executableScripts(doc: string): string[] {
  return [...doc.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g)].filter((m) => !/type="application\/json"/.test(m[1] ?? '')).map((m) => m[2]);
}

/** The document with every script element's content removed: the markup alone. */
function markupOnly(doc: string): string {
  return doc.replace(/(<script(?:\s[^>]*)?>)[\s\S]*?(<\/script>)/g, '$1$2');
}

function mean(ms: number[][][]): number[][] {
  return ms[0].map((row, r) => row.map((_, c) => ms.reduce((s, m) => s + m[r][c], 0) / ms.length));
}

test('every modality has its recommendation, strategy table, charts, per-class table and notes', () => {
  for (const modality of ['vision', 'text'] as const) {
    const s = section(html, modality);
    for (const heading of ['Strategies', 'Score vs cost', 'Learning curves', 'Confusion matrices', 'How the confusion changed', 'Per-class recall %', 'Adaptation notes']) {
      assert.ok(s.includes(`<h3>${heading}`), `${modality}: heading "${heading}"`);
    }
    const table = s.slice(s.indexOf('<table class="data strategies">'), s.indexOf('</table>', s.indexOf('<table class="data strategies">')));
    for (const strategy of STRATEGIES) assert.ok(table.includes(`</span>${strategy}`), `${modality}: a row for ${strategy}`);
    for (const reason of fixture.summary.modalities[modality]!.recommendation.reasons) {
      assert.ok(s.includes(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), `${modality}: reason "${reason}"`);
    }
  }
  const vision = section(html, 'vision');
  assert.match(vision, /Recommended: <span class="swatch s-frozen"><\/span><strong>frozen<\/strong>/);
  assert.match(vision, /<tr class="recommended"><td class="strategy"><span class="swatch s-frozen"><\/span>frozen <span class="badge">recommended<\/span>/);
  // Table figures as the summary holds them: 81.4 ± 3.2 style, FLOPs, bytes.
  const frozen = fixture.summary.modalities.vision!.strategies.frozen!;
  const acc = frozen.metrics.validation.accuracy;
  assert.ok(vision.includes(`${(acc.mean * 100).toFixed(1)} ± ${(((acc.ci95[1] - acc.ci95[0]) / 2) * 100).toFixed(1)}`));
  assert.ok(vision.includes('630 GFLOP') && vision.includes('8.21 kB'), 'sizes in decimal units, as the notes write them');
  assert.doesNotMatch(markupOnly(html), /\b\d+(\.\d+)? [KMGT]iB\b/, 'no binary units anywhere in the report');
  // The decision next to the recommendation: evidence, cheapest depth not ruled out, saved model, sanity gates.
  assert.match(vision, /<dt>Evidence<\/dt><dd><strong class="level">sufficient<\/strong> — the choice is settled/);
  assert.match(vision, /<dt>Cheapest depth not ruled out<\/dt><dd><span class="swatch s-frozen"><\/span>frozen, the recommended depth itself/);
  assert.match(vision, /<dt>Saved model<\/dt><dd><code class="path">models\/vision<\/code>.*frozen, seed 0, task file 8\.21 kB/);
  const gates = vision.slice(vision.indexOf('<div class="sanity">'), vision.indexOf('</table>', vision.indexOf('<div class="sanity">')));
  for (const strategy of STRATEGIES) assert.ok(gates.includes(`</span>${strategy}</td>`), `a sanity-gates row for ${strategy}`);
  const scratchSanity = fixture.summary.modalities.vision!.strategies.scratch!.sanity;
  if (scratchSanity.undertrained) assert.ok(gates.includes('⚠ still improving'));
  for (const problem of scratchSanity.problems) assert.ok(gates.includes(problem.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;')), `problem "${problem}"`);
  assert.ok(vision.indexOf('<div class="sanity">') < vision.indexOf('<h3>Strategies'), 'the gates sit with the recommendation, before the tables');
  assert.match(vision, /<h3>How the decision evolved <span class="sub">\(race, 2 rounds\)<\/span><\/h3>/);

  const text = section(html, 'text');
  assert.match(text, /No recommendation: the evidence does not single out a strategy\./);
  assert.match(text, /<dt>Evidence<\/dt><dd><strong class="level">insufficient<\/strong>/);
  assert.match(text, /<dt>Saved model<\/dt><dd>none: no depth was recommended/);
  assert.ok(!text.includes('How the decision evolved'), 'a grid of one round has no rounds table');
  assert.match(text, /<td class="fail">✗ fail<\/td>/);
  assert.match(text, /Freeze audit of partial_unfreeze failed: <ul><li>seed 1: encoder\.layer\.0\.attention\.self\.query\.weight &lt;changed&gt;<\/li><\/ul>/);
  assert.match(text, /<h5>No recommendation yet<\/h5>\n<ol><li>run more seeds<\/li>/);
});

test('hostile class names, notes and paths appear only escaped', () => {
  for (const raw of [XSS_CLASS, SCRIPT_CLASS, TEXT_SCRIPT_CLASS, '<script>alert(3)</script>', '<img src=x onerror=alert(4)>', 'sha256:9f2c4e</script>']) {
    assert.ok(!html.includes(raw), `raw ${raw} must not be in the document`);
  }
  assert.ok(html.includes('<span class="class-chip">&lt;img src=x onerror=alert(1)&gt;</span>'));
  assert.ok(html.includes('<td class="class-name">bird&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</td>'));
  assert.ok(html.includes('phish&#39;&lt;/script&gt;&quot;&amp;amp;'));
  // Only the report's own elements: three scripts, each closed once, and no image in the markup
  // (the ECharts bundle has an <img in a string of its own, for its unused save-as-image tool).
  assert.equal((html.match(/<script/gi) ?? []).length, 3);
  assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
  assert.equal((markupOnly(html).match(/<img/gi) ?? []).length, 0);
  // The chart data carries the names exactly, for the canvas to draw as text.
  const confusion = chartData(html).find((c): c is ConfusionChartSpec => c.kind === 'confusion')!;
  assert.deepEqual(confusion.classNames, ['cat', 'dog', XSS_CLASS, SCRIPT_CLASS]);
});

test('the report loads nothing from the network', () => {
  assert.doesNotMatch(html, /\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /@import/i);
  // The only links are to the report's own sections.
  const hrefs = [...html.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, ['#modality-vision', '#modality-text']);
  // The notes' link stayed text.
  assert.ok(html.includes('[docs](https://example.org/guide)'));
});

test('the Content-Security-Policy admits exactly the two inline scripts and no network source', () => {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m);
  const content = m[1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const directives = new Map(content.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v] as const));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  const scripts = executableScripts(html);
  assert.equal(scripts.length, 2);
  const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  assert.deepEqual(directives.get('script-src'), hashes);
  assert.ok(scripts[0].length > 500_000, 'the ECharts bundle is inlined');
  assert.ok(m.index < html.indexOf('<script'), 'the policy comes before any script');
});

test('charts: one score-cost, one curves, a confusion per strategy, diffs against scratch and frozen', () => {
  const charts = chartData(html);
  assert.equal(charts.length, 24);
  const kinds = charts.map((c) => c.kind);
  assert.equal(kinds.filter((k) => k === 'score-cost').length, 2);
  assert.equal(kinds.filter((k) => k === 'curves').length, 4);
  assert.deepEqual(charts.filter((c) => c.kind === 'curves').map((c) => c.kind === 'curves' && c.metric), ['accuracy', 'loss', 'accuracy', 'loss']);
  assert.equal(kinds.filter((k) => k === 'confusion').length, 8);
  assert.equal(kinds.filter((k) => k === 'confusion-diff').length, 10);
  for (const c of charts) assert.ok(html.includes(`<div class="chart `) && html.includes(`id="${c.id}"`), `container for ${c.id}`);
  assert.equal((html.match(/<div class="chart /g) ?? []).length, charts.length);
  assert.deepEqual(
    charts.filter((c): c is ConfusionDiffChartSpec => c.kind === 'confusion-diff').map((c) => c.title).slice(0, 5),
    ['frozen − scratch', 'partial_unfreeze − scratch', 'full_finetune − scratch', 'partial_unfreeze − frozen', 'full_finetune − frozen'],
  );
});

test('confusions are the mean over seeds of the chosen split, and diffs subtract those means', () => {
  const visionTrials = (s: string) => fixture.trials.filter((t) => t.modality === 'vision' && t.strategy === s);
  const expected = (s: string, split: 'test' | 'validation') => mean(visionTrials(s).map((t) => t.metrics[split].confusion));
  const charts = chartData(html);
  const fullTest = charts.find((c): c is ConfusionChartSpec => c.kind === 'confusion' && c.title.startsWith('full_finetune'))!;
  assert.deepEqual(fullTest.matrix, expected('full_finetune', 'test'));
  const diff = charts.find((c): c is ConfusionDiffChartSpec => c.kind === 'confusion-diff' && c.title === 'partial_unfreeze − frozen')!;
  const p = expected('partial_unfreeze', 'test');
  const f = expected('frozen', 'test');
  assert.deepEqual(diff.diff, p.map((row, r) => row.map((v, c) => v - f[r][c])));

  const onValidation = chartData(renderReport({ ...input, confusionSplit: 'validation' }));
  const fullVal = onValidation.find((c): c is ConfusionChartSpec => c.kind === 'confusion' && c.title.startsWith('full_finetune'))!;
  assert.deepEqual(fullVal.matrix, expected('full_finetune', 'validation'));
  assert.notDeepEqual(fullVal.matrix, fullTest.matrix);
});

test('score-vs-cost points and learning curves come from the summary and the trials', () => {
  const charts = chartData(html);
  const scatter = charts.find((c) => c.kind === 'score-cost');
  assert.ok(scatter && scatter.kind === 'score-cost');
  const frozen = fixture.summary.modalities.vision!.strategies.frozen!;
  const point = scatter.points.find((p) => p.strategy === 'frozen')!;
  assert.equal(point.flops, frozen.cost.trainFlops);
  assert.equal(point.mean, frozen.metrics.validation.accuracy.mean * 100);
  const [lo, hi] = frozen.metrics.validation.accuracy.ci95;
  assert.deepEqual(point.ci95, { lo: lo * 100, hi: hi * 100, kind: 't', beyond: false });
  assert.deepEqual(point.seeds, frozen.metrics.validation.accuracy.values.map((v) => v * 100));

  const curves = charts.find((c) => c.kind === 'curves');
  assert.ok(curves && curves.kind === 'curves');
  const scratch = curves.series.find((s) => s.strategy === 'scratch')!;
  const trials = fixture.trials.filter((t) => t.modality === 'vision' && t.strategy === 'scratch');
  assert.equal(scratch.points.length, 6);
  assert.deepEqual(scratch.points[2], [3, (trials.reduce((s, t) => s + t.curve[2].validationAccuracy, 0) / trials.length) * 100, 3]);

  // Training loss per epoch, mean over the seeds, from the same trial curves.
  const losses = charts.filter((c) => c.kind === 'curves' && c.metric === 'loss')[0];
  assert.ok(losses && losses.kind === 'curves');
  const lossScratch = losses.series.find((s) => s.strategy === 'scratch')!;
  assert.deepEqual(lossScratch.points[4], [5, trials.reduce((s, t) => s + t.curve[4].trainLoss, 0) / trials.length, 3]);
});

test('precomputed diffs replace the computed ones', () => {
  const given = [[1, -1, 0], [0, 0, 0], [0, 2, -2]];
  const doc = renderReport({ ...input, confusionDiffs: { text: [{ strategy: 'full_finetune', baseline: 'frozen', split: 'validation', diff: given }] } });
  const diffs = chartData(doc).filter((c): c is ConfusionDiffChartSpec => c.kind === 'confusion-diff');
  assert.equal(diffs.length, 5 + 1);
  const text = diffs[diffs.length - 1];
  assert.equal(text.title, 'full_finetune − frozen (validation split)', 'a diff of another split than the one shown says so');
  assert.deepEqual(text.diff, given);
  assert.equal(text.tests, null);
  assert.ok(!/report input|as supplied/.test(doc), 'no internal wording');
  assert.throws(
    () => renderReport({ ...input, confusionDiffs: { text: [{ strategy: 'frozen', baseline: 'scratch', split: 'test', diff: [[1, 2], [3, 4]] }] } }),
    (e: unknown) => e instanceof ArgumentError && /expected a 3×3 confusion matrix/.test(e.message),
  );
});

test('gaps in the records are reported on the page, malformed records are refused', () => {
  const withoutScratch = fixture.trials.filter((t) => !(t.modality === 'vision' && t.strategy === 'scratch'));
  const doc = renderReport({ summary: fixture.summary, trials: withoutScratch });
  const vision = section(doc, 'vision');
  assert.match(vision, /<div class="warnings">.*scratch is in summary.json but has no trial files/);
  assert.ok(!vision.includes('Against scratch'));
  assert.ok(vision.includes('<h4>Against frozen</h4>'));
  assert.ok(!vision.includes('Adaptation notes'), 'no notes given, no notes section');
  assert.equal(chartData(doc).length, 24 - 1 - 3, 'no scratch confusion and no diffs against scratch');

  const bad = structuredClone(fixture.trials);
  bad[4].metrics.test.confusion = [[1, 2], [3, 4]];
  assert.throws(
    () => renderReport({ summary: fixture.summary, trials: bad }),
    (e: unknown) => e instanceof ArgumentError && /vision frozen test confusion #1: expected a 4×4 confusion matrix/.test(e.message),
  );
  assert.throws(() => renderReport({ summary: fixture.summary, trials: undefined as never }), ArgumentError);
  assert.throws(() => renderReport({ summary: {} as never, trials: [] }), ArgumentError);
});

test('a summary without modalities still renders a page, with no charts', () => {
  const doc = renderReport({ summary: { ...fixture.summary, modalities: {} }, trials: [] });
  assert.match(doc, /This summary holds no modality results/);
  assert.deepEqual(chartData(doc), []);
});

test('writeReport writes report.html atomically and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adaptlab-report-'));
  try {
    const out = join(dir, 'run', 'nested');
    const path = writeReport(out, input);
    assert.equal(path, join(out, 'report.html'));
    assert.equal(readFileSync(path, 'utf8'), html);
    assert.deepEqual(readdirSync(out), ['report.html']);
    writeReport(out, { ...input, notes: {} }); // replacing an existing report
    assert.ok(!readFileSync(path, 'utf8').includes('Adaptation notes'));
    assert.deepEqual(readdirSync(out), ['report.html']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
