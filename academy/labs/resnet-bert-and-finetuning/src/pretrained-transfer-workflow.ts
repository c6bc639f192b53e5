// The full loop of the track, through the library's own lab (runLab): scratch, frozen,
// partial_unfreeze and full_finetune (the lab's default strategies) for vision (ResNet-20 from
// Fashion-MNIST to MNIST digits) and text (a small BERT to Spam Assassin easy_ham / hard_ham /
// spam), over seeds, on the same splits and budget; then statistics, confusion comparisons, the
// recommendation and one adaptation note per modality. The rungs between the four (bitfit, lp_ft,
// gradual_unfreeze, lora) run when named with --strategies, and are decided on like the others.
//
//   node dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js --quick
//   node dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js --modality vision --out runs/vision
//   node dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js --quick --modality text --strategies scratch,frozen,lora,full_finetune
//
// It is `adaptlab lab` run through the CLI's own runCommand (the same option table, parser, checks
// and exit codes: 2 for a usage error, 1 for a failure), with its own default run directory. What it adds is a compact terminal reading of the outcome: per modality,
// how the labelled data was allocated (one validation split or cross-validation) and how many
// rounds the race ran; strategy -> trainable parameters -> validation accuracy with its 95%
// interval over seeds -> training FLOPs -> freeze audit -> sanity gates; and the recommended depth,
// settled or provisional, with the evidence behind it.
import { labCommand, labOptionsFrom } from '../../../../src/cli/commands/lab.js';
import { runCommand } from '../../../../src/cli/main.js';
import type { CommandSpec } from '../../../../src/cli/options.js';
import { STRATEGY_NAMES, type StrategyName } from '../../../../src/record/vocabulary.js';
import type { LabResult, ModalityOutcome } from '../../../../src/lab/run-lab.js';
import type { StrategySanity } from '../../../../src/record/run-record.js';
import type { RecommendResult } from '../../../../src/decide/recommend.js';
import { flops } from '../../../../src/decide/format.js';
import { textTable } from '../../../shared/text-table.js';

const DEFAULT_OUT = 'runs/resnet-bert-and-finetuning';


function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** "93.2% ± 1.1" (half-width of the 95% t interval over seeds), or "93.2% (one seed)". */
function accuracyWithCi(stat: { mean: number; ci95: [number, number] }): string {
  const half = (stat.ci95[1] - stat.ci95[0]) / 2;
  return Number.isFinite(half) ? `${pct(stat.mean)} \u00b1 ${(100 * half).toFixed(1)}` : `${pct(stat.mean)} (one seed)`;
}

/** What the sanity gates made of a strategy: excluded (and why), kept with a warning, or passed. */
function gates(sanity: StrategySanity | undefined): string {
  if (!sanity) return '\u2014';
  if (sanity.excluded) return `excluded (${[sanity.didNotLearn && 'did not learn', sanity.collapsed && 'collapsed', sanity.didNotTrain.length > 0 && 'did not train'].filter(Boolean).join(', ')})`;
  const warnings = [sanity.undertrained && 'undertrained', sanity.unstable && 'unstable'].filter(Boolean);
  return warnings.length > 0 ? warnings.join(', ') : 'passed';
}

/** "recommended depth: frozen (provisional; ...)" or why there is none. */
function decisionLine(rec: RecommendResult): string {
  if (!rec.strategy) return 'no recommendation: the evidence is insufficient (no strategy passed the gates, or only one ran)';
  const open = rec.settled ? '' : `; cheapest depth not ruled out: ${rec.cheapestNotRuledOut}`;
  return `recommended depth: ${rec.strategy} (evidence: ${rec.evidence}; cheapest acceptable; best mean: ${rec.best}${open})`;
}

/** The compact reading of one modality's outcome. */
function modalityLines(modality: string, outcome: ModalityOutcome): string[] {
  const s = outcome.summary;
  const rec = outcome.recommendation;
  const rows = STRATEGY_NAMES.filter((name: StrategyName) => s.strategies[name]).map((name) => {
    const st = s.strategies[name]!;
    return [name, st.trainableParams.toLocaleString('en-US'), accuracyWithCi(st.metrics.validation.accuracy), flops(st.cost.trainFlops), st.audit.passed ? 'passed' : 'FAILED', gates(st.sanity)];
  });
  const allocation = s.allocation ? `  decided on: ${s.allocation.reason}` : null;
  const rounds = s.rounds && s.rounds.length > 0 ? `  schedule: ${s.schedule}, ${s.rounds.length} round(s); ${s.rounds.at(-1)!.next}` : null;
  const lines = [
    '',
    `${modality}: ${s.dataset.name} (${s.dataset.classNames.length} classes), backbone ${s.backbone.arch}; validation N = ${s.dataset.sizes.validation} (one example = ${s.validationResolution.toFixed(2)} points), seeds ${outcome.stats.seeds.join(', ')}`,
    ...(allocation ? [allocation] : []),
    ...(rounds ? [rounds] : []),
    ...textTable(['strategy', 'trainable params', 'val acc \u00b1 95% CI', 'train FLOPs', 'audit', 'sanity gates'], rows, [1, 3]).map((l) => `  ${l}`),
    `  ${decisionLine(rec)}`,
  ];
  for (const line of rec.evidenceNeeded) lines.push(`    to settle it: ${line}`);
  // The reasons after the rule: the verdicts and the decision, in the library's words.
  for (const reason of rec.reasons.slice(1)) lines.push(`    - ${reason}`);
  for (const flag of rec.flags) lines.push(`    ! ${flag}`);
  return lines;
}

function resultLines(result: LabResult): string[] {
  const lines: string[] = [];
  for (const [modality, outcome] of Object.entries(result.outcomes)) lines.push(...modalityLines(modality, outcome!));
  lines.push('', 'Adaptation notes (one per modality: data allocation, sanity gates, scratch baseline, trainable parameters, learning-rate plan, scores, confusion changes, decision, rounds):');
  for (const note of result.files.notes) lines.push(`  ${note}`);
  lines.push(`Report: ${result.files.report}`, `Summary: ${result.files.summary}`, `Trial records: ${result.files.summary.replace(/summary\.json$/, 'trials/')}`);
  return lines;
}

const workflow: CommandSpec = {
  ...labCommand,
  options: { ...labCommand.options, out: { ...labCommand.options.out, default: DEFAULT_OUT } },
  examples: ['pretrained-transfer-workflow --quick', 'pretrained-transfer-workflow --modality vision --num-seeds 5 --out runs/vision'],
  async run({ options }) {
    const labOptions = labOptionsFrom(options);
    // The engine reads its thread settings (--threads, set by runCommand) when it loads: import the lab only now.
    const { runLab } = await import('../../../../src/lab/run-lab.js');
    const { LabProgress } = await import('../../../../src/cli/lab-progress.js');
    console.log(`Running ${labOptions.strategies.join(', ')} for ${labOptions.modalities.join(' and ')} over seeds ${labOptions.seeds.join(', ')}${labOptions.quick ? ' (quick)' : ''} -> ${labOptions.out}`);
    const progress = new LabProgress();
    const result = await runLab(labOptions, progress.events());
    progress.done();
    for (const line of resultLines(result)) console.log(line);
    return 0;
  },
};

process.exitCode = await runCommand(workflow, process.argv.slice(2), { program: 'pretrained-transfer-workflow' });
