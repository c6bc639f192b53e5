// What every modality kind declares, so the lab, the probe, pretraining and saved models never ask
// which modality they hold. A kind (kinds/vision, kinds/text) answers for its own data: the
// backbones it can load, its default budget, its default target task, how its records become
// model inputs and how they are described and shown, how a model saved from it loads back and
// exports, and its title in reports. Adding a modality is one new folder beside these and one
// line in registry.ts.
import type { ClassificationModel } from '../models/contract.js';
import type { ExampleTable } from '../data/example-table.js';
import type { ExampleDisplay } from '../data/example-display.js';
import type { LabeledDataset } from '../data/types.js';
import type { BackboneManifest } from '../pretrain/manifest.js';
import type { Modality } from '../record/vocabulary.js';

/** One labelled example of any kind: its loader adds what the kind reads (pixels, text). */
export interface LabeledRecord {
  id: string;
  label: number;
}

/** How a saved model's input is prepared (adaptlab-model.json): image size and normalisation, or sequence length. */
export type SavedPreprocessing = { image: { imageSize: number; mean: number[]; std: number[]; resize: 'bilinear' } } | { text: { maxLength: number } };

/**
 * A classification model ready to predict, with how it reads its input, in its kind's own shape
 * (vision: `{ image }`, its size and normalisation; text: `{ text }`, its tokenizer and length).
 */
export interface ReadyModel<I = unknown> {
  model: ClassificationModel;
  input: I;
}

/** What adaptlab-model.json says about a saved model that its standalone export repeats. */
export interface SavedModelFacts {
  arch: string;
  strategy: string;
  seed: number;
  classNames: readonly string[];
  metrics: { validation: number; test: number };
  preprocessing: SavedPreprocessing;
}

/** A pretrained backbone of one kind, with everything the lab needs to adapt it. */
export interface Backbone<R extends LabeledRecord = LabeledRecord, I = unknown> {
  modality: Modality;
  arch: string;
  /** Where it came from and what it is, in one line for logs and reports. */
  source: string;
  /**
   * Identifies these weights by content, for the feature cache, the resume check and task files:
   * a backbone directory's manifest key (`<kind>:<arch>:<sha256>`) or `file-sha256:<hex>` of a
   * checkpoint's weights file.
   */
  key: string;
  /**
   * A classification model: the pretrained backbone (or, with 'random', the same architecture
   * initialised from `seed`) with a new `numClasses` head from resetClassifier(numClasses, seed).
   * The caller owns (and disposes) it.
   */
  buildModel(init: 'pretrained' | 'random', seed: number, numClasses: number, classNames?: readonly string[]): ClassificationModel;
  /** The records as one table of model inputs, prepared the way this backbone expects. */
  table(records: readonly R[]): Promise<ExampleTable>;
  /** What the records hold and what table() does to them: sentences for the console, the note and summary.json. */
  describePreparation(records: readonly R[]): string[];
  /** How one example looks in the report: a thumbnail or a snippet. */
  show(record: R): ExampleDisplay | Promise<ExampleDisplay>;
  /** The preprocessing a model saved from this backbone records. */
  savedPreprocessing(): SavedPreprocessing;
  /**
   * Writes a model built from it into `dir` in its ecosystem's layout: the whole model's weights
   * and what it needs beside them (a tokenizer). Returns the weights file's name.
   */
  writeModel(model: ClassificationModel, dir: string): Promise<string>;
  /** How the models built from it read their input. */
  modelInput(): I;
}

/** The training budget and split defaults of a kind's lab runs, measured on its embedded backbone. */
export interface KindDefaults {
  epochs: number;
  batchSize: number;
  headLr: number;
  /** Head learning rate of a linear probe on fixed, standardised features. */
  probeLr: number;
  backboneLr: number;
  weightDecay: number;
  labelBudget: number;
  /** Backbone groups partial_unfreeze trains besides the head. */
  partialK: number;
  /** Split fractions of what is not used for training. */
  validationFraction: number;
  testFraction: number;
  /** Caps on test and validation examples per class (balanced parts). */
  testPerClassCap?: number;
  validationPerClassCap?: number;
}

/** Where a kind's own target data is: a folder or table of the user's, read with these options. */
export interface TargetSource {
  path?: string;
  textColumn?: string;
  labelColumn?: string;
  encoding?: 'utf8' | 'utf8-replace';
}

/** The outcome of pretraining a kind's embedded backbone. */
export interface PretrainOutcome {
  dir: string;
  /** One line: what was trained, its source metric and where it went. */
  summary: string;
}

/** One modality kind: the answers the rest of adaptlab asks of it. */
export interface BackboneKind<R extends LabeledRecord = LabeledRecord, I = unknown, B extends Backbone<R> = Backbone<R, I>> {
  modality: Modality;
  /** Its name as a heading ("Vision"). */
  title: string;
  /** A user's own data and backbone of this kind, in a few words for messages ("an image folder", "a ResNet checkpoint"). */
  userInputs: { data: string; backbone: string };
  defaults: KindDefaults;
  /** A backbone directory written by `adaptlab pretrain` (manifest checked, weights at `weightsPath`). */
  fromManifest(dir: string, manifest: BackboneManifest, weightsPath: string, key: string): B;
  /** A `--backbone` path that is not such a directory: a checkpoint in the ecosystem's own layout. */
  fromCheckpoint(path: string, options: { arch?: string; imageSize?: number }): B;
  /** The target task: the kind's default one (no `source.path`) or the user's own data. */
  loadTarget(backbone: B, source: TargetSource): Promise<LabeledDataset<R>>;
  /** Pretrains the embedded backbone of this kind (`adaptlab pretrain <modality>`). */
  pretrain(options: { out: string; seed: number; quick: boolean; epochs?: number }): Promise<PretrainOutcome>;
  /** The whole model the lab saved in `dir` (weights file `weights`, input prepared as `preprocessing` says), loaded for prediction. */
  loadSaved(dir: string, weights: string, preprocessing: SavedPreprocessing): ReadyModel<I>;
  /** What fromCheckpoint needs to rebuild the backbone a saved model was trained on, read from its preprocessing (a ResNet's image size). */
  checkpointOptions(preprocessing: SavedPreprocessing): { imageSize?: number };
  /** Writes a ready model into the empty directory `dir` as its ecosystem loads it without adaptlab (weights, config, a README). */
  exportStandalone(ready: ReadyModel<I>, dir: string, facts: SavedModelFacts): Promise<void>;
}
