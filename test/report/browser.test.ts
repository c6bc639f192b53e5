// The written report in a real browser: headless Debian Chromium opens report.html from disk and
// must draw every chart, log no error, fetch nothing, fire no dialog, and show hostile class
// names as text (including in the one HTML path ECharts has, its tooltips). One browser launch
// for the whole file; the page is loaded once and inspected by each test. In-page code is passed
// as strings: the project is type-checked without the DOM library.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/write.js';
import { makeReportFixture, XSS_CLASS, SCRIPT_CLASS, TEXT_SCRIPT_CLASS } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const EXPECTED_CHARTS = 24; // 2 modalities × (score-cost + 2 curves + 4 confusions + 5 diffs)

interface Loaded {
  page: Page;
  url: string;
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  requests: string[];
}

let browser: Browser | undefined;
let dir: string | undefined;
let loaded: Promise<Loaded> | undefined;

async function load(): Promise<Loaded> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the report's browser tests need it. Install it with \`npm run setup -- --test\` (as root, or run the apt-get command it prints).`);
  }
  dir = mkdtempSync(join(tmpdir(), 'adaptlab-report-browser-'));
  const fixture = makeReportFixture();
  const path = writeReport(dir, { summary: fixture.summary, trials: fixture.trials, notes: fixture.notes });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const result: Loaded = { page, url: pathToFileURL(path).href, consoleErrors: [], pageErrors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') result.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => result.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    result.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => result.requests.push(r.url()));
  await page.goto(result.url, { waitUntil: 'load' });
  return result;
}

/** Loads once; a missing browser fails every test with the install hint. */
function page(): Promise<Loaded> {
  loaded ??= load();
  return loaded;
}

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every chart container holds a drawn ECharts SVG', async () => {
  const { page: p } = await page();
  const charts = await p.evaluate<{ specs: number; instances: number; boxes: { id: string; width: number; height: number; shapes: number; texts: number }[] }>(`(() => {
    const data = JSON.parse(document.getElementById('adaptlab-report-data').textContent);
    const boxes = [...document.querySelectorAll('.chart')].map((el) => {
      const svg = el.querySelector('svg');
      const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      // Drawn marks: cells, lines, bars and symbols are paths (or rects, polygons) with a size.
      const shapes = svg ? [...svg.querySelectorAll('path, rect, polygon, polyline, circle')].filter((s) => {
        const b = s.getBBox();
        return b.width > 0 || b.height > 0;
      }).length : 0;
      return { id: el.id, width: r.width, height: r.height, shapes, texts: svg ? svg.querySelectorAll('text').length : 0 };
    });
    return { specs: data.charts.length, instances: document.querySelectorAll('[_echarts_instance_]').length, boxes };
  })()`);
  assert.equal(charts.specs, EXPECTED_CHARTS);
  assert.equal(charts.boxes.length, EXPECTED_CHARTS);
  assert.equal(charts.instances, EXPECTED_CHARTS);
  for (const b of charts.boxes) {
    assert.ok(b.width > 100 && b.height > 100, `${b.id}: svg is ${b.width}×${b.height}`);
    assert.ok(b.shapes >= 9, `${b.id}: only ${b.shapes} drawn shapes`);
    assert.ok(b.texts >= 5, `${b.id}: only ${b.texts} texts`);
  }
});

test('no console error, no page error, no dialog, and nothing fetched but the file itself', async () => {
  const { consoleErrors, pageErrors, dialogs, requests, url } = await page();
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(requests, [url]);
});

test('hostile class names are visible text, never elements', async () => {
  const { page: p } = await page();
  for (const name of [XSS_CLASS, SCRIPT_CLASS, TEXT_SCRIPT_CLASS]) {
    const matches = p.getByText(name, { exact: true });
    assert.ok((await matches.count()) >= 2, `${name} is shown in the class list and the per-class table`);
    assert.ok(await matches.first().isVisible(), `${name} is visible`);
  }
  const injected = await p.evaluate<{ images: number; handlers: number; scripts: number }>(`({
    images: document.querySelectorAll('img').length,
    handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    scripts: document.querySelectorAll('script').length,
  })`);
  assert.deepEqual(injected, { images: 0, handlers: 0, scripts: 3 });
});

test('a heatmap tooltip shows the hostile names as text', async () => {
  const { page: p, dialogs } = await page();
  // Vision's first confusion chart; cell (actual XSS_CLASS, predicted SCRIPT_CLASS) is row 2, column 3.
  const id = await p.evaluate<string>(`document.querySelector('[data-chart-kind="confusion"]').id`);
  await p.evaluate(`echarts.getInstanceByDom(document.getElementById(${JSON.stringify(id)})).dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 2 * 4 + 3 })`);
  const box = p.locator(`#${id}`);
  await p.waitForFunction(`document.getElementById(${JSON.stringify(id)}).textContent.includes('predicted')`);
  const text = await box.textContent();
  assert.ok(text?.includes(`actual ${XSS_CLASS}`), `tooltip text: ${text}`);
  assert.ok(text?.includes(`predicted ${SCRIPT_CLASS}`), `tooltip text: ${text}`);
  assert.equal(await p.locator('img').count(), 0);
  assert.deepEqual(dialogs, []);
});
