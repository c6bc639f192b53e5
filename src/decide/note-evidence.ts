// The adaptation note's sections about the evidence itself: how the labelled data was allocated,
// what the sanity gates found before any verdict, and how a race's decision evolved round by
// round. Pure: summary in, Markdown lines out.
import type { ModalitySummary, StrategySanity } from '../record/run-record.js';
import { STRATEGY_NAMES } from '../record/vocabulary.js';
import { bytes, flops, markdownText, pct } from './format.js';

export function allocationSection(summary: ModalitySummary): string[] {
  const a = summary.allocation;
  const out = ['## How the data was allocated', ''];
  if (a.folds > 1) {
    out.push(
      `${a.folds}-fold cross-validation${a.automatic ? ' (chosen automatically)' : ''}: each of the ${a.decisionExamples} labelled non-test examples was predicted once per seed by a model that never trained on it ` +
        `(about ${a.trainPerModel} training examples per model); every strategy is scored on the same examples, so comparisons pair example by example. ` +
        `The ${a.test} test examples were never used for the decision; their scores come from every fold's model.`,
    );
  } else {
    out.push(`One validation split of ${a.decisionExamples} examples decides; ${a.trainPerModel} examples train each model; ${a.test} test examples are reported separately and never used for the decision.`);
  }
  out.push('', `Why: ${markdownText(a.reason)}. One decision example is worth ${a.resolutionPoints.toFixed(2)} accuracy points.`);
  if (summary.preprocessing?.length) out.push('', `Preprocessing: ${summary.preprocessing.map(markdownText).join(' ')}`);
  return out;
}

function verdictOf(s: StrategySanity): string {
  if (s.excluded) return 'excluded';
  if (s.undertrained || s.unstable) return 'kept, with a warning';
  return 'passed';
}

export function sanitySection(summary: ModalitySummary): string[] {
  const out = ['## Sanity gates', ''];
  out.push(
    'Before any comparison, each strategy is checked: did it learn (validation accuracy significantly above always guessing the most frequent class, one-sided exact binomial test at 5%), ' +
      'did it predict at least half of the classes (not collapsed), did every parameter it declares trainable change (did it train), was validation still rising at its last epoch (undertrained), ' +
      'and is any seed far from the others (unstable). Strategies that did not learn, collapsed or did not train are excluded and never serve as evidence; ' +
      'a decision that rests on an undertrained strategy is provisional.',
    '',
  );
  const rows: string[] = [];
  for (const name of STRATEGY_NAMES) {
    const s = summary.strategies[name]?.sanity;
    if (!s) continue;
    const seeds = s.seeds.map((x) => `${x.seed}: ${pct(x.accuracy)} vs ${pct(x.majorityRate)} majority, ${x.classesPredicted} classes predicted${x.undertrained ? ', still rising' : ''}`).join('; ');
    rows.push(`- **${name}**: ${verdictOf(s)}. Seeds ${seeds}.`);
    for (const p of s.problems) rows.push(`  - ${markdownText(p)}.`);
  }
  return [...out, ...rows];
}

export function roundsSection(summary: ModalitySummary): string[] {
  const rounds = summary.rounds;
  const out = ['## How the decision evolved', ''];
  if (rounds.length === 0) return [...out, 'No rounds were recorded.'];
  out.push(
    summary.schedule === 'race'
      ? 'A race: the first round ran every strategy on the first seeds; after each round, strategies that could no longer change the decision stopped and open comparisons got another seed.'
      : 'A grid: every strategy ran on every seed in one round.',
    '',
  );
  for (const r of rounds) {
    const added = [...new Set(r.added.map((u) => u.strategy))].map((s) => `${s} (seeds ${r.added.filter((u) => u.strategy === s).map((u) => u.seed).join(', ')})`).join(', ');
    const d = r.decision;
    const choice = d.strategy ? `${d.strategy} (${d.evidence}${d.settled ? '' : `; cheapest not ruled out: ${d.cheapestNotRuledOut}`})` : `no choice (${d.evidence})`;
    out.push(`${r.round}. Ran ${added}. Decision: ${choice}; best ${d.best ?? 'none'}. Training so far: ${flops(r.spent.trainFlops)}, ${Math.round(r.spent.trainSeconds)} s.`);
    for (const s of r.stopped) out.push(`   - ${s.strategy} stops: ${markdownText(s.reason)}.`);
    out.push(`   - Next: ${markdownText(r.next)}.`);
  }
  return out;
}

export function savedModelSection(summary: ModalitySummary): string[] {
  const out = ['## The model handed over', ''];
  const m = summary.savedModel;
  if ('none' in m) return [...out, `None: ${markdownText(m.none)}.`];
  const fold = m.fold ? ` (fold ${m.fold.index + 1} of ${m.fold.of})` : '';
  return [
    ...out,
    `\`${m.path}\` holds ${m.strategy}, seed ${m.seed}${fold}: validation ${pct(m.metrics.validation)}, test ${pct(m.metrics.test)}; its task file is ${bytes(m.storedBytes)} (what this strategy stores besides the backbone). ` +
      'The seed is the one with the median validation accuracy. `adaptlab predict --model ' + m.path + ' --data <images or table>` uses it; `adaptlab export` writes it for PyTorch or Hugging Face.',
  ];
}
