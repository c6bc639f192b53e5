// The report stays legible as classes grow: at 3, 10 and 20 classes headless Chromium opens the
// written report and every text of every heatmap (cell numbers, axis names, titles) is measured
// as drawn, in the SVG the charts render: no two texts overlap, none is clipped by its chart,
// every cell number sits inside its own cell, and the numbers the report chose to show are
// drawn. Accuracy axes stay within [0, 100]; nothing is logged as an error or fetched.
// Screenshots of each size go to $ADAPTLAB_REPORT_SHOTS (default <tmp>/report-shots) for a
// person to look at. In-page code is passed as strings: the project is type-checked without the
// DOM library.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/write.js';
import type { ChartSpec } from '../../src/report/chart-spec.js';
import { LONG_CLASS, makeReportFixture, type ReportFixtureOptions } from './fixture.js';
import { fixtureExamples } from './gallery-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = process.env.ADAPTLAB_REPORT_SHOTS ?? join(tmpdir(), 'report-shots');

/** The three sizes, each with a different way the summary holds its results. */
const SIZES: { classes: number; options: ReportFixtureOptions }[] = [
  { classes: 3, options: {} }, // the report's own diffs, t intervals that run past 100%
  { classes: 10, options: { labDiffs: true, boundedIntervals: true } }, // the lab's tested diffs, bounded intervals
  { classes: 20, options: { labDiffs: true } }, // the lab's tested diffs, t intervals
];

interface Loaded {
  page: Page;
  url: string;
  charts: ChartSpec[];
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
}

let context: BrowserContext | undefined;
const dirs: string[] = [];
const pages = new Map<number, Promise<Loaded>>();

async function browser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the report's browser tests need it. Install it with \`npm run setup -- --test\` (as root, or run the apt-get command it prints).`);
  }
  if (!context) {
    // A fresh profile of its own (launchPersistentContext is how Playwright takes --user-data-dir).
    const profile = mkdtempSync(join(tmpdir(), 'adaptlab-report-profile-'));
    dirs.push(profile);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1280, height: 900 } });
  }
  return context;
}

