// One self-contained HTML file per run: tables and text in markup, charts drawn in the page by
// the inlined ECharts bundle from a JSON data block. Nothing is fetched: the Content-Security-
// Policy forbids every network source and allows only the two scripts written here (by hash),
// so even a string that escaped escaping could not run or load anything.
import { createHash } from 'node:crypto';
import { MODALITIES } from '../kinds/registry.js';
import { ArgumentError } from '../errors.js';
import { CHARTS_CLIENT_JS, DATA_ELEMENT_ID } from './charts-client.js';
import { echartsBundle } from './echarts-bundle.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { buildModalityView, chartsOf, type ModalityView } from './modality-view.js';
import { buildGalleries } from './gallery.js';
import { gallerySection, type ExampleDisplays } from './gallery-section.js';
import type { TrialRecord } from '../record/run-record.js';
import { modalitySection, modalityTitle } from './sections.js';
import { REPORT_CSS } from './styles.js';
import type { ReportInput } from './types.js';

export type { ReportInput, ConfusionDiff, ReportSplit } from './types.js';

/**
 * The modality's example galleries on the shown split, fixed and broke counted against the first
 * baseline its confusion differences use.
 */
function galleryOf(view: ModalityView, trials: readonly TrialRecord[], displays: ExampleDisplays | undefined): string {
  const own = trials.filter((t) => t.modality === view.modality && view.strategies.includes(t.strategy));
  const galleries = buildGalleries(own, view.split, view.diffGroups[0]?.baseline ?? null, view.strategies);
  return gallerySection(galleries, view.summary.dataset.classNames, displays);
}

function scriptHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

export function renderReport(input: ReportInput): string {
  const { summary, trials } = input ?? ({} as ReportInput);
  if (typeof summary !== 'object' || summary === null || typeof summary.modalities !== 'object' || summary.modalities === null) {
    throw new ArgumentError('renderReport: `summary` must be a Summary (the lab\'s summary.json), with a `modalities` object.');
  }
  if (!Array.isArray(trials)) throw new ArgumentError('renderReport: `trials` must be an array of TrialRecords (possibly empty).');
  const split = input.confusionSplit ?? 'test';
  if (split !== 'test' && split !== 'validation') throw new ArgumentError(`renderReport: confusionSplit must be "test" or "validation", got ${JSON.stringify(split)}.`);

  let chartCount = 0;
  const nextId = (): string => `chart-${chartCount++}`;
  // The kinds' order (kinds/registry.ts); other keys in a summary are not part of the format.
  const views = MODALITIES.flatMap((m) => {
    const s = summary.modalities[m];
    return s ? [buildModalityView(m, s, trials, split, input.confusionDiffs?.[m] ?? s.confusionDiffs, nextId)] : [];
  });
  const data = { charts: views.flatMap(chartsOf) };

  const bundle = echartsBundle();
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHash(bundle)} ${scriptHash(CHARTS_CLIENT_JS)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const datasets = views.map((v) => `${modalityTitle(v.modality)}: ${String(v.summary.dataset.name)}`).join(' · ');
  const title = `adaptlab report${datasets ? ` — ${datasets}` : ''}`;
  const seeds = Array.isArray(summary.seeds) ? summary.seeds.join(', ') : '—';
  const body =
    views.length === 0
      ? '<p class="caption">This summary holds no modality results, so there is nothing to report.</p>'
      : views.map((v) => modalitySection(v, input.notes?.[v.modality], galleryOf(v, trials, input.examples?.[v.modality]))).join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="adaptlab ${h(String(summary.adaptlabVersion))}">
<title>${h(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header class="report">
<h1>Adaptation report</h1>
<p class="meta-line">Run of ${h(String(summary.createdAt))} · adaptlab ${h(String(summary.adaptlabVersion))} · seeds ${h(seeds)} · acceptance margin ${h((summary.margin * 100).toFixed(1))} accuracy points</p>
<nav class="toc">${views.map((v) => `<a href="#modality-${h(v.modality)}">${h(modalityTitle(v.modality))}: ${h(String(v.summary.dataset.name))}</a>`).join('')}</nav>
</header>
${body}
<footer>Written by adaptlab ${h(String(summary.adaptlabVersion))}. This file is self-contained: it loads nothing from the network.</footer>
</main>
<script type="application/json" id="${DATA_ELEMENT_ID}">${jsonForScript(data)}</script>
<script>${bundle}</script>
<script>${CHARTS_CLIENT_JS}</script>
</body>
</html>
`;
}
