// Checks exercise 6 on the constructed text run: the note has the required sections, each with
// real content; names the depth recommend() names on the same evidence and says, as recommend()
// does, whether the evidence settles it or leaves it provisional (and then why, and what would
// settle it); reports what the sanity gates found and claims nothing against a strategy they
// excluded; and cites the numbers that defend the depth (the gap to the best, scratch, the
// trainable parameters, the confusion pair the headline hid).
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import { isOpen, type RecommendResult, type StrategyAssessment } from '../../../../src/decide/recommend.js';
import { STRATEGY_NAMES, type StrategyName } from '../../../../src/record/vocabulary.js';
import type { StrategySanity } from '../../../../src/record/run-record.js';
import type { TrialsSummary } from '../../../../src/evaluate/summarize.js';
import type { Ex06Module, RunFixture } from '../contracts.js';
import { analyse, copy, loadRun } from './analysis.js';
import { Report, cites, errorText } from './report.js';

/** Required sections: `## <heading>` lines whose text matches. */
export const NOTE_SECTIONS: { title: string; match: RegExp; asks: string }[] = [
  {
    title: 'Decision',
    match: /^decision/i,
    asks:
      'the line "Cheapest acceptable depth: <strategy>", the line "Evidence: <sufficient | provisional>" and one sentence why; ' +
      'when provisional, what keeps it open and what would settle it',
  },
  {
    title: 'Sanity gates',
    match: /sanity|gate/i,
    asks: 'which strategies the gates excluded (did not learn, collapsed, did not train) or flagged (undertrained, unstable), and why; or that every strategy passed',
  },
  { title: 'Evidence', match: /^evidence/i, asks: 'the best strategy, the margin, and the chosen depth\'s paired gap to the best in points' },
  { title: 'Scratch baseline', match: /^scratch/i, asks: 'what scratch reached and whether transfer beat it (or that the gates excluded scratch, so nothing is claimed against it)' },
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

/** Why recommend() calls its decision provisional, in parts the note must each cover. */
export interface ProvisionalWhy {
  /** Cheaper strategies still open against the best (the decision is not settled). */
  open: StrategyAssessment[];
  /** Other eligible strategies the decision rests on that were still improving when their budget ended. */
  undertrained: StrategyAssessment[];
  /** Only one strategy passed the gates: nothing to compare it with. */
  alone: boolean;
}

export function provisionalWhy(rec: RecommendResult): ProvisionalWhy {
  const eligible = rec.assessments.filter((a) => a.eligible);
  const chosen = eligible.find((a) => a.strategy === rec.strategy);
  return {
    open: chosen ? eligible.filter((a) => a.costRank < chosen.costRank && isOpen(a.verdict)) : [],
    undertrained: eligible.filter((a) => a.strategy !== rec.strategy && a.undertrained),
    alone: eligible.length === 1,
  };
}

function names(list: readonly StrategyAssessment[]): string {
  return list.map((a) => a.strategy).join(', ');
}

/** The seed and example counts recommend() says would settle the open comparisons. */
function settleCounts(rec: RecommendResult): number[] {
  return rec.evidenceNeeded.flatMap((line) => [...line.matchAll(/about (\d+) (?:seeds|validation examples)/g)].map((m) => Number(m[1])));
}

const NEGATION = /\b(not|no|never|cannot|can't|nothing|neither|nor|without|unmeasured)\b/i;
const PAYOFF = /\bpays? off\b|\bpaid off\b|\bbeats?\b|\boutperform|\bbetter than scratch\b|\bgain over scratch\b/i;

/** Sentences of `text` that claim transfer pays off against scratch (and do not negate it). */
export function payoffClaims(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s && PAYOFF.test(s) && !NEGATION.test(s));
}

function checkDecision(decision: string, rec: RecommendResult, report: Report): void {
  const expected: StrategyName | 'none' = rec.strategy ?? 'none';
  const m = /cheapest acceptable depth:\s*[`*_]*([a-z_]+)/i.exec(decision);
  const named = m?.[1].toLowerCase();
  const assessment = (s: string | undefined) => rec.assessments.find((x) => x.strategy === s);
  if (!named || !(STRATEGY_NAMES.includes(named as StrategyName) || named === 'none')) {
    report.fail(`"## Decision" must state the depth on its own line: "Cheapest acceptable depth: <${STRATEGY_NAMES.join(' | ')}>" (or "none" when nothing can be recommended).`);
  } else if (named === expected) {
    report.pass(rec.strategy ? `the note defends ${expected}, as recommend() does on this evidence` : 'the note recommends no depth, as recommend() does on this evidence');
  } else if (assessment(named) && !assessment(named)!.eligible) {
    report.fail(
      `the note defends ${named}, which ${assessment(named)!.auditPassed ? 'the sanity gates excluded' : 'failed its freeze audit'}: an excluded strategy is never recommended. ` +
        `recommend() on this evidence ${rec.strategy ? `names ${expected}` : 'names no depth (evidence: insufficient)'}.`,
    );
  } else if (rec.strategy === null) {
    report.fail(`the note defends ${named}, but recommend() names no depth on this evidence (evidence: insufficient): no strategy passed the audit and the sanity gates, or only one strategy ran. Write "Cheapest acceptable depth: none" and say why.`);
  } else if (named === 'none') {
    report.fail(
      `the note recommends nothing, but recommend() names ${expected} (evidence: ${rec.evidence}). A provisional recommendation is still a recommendation: ` +
        'name it, and say what keeps it open.',
    );
  } else {
    const a = assessment(expected)!;
    report.fail(
      `the note defends ${named}${named === rec.best ? ', the best score,' : ''} but recommend() on this evidence names ${expected}: ` +
        `it is cheaper (${a.cost.trainFlops.toExponential(2)} training FLOPs) and its paired interval vs ${rec.best} stays above \u2212${(100 * rec.margin).toFixed(2)} points. ` +
        `Run recommend(evidenceFromTrials(run.records, { margin: run.margin })) and read its reasons.`,
    );
  }

  const why = provisionalWhy(rec);
  const reasons: string[] = [];
  if (!rec.settled && rec.cheapestNotRuledOut) reasons.push(`${names(why.open)} ${why.open.length === 1 ? 'is' : 'are'} cheaper than ${rec.strategy} and not ruled out`);
  if (why.undertrained.length > 0) reasons.push(`the decision rests on ${names(why.undertrained)}, which ${why.undertrained.length === 1 ? 'was' : 'were'} still improving when the budget ended (undertrained)`);
  if (why.alone) reasons.push('only one strategy passed the sanity gates, so there is nothing to compare it with');
  const because = rec.evidence === 'provisional' ? reasons.join('; and ') : rec.evidence === 'sufficient' ? 'every cheaper strategy is ruled out (or none is cheaper) and no strategy it rests on was undertrained' : 'no strategy can be recommended';

  const status = /\bevidence:\s*[`*_]*(sufficient|provisional|insufficient)\b/i.exec(decision)?.[1].toLowerCase();
  if (!status) {
    report.fail(
      '"## Decision" must say how firm the decision is, on its own line: "Evidence: sufficient" (settled, resting on no undertrained strategy), ' +
        '"Evidence: provisional" (a cheaper depth is still open, or the decision rests on a strategy that was still improving) or "Evidence: insufficient" (nothing can be recommended). ' +
        "recommend()'s result says which: evidence, settled, cheapestNotRuledOut.",
    );
    return;
  }
  if (status !== rec.evidence) {
    report.fail(`the note calls the decision ${status}, but recommend() on this evidence calls it ${rec.evidence}: ${because}.`);
    return;
  }
  report.pass(`"## Decision" calls the evidence ${status}, as recommend() does`);
  if (rec.evidence !== 'provisional') return;

  // Provisional: the note must say what keeps it open, part by part, and what would settle it.
  const missing: string[] = [];
  if (!rec.settled && rec.cheapestNotRuledOut) {
    const counts = settleCounts(rec);
    const namesIt = decision.includes(rec.cheapestNotRuledOut) && /not ruled out|\bopen\b/i.test(decision);
    const settles = counts.length > 0 ? counts.some((n) => cites(decision, n, 0.5)) : /seed|example|margin/i.test(decision);
    if (!namesIt) missing.push(`name ${rec.cheapestNotRuledOut} as the cheapest depth not ruled out (it is cheaper than ${rec.strategy} and its comparison with ${rec.best} is open)`);
    if (!settles) missing.push(`say what evidence would settle it, as recommend()'s evidenceNeeded does (${rec.evidenceNeeded.join(' ')})`);
  }
  if (why.undertrained.length > 0) {
    const named = why.undertrained.some((a) => decision.includes(a.strategy));
    if (!named || !/undertrained|still (improving|rising)/i.test(decision)) {
      missing.push(`say that the decision rests on ${names(why.undertrained)}, which ${why.undertrained.length === 1 ? 'was' : 'were'} undertrained (still improving at the last epoch), so more epochs could change the order`);
    }
  }
  if (why.alone && !/\bonly\b|nothing (else )?to compare/i.test(decision)) missing.push('say that only one strategy passed the gates, so nothing was compared with it');
  report.expect(
    missing.length === 0,
    `"## Decision" says why the evidence is provisional: ${because}`,
    `"## Decision" calls the decision provisional but should ${missing.join('; and ')}.`,
  );
}

type Gate = { key: keyof Pick<StrategySanity, 'didNotLearn' | 'collapsed' | 'undertrained' | 'unstable'> | 'didNotTrain' | 'excluded'; word: string; match: RegExp };
const GATES: Gate[] = [
  { key: 'excluded', word: 'excluded', match: /exclud/i },
  { key: 'didNotLearn', word: 'did not learn', match: /did not learn|not (significantly )?above|majority|chance/i },
  { key: 'collapsed', word: 'collapsed', match: /collaps/i },
  { key: 'didNotTrain', word: 'did not train', match: /did not train|never (changed|moved)/i },
  { key: 'undertrained', word: 'undertrained', match: /undertrained|still (rising|improving)/i },
  { key: 'unstable', word: 'unstable', match: /unstable|far from/i },
];

function hasGate(s: StrategySanity, key: Gate['key']): boolean {
  if (key === 'didNotTrain') return s.didNotTrain.length > 0;
  if (key === 'unstable') return s.unstable !== null;
  return s[key];
}

function checkSanity(text: string, stats: TrialsSummary, report: Report): void {
  const flagged = STRATEGY_NAMES.flatMap((name) => {
    const s = stats.strategies[name]?.sanity;
    return s && GATES.some((g) => hasGate(s, g.key)) ? [{ name, s }] : [];
  });
  if (flagged.length === 0) {
    report.expect(
      /pass/i.test(text),
      '"## Sanity gates" says every strategy passed the gates',
      '"## Sanity gates" should say that every strategy passed (learned, did not collapse, trained, was not still improving at its last epoch).',
    );
    return;
  }
  const problems: string[] = [];
  const unnamed = flagged.filter((f) => !text.includes(f.name)).map((f) => f.name);
  if (unnamed.length > 0) problems.push(`name ${unnamed.join(', ')}`);
  for (const g of GATES) {
    const hit = flagged.filter((f) => hasGate(f.s, g.key)).map((f) => f.name);
    if (hit.length > 0 && !g.match.test(text)) problems.push(`say what the gates found for ${hit.join(', ')} (${g.word})`);
  }
  const summary = flagged.map((f) => `${f.name}: ${GATES.filter((g) => hasGate(f.s, g.key)).map((g) => g.word).join(', ')}`).join('; ');
  report.expect(
    problems.length === 0,
    `"## Sanity gates" reports what the gates found (${summary})`,
    `"## Sanity gates" should ${problems.join(', ')}: the gates found ${summary}. Read summarizeTrials(run.records).strategies[<strategy>].sanity.`,
  );
}

export function checkAdaptationNote(mod: Ex06Module, report: Report, run: RunFixture = loadRun('text-run.json')): void {
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

  const expected = rec.strategy;
  const decision = body.get('Decision');
  if (decision !== undefined) checkDecision(decision, rec, report);

  const sanity = body.get('Sanity gates');
  if (sanity !== undefined) checkSanity(sanity, stats, report);

  const chosen = rec.assessments.find((a) => a.strategy === expected);
  const evidence = body.get('Evidence');
  if (evidence !== undefined) {
    if (!chosen || !rec.best) {
      report.expect(
        /exclud|gate|only one/i.test(evidence),
        '"## Evidence" says why nothing can be compared',
        '"## Evidence" should say why nothing can be recommended: which strategies the gates or the audit excluded, or that only one strategy ran.',
      );
    } else {
      const gap = chosen.vsBest ? 100 * chosen.vsBest.difference : 100 * chosen.accuracy.mean;
      const what = chosen.vsBest ? `its paired gap to ${rec.best} (${gap.toFixed(2)} points)` : `its validation accuracy (${gap.toFixed(2)}%)`;
      const problems: string[] = [];
      if (!evidence.includes(rec.best)) problems.push(`name the best strategy (${rec.best})`);
      if (!/margin/i.test(evidence)) problems.push('state the margin');
      if (!cites(evidence, gap, 0.05)) problems.push(`cite ${expected}'s ${chosen.vsBest ? `paired gap to ${rec.best} in points` : 'validation accuracy'}`);
      report.expect(problems.length === 0, `"## Evidence" cites ${what}, the best and the margin`, `"## Evidence" should ${problems.join(', ')}.`);
    }
  }

  const scratchText = body.get('Scratch baseline');
  const scratch = rec.assessments.find((a) => a.strategy === 'scratch');
  if (scratchText !== undefined) {
    if (!scratch) {
      report.expect(/not run|no scratch|without/i.test(scratchText), '"## Scratch baseline" says no scratch baseline was run', '"## Scratch baseline" should say that no scratch baseline was run, so the gain from transfer is not measured.');
    } else if (!scratch.eligible) {
      const why = scratch.auditPassed ? (stats.strategies.scratch?.sanity.problems.find((p) => !/^(undertrained|unstable)/.test(p)) ?? 'it failed the sanity gates') : 'its freeze audit failed';
      const claims = payoffClaims(scratchText);
      const problems: string[] = [];
      if (!/exclud/i.test(scratchText)) problems.push('say that scratch was excluded');
      if (!/did not learn|collaps|did not train|audit|majority|chance/i.test(scratchText)) problems.push('say which gate excluded it');
      if (claims.length > 0) problems.push(`claim nothing against it, yet it says "${claims[0]}"`);
      report.expect(
        problems.length === 0,
        '"## Scratch baseline" says scratch was excluded by the sanity gates and claims no gain from transfer against it',
        `"## Scratch baseline" should ${problems.join(', and ')}: scratch was excluded by the sanity gates (${why}), so it is no baseline: ` +
          'an excluded strategy never serves as evidence that transfer pays off, and the gain from transfer is not measured.',
      );
    } else {
      const acc = 100 * meanAccuracy('scratch');
      const reference = [rec.best, expected].filter((s): s is StrategyName => s !== null);
      const gaps = [acc, ...reference.map((s) => 100 * (meanAccuracy(s) - meanAccuracy('scratch')))];
      report.expect(
        gaps.some((g) => cites(scratchText, g, 0.1)),
        '"## Scratch baseline" cites what scratch reached',
        `"## Scratch baseline" should cite scratch's mean validation accuracy (in %) or its gap to transfer (in points), from this run.`,
      );
    }
  }

  const cost = body.get('Trainable parameters and cost');
  if (cost !== undefined) {
    const depth = expected ?? rec.assessments[0].strategy;
    const trainable = stats.strategies[depth]!.trainableParams;
    report.expect(
      cites(cost, trainable, 0.5) && /flop|byte|\bkb\b|\bmb\b/i.test(cost),
      `"## Trainable parameters and cost" cites ${trainable} trainable parameters and a cost`,
      `"## Trainable parameters and cost" should cite ${expected ? 'the chosen depth' : `the cheapest strategy (${depth})`}'s trainable parameters (totals.trainable) and its training FLOPs or stored bytes.`,
    );
  }

  const confusion = body.get('Confusion pattern');
  if (confusion !== undefined) {
    const hidden = stats.diffs.filter((d) => d.split === 'validation').flatMap((d) => hiddenPatternChanges(d));
    const names = run.classNames;
    if (hidden.length === 0) {
      report.expect(
        /\bno\b|none|nowhere|agree/i.test(confusion),
        '"## Confusion pattern" says no class pair changed while accuracy did not',
        '"## Confusion pattern" should say that no class pair changed significantly while the headline accuracy stayed within noise (summarizeTrials found none).',
      );
    } else {
      const mentioned = hidden.some((c) => confusion.includes(names[c.actual]) && confusion.includes(names[c.predicted]));
      report.expect(
        mentioned,
        '"## Confusion pattern" names a class pair whose confusion changed while accuracy did not',
        `"## Confusion pattern" should name the class pair (both class names) whose confusion changed significantly while the headline accuracy stayed within noise; recommend() flags it as headline-hides-pattern.`,
      );
    }
  }
}
