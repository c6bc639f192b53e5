// The markup of one modality's section, from its view. Every string from the records goes
// through escapeHtml (or renderMarkdown, which escapes first); charts are empty containers that
// the chart script fills from the data block.
import type { ModalityView } from './modality-view.js';
import type { ChartSpec } from './chart-spec.js';
import { escapeHtml as h } from './escape.js';
import { renderMarkdown } from './markdown.js';
import { bytes, ciDetail, count, flops, grouped, meanCi, seconds } from './format.js';

const MODALITY_TITLES: Record<string, string> = { vision: 'Vision', text: 'Text' };

export function modalityTitle(modality: string): string {
  return MODALITY_TITLES[modality] ?? modality;
}

/** The strategy's colour key; styles.ts gives each `s-<strategy>` class its colour. */
function swatch(strategy: string): string {
  return `<span class="swatch s-${h(strategy)}"></span>`;
}

function chartBox(spec: ChartSpec, cls: string): string {
  return `<div class="chart ${cls}" id="${h(spec.id)}" data-chart-kind="${h(spec.kind)}" role="img" aria-label="${h(spec.kind === 'confusion' || spec.kind === 'confusion-diff' ? spec.title : spec.kind)}"></div>`;
}

function recommendation(view: ModalityView): string {
  const r = view.summary.recommendation;
  const verdict =
    r.strategy === null
      ? `<div class="verdict">No recommendation: the evidence does not single out a strategy.</div>`
      : `<div class="verdict">Recommended: ${swatch(r.strategy)}<strong>${h(r.strategy)}</strong></div>`;
  const list = (title: string, items: readonly string[]): string =>
    items.length === 0 ? '' : `<h4>${title}</h4><ul>${items.map((x) => `<li>${h(String(x))}</li>`).join('')}</ul>`;
  return (
    `<div class="recommendation ${r.strategy === null ? 'none' : 'chosen'}">` +
    verdict +
    `<p class="evidence">Evidence: <strong>${h(String(r.evidence))}</strong></p>` +
    list('Reasons', r.reasons ?? []) +
    list('Flags', r.flags ?? []) +
    `</div>`
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
      if (!s) return `<tr>${name}<td colspan="${columns - 2}" class="missing">not in the summary</td><td class="num">${row.trialCount}</td></tr>`;
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
  return `<div class="table-wrap"><table class="data strategies"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
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

export function modalitySection(view: ModalityView, notes: string | undefined): string {
  const d = view.summary.dataset;
  const b = view.summary.backbone;
  const sizes = d.sizes ?? { train: NaN, validation: NaN, test: NaN };
  const split = view.split;
  const parts: string[] = [];
  parts.push(`<section class="modality" id="modality-${h(view.modality)}">`);
  parts.push(`<h2>${h(modalityTitle(view.modality))} <span class="dataset">${h(String(d.name))}</span></h2>`);
  parts.push(
    '<dl class="meta">' +
      `<dt>Backbone</dt><dd>${h(String(b.arch))} <span class="sub">from ${h(String(b.source))}</span></dd>` +
      `<dt>Classes</dt><dd>${d.classNames.map((c) => `<span class="class-chip">${h(String(c))}</span>`).join(' ')}</dd>` +
      `<dt>Examples</dt><dd>train ${h(grouped(sizes.train))} · validation ${h(grouped(sizes.validation))} · test ${h(grouped(sizes.test))}</dd>` +
      `<dt>Split</dt><dd>seed ${h(String(d.splitSeed))} · content hash <code>${h(String(d.contentHash))}</code></dd>` +
      `<dt>Resolution</dt><dd>one validation example is worth ${h(Number(view.summary.validationResolution).toFixed(2))} accuracy points</dd>` +
      '</dl>',
  );
  parts.push(recommendation(view));
  if (view.warnings.length > 0) {
    parts.push(`<div class="warnings"><h4>Inconsistencies in the records</h4><ul>${view.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></div>`);
  }
  parts.push('<h3>Strategies</h3>', strategyTable(view));
  parts.push(
    '<h3>Score vs cost</h3>',
    `<figure>${chartBox(view.scoreCost, 'chart-wide')}<figcaption>Validation accuracy (mean over seeds, bars: 95% confidence interval, faint dots: single seeds) against the floating-point operations spent training, on a log scale.</figcaption></figure>`,
  );
  parts.push(
    '<h3>Learning curves</h3>',
    `<figure>${chartBox(view.curves, 'chart-wide')}<figcaption>Validation accuracy after each epoch, mean over the seeds that reached it.</figcaption></figure>`,
  );
  parts.push(
    `<h3>Confusion matrices <span class="sub">(${h(split)} split, mean over seeds)</span></h3>`,
    `<div class="chart-grid confusions">${view.confusions.map((c) => chartBox(c, 'chart-square')).join('')}</div>`,
    '<p class="caption">Rows are the actual class, columns the predicted class. Numbers are mean counts over seeds; the shade is the share of the actual class, so rare classes show their pattern too.</p>',
  );
  const diffSource = view.diffsGiven ? 'as supplied with the report input' : `${split} split, mean over seeds`;
  parts.push(`<h3>How the confusion changed <span class="sub">(${h(diffSource)})</span></h3>`);
  if (view.diffGroups.length === 0) parts.push('<p class="caption">No confusion differences: there are no scratch or frozen trials to compare against.</p>');
  for (const g of view.diffGroups) {
    parts.push(`<h4>Against ${h(g.baseline)}</h4>`, `<div class="chart-grid diffs">${g.charts.map((c) => chartBox(c, 'chart-square')).join('')}</div>`);
  }
  parts.push(
    '<p class="caption">Each cell is strategy − baseline in mean counts. <span class="better">Blue</span>: the strategy does better there (more correct on the diagonal, fewer mistakes off it); <span class="worse">red</span>: worse; white: no change.</p>',
  );
  parts.push(`<h3>Per-class recall % <span class="sub">(${h(split)} split, mean over seeds)</span></h3>`, perClassTable(view));
  if (notes !== undefined && notes.trim() !== '') {
    parts.push('<h3>Adaptation notes</h3>', `<div class="notes">${renderMarkdown(notes)}</div>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}
