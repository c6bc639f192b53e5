// Reference solution of exercise 6: the note is computed from the run with the library's own
// reading (recommend, summarizeTrials), so every number in it is this run's and the decision is
// the rule's, not the author's preference. It says whether the evidence settles the decision or
// leaves it provisional (and then why, and what would settle it), reports the sanity gates, and
// never uses a strategy the gates excluded as evidence, least of all as the baseline transfer beat.
import { confusionBaselines, evidenceFromTrials, recommend, summarizeTrials, STRATEGY_NAMES, type StrategyName } from '../../../../src/index.js';
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import { isOpen } from '../../../../src/decide/recommend.js';
import { bytes, count, flops, pct, pctInterval, points, pointsInterval, pValue, signedPoints } from '../../../../src/decide/format.js';
import type { RunFixture } from '../contracts.js';

const VERDICT: Record<string, string> = {
  best: 'the best',
  'non-inferior': 'acceptable',
  inferior: 'ruled out',
  worse: 'open (significantly worse, possibly within the margin)',
  inconclusive: 'open (inconclusive)',
  excluded: 'excluded by the sanity gates',
  'audit-failed': 'excluded (freeze audit failed)',
};

function were(list: readonly string[]): string {
  return list.length === 1 ? 'was' : 'were';
}

export function writeNote(run: RunFixture): string {
  const stats = summarizeTrials(run.records, { baselines: confusionBaselines() });
  const rec = recommend({ ...evidenceFromTrials(run.records, { margin: run.margin, classNames: run.classNames, confusionDiffs: stats.diffs }), margin: run.margin });
  const chosen = rec.strategy;
  const best = rec.best;
  const a = (s: StrategyName) => rec.assessments.find((x) => x.strategy === s);
  const summary = (s: StrategyName) => stats.strategies[s]!;
  const names = run.classNames;
  const margin = `${points(run.margin)}-point margin`;
  const eligible = rec.assessments.filter((x) => x.eligible);
  const hidden = stats.diffs.filter((d) => d.split === 'validation').flatMap((d) => hiddenPatternChanges(d).map((c) => ({ d, c })));
  const next = rec.nextExperiments[0];

  // ## Decision: the depth, how firm the evidence is, and why.
  const decision: string[] = [];
  if (chosen === null) {
    const why = rec.reasons.find((r) => r.startsWith('Evidence is insufficient')) ?? 'no strategy passed the audit and the sanity gates.';
    decision.push('Cheapest acceptable depth: none', '', 'Evidence: insufficient', '', `No depth can be recommended on this run. ${why}`);
  } else {
    const c = a(chosen)!;
    const cheaper = eligible.filter((x) => x.costRank < c.costRank);
    const open = cheaper.filter((x) => isOpen(x.verdict));
    const undertrained = eligible.filter((x) => x.strategy !== chosen && x.undertrained).map((x) => x.strategy);
    decision.push(`Cheapest acceptable depth: ${chosen}`, '', `Evidence: ${rec.evidence}`, '');
    if (eligible.length === 1) {
      decision.push(`${chosen} is the only strategy that passed the audit and the sanity gates; with nothing to compare it with, the recommendation is provisional.`);
    } else if (cheaper.length === 0 && chosen === best) {
      decision.push(`${chosen} is the cheapest strategy that passed the sanity gates and also the best by mean validation accuracy, so no added cost is justified.`);
    } else {
      decision.push(
        `${chosen} is the cheapest strategy whose validation evidence is within the ${margin} of the best (${best})${chosen === best ? ', being the best itself' : ''}; deeper adaptation costs more and buys no measurable accuracy.`,
      );
      if (rec.settled) {
        decision.push(cheaper.length > 0 ? `Every cheaper strategy (${cheaper.map((x) => x.strategy).join(', ')}) is ruled out: it loses more than the margin even at the upper end of its interval.` : 'No strategy that passed the gates is cheaper.');
      } else {
        decision.push(
          `The decision is not settled: ${open.map((x) => x.strategy).join(' and ')} ${open.length === 1 ? 'is' : 'are'} cheaper and not ruled out, so the cheapest depth not ruled out is ${rec.cheapestNotRuledOut}. ` +
            `What would settle it: ${rec.evidenceNeeded.join(' ')}`,
        );
      }
    }
    if (undertrained.length > 0) {
      decision.push(
        `The decision rests on ${undertrained.join(', ')}, which ${were(undertrained)} undertrained (validation accuracy still rising at the last epoch): more epochs could change ${undertrained.length === 1 ? 'its' : 'their'} place, so the decision is provisional until a longer run confirms it.`,
      );
    }
    if (rec.settlingMargin && !(cheaper.length === 0 && chosen === best)) {
      decision.push(`The smallest margin this evidence settles is ${points(rec.settlingMargin.margin)} points, where the choice is ${rec.settlingMargin.strategy}.`);
    }
  }

  // ## Sanity gates: what was checked before any verdict, and what it found.
  const gates = [
    'Before any verdict each strategy was checked on every seed: did it learn (validation accuracy significantly above always guessing the most frequent class, one-sided exact binomial test), ' +
      'did it predict at least half of the classes (not collapsed), did every parameter it declares trainable change, was validation accuracy still rising at its last epoch (undertrained), and is any seed far from the others (unstable). ' +
      'A strategy that did not learn, collapsed or did not train is excluded and never serves as evidence.',
    '',
  ];
  for (const s of STRATEGY_NAMES) {
    const st = stats.strategies[s];
    if (!st) continue;
    const g = st.sanity;
    if (g.excluded) gates.push(`- ${s}: excluded, never recommended and never evidence for or against another strategy: ${g.problems.join('; ')}.`);
    else if (g.problems.length > 0) gates.push(`- ${s}: kept, with a warning: ${g.problems.join('; ')}.`);
    else gates.push(`- ${s}: passed every gate.`);
  }

  // ## Evidence: the best, the margin, the chosen depth's paired gap, every verdict.
  const evidence: string[] = [];
  if (chosen === null || best === null) {
    const excluded = rec.assessments.filter((x) => !x.eligible).map((x) => x.strategy);
    evidence.push(
      excluded.length > 0
        ? `The audit or the sanity gates excluded ${excluded.join(', ')}, so ${eligible.length === 0 ? 'no strategy is left to compare' : `only ${eligible.map((x) => x.strategy).join(', ')} is left`}; the ${margin} never comes into play.`
        : `Only one strategy ran (${rec.assessments.map((x) => x.strategy).join(', ')}); a depth can only be recommended against another measured on the same examples, so the ${margin} never comes into play.`,
    );
  } else {
    const gap = a(chosen)!.vsBest;
    evidence.push(`Best validation accuracy: ${best}, ${pct(a(best)!.accuracy.mean)} (95% CI ${pctInterval(a(best)!.accuracy.ci95)} over ${a(best)!.accuracy.values.length} seeds).`);
    evidence.push(
      gap
        ? `${chosen}: ${pct(a(chosen)!.accuracy.mean)}, ${signedPoints(gap.difference)} points vs ${best}, paired 95% interval ${pointsInterval(gap.ci)} points, above the margin of \u2212${points(run.margin)} points.`
        : `${chosen} is itself the best (the margin of ${points(run.margin)} points applies to the cheaper strategies).`,
    );
    const others = rec.assessments.filter((x) => x.strategy !== chosen && x.strategy !== best);
    if (others.length > 0) {
      evidence.push(`The others: ${others.map((x) => (x.vsBest ? `${x.strategy} ${signedPoints(x.vsBest.difference)} points (${pointsInterval(x.vsBest.ci)}), ${VERDICT[x.verdict]}` : `${x.strategy} ${VERDICT[x.verdict]}`)).join('; ')}.`);
    }
    const resolution = 1 / rec.validationN;
    evidence.push(
      `Validation N = ${rec.validationN}: one example is worth ${points(resolution)} points, ${resolution > run.margin ? 'coarser than the margin: cross-validate (--folds) before trusting a verdict within it' : 'finer than the margin'}.`,
    );
  }

  // ## Scratch baseline: only a scratch that passed the gates is a baseline.
  const scratch = a('scratch');
  let scratchText: string;
  if (!scratch) {
    scratchText = 'No scratch baseline was run, so the gain from pretrained weights is not measured. Run scratch on the same split and seeds to measure it.';
  } else if (!scratch.eligible) {
    const why = scratch.auditPassed ? summary('scratch').sanity.problems.filter((p) => !/^(undertrained|unstable)/.test(p)).join('; ') : 'its freeze audit failed';
    scratchText =
      `scratch reached ${pct(scratch.accuracy.mean)} validation accuracy, but it was excluded by the sanity gates (${why}). ` +
      'A scratch that failed the gates is no baseline: the gain from transfer is not measured, and this note claims none. Rerun scratch with a budget it can learn in (more epochs, a working learning rate).';
  } else {
    const caveat = scratch.undertrained ? ' scratch was still improving when its budget ended, so a longer budget may narrow the gap.' : '';
    const verdict = !scratch.vsBest
      ? 'scratch is the best strategy: transfer is not justified on this data.'
      : `It is ${signedPoints(scratch.vsBest.difference)} points vs ${best} (paired 95% interval ${pointsInterval(scratch.vsBest.ci)}): ` +
        (scratch.verdict === 'inferior' || scratch.verdict === 'worse' ? 'transfer pays off.' : scratch.verdict === 'non-inferior' ? 'transfer is not justified by accuracy alone.' : 'whether transfer beats scratch is not settled.');
    scratchText = `scratch reached ${pct(scratch.accuracy.mean)} validation accuracy on the same examples and seeds.\n${verdict}${caveat}`;
  }

  // ## Trainable parameters and cost
  const depth = chosen ?? rec.assessments[0].strategy;
  const cost =
    `${chosen ? depth : `Nothing is recommended; the cheapest strategy, ${depth},`} trains ${count(summary(depth).trainableParams)} of ${count(summary(depth).totalParams)} parameters, ` +
    `costs ${flops(a(depth)!.cost.trainFlops)} to train and stores ${bytes(a(depth)!.cost.storedBytes)} per task.` +
    (best && best !== depth ? `\nFor comparison, ${best} trains ${count(summary(best).trainableParams)} parameters for ${flops(a(best)!.cost.trainFlops)} and stores ${bytes(a(best)!.cost.storedBytes)}.` : '');

  const confusion = hidden.length
    ? hidden
        .slice(0, 2)
        .map(
          ({ d, c }) =>
            `${d.strategy} vs ${d.baseline}: accuracy ${signedPoints(d.accuracy.difference)} points (paired ${pValue(d.accuracy.pValue)}, within noise), ` +
            `but "${names[c.actual]}" predicted as "${names[c.predicted]}" went from ${c.countA.toFixed(2)} to ${c.countB.toFixed(2)} examples per run (Holm-adjusted ${pValue(c.adjustedP)}).`,
        )
        .join('\n\n') +
      `\n\nThe headline says the depths are equal; the confusions say they fail differently. Which mistake is cheaper for the reader of the mail decides between them, not the accuracy.`
    : 'No comparison changed a class pair significantly while its accuracy stayed within noise; the headline and the pattern agree in this run.';

  return `# Adaptation note: ${run.modality} — ${run.dataset}

## Decision

${decision.join('\n')}

## Sanity gates

${gates.join('\n')}

## Evidence

${evidence.join('\n')}

## Scratch baseline

${scratchText}

## Trainable parameters and cost

${cost}

## Confusion pattern

${confusion}

## Next experiment

${next ? `${next.label}: ${next.why}` : 'None needed: the decision is settled on this evidence.'}
`;
}
