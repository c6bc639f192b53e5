// Reference solution of exercise 6: the note is computed from the run with the library's own
// reading (recommend, summarizeTrials), so every number in it is this run's and the decision is
// the rule's, not the author's preference.
import { evidenceFromTrials, recommend, summarizeTrials, type StrategyName } from '../../../../src/index.js';
import { hiddenPatternChanges } from '../../../../src/evaluate/confusion-diff.js';
import { bytes, count, flops, pct, pctInterval, points, pointsInterval, pValue, signedPoints } from '../../../../src/decide/format.js';
import type { RunFixture } from '../contracts.js';

export function writeNote(run: RunFixture): string {
  const stats = summarizeTrials(run.records);
  const rec = recommend({ ...evidenceFromTrials(run.records, { margin: run.margin, classNames: run.classNames, confusionDiffs: stats.diffs }), margin: run.margin });
  const chosen = rec.strategy;
  if (chosen === null) throw new Error(`no depth can be defended on this evidence: ${rec.reasons.at(-1)}`);
  const best = rec.best!;
  const a = (s: StrategyName) => rec.assessments.find((x) => x.strategy === s)!;
  const summary = (s: StrategyName) => stats.strategies[s]!;
  const names = run.classNames;
  const gap = a(chosen).vsBest;
  const scratch = a('scratch');
  const hidden = stats.diffs.filter((d) => d.split === 'validation').flatMap((d) => hiddenPatternChanges(d).map((c) => ({ d, c })));
  const next = rec.nextExperiments[0];

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

Cheapest acceptable depth: ${chosen}

${chosen} is the cheapest strategy whose validation evidence is within the ${points(run.margin)}-point margin of the best (${best}); deeper adaptation costs more and buys no measurable accuracy.

## Evidence

Best validation accuracy: ${best}, ${pct(a(best).accuracy.mean)} (95% CI ${pctInterval(a(best).accuracy.ci95)} over ${run.seeds.length} seeds).
${gap ? `${chosen}: ${pct(a(chosen).accuracy.mean)}, ${signedPoints(gap.difference)} points vs ${best}, paired 95% interval ${pointsInterval(gap.ci)} points, above the margin of \u2212${points(run.margin)} points.` : `${chosen} is itself the best.`}
Validation N = ${rec.validationN}: one example is worth ${points(1 / rec.validationN)} points, finer than the margin.

## Scratch baseline

scratch reached ${pct(scratch.accuracy.mean)} validation accuracy on the same examples and seeds.
${scratch.vsBest ? `It is ${signedPoints(scratch.vsBest.difference)} points vs ${best} (paired 95% interval ${pointsInterval(scratch.vsBest.ci)}): ${scratch.verdict === 'inferior' || scratch.verdict === 'worse' ? 'transfer pays off.' : 'transfer is not clearly better.'}` : 'scratch is the best strategy: transfer is not justified.'}

## Trainable parameters and cost

${chosen} trains ${count(summary(chosen).trainableParams)} of ${count(summary(chosen).totalParams)} parameters, costs ${flops(a(chosen).cost.trainFlops)} to train and stores ${bytes(a(chosen).cost.storedBytes)} per task.
For comparison, ${best} trains ${count(summary(best).trainableParams)} parameters for ${flops(a(best).cost.trainFlops)} and stores ${bytes(a(best).cost.storedBytes)}.

## Confusion pattern

${confusion}

## Next experiment

${next ? `${next.label}: ${next.why}` : 'None needed: the decision is settled on this evidence.'}
`;
}
