// The adaptation note: one Markdown page per modality that shows the evidence, the rule and the
// decision, so a reader can check the recommendation instead of trusting it. Pure: data in,
// string out. Markdown is written as is, except that user-provided strings (class names, dataset
// names) are made safe for where they land: no line breaks anywhere, and `|` / `\` escaped in
// table cells so a class called "cat|dog" cannot add a column.
import type { ModalitySummary, Recommendation, SeedStat, StrategySummary } from '../record/run-record.js';
import { STRATEGY_NAMES, type Modality, type StrategyName } from '../record/vocabulary.js';
import { hiddenPatternChanges } from '../evaluate/confusion-diff.js';
import type { TrialConfig } from '../evaluate/summarize.js';
import type { PairChange, StrategyConfusionDiff } from '../record/evaluation.js';
import { bytes, className, count, examples, flops, markdownText, pct, pctInterval, points, pointsInterval, pNumber, pValue, signedExamples, signedPoints } from './format.js';
import type { NextExperiment } from './next-experiments.js';
import { allocationSection, roundsSection, sanitySection, savedModelSection } from './note-evidence.js';
import type { RecommendResult } from './recommend.js';
import { answersOf, isScratchBaseline, type StrategyAnswers } from '../adapt/strategy-answers.js';

export interface NoteInput {
  modality: Modality;
  /** Dataset, backbone, per-strategy summaries, resolution and recommendation, as the lab wrote them. */
  summary: ModalitySummary;
  /** Paired confusion comparisons vs scratch and vs frozen (TrialsSummary.diffs). */
  diffs: readonly StrategyConfusionDiff[];
  /** Training plan per strategy (TrialsSummary.plans). */
  plans: Partial<Record<StrategyName, TrialConfig>>;
  /** Seeds of the run. */
  seeds: readonly number[];
  /** Defaults to summary.recommendation; a RecommendResult adds the evidence table and next experiments. */
  recommendation?: Recommendation | RecommendResult;
  /** Improved / worsened pairs shown per comparison (default 3 each). */
  topPairs?: number;
}

/** Text safe inside a Markdown table cell. */
export function tableCell(text: string): string {
  return markdownText(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(tableCell).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(row)];
}

function present(summary: ModalitySummary): [StrategyName, StrategySummary][] {
  return STRATEGY_NAMES.flatMap((s) => (summary.strategies[s] ? [[s, summary.strategies[s]!] as [StrategyName, StrategySummary]] : []));
}

function stat(s: SeedStat): string {
  return Number.isFinite(s.ci95[0]) ? `${pct(s.mean)} (95% CI ${pctInterval(s.ci95)})` : `${pct(s.mean)} (one seed)`;
}

function lr(v: number | null, frozenWord: string): string {
  return v === null ? frozenWord : String(v);
}

function isResult(r: Recommendation | RecommendResult): r is RecommendResult {
  return Array.isArray((r as RecommendResult).assessments);
}

function pairLine(c: PairChange, names: readonly string[]): string[] {
  return [
    className(names, c.actual),
    className(names, c.predicted),
    examples(c.countA),
    examples(c.countB),
    signedExamples(c.delta),
    `${c.onlyA} / ${c.onlyB}`,
    pNumber(c.adjustedP),
    c.significant ? 'significant' : 'within noise',
  ];
}

function scratchSection(input: NoteInput): string[] {
  const out = ['## Scratch baseline', ''];
  const baseline = present(input.summary).find(([s]) => isScratchBaseline(s));
  if (!baseline) {
    out.push('No scratch baseline was run, so the gain from pretrained weights is not measured. Run `scratch` with the same splits and seeds to measure it.');
    return out;
  }
  const [name, scratch] = baseline;
  const v = scratch.metrics.validation;
  const t = scratch.metrics.test;
  out.push(
    `Trained from random initialisation on the same splits and seeds (${input.seeds.join(', ')}) as every pretrained strategy, so each comparison below is paired example by example. ` +
      `Validation accuracy ${stat(v.accuracy)}, macro-F1 ${pct(v.macroF1.mean)}; test accuracy ${stat(t.accuracy)}, macro-F1 ${pct(t.macroF1.mean)}.`,
    '',
  );
  const vs = input.diffs.filter((d) => d.baseline === name && d.split === 'validation');
  if (vs.length > 0) {
    out.push('Gain over scratch on validation (paired over the same examples; p from the exact sign test on seed-averaged correctness):', '');
    for (const d of vs) {
      out.push(`- ${d.strategy}: ${signedPoints(d.accuracy.difference)} points (${d.accuracy.onlyB} examples right more often than under scratch, ${d.accuracy.onlyA} less often; ${pValue(d.accuracy.pValue)}).`);
    }
  }
  return out;
}

