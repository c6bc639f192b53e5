// The markup of one modality's section, from its view. Every string from the records goes
// through escapeHtml (or renderMarkdown, which escapes first); charts are empty containers that
// the chart script fills from the data block.
import type { ModalitySummary } from '../record/run-record.js';
import type { Modality } from '../record/vocabulary.js';
import { kindOf, MODALITIES } from '../kinds/registry.js';
import type { ChangeRow, DiffPanel, ModalityView } from './modality-view.js';
import type { ChartSpec, HeatmapSpec } from './chart-spec.js';
import { escapeHtml as h } from './escape.js';
import { renderMarkdown } from './markdown.js';
import { BEYOND_MARK, bytes, ciDetail, count, examples, flops, grouped, meanCi, seconds, signedExamples } from './format.js';

/** The heading of a modality's section: its kind's title ("Vision"), or the key itself when no kind has it. */
export function modalityTitle(modality: string): string {
  return (MODALITIES as readonly string[]).includes(modality) ? kindOf(modality as Modality).title : modality;
}

/** The strategy's colour key; styles.ts gives each `s-<strategy>` class its colour. */
function swatch(strategy: string): string {
  return `<span class="swatch s-${h(strategy)}"></span>`;
}

function chartBox(spec: ChartSpec, cls: string): string {
  const label = spec.kind === 'confusion' || spec.kind === 'confusion-diff' ? spec.title : spec.kind === 'curves' ? `${spec.metric} curves` : spec.kind;
  return `<div class="chart ${cls}" id="${h(spec.id)}" data-chart-kind="${h(spec.kind)}" role="img" aria-label="${h(label)}"></div>`;
}

/** Width below which a heatmap of n classes would squeeze its cells: the grid puts fewer per row. */
function heatMinWidth(n: number): number {
  return Math.max(340, 168 + 38 * n);
}

/** A heatmap: its own scroll box, so a large one scrolls instead of shrinking its cells. */
function heatBox(spec: HeatmapSpec): string {
  return `<div class="heat-scroll">${chartBox(spec, 'chart-heat')}</div>`;
}

function heatGrid(cls: string, n: number, items: string[]): string {
  return `<div class="chart-grid heat ${cls}" style="--heat-min:${heatMinWidth(n)}px">${items.join('')}</div>`;
}

const EVIDENCE: Record<string, string> = {
  sufficient: 'the choice is settled: no cheaper depth is still open, and it rests on no strategy that was still improving when training stopped.',
  provisional: 'a depth is named, but a cheaper one is not ruled out yet or a strategy was still improving when training stopped; more seeds or examples could change the choice.',
  insufficient: 'these runs do not single out a depth.',
};

function savedModelLine(view: ModalityView): string {
  const m = view.summary.savedModel as ModalitySummary['savedModel'] | undefined;
  if (!m) return '';
  if ('none' in m) return `<dt>Saved model</dt><dd>none: ${h(String(m.none))}</dd>`;
  const fold = m.fold ? ` fold ${m.fold.index + 1} of ${m.fold.of},` : '';
  const acc = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');
  return (
    `<dt>Saved model</dt><dd><code class="path">${h(String(m.path))}</code> <span class="sub">in the run folder</span><br>` +
    `${swatch(String(m.strategy))}${h(String(m.strategy))}, seed ${h(String(m.seed))},${h(fold)} task file ${h(bytes(m.storedBytes))}; ` +
    `validation ${h(acc(m.metrics?.validation))}, test ${h(acc(m.metrics?.test))}</dd>`
  );
}

