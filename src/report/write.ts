// Writes <outDir>/report.html in one atomic step, so a reader never opens half a report.
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.js';
import { renderReport } from './html.js';
import type { ReportInput } from './types.js';

export const REPORT_FILE = 'report.html';

/** Renders the report and writes it; returns the path written. */
export function writeReport(outDir: string, input: ReportInput): string {
  const path = join(outDir, REPORT_FILE);
  writeFileAtomic(path, renderReport(input));
  return path;
}
