// The markup of the example galleries: per strategy, the examples one seed got wrong and those
// transfer fixed or broke against the baseline on the same seed, each shown as the display the
// lab gave for it (a thumbnail or a snippet) with its true class, predicted class and confidence.
// Every string is escaped; a thumbnail is used only as a PNG data URL, which the page's
// Content-Security-Policy allows (img-src data:) and nothing else.
import type { ExampleDisplay } from '../data/example-display.js';
import type { GalleryExample, StrategyGallery } from './gallery.js';
import { escapeHtml as h } from './escape.js';

/** A snippet longer than this is cut here, whoever made it. */
const SNIPPET_LIMIT = 240;
/** Thumbnails are drawn at least this tall (small ones scaled up, pixelated) and at most this wide. */
const THUMB_MIN = 56;
const THUMB_MAX = 96;
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

export type ExampleDisplays = ReadonlyMap<string, ExampleDisplay>;

function percent(p: number | null): string {
  return p === null ? '' : ` <span class="conf" title="the model's probability for this class">${(100 * p).toFixed(0)}%</span>`;
}

/** The display of one example: its thumbnail or snippet, or its id when the report was given none. */
function shown(id: string, display: ExampleDisplay | undefined): string {
  if (display?.kind === 'thumbnail' && typeof display.src === 'string' && PNG_DATA_URL.test(display.src) && display.width > 0 && display.height > 0) {
    const scale = Math.min(THUMB_MAX / display.width, Math.max(1, THUMB_MIN / display.height));
    const w = Math.round(display.width * scale);
    const hgt = Math.round(display.height * scale);
    return `<img class="thumb" src="${display.src}" width="${w}" height="${hgt}" alt="${h(id)}">`;
  }
  if (display?.kind === 'snippet' && typeof display.text === 'string') {
    const points = Array.from(display.text);
    const text = points.length > SNIPPET_LIMIT ? `${points.slice(0, SNIPPET_LIMIT).join('')}…` : display.text;
    return `<blockquote class="snippet">${h(text)}</blockquote>`;
  }
  return `<code class="example-id">${h(id)}</code>`;
}

function tile(e: GalleryExample, classNames: readonly string[], displays: ExampleDisplays | undefined, tag: { cls: string; text: string } | null, baseline: string): string {
  const name = (k: number): string => h(String(classNames[k] ?? `class ${k}`));
  const right = e.predicted === e.actual;
  const before = e.baseline && right ? `<br><span class="sub">${h(baseline)} said</span> ${name(e.baseline.predicted)}${percent(e.baseline.confidence)}` : '';
  return (
    `<li class="tile${tag ? ` ${tag.cls}` : ''}" title="${h(e.id)}">` +
    shown(e.id, displays?.get(e.id)) +
    `<span class="tile-text">${tag ? `<span class="tag ${tag.cls}">${h(tag.text)}</span> ` : ''}<span class="sub">true</span> ${name(e.actual)}<br>` +
    `<span class="sub">predicted</span> <span class="${right ? 'better' : 'worse'}">${name(e.predicted)}</span>${percent(e.confidence)}${before}</span></li>`
  );
}

function gallery(g: StrategyGallery, classNames: readonly string[], displays: ExampleDisplays | undefined): string {
  const rate = g.examples > 0 ? ` (${((100 * g.wrong) / g.examples).toFixed(1)}%)` : '';
  const counts = [`${g.wrong} of ${g.examples} ${h(g.split)} examples wrong${rate}`];
  if (g.against) counts.push(`against ${h(g.against.baseline)} on the same seed: fixed ${g.against.fixed}, broke ${g.against.broke}`);
  const shownCount = g.shownWrong.length + g.shownFixed.length;
  if (shownCount < g.wrong + (g.against?.fixed ?? 0)) counts.push(`showing ${shownCount}`);
  const baseline = g.against?.baseline ?? '';
  const wrong = g.shownWrong.map((e) => tile(e, classNames, displays, e.broke ? { cls: 'broke', text: 'broke' } : null, baseline)).join('');
  const fixed = g.shownFixed.map((e) => tile(e, classNames, displays, { cls: 'fixed', text: 'fixed' }, baseline)).join('');
  return (
    `<div class="gallery" data-strategy="${h(g.strategy)}">` +
    `<h4><span class="swatch s-${h(g.strategy)}"></span>${h(g.strategy)} <span class="sub">seed ${h(String(g.seed))}</span></h4>` +
    `<p class="caption">${counts.join('; ')}.</p>` +
    (wrong ? `<ul class="tiles wrong" aria-label="${h(g.strategy)}: examples it got wrong">${wrong}</ul>` : '') +
    (fixed ? `<ul class="tiles fixed" aria-label="${h(g.strategy)}: examples it fixed">${fixed}</ul>` : '') +
    '</div>'
  );
}

/** The galleries of one modality section, with their heading and a caption that says how to read them. */
export function gallerySection(galleries: readonly StrategyGallery[], classNames: readonly string[], displays: ExampleDisplays | undefined): string {
  if (galleries.length === 0) return '';
  const split = galleries[0].split;
  const baseline = galleries.find((g) => g.against)?.against?.baseline;
  return (
    `<h3>Examples each strategy gets wrong <span class="sub">(${h(split)} split, one seed)</span></h3>` +
    '<p class="caption">Per strategy, the examples its seed got wrong, the most confident mistakes first, with the probability the model gave its prediction' +
    (baseline
      ? `; <span class="tag broke">broke</span> marks one that ${h(baseline)} got right on the same seed, and <span class="tag fixed">fixed</span> one that ${h(baseline)} got wrong and this strategy right (what ${h(baseline)} said below it)`
      : '') +
    '. Hover a tile for the example\'s id.</p>' +
    galleries.map((g) => gallery(g, classNames, displays)).join('')
  );
}
