// The example galleries in a real browser: headless Debian Chromium opens a report whose vision
// examples are PNG thumbnails and whose text examples are snippets (a third of them hostile).
// Every thumbnail decodes (naturalWidth > 0) under the page's Content-Security-Policy, which
// stays as written; nothing is logged as an error, fetched or run; hostile snippets are text.
// A screenshot of each modality's first galleries goes to $ADAPTLAB_REPORT_SHOTS (default
// <tmp>/report-shots). In-page code is passed as strings: the project is type-checked without
// the DOM library.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/write.js';
import { GALLERY_LIMIT } from '../../src/report/gallery.js';
import { makeReportFixture } from './fixture.js';
import { fixtureExamples, HOSTILE_SNIPPET } from './gallery-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.ADAPTLAB_REPORT_SHOTS ?? join(tmpdir(), 'report-shots');

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
  dir = mkdtempSync(join(tmpdir(), 'adaptlab-report-gallery-'));
  const fixture = makeReportFixture({ visionClasses: 10 });
  const path = writeReport(dir, { summary: fixture.summary, trials: fixture.trials, notes: fixture.notes, examples: await fixtureExamples(fixture) });
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

function page(): Promise<Loaded> {
  loaded ??= load();
  return loaded;
}

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('no console error, no page error, no dialog; nothing fetched but the file and its inline images', async () => {
  const { consoleErrors, pageErrors, dialogs, requests, url } = await page();
  assert.deepEqual(consoleErrors, [], 'a CSP violation would be logged here too');
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:image/png;base64,')), []);
});

test('the Content-Security-Policy is as written: no network source, images only from data: URLs', async () => {
  const { page: p } = await page();
  const csp = await p.evaluate<string[]>(`[...document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]')].map((m) => m.content)`);
  assert.equal(csp.length, 1);
  const directives = csp[0].split(';').map((d) => d.trim());
  assert.equal(directives[0], "default-src 'none'");
  assert.ok(directives.includes('img-src data:'), csp[0]);
  assert.ok(directives.some((d) => /^script-src 'sha256-[^']+' 'sha256-[^']+'$/.test(d)), csp[0]);
});

test('every thumbnail decodes and is drawn; every gallery holds at most the cap', async () => {
  const { page: p } = await page();
  await p.evaluate(`Promise.all([...document.images].map((i) => i.decode()))`);
  const state = await p.evaluate<{ galleries: { strategy: string; modality: string; tiles: number; thumbs: number; snippets: number }[]; images: { complete: boolean; natural: number; width: number; height: number; src: string }[] }>(`({
    galleries: [...document.querySelectorAll('.gallery')].map((g) => ({
      strategy: g.dataset.strategy,
      modality: g.closest('section').id,
      tiles: g.querySelectorAll('li.tile').length,
      thumbs: g.querySelectorAll('img.thumb').length,
      snippets: g.querySelectorAll('blockquote.snippet').length,
    })),
    images: [...document.images].map((i) => {
      const r = i.getBoundingClientRect();
      return { complete: i.complete, natural: i.naturalWidth, width: r.width, height: r.height, src: i.src.slice(0, 22) };
    }),
  })`);
  assert.equal(state.galleries.length, 8, '4 strategies x 2 modalities');
  for (const g of state.galleries) {
    assert.ok(g.tiles > 0 && g.tiles <= GALLERY_LIMIT, `${g.modality} ${g.strategy}: ${g.tiles} tiles`);
    if (g.modality === 'modality-vision') assert.equal(g.thumbs, g.tiles, `${g.strategy}: a thumbnail per tile`);
    else assert.equal(g.snippets, g.tiles, `${g.strategy}: a snippet per tile`);
  }
  assert.ok(state.images.length > 0);
  assert.equal(state.images.length, state.galleries.filter((g) => g.modality === 'modality-vision').reduce((s, g) => s + g.tiles, 0), 'the only images are the thumbnails');
  for (const i of state.images) {
    assert.equal(i.src, 'data:image/png;base64,');
    assert.ok(i.complete && i.natural > 0, `a thumbnail that did not decode: ${JSON.stringify(i)}`);
    assert.ok(i.width >= 28 && i.height >= 28, `drawn at ${i.width}x${i.height}`);
  }
});

test('hostile snippets are visible text: no element, handler or script comes from them', async () => {
  const { page: p, dialogs } = await page();
  const shown = p.locator('#modality-text blockquote.snippet', { hasText: '<script>alert(7)</script>' });
  assert.ok((await shown.count()) > 0, 'a hostile snippet is in a gallery');
  assert.ok((await shown.first().textContent())?.startsWith(HOSTILE_SNIPPET));
  assert.ok(await shown.first().isVisible());
  const injected = await p.evaluate<{ scripts: number; handlers: number; strayImages: number }>(`({
    scripts: document.querySelectorAll('script').length,
    handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    strayImages: [...document.images].filter((i) => !i.classList.contains('thumb')).length,
  })`);
  assert.deepEqual(injected, { scripts: 3, handlers: 0, strayImages: 0 });
  assert.deepEqual(dialogs, []);
});

test('screenshots of the galleries', async () => {
  const { page: p } = await page();
  mkdirSync(SHOTS, { recursive: true });
  for (const modality of ['vision', 'text']) {
    const galleries = p.locator(`#modality-${modality} .gallery`);
    for (const i of [0, 1]) await galleries.nth(i).screenshot({ path: join(SHOTS, `gallery-${modality}-${i}.png`) });
  }
});
