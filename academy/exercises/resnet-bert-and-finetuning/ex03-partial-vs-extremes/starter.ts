// Exercise 3 — run partial_unfreeze against both extremes and read the result.
//
// `run` holds the TrialRecords of a small vision lab (ResNet-20 from Fashion-MNIST to MNIST
// digits): scratch, frozen, partial_unfreeze and full_finetune, three seeds each, the same
// validation examples for all. The file is fixtures/vision-run.json; its records have exactly the
// shape `adaptlab lab` writes to <out>/trials/vision/<strategy>-seed<k>.json.
//
// Fill in what the run says about partial_unfreeze: how far it is from frozen (below it) and
// from full_finetune (above it), which depth is the cheapest acceptable one under the run's
// margin (run.margin, 0.01 = 1 accuracy point), and whether transfer beat scratch at all.
//
// Check:  npm run build:ts && npm run exercise -- 3
// Read:   academy/topics/transfer-and-fine-tuning.md ("Sanity gates", "Statistics over seeds", "Cost"
//         and "The decision")
import { STRATEGY_NAMES, type StrategyName } from '../../../../src/index.js';
import type { PartialReading, RunFixture } from '../contracts.js';

export function readPartialRun(run: RunFixture): PartialReading {
  const meanAccuracy = (s: StrategyName): number => {
    const list = run.records.filter((r) => r.strategy === s);
    return list.reduce((sum, r) => sum + r.metrics.validation.accuracy, 0) / list.length;
  };

  // TODO(a) Mean validation accuracy of partial_unfreeze minus frozen, and minus full_finetune, in
  //   accuracy points (0.01 accuracy = 1 point).
  const partialMinusFrozenPoints = Number.NaN;
  const partialMinusFullPoints = Number.NaN;

  // TODO(b) This picks the highest mean accuracy: the failure mode "assuming full fine-tuning is
  //   automatically best". The track wants the cheapest strategy (record.cost.trainFlops) whose
  //   paired difference from the best stays within the margin, with confidence, among the
  //   strategies that passed the sanity gates. The library's rule is recommend() in
  //   src/decide/recommend.ts (evidenceFromTrials() builds its input): its `strategy` is that depth,
  //   whether its `evidence` is 'sufficient' or 'provisional'.
  const cheapestAcceptable = STRATEGY_NAMES.reduce((best, s) => (meanAccuracy(s) > meanAccuracy(best) ? s : best));

  // TODO(c) Is scratch shown worse than the best strategy (its whole paired interval below 0)? A
  //   scratch the sanity gates excluded (it did not learn, collapsed or did not train) is no
  //   baseline: transfer is never shown to beat it.
  const transferBeatsScratch = false;

  return { partialMinusFrozenPoints, partialMinusFullPoints, cheapestAcceptable, transferBeatsScratch };
}
