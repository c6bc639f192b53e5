// The strategies of a finished lab on one cost axis, as a Markdown table for bench/RESULTS.md:
// training FLOPs, bytes stored per task, validation and test accuracy, and the decision's verdict.
//
//   node dist/bench/ladder-table.js <run dir>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommendation, Summary } from '../src/record/run-record.js';
import { bytes, flops } from '../src/decide/format.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/ladder-table.js <run dir>');
  process.exit(2);
}
const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
for (const [modality, m] of Object.entries(summary.modalities)) {
  // summary.json keeps the whole RecommendResult, assessments included.
  const rec = m!.recommendation as Recommendation & { assessments?: { strategy: string; verdict: string; costRank: number }[] };
  const verdicts = new Map((rec.assessments ?? []).map((a) => [a.strategy, a]));
  const rows = Object.entries(m!.strategies)
    .map(([name, s]) => ({ name, s: s!, a: verdicts.get(name) }))
    .sort((x, y) => (x.a?.costRank ?? 99) - (y.a?.costRank ?? 99));
  console.log(`\n${modality}: recommended ${rec.strategy ?? 'none'} (${rec.evidence}; cheapest not ruled out: ${rec.cheapestNotRuledOut ?? '—'})\n`);
  console.log('| cost rank | strategy | training FLOPs | stored per task | trainable params | validation acc. | test acc. | verdict |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { name, s, a } of rows) {
    const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
    console.log(`| ${a?.costRank ?? '—'} | ${name} | ${flops(s.cost.trainFlops)} | ${bytes(s.cost.storedBytes)} | ${s.trainableParams.toLocaleString('en-US')} | ${pct(s.metrics.validation.accuracy.mean)} | ${pct(s.metrics.test.accuracy.mean)} | ${a?.verdict ?? '—'} |`);
  }
}