function recommendation(view: ModalityView): string {
  const r = view.summary.recommendation;
  const verdict =
    r.strategy === null
      ? `<div class="verdict">No recommendation: the evidence does not single out a strategy.</div>`
      : `<div class="verdict">Recommended: ${swatch(r.strategy)}<strong>${h(r.strategy)}</strong></div>`;
  const list = (title: string, items: readonly string[] | undefined): string =>
    !Array.isArray(items) || items.length === 0 ? '' : `<h4>${title}</h4><ul>${items.map((x) => `<li>${h(String(x))}</li>`).join('')}</ul>`;
  const evidence = String(r.evidence);
  const cheapest = r.cheapestNotRuledOut;
  let cheapestText: string;
  if (cheapest === undefined) cheapestText = '';
  else if (cheapest === null) cheapestText = 'none: no depth passed the gates and stayed in contention';
  else if (cheapest === r.strategy) cheapestText = `${swatch(cheapest)}${h(cheapest)}, the recommended depth itself: every cheaper depth is ruled out`;
  else cheapestText = `${swatch(cheapest)}${h(cheapest)}: cheaper than ${r.strategy === null ? 'any depth named' : h(r.strategy)} and not ruled out by these runs`;
  return (
    `<div class="recommendation ${r.strategy === null ? 'none' : 'chosen'} evidence-${h(evidence)}">` +
    verdict +
    '<dl class="decision">' +
    `<dt>Evidence</dt><dd><strong class="level">${h(evidence)}</strong>${EVIDENCE[evidence] ? ` — ${h(EVIDENCE[evidence])}` : ''}</dd>` +
    (cheapestText ? `<dt>Cheapest depth not ruled out</dt><dd>${cheapestText}</dd>` : '') +
    savedModelLine(view) +
    '</dl>' +
    list('Reasons', r.reasons) +
    list('Flags', r.flags) +
    list('What would settle it', r.evidenceNeeded) +
    `</div>`
  );
}

/** The sanity gates each strategy passed or failed before any comparison. */
function sanityGates(view: ModalityView): string {
  const rows = view.rows.filter((row) => row.summary?.sanity);
  if (rows.length === 0) return '';
  const body = rows
    .map((row) => {
      const g = row.summary!.sanity;
      const flags: { text: string; bad: boolean }[] = [];
      if (g.didNotLearn) flags.push({ text: 'did not learn', bad: true });
      if (g.collapsed) flags.push({ text: 'collapsed', bad: true });
      if (Array.isArray(g.didNotTrain) && g.didNotTrain.length > 0) flags.push({ text: `${g.didNotTrain.length} tensor${g.didNotTrain.length === 1 ? '' : 's'} never trained`, bad: true });
      if (g.undertrained) flags.push({ text: 'still improving', bad: false });
      if (g.unstable) flags.push({ text: `unstable: seed${g.unstable.seeds.length === 1 ? '' : 's'} ${g.unstable.seeds.join(', ')}`, bad: false });
      if (g.excluded) flags.push({ text: 'excluded from the decision', bad: true });
      const gates =
        flags.length === 0
          ? '<span class="gate ok">✓ all gates passed</span>'
          : flags.map((f) => `<span class="gate ${f.bad ? 'bad' : 'warn'}">${f.bad ? '✗' : '⚠'} ${h(f.text)}</span>`).join(' ');
      const problems = Array.isArray(g.problems) && g.problems.length > 0 ? `<ul>${g.problems.map((p) => `<li>${h(String(p))}</li>`).join('')}</ul>` : '<span class="sub">—</span>';
      return `<tr><td class="strategy">${swatch(row.strategy)}${h(row.strategy)}</td><td class="gates">${gates}</td><td class="problems">${problems}</td></tr>`;
    })
    .join('');
  return (
    '<div class="sanity"><h4>Sanity gates <span class="sub">(checked on every seed before any comparison)</span></h4>' +
    `<div class="table-wrap"><table class="data gates"><thead><tr><th>Strategy</th><th>Gates</th><th>Problems found</th></tr></thead><tbody>${body}</tbody></table></div></div>`
  );
}

