// Reference solution of exercise 7: the costs from the records (what a task stores, what training
// computed), the accuracy verdict from the library's rule (recommend), read through its assessment
// of lora rather than re-implemented.
import { evidenceFromTrials, recommend, type StrategyName } from '../../../../src/index.js';
import type { TrialRecord } from '../../../../src/record/run-record.js';
import type { LoraSavingReading, RunFixture } from '../contracts.js';

export function readLoraRun(run: RunFixture): LoraSavingReading {
  const mean = (s: StrategyName, value: (r: TrialRecord) => number): number => {
    const list = run.records.filter((r) => r.strategy === s);
    if (list.length === 0) throw new Error(`the run has no ${s} trials`);
    return list.reduce((sum, r) => sum + value(r), 0) / list.length;
  };
  const rec = recommend({ ...evidenceFromTrials(run.records, { margin: run.margin }), margin: run.margin });
  const lora = rec.assessments.find((a) => a.strategy === 'lora')!;
  return {
    // The task file of a lora trial is its adapters and its head; the merged model handed over is
    // a whole model, but the adapters are what a task has to keep beside the shared backbone.
    storedBytesRatio: mean('lora', (r) => r.cost.storedBytes) / mean('full_finetune', (r) => r.cost.storedBytes),
    // On BERT the adapters sit in every encoder layer: forward and input gradients still run through
    // all of them, and only the frozen weights' own gradients are saved.
    trainFlopsRatio: mean('lora', (r) => r.cost.trainFlops) / mean('full_finetune', (r) => r.cost.trainFlops),
    loraMinusFullPoints: 100 * (mean('lora', (r) => r.metrics.validation.accuracy) - mean('full_finetune', (r) => r.metrics.validation.accuracy)),
    loraVerdict: lora.verdict,
    // Acceptable: the lower end of the paired interval above −margin (or lora is the best itself).
    savingIsReal: lora.eligible && (lora.verdict === 'best' || lora.verdict === 'non-inferior'),
    recommended: rec.strategy,
  };
}
