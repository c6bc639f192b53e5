// The report's stylesheet: one column, readable tables, charts in a responsive grid. System
// fonts only, since the file must not fetch anything.
import { FALLBACK_COLOR, strategyColors } from './colors.js';

const strategySwatches = strategyColors()
  .map(([name, color]) => `.s-${name}{background:${color}}`)
  .join('\n');

export const REPORT_CSS = `
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px}
header.report h1{margin:0 0 4px;font-size:26px}
header.report .meta-line{color:var(--muted);margin:0}
nav.toc{margin:12px 0 8px}
nav.toc a{margin-right:14px;color:var(--accent);text-decoration:none;font-weight:600}
section.modality{border-top:3px solid var(--ink);margin-top:28px;padding-top:8px}
h2{font-size:22px;margin:8px 0 10px}
h2 .dataset{font-weight:400;color:var(--muted);overflow-wrap:anywhere}
h3{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h4{font-size:14px;margin:10px 0 4px}
.sub{color:var(--muted);font-weight:400;font-size:12px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0 0 14px}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.class-chip{display:inline-block;background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:0 6px;margin:1px 0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.recommendation{border:1px solid var(--line);border-left:6px solid #1a7f37;background:#f0fff4;border-radius:6px;padding:10px 16px;margin:8px 0 12px}
.recommendation.none{border-left-color:#9a6700;background:#fff8c5}
.recommendation .verdict{font-size:18px}
.recommendation.chosen.evidence-provisional{border-left-color:#bf8700;background:#fffbea}
.recommendation ul{margin:2px 0 6px;padding-left:22px}
dl.decision{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0 4px}
dl.decision dt{color:var(--muted)}
dl.decision dd{margin:0;overflow-wrap:anywhere}
.recommendation .level{text-transform:capitalize}
code.path{font-size:13px;background:#fff;border:1px solid var(--line);border-radius:4px;padding:0 5px}
.sanity{margin:4px 0 12px}
table.gates td.gates{white-space:normal}
table.gates td.problems ul{margin:0;padding-left:18px}
.gate{display:inline-block;white-space:nowrap;font-weight:600;font-size:12.5px;margin-right:8px}
.gate.ok{color:#1a7f37}.gate.bad{color:#cf222e}.gate.warn{color:#9a6700}
ul.plain{margin:0;padding-left:18px}
.warnings{border:1px solid #d4a72c;background:#fff8c5;border-radius:6px;padding:6px 16px;margin:8px 0}
.warnings ul{margin:2px 0 6px;padding-left:22px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:7px;vertical-align:baseline;background:${FALLBACK_COLOR}}
${strategySwatches}
table{border-collapse:collapse}
table.data{width:100%;font-size:13px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
table.data th{background:var(--panel);font-weight:600}
table.data .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data tr.recommended td{background:#f0fff4}
table.data td.strategy{white-space:nowrap;font-weight:600}
table.data td.class-name{overflow-wrap:anywhere;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
td.pass{color:#1a7f37;font-weight:600;white-space:nowrap}
td.fail{color:#cf222e;font-weight:600;white-space:nowrap}
td.missing{color:var(--muted);font-style:italic}
tr.audit-failures td{background:#ffebe9;color:#82071e;font-size:12.5px}
tr.audit-failures ul{margin:2px 0 0;padding-left:20px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto}
table.per-class{width:auto;min-width:60%}
.badge{display:inline-block;font-size:11px;font-weight:600;color:#fff;background:#1a7f37;border-radius:10px;padding:0 7px;margin-left:6px}
figure{margin:0}
figcaption,.caption{color:var(--muted);font-size:12.5px;margin:4px 0 0}
.better{color:#2166ac;font-weight:600}
.worse{color:#b2182b;font-weight:600}
.chart{width:100%;border:1px solid var(--line);border-radius:6px;background:#fff}
.chart-wide{height:380px}
.chart-grid{display:grid;gap:12px}
.chart-grid>*{min-width:0}
.chart-grid.curves{grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr))}
.chart-grid.heat{grid-template-columns:repeat(auto-fill,minmax(min(100%,var(--heat-min)),1fr));align-items:start}
.heat-scroll{overflow:auto;max-width:100%}
.chart.chart-heat{width:auto;margin:0 auto}
figure.diff-panel{display:flex;flex-direction:column;gap:6px}
table.changes{width:100%;font-size:12px}
table.changes caption{text-align:left;font-size:12px;color:var(--muted);padding:0 0 2px}
table.changes th,table.changes td{padding:3px 6px}
table.changes td.change{width:1%}
table.changes tr.group th{background:none;border-bottom:1px solid var(--line);padding-top:6px;font-size:12px}
table.changes td.pair{overflow-wrap:anywhere}
table.changes .cls{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px}
table.changes tr.significant td.change>span:first-child{font-weight:700}
.footnote{font-size:12px}
.gallery{margin:4px 0 14px}
ul.tiles{list-style:none;margin:6px 0 0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,180px),1fr));gap:6px}
li.tile{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:flex-start;min-width:0;border:1px solid var(--line);border-radius:6px;padding:6px;background:#fff;font-size:12px;line-height:1.35}
li.tile.broke{border-color:#cf222e;background:#fff5f5}
li.tile.fixed{border-color:#1a7f37;background:#f0fff4}
img.thumb{flex:none;image-rendering:pixelated;border:1px solid var(--line);background:#000}
@media (min-width:560px){li.tile:has(blockquote.snippet){grid-column:span 2}}
blockquote.snippet{flex:1 1 100%;margin:0;padding:2px 6px;background:var(--panel);border-left:3px solid var(--line);overflow-wrap:anywhere;max-height:9.6em;overflow:hidden}
.tile-text{flex:1 1 90px;min-width:0;overflow-wrap:anywhere}
code.example-id{flex:1 1 100%;color:var(--muted)}
.tag{display:inline-block;border-radius:3px;padding:0 4px;font-size:11px;font-weight:600;color:#fff;background:#59636e}
.tag.broke{background:#cf222e}.tag.fixed{background:#1a7f37}
.conf{color:var(--muted);font-variant-numeric:tabular-nums}
.nowrap{white-space:nowrap}
.notes{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:4px 18px 10px}
.notes h4{font-size:16px;margin:14px 0 6px}.notes h5{font-size:15px;margin:12px 0 4px}.notes h6{font-size:14px;margin:10px 0 4px}
.notes pre{background:#fff;border:1px solid var(--line);padding:8px;overflow:auto}
.notes table.md-table th,.notes table.md-table td{border:1px solid var(--line);padding:3px 8px}
.notes .md-right{text-align:right}.notes .md-center{text-align:center}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{.chart{break-inside:avoid}}
`;