function strategyTable(view: ModalityView): string {
  const columns = 10;
  const head =
    '<tr><th>Strategy</th><th class="num">Trainable<br><span class="sub">of total params</span></th>' +
    '<th class="num">Val. accuracy %<br><span class="sub">mean ± 95% CI</span></th>' +
    '<th class="num">Val. macro-F1 %<br><span class="sub">mean ± 95% CI</span></th>' +
    '<th class="num">Test accuracy %<br><span class="sub">mean ± 95% CI</span></th>' +
    '<th class="num">Train<br>FLOPs</th><th class="num">Wall<br>time</th><th class="num">Stored<br><span class="sub">per task</span></th>' +
    '<th>Freeze<br>audit</th><th class="num">Seeds</th></tr>';
  const body = view.rows
    .map((row) => {
      const s = row.summary;
      const name = `<td class="strategy">${swatch(row.strategy)}${h(row.strategy)}${row.recommended ? ' <span class="badge">recommended</span>' : ''}</td>`;
      if (!s) return `<tr>${name}<td colspan="${columns - 2}" class="missing">not in summary.json</td><td class="num">${row.trialCount}</td></tr>`;
      const val = s.metrics.validation;
      const test = s.metrics.test;
      const cells =
        `<tr${row.recommended ? ' class="recommended"' : ''}>${name}` +
        `<td class="num" title="${h(`${grouped(s.trainableParams)} of ${grouped(s.totalParams)}`)}">${h(count(s.trainableParams))}<span class="sub"> / ${h(count(s.totalParams))}</span></td>` +
        `<td class="num" title="${h(ciDetail(val.accuracy))}">${h(meanCi(val.accuracy))}</td>` +
        `<td class="num" title="${h(ciDetail(val.macroF1))}">${h(meanCi(val.macroF1))}</td>` +
        `<td class="num" title="${h(ciDetail(test.accuracy))}">${h(meanCi(test.accuracy))}</td>` +
        `<td class="num" title="${h(grouped(s.cost.trainFlops))}">${h(flops(s.cost.trainFlops))}</td>` +
        `<td class="num">${h(seconds(s.cost.wallSeconds))}</td>` +
        `<td class="num" title="${h(`${grouped(s.cost.storedBytes)} bytes`)}">${h(bytes(s.cost.storedBytes))}</td>` +
        `<td class="${s.audit.passed ? 'pass' : 'fail'}">${s.audit.passed ? '✓ pass' : '✗ fail'}</td>` +
        `<td class="num">${row.trialCount}</td></tr>`;
      // Failures get a full-width row of their own: tensor names are long and must stay legible.
      const failures = s.audit.passed || (s.audit.failures ?? []).length === 0 ? '' :
        `<tr class="audit-failures"><td colspan="${columns}">Freeze audit of ${h(row.strategy)} failed: <ul>${s.audit.failures.map((f) => `<li>${h(String(f))}</li>`).join('')}</ul></td></tr>`;
      return cells + failures;
    })
    .join('');
  const footnote = view.intervalsBeyond
    ? `<p class="caption footnote">${BEYOND_MARK} This 95% interval runs past 100% (or below 0%), which an accuracy cannot: it is the symmetric t interval over the seeds, and with few seeds close to a bound it ignores the bound. Read it as reaching up to 100% (down to 0%); more seeds narrow it.</p>`
    : '';
  return `<div class="table-wrap"><table class="data strategies"><thead>${head}</thead><tbody>${body}</tbody></table></div>${footnote}`;
}