function parametersSection(input: NoteInput): string[] {
  const rows = present(input.summary).map(([s, st]) => [
    s,
    count(st.trainableParams),
    count(st.totalParams),
    st.totalParams > 0 ? `${((100 * st.trainableParams) / st.totalParams).toFixed(3)}%` : 'n/a',
    flops(st.cost.trainFlops),
    bytes(st.cost.storedBytes),
    st.audit.passed ? 'passed' : `FAILED: ${st.audit.failures.join('; ')}`,
  ]);
  return ['## Trainable parameters per depth', '', ...table(['Strategy', 'Trainable', 'Total', 'Trainable %', 'Training FLOPs', 'Stored per task', 'Freeze audit'], rows)];
}

/** The plan table's "Unfrozen groups" when the record holds no count (StrategyAnswers.groupsTrained). */
const GROUP_WORDS: Record<NonNullable<StrategyAnswers['groupsTrained']> | 'some', string> = { none: '0', all: 'all', 'last-k': '—', some: '—' };

function planSection(input: NoteInput): string[] {
  const rows = STRATEGY_NAMES.filter((s) => input.plans[s]).map((s) => {
    const p = input.plans[s]!;
    const groups = answersOf(s).groupsTrained;
    return [
      s,
      String(p.headLr),
      lr(p.backboneLr, groups === 'none' ? '— (frozen)' : '—'),
      p.layerDecay === null ? '—' : String(p.layerDecay),
      p.partialK === null ? GROUP_WORDS[groups ?? 'some'] : String(p.partialK),
      p.batchNorm ?? '—',
      String(p.epochs),
      String(p.batchSize),
    ];
  });
  const out = ['## Learning-rate plan', ''];
  if (rows.length === 0) return [...out, 'No training plan was recorded.'];
  out.push('Head and backbone learning rates as recorded in each trial\'s config; a layer decay, when set, scales the backbone rate group by group (the parameter-group report lists the rate of every group).', '');
  return [...out, ...table(['Strategy', 'Head lr', 'Backbone lr', 'Layer decay', 'Unfrozen groups', 'BatchNorm', 'Epochs', 'Batch size'], rows)];
}

function scoresSection(input: NoteInput): string[] {
  const rows = present(input.summary).map(([s, st]) => [
    s,
    stat(st.metrics.validation.accuracy),
    pct(st.metrics.validation.macroF1.mean),
    stat(st.metrics.test.accuracy),
    pct(st.metrics.test.macroF1.mean),
  ]);
  return [
    '## Scores over seeds',
    '',
    `One validation example is worth ${input.summary.validationResolution.toFixed(2)} accuracy points (100 / N, N = ${input.summary.dataset.sizes.validation}); differences smaller than that are not resolved.`,
    '',
    ...table(['Strategy', 'Validation accuracy', 'Validation macro-F1', 'Test accuracy', 'Test macro-F1'], rows),
  ];
}

function confusionSection(input: NoteInput): string[] {
  const names = input.summary.dataset.classNames;
  const top = input.topPairs ?? 3;
  const out = [
    '## What changed in the confusion pattern',
    '',
    'Counts are examples per run (means over seeds). "A only / B only" are the examples confused more often under the baseline / under the strategy; p is the exact McNemar (sign) test on them, Holm-adjusted over all class pairs of the comparison. "within noise" means the change is not significant.',
  ];
  const header = ['Actual', 'Predicted as', 'Baseline', 'Strategy', 'Change', 'A only / B only', 'p (Holm)', 'Verdict'];
  for (const d of input.diffs.filter((x) => x.split === 'validation')) {
    out.push('', `### ${d.strategy} vs ${d.baseline} (validation)`, '');
    out.push(`Accuracy ${pct(d.accuracy.accuracyA)} → ${pct(d.accuracy.accuracyB)} (${signedPoints(d.accuracy.difference)} points, paired ${pValue(d.accuracy.pValue)}).`);
    const shown = [...d.improved.slice(0, top), ...d.worsened.slice(0, top)];
    if (shown.length === 0) {
      out.push('', 'No class pair changed.');
      continue;
    }
    out.push('', ...table(header, shown.map((c) => pairLine(c, names))));
    const hiddenImproved = d.improved.length - Math.min(top, d.improved.length);
    const hiddenWorsened = d.worsened.length - Math.min(top, d.worsened.length);
    if (hiddenImproved + hiddenWorsened > 0) out.push('', `Not shown: ${hiddenImproved} more improved and ${hiddenWorsened} more worsened pair(s).`);
  }
  const tests = input.diffs.filter((x) => x.split === 'test');
  if (tests.length > 0) {
    out.push('', '### On the test split', '');
    for (const d of tests) {
      const sig = [...d.improved, ...d.worsened].filter((c) => c.significant);
      const improved = sig.filter((c) => c.delta < 0).length;
      out.push(`- ${d.strategy} vs ${d.baseline}: accuracy ${signedPoints(d.accuracy.difference)} points (paired ${pValue(d.accuracy.pValue)}); ${improved} pair(s) improved and ${sig.length - improved} worsened significantly.`);
    }
  }
  return out;
}

