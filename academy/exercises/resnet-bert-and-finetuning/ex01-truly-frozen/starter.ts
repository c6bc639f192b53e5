// Exercise 1 — make a leaky "frozen" run truly frozen.
//
// A frozen run trains the new head on top of a pretrained backbone that must not change. This
// setup leaks twice: the audit fails. Fix it so that, after training, only fc.weight and fc.bias
// differ from before — no backbone weight and no BatchNorm running statistic.
//
// The checker calls prepareFrozenRun(model) on a ResNet-20 whose head was just replaced, then
// trains a few steps the way every loop does (model.train() before each epoch, zeroGrad,
// backward, optimizer.step()), and compares checksums of every parameter and buffer.
//
// Check:  npm run build:ts && npm run exercise -- 1
// Read:   academy/topics/transfer-and-fine-tuning.md ("Freezing" and "BatchNorm in a frozen backbone")
import { AdamW } from '../../../../src/index.js';
import type { ResNet } from '../../../../src/index.js';
import type { FrozenRun } from '../contracts.js';

export function prepareFrozenRun(model: ResNet): FrozenRun {
  // TODO(a) The optimizer is given every parameter of the model, so every step updates the
  //   backbone too. A frozen run's optimizer holds the head only, and the backbone's parameters
  //   should not even ask for gradients. The library plans both from a strategy: see
  //   planAdaptation() in src/adapt/plan.ts and defineStrategy('frozen') in src/adapt/strategies.ts.
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-2 });

  // TODO(b) The backbone's BatchNorm layers are left in train mode, so each forward pass replaces
  //   their pretrained running statistics with the target batches'. Calling model.eval() here would
  //   not last: the loop calls model.train() every epoch. What re-applies inference mode after
  //   every train()? (Hint: the plan's BatchNorm policy.) Return the plan too, so it can be audited.
  return { optimizer };
}
