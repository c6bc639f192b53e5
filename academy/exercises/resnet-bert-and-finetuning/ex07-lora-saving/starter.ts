// Exercise 7 — is LoRA's saving real for this task?
//
// `run` holds the TrialRecords of a text lab (the embedded BERT, 4 layers x 128, adapted to Spam
// Assassin easy_ham / hard_ham / spam) run as
//   adaptlab lab --modality text --strategies scratch,frozen,lora,full_finetune
// three seeds each, on the same validation examples. The file is fixtures/lora-run.json. Like the
// other fixtures it is constructed, not trained: predictions are drawn from a stated model of each
// strategy, and the costs are set to what the lab measures for these strategies on this backbone,
// scaled to the run's budget (fixtures/build.ts, loraRun, shows the arithmetic). Its records have
// exactly the shape `adaptlab lab` writes to <out>/trials/text/<strategy>-seed<k>.json; lora's
// carry config.adapters (rank, alpha, the layers adapted, the adapter parameter count).
//
// LoRA is sold on one number: "it trains 1% of the parameters". Find out what that buys here:
//   (a) storedBytesRatio      what a task stores besides the shared backbone, lora ÷ full_finetune
//   (b) trainFlopsRatio       training FLOPs actually computed, lora ÷ full_finetune
//   (c) loraMinusFullPoints   mean validation accuracy, lora − full_finetune, in points (given)
//   (d) loraVerdict           recommend()'s verdict on lora against the best strategy
//   (e) savingIsReal          is lora's loss against the best shown to stay within the margin?
//   (f) recommended           the strategy the lab's decision rule names on this evidence
// Ratios are plain fractions (0.25, not 25%); run.margin is 0.01 = 1 accuracy point.
//
// Check:  npm run build:ts && npm run exercise -- 7
// Read:   academy/topics/transfer-and-fine-tuning.md ("Between the four depths", "Cost",
//         "Statistics over seeds" and "The decision")
import type { StrategyName } from '../../../../src/index.js';
import type { Verdict } from '../../../../src/decide/recommend.js';
import type { TrialRecord } from '../../../../src/record/run-record.js';
import type { LoraSavingReading, RunFixture } from '../contracts.js';

export function readLoraRun(run: RunFixture): LoraSavingReading {
  const mean = (s: StrategyName, value: (r: TrialRecord) => number): number => {
    const list = run.records.filter((r) => r.strategy === s);
    return list.reduce((sum, r) => sum + value(r), 0) / list.length;
  };

  // TODO(a) This compares whole models. The model the lab hands over has the adapters merged into
  //   its weights, so it is as large as the base, but that is not what each task has to keep: the
  //   record says what it is (record.cost).
  const storedBytesRatio = mean('lora', (r) => r.totals.total) / mean('full_finetune', (r) => r.totals.total);

  // TODO(b) "LoRA trains 1% of the parameters, so it costs 1% to train." Does it? The record counts
  //   the FLOPs training actually computed (record.cost); think about where the adapters sit in a
  //   BERT and what backward must still compute to reach them.
  const trainFlopsRatio = mean('lora', (r) => r.totals.trainable) / mean('full_finetune', (r) => r.totals.trainable);

  // (c) is done for you: the mean gap, in points.
  const loraMinusFullPoints = 100 * (mean('lora', (r) => r.metrics.validation.accuracy) - mean('full_finetune', (r) => r.metrics.validation.accuracy));

  // TODO(d, e) A mean gap inside the margin is not evidence that the loss stays inside it: the rule
  //   reads the paired interval of the difference (evidenceFromTrials() + recommend() in src/decide/,
  //   whose `assessments` hold each strategy's verdict).
  const loraVerdict: Verdict = loraMinusFullPoints > -100 * run.margin ? 'non-inferior' : 'inferior';
  const savingIsReal = loraVerdict === 'non-inferior';

  // TODO(f) What does the lab's rule name here (recommend().strategy)?
  const recommended: StrategyName | null = savingIsReal ? 'lora' : 'full_finetune';

  return { storedBytesRatio, trainFlopsRatio, loraMinusFullPoints, loraVerdict, savingIsReal, recommended };
}