async function load(classes: number, options: ReportFixtureOptions): Promise<Loaded> {
  const ctx = await browser();
  const dir = mkdtempSync(join(tmpdir(), `adaptlab-report-${classes}-`));
  dirs.push(dir);
  const fixture = makeReportFixture({ visionClasses: classes, ...options });
  const path = writeReport(dir, { summary: fixture.summary, trials: fixture.trials, notes: fixture.notes, examples: await fixtureExamples(fixture) });
  const page = await ctx.newPage();
  const result: Loaded = { page, url: pathToFileURL(path).href, charts: [], consoleErrors: [], pageErrors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') result.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => result.pageErrors.push(e.message));
  page.on('request', (r) => result.requests.push(r.url()));
  await page.goto(result.url, { waitUntil: 'load' });
  result.charts = await page.evaluate<ChartSpec[]>(`JSON.parse(document.getElementById('adaptlab-report-data').textContent).charts`);
  return result;
}

function loaded(classes: number): Promise<Loaded> {
  let p = pages.get(classes);
  if (!p) {
    p = load(classes, SIZES.find((s) => s.classes === classes)!.options);
    pages.set(classes, p);
  }
  return p;
}

after(async () => {
  await context?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface TextBox {
  text: string;
  /** Corners in page pixels, as drawn (rotated text gives a rotated quadrilateral). */
  corners: [number, number][];
}

interface HeatmapTexts {
  id: string;
  kind: string;
  chart: { left: number; top: number; right: number; bottom: number };
  grid: { x: number; y: number; width: number; height: number };
  n: number;
  texts: TextBox[];
}

/** Every drawn SVG text of every heatmap, with its drawn corners, the chart box and the cell grid. */
const MEASURE_HEATMAPS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-chart-kind="confusion"], [data-chart-kind="confusion-diff"]')) {
    const chart = echarts.getInstanceByDom(el);
    const spec = JSON.parse(document.getElementById('adaptlab-report-data').textContent).charts.find((c) => c.id === el.id);
    const svg = el.querySelector('svg');
    const svgBox = svg.getBoundingClientRect();
    const grid = chart.getModel().getComponent('grid', 0).coordinateSystem.getRect();
    const texts = [];
    for (const t of svg.querySelectorAll('text')) {
      const text = t.textContent;
      if (!text || !text.trim()) continue;
      const style = getComputedStyle(t);
      if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      const b = t.getBBox();
      if (b.width === 0 || b.height === 0) continue;
      const m = t.getScreenCTM();
      const corner = (x, y) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; };
      texts.push({ text, corners: [corner(b.x, b.y), corner(b.x + b.width, b.y), corner(b.x + b.width, b.y + b.height), corner(b.x, b.y + b.height)] });
    }
    const r = el.getBoundingClientRect();
    out.push({
      id: el.id, kind: spec.kind, n: spec.classNames.length, texts,
      chart: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
      grid: { x: svgBox.left + grid.x, y: svgBox.top + grid.y, width: grid.width, height: grid.height },
    });
  }
  return out;
})()`;

/** Separating-axis test for two convex quadrilaterals, shrunk by `slack` pixels of tolerance. */
function overlap(a: [number, number][], b: [number, number][], slack = 0.5): boolean {
  for (const poly of [a, b]) {
    for (let i = 0; i < poly.length; i++) {
      const [x1, y1] = poly[i];
      const [x2, y2] = poly[(i + 1) % poly.length];
      const nx = y2 - y1;
      const ny = x1 - x2;
      const len = Math.hypot(nx, ny);
      if (len === 0) continue;
      const project = (p: [number, number][]): [number, number] => {
        const d = p.map(([x, y]) => (x * nx + y * ny) / len);
        return [Math.min(...d), Math.max(...d)];
      };
      const [amin, amax] = project(a);
      const [bmin, bmax] = project(b);
      if (amax - slack <= bmin || bmax - slack <= amin) return false;
    }
  }
  return true;
}

/** Cell numbers: the texts drawn inside the heatmap grid. */
function cellTexts(h: HeatmapTexts): TextBox[] {
  const g = h.grid;
  return h.texts.filter((t) => {
    const [cx, cy] = center(t);
    return cx > g.x && cx < g.x + g.width && cy > g.y && cy < g.y + g.height;
  });
}

function center(t: TextBox): [number, number] {
  return [t.corners.reduce((s, c) => s + c[0], 0) / 4, t.corners.reduce((s, c) => s + c[1], 0) / 4];
}

for (const { classes } of SIZES) {
  test(`${classes} classes: no console or page error, nothing fetched but the file and its inline thumbnails`, async () => {
    const { consoleErrors, pageErrors, requests, url } = await loaded(classes);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:image/png;base64,')), []);
    assert.ok(requests.includes(url));
  });

  test(`${classes} classes: heatmap texts neither overlap nor leave their chart, and numbers stay in their cells`, async () => {
    const { page, charts } = await loaded(classes);
    const heatmaps = await page.evaluate<HeatmapTexts[]>(MEASURE_HEATMAPS);
    const visionHeatmaps = charts.filter((c) => (c.kind === 'confusion' || c.kind === 'confusion-diff') && c.classNames.length === classes);
    assert.ok(visionHeatmaps.length >= 9, `the vision section has its confusion and diff heatmaps (found ${visionHeatmaps.length})`);
    assert.equal(heatmaps.length, charts.filter((c) => c.kind === 'confusion' || c.kind === 'confusion-diff').length);
    for (const h of heatmaps) {
      const where = `${h.id} (${h.kind}, ${h.n} classes)`;
      assert.ok(h.texts.length >= 2 * h.n + 3, `${where}: axis labels, axis names and title are drawn (${h.texts.length} texts)`);
      for (const t of h.texts) {
        for (const [x, y] of t.corners) {
          assert.ok(
            x >= h.chart.left - 0.5 && x <= h.chart.right + 0.5 && y >= h.chart.top - 0.5 && y <= h.chart.bottom + 0.5,
            `${where}: "${t.text}" is clipped by its chart (corner ${x.toFixed(1)},${y.toFixed(1)} outside ${JSON.stringify(h.chart)})`,
          );
        }
      }
      for (let i = 0; i < h.texts.length; i++) {
        for (let j = i + 1; j < h.texts.length; j++) {
          assert.ok(!overlap(h.texts[i].corners, h.texts[j].corners), `${where}: "${h.texts[i].text}" overlaps "${h.texts[j].text}"`);
        }
      }
      const cell = h.grid.width / h.n;
      const numbers = cellTexts(h);
      for (const t of numbers) {
        const xs = t.corners.map((c) => c[0]);
        const ys = t.corners.map((c) => c[1]);
        const col = Math.floor((Math.min(...xs) - h.grid.x) / cell);
        const row = Math.floor((Math.min(...ys) - h.grid.y) / cell);
        assert.ok(
          Math.floor((Math.max(...xs) - h.grid.x) / cell) === col && Math.floor((Math.max(...ys) - h.grid.y) / cell) === row,
          `${where}: "${t.text}" spills out of its cell (${cell.toFixed(1)} px)`,
        );
        assert.match(t.text, /^[+\u2212]?\d+(\.\d)?$/, `${where}: cell number "${t.text}"`);
      }
      assert.ok(cell >= 34 - 0.01, `${where}: cells are ${cell.toFixed(1)} px, under the 34 px minimum`);
      const spec = charts.find((c) => c.id === h.id)!;
      if (spec.kind === 'confusion-diff') {
        // Every chosen change that does not round away is drawn.
        const expected = spec.labelled.filter(([r, c]) => Math.abs(spec.diff[r][c]) >= 0.5).length;
        assert.ok(numbers.length >= expected, `${where}: ${numbers.length} numbers drawn, ${expected} chosen`);
        assert.ok(numbers.length <= spec.labelled.length, `${where}: only the chosen cells carry numbers`);
      }
    }
  });

  test(`${classes} classes: long class names are shortened on the axes and whole in the tooltip`, async () => {
    const { page } = await loaded(classes);
    const labels = await page.evaluate<string[]>(
      `[...document.querySelector('#modality-vision [data-chart-kind="confusion-diff"] svg').querySelectorAll('text')].map((t) => t.textContent)`,
    );
    assert.ok(!labels.includes(LONG_CLASS), 'the long name is not drawn whole');
    assert.ok(labels.some((l) => l.endsWith('\u2026') && LONG_CLASS.startsWith(l.slice(0, -1))), `a shortened "${LONG_CLASS}" with an ellipsis among ${JSON.stringify(labels.slice(0, 8))}`);
    const id = await page.evaluate<string>(`document.querySelector('#modality-vision [data-chart-kind="confusion-diff"]').id`);
    // Row 1 (the long name), column 0.
    await page.evaluate(`echarts.getInstanceByDom(document.getElementById(${JSON.stringify(id)})).dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: ${classes} })`);
    await page.waitForFunction(`document.getElementById(${JSON.stringify(id)}).textContent.includes('predicted')`);
    const tip = await page.locator(`#${id}`).textContent();
    assert.ok(tip?.includes(`actual ${LONG_CLASS}`), `tooltip: ${tip}`);
  });

  test(`${classes} classes: accuracy axes stay within [0, 100]`, async () => {
    const { page, charts } = await loaded(classes);
    const extents = await page.evaluate<{ id: string; kind: string; metric: string | null; extent: [number, number] }[]>(`(() => {
      const specs = JSON.parse(document.getElementById('adaptlab-report-data').textContent).charts;
      return specs.filter((s) => s.kind === 'score-cost' || s.kind === 'curves').map((s) => ({
        id: s.id, kind: s.kind, metric: s.metric || null,
        extent: echarts.getInstanceByDom(document.getElementById(s.id)).getModel().getComponent('yAxis', 0).axis.scale.getExtent(),
      }));
    })()`);
    assert.equal(extents.length, 6);
    for (const e of extents) {
      if (e.metric === 'loss') {
        assert.equal(e.extent[0], 0, `${e.id}: a loss axis starts at 0`);
        continue;
      }
      assert.ok(e.extent[0] >= 0 && e.extent[1] <= 100 && e.extent[0] < e.extent[1], `${e.id} (${e.kind}): y axis ${JSON.stringify(e.extent)}`);
    }
    // Intervals that run past 100% are said so, next to the table and the chart.
    const beyond = charts.some((c) => c.kind === 'score-cost' && c.points.some((p) => p.ci95?.beyond));
    const footnote = await page.locator('#modality-vision .footnote').count();
    const bounded = charts.some((c) => c.kind === 'score-cost' && c.points.some((p) => p.ci95?.kind === 'bounded'));
    if (classes === 10) assert.ok(bounded && !beyond, 'with bounded intervals nothing runs past 100%');
    else assert.ok(beyond, 'the fixture has a t interval past 100%');
    assert.equal(footnote > 0, beyond);
  });

  test(`${classes} classes: screenshots`, async () => {
    const { page } = await loaded(classes);
    mkdirSync(SHOTS, { recursive: true });
    // No tooltip left open by an earlier test.
    await page.evaluate(`document.querySelectorAll('[_echarts_instance_]').forEach((el) => echarts.getInstanceByDom(el).dispatchAction({ type: 'hideTip' }))`);
    await page.mouse.move(0, 0);
    const shots: [string, string][] = [
      ['diff', '#modality-vision figure.diff-panel'],
      ['confusion', '#modality-vision .chart-grid.confusions .heat-scroll'],
      ['overview', '#modality-vision .recommendation'],
      ['gates', '#modality-vision .sanity'],
      ['strategies', '#modality-vision .table-wrap:has(table.strategies)'],
      ['score-cost', '#modality-vision figure:has([data-chart-kind="score-cost"])'],
      ['curves', '#modality-vision .chart-grid.curves'],
      ['confusions', '#modality-vision .chart-grid.confusions'],
      ['diffs', '#modality-vision .chart-grid.diffs'],
      ['gallery', '#modality-vision .gallery[data-strategy="frozen"]'],
    ];
    for (const [name, selector] of shots) {
      const el = page.locator(selector).first();
      assert.equal(await el.count(), 1, `${selector} is on the page`);
      await el.screenshot({ path: join(SHOTS, `report-${classes}-${name}.png`) });
    }
  });
}
