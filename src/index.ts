/// <reference lib="esnext.disposable" preserve="true" />
// adaptlab's public API, one layer per block, bottom to top.
// The reference above is emitted into index.d.ts: the types use Symbol.dispose (tensors are
// `using`-disposable), so a project whose `lib` lacks esnext.disposable still compiles against them.

// Errors: every failure adaptlab reports is one of these, with a `code`.
export * from './errors.js';

// The run's vocabulary (modality, strategy names) and the shapes of what a run records: trials,
// metrics, confusion comparisons, summaries.
export * from './record/vocabulary.js';
export * from './record/evaluation.js';
export * from './record/run-record.js';

// Engine: tensors on libtorch, autograd, scopes, safetensors, FLOP counting.
export * from './tensor/index.js';

// Neural-network building blocks and PyTorch's initialisers.
export * from './nn/index.js';

// Optimizers with parameter groups, and learning-rate schedules.
export * from './optim/index.js';

// Models: torchvision-compatible ResNets, Hugging Face-compatible BERT (loadBert, saveBert),
// checkpoints, the transfer contract.
export * from './models/index.js';

// Data: datasets shipped in npm, image folders, text tables, tokenizers, splits, example tables.
export type { ImageRecord, TextRecord, LabeledDataset, DataSplit, LoadReport as DatasetLoadReport } from './data/types.js';
export { registerDataset, getDataset, listDatasets, loadDataset } from './data/registry.js';
export { loadMnist, loadFashionMnist, MNIST_CLASSES, FASHION_MNIST_CLASSES } from './data/vision-datasets.js';
export { splitDataset, checkDisjointSplit } from './data/splits.js';
export { loadImageFolder } from './data/image-folder.js';
export { imageBatch } from './data/image-batch.js';
export { readTextTable } from './data/text-table.js';
export { BertTokenizer } from './data/tokenizer.js';
export { trainWordPieceTokenizer } from './data/wordpiece-training.js';
export { encodeTextBatch } from './data/text-batch.js';
export { imageTable, tokenTable, type ExampleTable } from './data/example-table.js';

// Pretrained backbones: the embedded ones, or any directory `adaptlab pretrain` wrote.
// Each modality kind declares its own answers behind one Backbone interface (src/kinds).
export { loadBackbone, embeddedBackboneDir, resolveBackbone, type LoadedBackbone } from './kinds/load.js';
export type { Backbone, BackboneKind, LabeledRecord } from './kinds/backbone.js';
export type { AnyBackbone } from './kinds/registry.js';
export type { VisionBackbone, ImagePreparation } from './kinds/vision/backbone.js';
export type { TextBackbone, TextPreparation } from './kinds/text/backbone.js';
// The one training loop every model is trained with.
export { fit, type FitOptions, type FitResult } from './train/fit.js';
export type { BackboneManifest, VisionManifest, TextManifest } from './pretrain/manifest.js';

// Adaptation: strategies as data over parameter groups, the plan, the freeze audit, trials
// (runTrial keeps the record; trainTrial also hands back the trained model).
export { defineStrategy, parseStrategyNames, type StrategySpec, type StrategyOptions, type LearningRatePlan } from './adapt/strategies.js';
export { planAdaptation, type AdaptationPlan } from './adapt/plan.js';
export { takeChecksums, auditFreeze } from './adapt/audit.js';
export { runTrial, trainTrial, type TrialSetup, type TrialData, type TrainedTrial, type TrialProgress } from './adapt/trial.js';
export { FeatureCache } from './adapt/feature-cache.js';
// What each strategy answers for the decision and the reports (baselines, next experiments).
export { answersOf, isScratchBaseline, confusionBaselines, type StrategyAnswers, type ExperimentHint } from './adapt/strategy-answers.js';

// Evaluation and statistics over plain predictions.
export { splitMetrics, confusionMatrix } from './evaluate/metrics.js';
export { summarizeTrials } from './evaluate/summarize.js';

// The decision: the cheapest acceptable depth, and the adaptation note.
export { recommend, DEFAULT_MARGIN, type RecommendInput, type RecommendResult } from './decide/recommend.js';
export { evidenceFromTrials } from './decide/evidence.js';
export { adaptationNote } from './decide/note.js';

// Reports.
export { renderReport, writeReport } from './report/index.js';

// The lab: everything above on one or two modalities.
export { runLab, type LabResult, type LabEvents } from './lab/run-lab.js';
export { DEFAULT_LAB_OPTIONS, type LabOptions } from './lab/options.js';
