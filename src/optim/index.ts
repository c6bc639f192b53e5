// Optimizers with parameter groups, their checkpoints, and learning-rate schedules.
export { Optimizer, type ParamGroup, type ParamEntry, type GroupView, type OptimizerSettings, type GroupStep } from './optimizer.js';
export type { BaseOptions, OptionKey } from './options.js';
export { STATE_FORMAT, type OptimizerStateDict, type OptimizerStateMeta, type GroupStateJson } from './state-dict.js';
export { SGD, type SGDOptions, type SGDDefaults } from './sgd.js';
export { AdamW, type AdamWOptions, type AdamWDefaults } from './adamw.js';
export { foreachOps, loopOps, type ListOps } from './list-ops.js';
export { LrScheduler, constant, warmupConstant, warmupLinearDecay, cosine, slantedTriangular, oneCycle, type Schedule } from './schedules.js';