function perClassTable(view: ModalityView): string {
  const head = `<tr><th>Class</th><th class="num">Support</th>${view.strategies.map((s) => `<th class="num">${h(s)}</th>`).join('')}</tr>`;
  const body = view.perClass
    .map(
      (row) =>
        `<tr><td class="class-name">${h(row.className)}</td><td class="num">${row.support === null ? '—' : h(grouped(row.support))}</td>` +
        row.recall.map((v) => `<td class="num">${v === null ? '—' : v.toFixed(1)}</td>`).join('') +
        '</tr>',
    )
    .join('');
  return `<table class="data per-class"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function changeTable(panel: DiffPanel): string {
  const c = panel.chart;
  if (panel.classes.length === 0 && panel.confusions.length === 0) return '<p class="caption">No cell changed.</p>';
  const row = (x: ChangeRow): string => {
    const where = x.correct
      ? `<span class="cls">${h(x.actual)}</span>`
      : `<span class="cls">${h(x.actual)}</span> <span class="sub">as</span> <span class="cls">${h(x.predicted)}</span>`;
    const details: string[] = [];
    if (x.from !== null && x.to !== null) details.push(`${examples(x.from)} → ${examples(x.to)}`);
    if (x.test) details.push(`p ${x.test.adjustedP < 0.001 ? '< 0.001' : `= ${pText(x.test.adjustedP)}`}${x.test.significant ? ' ✱' : ''}`);
    const significant = x.test?.significant === true;
    return (
      `<tr${significant ? ' class="significant"' : ''}><td class="num change"><span class="${x.better ? 'better' : 'worse'}">${h(signedExamples(x.change))} ${x.better ? 'better' : 'worse'}</span>` +
      (details.length > 0 ? `<br><span class="sub">${h(details.join(' · '))}</span>` : '') +
      `</td><td class="pair">${where}</td></tr>`
    );
  };
  const group = (title: string, rows: ChangeRow[]): string =>
    rows.length === 0 ? '' : `<tr class="group"><th colspan="2">${title}</th></tr>${rows.map(row).join('')}`;
  const caption = `Largest changes, ${h(c.baseline)} → ${h(c.strategy)} in mean examples${c.tests ? ' (p: paired test, Holm-corrected)' : ''}`;
  return (
    `<table class="data changes"><caption>${caption}</caption>` +
    `<tbody>${group('Correct predictions of the class', panel.classes)}${group('Confusions <span class="sub">actual as predicted</span>', panel.confusions)}</tbody></table>`
  );
}

function pText(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** Recent rounds of a race: what ran, the decision then, and what came next. */
function roundsTable(view: ModalityView): string {
  const rounds = view.summary.rounds;
  if (!Array.isArray(rounds) || rounds.length === 0) return '';
  const body = rounds
    .map((r) => {
      const seeds = Object.entries(r.seedsRun ?? {})
        .map(([s, list]) => `${swatch(s)}${h(s)} <span class="sub nowrap">seeds ${h((list ?? []).join(', '))}</span>`)
        .join('<br>');
      const d = r.decision;
      const decision = d
        ? `${d.strategy === null ? 'none' : `${swatch(d.strategy)}${h(d.strategy)}`} <span class="sub">(${h(String(d.evidence))}${d.cheapestNotRuledOut && d.cheapestNotRuledOut !== d.strategy ? `; ${h(d.cheapestNotRuledOut)} still open` : ''})</span>`
        : '—';
      const stopped = (r.stopped ?? []).map((x) => `<li>${h(x.strategy)}: ${h(String(x.reason))}</li>`).join('');
      return (
        `<tr><td class="num">${h(String(r.round))}</td><td>${seeds}</td><td>${decision}</td>` +
        `<td class="num">${h(flops(r.spent?.trainFlops))}<br><span class="sub">${h(seconds(r.spent?.trainSeconds))}</span></td>` +
        `<td>${h(String(r.next ?? ''))}${stopped ? `<ul>${stopped}</ul>` : ''}</td></tr>`
      );
    })
    .join('');
  return (
    `<h3>How the decision evolved <span class="sub">(${h(view.summary.schedule === 'race' ? 'race' : 'grid')}, ${rounds.length} round${rounds.length === 1 ? '' : 's'})</span></h3>` +
    `<div class="table-wrap"><table class="data rounds"><thead><tr><th class="num">Round</th><th>Seeds run</th><th>Decision</th><th class="num">Training so far</th><th>Next</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

/** One modality's section; `gallery` is the markup of its example galleries (gallery-section.ts), placed after the confusion changes. */
export function modalitySection(view: ModalityView, notes: string | undefined, gallery = ''): string {
  const d = view.summary.dataset;
  const b = view.summary.backbone;
  const sizes = d.sizes ?? { train: NaN, validation: NaN, test: NaN };
  const split = view.split;
  const n = d.classNames.length;
  const alloc = view.summary.allocation;
  const prep = view.summary.preprocessing;
  const resolution = alloc && Number.isFinite(alloc.resolutionPoints) ? alloc.resolutionPoints : view.summary.validationResolution;
  const decisionOn = alloc && alloc.folds >= 2 ? 'decision example' : 'validation example';
  const parts: string[] = [];
  parts.push(`<section class="modality" id="modality-${h(view.modality)}">`);
  parts.push(`<h2>${h(modalityTitle(view.modality))} <span class="dataset">${h(String(d.name))}</span></h2>`);
  parts.push(
    '<dl class="meta">' +
      `<dt>Backbone</dt><dd>${h(String(b.arch))} <span class="sub">from ${h(String(b.source))}</span></dd>` +
      `<dt>Classes</dt><dd>${n} <span class="sub">·</span> ${d.classNames.map((c) => `<span class="class-chip">${h(String(c))}</span>`).join(' ')}</dd>` +
      `<dt>Examples</dt><dd>train ${h(grouped(sizes.train))} · validation ${h(grouped(sizes.validation))} · test ${h(grouped(sizes.test))}</dd>` +
      (alloc && typeof alloc.reason === 'string' ? `<dt>Allocation</dt><dd>${alloc.folds >= 2 ? `${h(String(alloc.folds))}-fold cross-validation: ` : ''}${h(alloc.reason)}</dd>` : '') +
      `<dt>Split</dt><dd>seed ${h(String(d.splitSeed))} · content hash <code>${h(String(d.contentHash))}</code></dd>` +
      (Array.isArray(prep) && prep.length > 0 ? `<dt>Preprocessing</dt><dd><ul class="plain">${prep.map((x) => `<li>${h(String(x))}</li>`).join('')}</ul></dd>` : '') +
      `<dt>Resolution</dt><dd>one ${decisionOn} is worth ${h(Number(resolution).toFixed(2))} accuracy points</dd>` +
      '</dl>',
  );
  parts.push(recommendation(view), sanityGates(view));
  if (view.warnings.length > 0) {
    parts.push(`<div class="warnings"><h4>Inconsistencies in the run folder</h4><ul>${view.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></div>`);
  }
  parts.push('<h3>Strategies</h3>', strategyTable(view));
  const arrows = view.scoreCost.points.some((p) => p.ci95?.beyond);
  parts.push(
    '<h3>Score vs cost</h3>',
    `<figure>${chartBox(view.scoreCost, 'chart-wide')}<figcaption>Validation accuracy (mean over seeds, bars: 95% interval, faint dots: single seeds) against the floating-point operations spent training, on a log scale.` +
      (arrows ? ` An arrow at the end of a bar marks an interval that runs past 100% (or below 0%): the bar is drawn to the bound and its tooltip gives the whole interval.` : '') +
      '</figcaption></figure>',
  );
  parts.push(
    '<h3>Learning curves</h3>',
    `<div class="chart-grid curves"><figure>${chartBox(view.curves, 'chart-wide')}<figcaption>Validation accuracy after each epoch, mean over the seeds that reached it.</figcaption></figure>` +
      `<figure>${chartBox(view.losses, 'chart-wide')}<figcaption>Training loss per epoch (mean over the epoch's steps), mean over the seeds that reached it.</figcaption></figure></div>`,
  );
  parts.push(
    `<h3>Confusion matrices <span class="sub">(${h(split)} split, mean over seeds)</span></h3>`,
    heatGrid('confusions', n, view.confusions.map((c) => heatBox(c))),
    '<p class="caption">Rows are the actual class, columns the predicted class. Numbers are mean counts over seeds (an empty cell: no example); the shade is the share of the actual class, so rare classes show their pattern too. Long class names are shortened on the axes: hover a cell for the full names.</p>',
  );
  parts.push(`<h3>How the confusion changed <span class="sub">(${h(split)} split, mean over seeds)</span></h3>`);
  if (view.diffGroups.length === 0) parts.push('<p class="caption">No confusion differences: there are no scratch or frozen trials to compare against.</p>');
  for (const g of view.diffGroups) {
    parts.push(
      `<h4>Against ${h(g.baseline)}</h4>`,
      heatGrid('diffs', n, g.panels.map((p) => `<figure class="diff-panel">${heatBox(p.chart)}${changeTable(p)}</figure>`)),
    );
  }
  if (view.diffGroups.length > 0) {
    const numbers =
      n <= 6
        ? 'Every cell that changed carries its number'
        : `Numbers mark the largest changes${view.diffsTested ? ' and every significant one' : ''}, rounded to whole examples when the cells are too small for a decimal; hover any cell for its exact value and the full class names`;
    parts.push(
      `<p class="caption">Each cell is strategy − baseline in mean examples. <span class="better">Blue</span>: the strategy does better there (more correct on the diagonal, fewer mistakes off it); <span class="worse">red</span>: worse; white: no change. ${numbers}.` +
        (view.diffsTested ? ' Bold numbers and ✱ mark changes significant in the paired test over the same examples (exact McNemar, Holm-corrected over the comparison\'s cells).' : '') +
        '</p>',
    );
  }
  parts.push(gallery);
  parts.push(`<h3>Per-class recall % <span class="sub">(${h(split)} split, mean over seeds)</span></h3>`, perClassTable(view));
  parts.push(roundsTable(view));
  if (notes !== undefined && notes.trim() !== '') {
    parts.push('<h3>Adaptation notes</h3>', `<div class="notes">${renderMarkdown(notes)}</div>`);
  }
  parts.push('</section>');
  return parts.filter((x) => x !== '').join('\n');
}
