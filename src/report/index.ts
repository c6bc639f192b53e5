// The report layer: TrialRecords and a Summary in, one self-contained HTML file out.
export { renderReport } from './html.js';
export { writeReport, REPORT_FILE } from './write.js';
export { escapeHtml, jsonForScript } from './escape.js';
export { renderMarkdown } from './markdown.js';
export { meanConfusion, diffConfusion } from './confusion.js';
export type { ReportInput, ConfusionDiff, ReportSplit } from './types.js';
export type { ChartSpec } from './chart-spec.js';