function hiddenSection(input: NoteInput): string[] {
  const names = input.summary.dataset.classNames;
  const out = ['## Where the headline score hid the error pattern', ''];
  const lines: string[] = [];
  for (const d of input.diffs) {
    for (const c of hiddenPatternChanges(d)) {
      lines.push(
        `- ${d.strategy} vs ${d.baseline} (${d.split}): accuracy ${signedPoints(d.accuracy.difference)} points is within noise (${pValue(d.accuracy.pValue)}), ` +
          `but "${markdownText(className(names, c.actual))}" predicted as "${markdownText(className(names, c.predicted))}" went from ${examples(c.countA)} to ${examples(c.countB)} examples per run (Holm-adjusted ${pValue(c.adjustedP)}).`,
      );
    }
  }
  if (lines.length === 0) out.push('Nowhere: whenever a class pair changed significantly, the accuracy changed significantly too (or no pair changed beyond noise).');
  else out.push('The accuracy barely moved in these comparisons, yet what the model gets wrong did:', '', ...lines);
  return out;
}

function recommendationSection(rec: Recommendation | RecommendResult): string[] {
  const out = ['## Recommended depth', ''];
  if (!rec.strategy) out.push(`**No recommendation**: the evidence is ${rec.evidence} to name any strategy.`);
  else if (rec.settled && rec.evidence === 'sufficient') out.push(`**${rec.strategy}** (evidence: sufficient; settled: every cheaper strategy is ruled out or none is cheaper).`);
  else {
    out.push(
      `**${rec.strategy}**, provisional: ${rec.settled ? 'no cheaper strategy is open, but the decision rests on a strategy that was still improving' : `the cheapest depth shown acceptable; the cheapest depth not ruled out is **${rec.cheapestNotRuledOut}**`}.`,
    );
    if (rec.evidenceNeeded.length > 0) out.push('', 'What would settle it:', '', ...rec.evidenceNeeded.map((e) => `- ${markdownText(e)}`));
  }
  if (rec.settlingMargin) out.push('', `The smallest margin this evidence settles: ${points(rec.settlingMargin.margin)} points, where the choice is ${rec.settlingMargin.strategy}.`);
  if (isResult(rec)) {
    const rows = rec.assessments.map((a) => [
      String(a.costRank),
      a.strategy,
      flops(a.cost.trainFlops),
      bytes(a.cost.storedBytes),
      stat(a.accuracy),
      a.vsBest ? signedPoints(a.vsBest.difference) : '—',
      a.vsBest ? pointsInterval(a.vsBest.ci) : '—',
      a.verdict,
    ]);
    out.push('', `Margin: ${points(rec.margin)} accuracy points. Cheapest first:`, '', ...table(['Cost rank', 'Strategy', 'Training FLOPs', 'Stored', 'Validation accuracy', 'vs best (points)', '95% interval', 'Verdict'], rows));
  }
  out.push('', 'Why:', '', ...rec.reasons.map((r) => `- ${markdownText(r)}`));
  if (rec.flags.length > 0) out.push('', 'Flags:', '', ...rec.flags.map((f) => `- ${markdownText(f)}`));
  return out;
}

function nextSection(rec: Recommendation | RecommendResult): string[] {
  const out = ['## Next smaller experiment', ''];
  const list: NextExperiment[] = isResult(rec) ? rec.nextExperiments : [];
  if (list.length === 0) return [...out, 'No suggestion was recorded with this recommendation.'];
  return [...out, ...list.map((e) => `${e.rank}. **${markdownText(e.label)}** — ${markdownText(e.why)}`)];
}

/** The adaptation note of one modality, in Markdown. */
export function adaptationNote(input: NoteInput): string {
  const s = input.summary;
  const rec = input.recommendation ?? s.recommendation;
  const ds = s.dataset;
  const head = [
    `# Adaptation note: ${input.modality} — ${markdownText(ds.name)}`,
    '',
    `Backbone ${markdownText(s.backbone.arch)} (${markdownText(s.backbone.source)}); ${ds.classNames.length} classes; ` +
      `${ds.sizes.train} train / ${ds.sizes.validation} validation / ${ds.sizes.test} test examples (split seed ${ds.splitSeed}, content ${ds.contentHash.slice(0, 12)}); seeds ${input.seeds.join(', ')}.`,
  ];
  const sections = [
    head,
    scratchSection(input),
    parametersSection(input),
    planSection(input),
    allocationSection(s),
    sanitySection(s),
    scoresSection(input),
    confusionSection(input),
    hiddenSection(input),
    recommendationSection(rec),
    savedModelSection(s),
    roundsSection(s),
    nextSection(rec),
  ];
  return sections.map((x) => x.join('\n')).join('\n\n') + '\n';
}
