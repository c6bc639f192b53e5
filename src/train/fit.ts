// The one training loop. Every model adaptlab trains goes through fit(): a lab trial (each of
// its phases), both pretraining recipes and the transfer probe. The caller says what a step's
// loss is on a batch of rows; fit() owns everything around it: the epoch order, the optimizer and
// its schedule, a step that is skipped when a batch has nothing to learn from, the stop on a
// non-finite loss, a validation score per epoch, the best-epoch keeper, FLOP counting and
// progress.
//
// Shapes: a batch is a Uint32Array of row numbers (a view into the epoch's order, at most
// `batchSize` long; the last batch of an epoch may be shorter). Row numbers are plain JS, so the
// loop itself makes no tensor: the caller's `loss` turns rows into inputs wherever they live (a
// device is the caller's parameter, not the loop's).
import { countMacs, tidy, type Tensor } from '../tensor/index.js';
import { LrScheduler, type Optimizer, type Schedule } from '../optim/index.js';

/** Where a step is: epochs and steps count from 1 within this fit. */
export interface FitStep {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
}

/** Saves and restores the state to keep (the best epoch's tensors). */
export interface BestKeeper<S> {
  snapshot(): S;
  restore(state: S): void;
  release(state: S): void;
  /** Whether this epoch may be selected (default: every epoch). */
  eligible?(epoch: number): boolean;
}

export interface FitOptions<S = unknown> {
  /** Training rows per epoch. */
  examples: number;
  epochs: number;
  batchSize: number;
  /** Owned by fit from here on: disposed when fit ends (the last one, when `grow` replaced it). */
  optimizer: Optimizer;
  /** The learning-rate multiplier per optimizer step. */
  schedule: Schedule;
  /** The order of rows in epoch `epoch` (a permutation of 0..examples-1). */
  order(epoch: number): Uint32Array;
  /**
   * The loss of one batch (a scalar tensor), or null when the batch has nothing to learn from (no
   * optimizer step then; the schedule still advances). Runs inside a tidy scope.
   */
  loss(rows: Uint32Array, at: FitStep): Tensor | null;
  /** Called once at the start of every epoch, e.g. to put the model in training mode. */
  startEpoch?(epoch: number): void;
  /**
   * Before each step: an optimizer to continue with instead (gradual unfreezing adds groups), or
   * null. The schedule carries on at the step it had reached.
   */
  grow?(optimizer: Optimizer, at: FitStep & { stepInFit: number }): Optimizer | null;
  /** The validation score after an epoch (higher is better), on every `validateEvery`-th epoch and the last. */
  validate?(epoch: number): number;
  validateEvery?: number;
  /** Keeps the state of the epoch with the best validation score (the first on ties) and restores it at the end. */
  keeper?: BestKeeper<S>;
  /** After every step, with the epoch's mean loss so far. */
  onStep?(at: FitStep, meanLoss: number): void;
  /** After every validated epoch. */
  onEpoch?(point: FitPoint): void;
}

/** One validated epoch. */
export interface FitPoint {
  epoch: number;
  /** Mean loss over the epoch's steps that had one. */
  trainLoss: number;
  validation: number;
  /** The learning rate of each optimizer group (by name) at the end of the epoch. */
  lr: Record<string, number>;
  /** Training and validation time of the epoch. */
  seconds: number;
}

export interface FitResult {
  /** Validated epochs, in order. */
  points: FitPoint[];
  /** Mean training loss of every finished epoch, validated or not. */
  epochLosses: number[];
  /** The epoch kept (0: none was, or no keeper). */
  bestEpoch: number;
  bestValidation: number;
  /** Set when a loss was not finite: training stopped before that step. */
  failure?: { epoch: number; step: number; loss: number };
  /** Multiply-accumulates of the training steps (forward and backward). */
  macs: number;
  /** Seconds spent in training steps (validation excluded). */
  trainSeconds: number;
  /** Optimizer steps taken. */
  steps: number;
}

export function fit<S>(o: FitOptions<S>): FitResult {
  const stepsPerEpoch = Math.ceil(o.examples / o.batchSize);
  const every = o.validateEvery ?? 1;
  let optimizer = o.optimizer;
  let scheduler = new LrScheduler(optimizer, o.schedule);
  const result: FitResult = { points: [], epochLosses: [], bestEpoch: 0, bestValidation: -1, macs: 0, trainSeconds: 0, steps: 0 };
  let best: S | null = null;
  let stepInFit = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      o.startEpoch?.(epoch);
      const e0 = performance.now();
      const order = o.order(epoch);
      let lossSum = 0;
      let counted = 0;
      const { macs } = countMacs(() => {
        for (let step = 1; step <= stepsPerEpoch; step++) {
          const at = { epoch, step, stepsPerEpoch };
          const grown = o.grow?.(optimizer, { ...at, stepInFit });
          if (grown) {
            optimizer = grown;
            scheduler = new LrScheduler(optimizer, o.schedule);
            scheduler.loadStateDict({ step: stepInFit });
          }
          const rows = order.subarray((step - 1) * o.batchSize, Math.min(o.examples, step * o.batchSize));
          const value = tidy(() => {
            optimizer.zeroGrad();
            const loss = o.loss(rows, at);
            if (loss === null) return null;
            const v = loss.item();
            if (!Number.isFinite(v)) return v; // no step on a non-finite loss: training stops here
            loss.backward();
            optimizer.step();
            return v;
          });
          if (value !== null && !Number.isFinite(value)) {
            result.failure = { epoch, step, loss: value };
            break;
          }
          scheduler.step();
          stepInFit++;
          if (value !== null) {
            lossSum += value;
            counted++;
            result.steps++;
          }
          o.onStep?.(at, lossSum / Math.max(1, counted));
        }
      });
      result.macs += macs.forward + macs.backward;
      result.trainSeconds += (performance.now() - e0) / 1000;
      if (result.failure) break;
      const trainLoss = lossSum / Math.max(1, counted);
      result.epochLosses.push(trainLoss);
      if (!o.validate || (epoch % every !== 0 && epoch !== o.epochs)) continue;
      const validation = o.validate(epoch);
      const lr = Object.fromEntries(optimizer.paramGroups.map((g) => [g.name, g.lr]));
      const point = { epoch, trainLoss, validation, lr, seconds: (performance.now() - e0) / 1000 };
      result.points.push(point);
      o.onEpoch?.(point);
      if (o.keeper && (o.keeper.eligible?.(epoch) ?? true) && validation > result.bestValidation) {
        if (best !== null) o.keeper.release(best);
        best = o.keeper.snapshot();
        result.bestEpoch = epoch;
        result.bestValidation = validation;
      }
    }
    if (o.keeper && best !== null) o.keeper.restore(best);
    return result;
  } finally {
    if (o.keeper && best !== null) o.keeper.release(best);
    optimizer.dispose();
  }
}
