// Optimizers with parameter groups, their checkpoints, and learning-rate schedules.
export {
  Optimizer,
  STATE_FORMAT,
  type ParamGroup,
  type ParamEntry,
  type GroupView,
  type BaseOptions,
  type OptimizerSettings,
  type OptimizerStateDict,
  type OptimizerStateMeta,
  type GroupStateJson,
  type GroupStep,
  type OptionKey,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDDefaults } from './sgd.js';
export { AdamW, type AdamWOptions, type AdamWDefaults } from './adamw.js';
export { foreachOps, loopOps, type ListOps } from './list-ops.js';
export { LrScheduler, constant, warmupConstant, warmupLinearDecay, cosine, slantedTriangular, oneCycle, type Schedule } from './schedules.js';
