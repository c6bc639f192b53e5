// The prebuilt ECharts browser bundle, read from the installed package so the report can inline
// it and open without a network. Read once per process: it is about a megabyte.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

let cached: string | undefined;

export function echartsBundle(): string {
  if (cached !== undefined) return cached;
  let path = '(unresolved)';
  let text: string;
  try {
    // The package's exports hide dist/, but its CommonJS entry lives there, beside the bundle.
    path = join(dirname(createRequire(import.meta.url).resolve('echarts')), 'echarts.min.js');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the ECharts browser bundle at ${path}: ${(e as Error).message}. Run \`npm run setup\` to install the npm dependencies.`);
  }
  // It goes inside a <script> element verbatim: a closing tag would end the element early, and
  // "<!--" would switch the HTML parser into its escaped script state.
  if (/<\/script|<!--/i.test(text)) throw new ConfigError(`${path} contains "</script" or "<!--", so it cannot be inlined safely.`);
  cached = text;
  return text;
}
