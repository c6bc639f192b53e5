// Checks exercise 6 on the constructed text run: the note has the required sections, each with
// real content, names the depth recommend() names on the same evidence, and cites the numbers
// that defend it (the gap to the best, scratch, the trainable parameters, the confusion pair the
// headline hid).
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import { STRATEGY_NAMES, type StrategyName } from '../../../../src/adapt/types.js';
import type { Ex06Module } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { Report, cites, errorText } from './report.js';

/** Required sections: `## <heading>` lines whose text matches. */
export const NOTE_SECTIONS: { title: string; match: RegExp; asks: string }[] = [
  { title: 'Decision', match: /^decision/i, asks: 'the line "Cheapest acceptable depth: <strategy>" and one sentence why' },
  { title: 'Evidence', match: /^evidence/i, asks: 'the best strategy, the margin, and the chosen depth\'s paired gap to the best in points' },
  { title: 'Scratch baseline', match: /^scratch/i, asks: 'what scratch reached and whether transfer beat it' },
  { title: 'Trainable parameters and cost', match: /trainable|cost/i, asks: "the chosen depth's trainable parameters and what it costs to train and store" },
  { title: 'Confusion pattern', match: /confusion|error pattern/i, asks: 'what the confusion outputs showed that accuracy hid' },
  { title: 'Next experiment', match: /^next/i, asks: 'the smaller experiment to run next, and why' },
];

/** heading → body, for every `## ` heading. */
export function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const h = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (h) {
      current = h[1];
      out.set(current, '');
    } else if (current !== null) {
      out.set(current, `${out.get(current)}${line}\n`);
    }
  }
  return out;
}

export function checkAdaptationNote(mod: Ex06Module, report: Report): void {
  const run = loadRun('text-run.json');
  const { rec, stats, meanAccuracy } = analyse(run);
  let note: string;
  try {
    note = mod.writeNote(copy(run));
  } catch (e) {
    report.fail(`writeNote threw: ${errorText(e)}`);
    return;
  }
  if (typeof note !== 'string' || note.trim() === '') {
    report.fail('writeNote must return the note as a Markdown string.');
    return;
  }
  const found = sections(note);
  const body = new Map<string, string>();
  for (const s of NOTE_SECTIONS) {
    const heading = [...found.keys()].find((h) => s.match.test(h));
    if (heading === undefined) {
      report.fail(`missing section "## ${s.title}": it should give ${s.asks}.`);
      continue;
    }
    const text = found.get(heading)!;
    const words = text.trim().split(/\s+/).filter(Boolean).length;
    if (/\bTODO\b/.test(text) || words < 12) {
      report.fail(`section "## ${heading}" is ${/\bTODO\b/.test(text) ? 'still a TODO' : `too short (${words} words)`}: it should give ${s.asks}.`);
      continue;
    }
    body.set(s.title, text);
  }

  const expected = rec.strategy!;
  const decision = body.get('Decision');
  if (decision !== undefined) {
    const m = /cheapest acceptable depth:\s*[`*_]*([a-z_]+)/i.exec(decision);
    const named = m?.[1] as StrategyName | undefined;
    if (!named || !STRATEGY_NAMES.includes(named)) {
      report.fail(`"## Decision" must state the depth on its own line: "Cheapest acceptable depth: <${STRATEGY_NAMES.join(' | ')}>".`);
    } else if (named !== expected) {
      const a = rec.assessments.find((x) => x.strategy === expected)!;
      report.fail(
        `the note defends ${named}${named === rec.best ? ', the best score,' : ''} but recommend() on this evidence names ${expected}: ` +
          `it is cheaper (${a.cost.trainFlops.toExponential(2)} training FLOPs) and its paired interval vs ${rec.best} stays above \u2212${(100 * rec.margin).toFixed(2)} points. ` +
          `Run recommend(evidenceFromTrials(run.records, { margin: run.margin })) and read its reasons.`,
      );
    } else {
      report.pass(`the note defends ${expected}, as recommend() does on this evidence`);
    }
  }

  const chosen = rec.assessments.find((a) => a.strategy === expected)!;
  const evidence = body.get('Evidence');
  if (evidence !== undefined) {
    const gap = chosen.vsBest ? 100 * chosen.vsBest.difference : 100 * chosen.accuracy.mean;
    const what = chosen.vsBest ? `its paired gap to ${rec.best} (${gap.toFixed(2)} points)` : `its validation accuracy (${gap.toFixed(2)}%)`;
    const problems: string[] = [];
    if (!evidence.includes(rec.best!)) problems.push(`name the best strategy (${rec.best})`);
    if (!/margin/i.test(evidence)) problems.push('state the margin');
    if (!cites(evidence, gap, 0.05)) problems.push(`cite ${expected}'s ${chosen.vsBest ? `paired gap to ${rec.best} in points` : 'validation accuracy'}`);
    report.expect(problems.length === 0, `"## Evidence" cites ${what}, the best and the margin`, `"## Evidence" should ${problems.join(', ')}.`);
  }

  const scratch = body.get('Scratch baseline');
  if (scratch !== undefined) {
    const acc = 100 * meanAccuracy('scratch');
    const gaps = [acc, 100 * (meanAccuracy(rec.best!) - meanAccuracy('scratch')), 100 * (meanAccuracy(expected) - meanAccuracy('scratch'))];
    report.expect(
      gaps.some((g) => cites(scratch, g, 0.1)),
      '"## Scratch baseline" cites what scratch reached',
      `"## Scratch baseline" should cite scratch's mean validation accuracy (in %) or its gap to transfer (in points), from this run.`,
    );
  }

  const cost = body.get('Trainable parameters and cost');
  if (cost !== undefined) {
    const trainable = stats.strategies[expected]!.trainableParams;
    report.expect(
      cites(cost, trainable, 0.5) && /flop|byte|\bkb\b|\bmb\b/i.test(cost),
      `"## Trainable parameters and cost" cites ${trainable} trainable parameters and a cost`,
      `"## Trainable parameters and cost" should cite the chosen depth's trainable parameters (totals.trainable) and its training FLOPs or stored bytes.`,
    );
  }

  const confusion = body.get('Confusion pattern');
  if (confusion !== undefined) {
    const hidden = stats.diffs.filter((d) => d.split === 'validation').flatMap((d) => hiddenPatternChanges(d));
    const names = run.classNames;
    const mentioned = hidden.some((c) => confusion.includes(names[c.actual]) && confusion.includes(names[c.predicted]));
    report.expect(
      mentioned,
      '"## Confusion pattern" names a class pair whose confusion changed while accuracy did not',
      `"## Confusion pattern" should name the class pair (both class names) whose confusion changed significantly while the headline accuracy stayed within noise; recommend() flags it as headline-hides-pattern.`,
    );
  }
}
