// What a lab run is asked to do, with the defaults of each modality. The same names appear as
// CLI flags (`--strategies`, `--seeds`, `--epochs`, `--partial-k`, `--head-lr`, `--backbone-lr`,
// `--probe-lr`, `--layer-decay`, `--bn-policy`, `--margin`) and in reports.
import type { BatchNormPolicy, Modality, StrategyName } from '../record/vocabulary.js';
import { DEFAULT_STRATEGIES } from '../record/vocabulary.js';
import type { KindDefaults } from '../kinds/backbone.js';
import { kindOf, MODALITIES } from '../kinds/registry.js';

export interface LabOptions {
  modalities: Modality[];
  strategies: StrategyName[];
  /**
   * Seeds a strategy may be trained with (the same list for all, so results pair). A grid runs
   * every one; a race starts with the first two and adds the rest only where a comparison is open.
   */
  seeds: number[];
  /**
   * Folds over the labelled (non-test) examples. 1 = one validation split; k >= 2 = k-fold
   * cross-validation (every labelled example predicted once per seed by a model that never trained
   * on it); 'auto' = k-fold (AUTO_FOLDS) when one validation example would weigh more than the margin.
   */
  folds: number | 'auto';
  /** Fractions of each class held out for validation (one split) and for test; undefined = the modality's default. */
  validationFraction?: number;
  testFraction?: number;
  /**
   * 'race': rounds; strategies shown out stop and open comparisons get more seeds, until the
   * decision is settled, the seeds run out or the budget is spent. 'grid': every strategy × every seed.
   */
  schedule: 'race' | 'grid';
  /** A race stops starting new rounds once training has used this much; undefined = only the seeds limit it. */
  budget?: { seconds?: number; flops?: number };
  /** Models written to `<out>/models/<modality>/`: the recommended one (its median seed), every trial's, or none. */
  saveModels: 'recommended' | 'all' | 'none';
  /** Replace a run with other settings in `out` (its results are removed first); without it such a folder is refused. */
  force?: boolean;
  /** Examples per training step; undefined = the modality's default (64 vision, 16 text). */
  batchSize?: number;
  /** Epochs per trial; undefined = the modality's default. */
  epochs?: number;
  /** Backbone groups partial_unfreeze trains besides the head; undefined = the modality's default. */
  partialK?: number;
  /** Learning rates; undefined = the modality's measured default (ModalityPlan). */
  headLr?: number;
  backboneLr?: number;
  probeLr?: number;
  /**
   * Layer-wise learning-rate decay in (0, 1] for strategies that train several backbone groups
   * (partial_unfreeze, full_finetune): the trainable group at distance d below the head learns at
   * backboneLr * layerDecay^(d-1). undefined = the same backbone rate for every group (1).
   */
  layerDecay?: number;
  /**
   * What BatchNorm does in the frozen backbone groups of the strategies that take a policy
   * (frozen, partial_unfreeze; see takesBatchNormPolicy): 'frozen' (inference mode), 'adapt'
   * (batch statistics, running statistics re-estimated on the target) or 'train'. Applied only to
   * a backbone that has BatchNorm layers; undefined = each strategy's own default ('frozen').
   */
  bnPolicy?: BatchNormPolicy;
  /** Non-inferiority margin as a fraction of accuracy (0.01 = 1 point). */
  margin: number;
  /** Custom target data: an image folder (vision) or a CSV/JSONL table (text). */
  data?: string;
  textColumn?: string;
  labelColumn?: string;
  /** Text tables: invalid UTF-8 is an error naming the row ('utf8', default) or becomes U+FFFD ('utf8-replace'). */
  encoding?: 'utf8' | 'utf8-replace';
  /** Custom backbone: a torchvision-style safetensors file (with `arch`) or a Hugging Face BERT directory. */
  backbone?: string;
  arch?: string;
  /** Input size for a custom torchvision backbone (default 224 for ImageNet ResNets, 32 for CIFAR ones). */
  imageSize?: number;
  /** Training examples per class (the label budget). */
  labelBudget?: number;
  /** Seed of the train/validation/test split (fixed across strategies and seeds). */
  splitSeed: number;
  out: string;
  /** A reduced run (small splits, 2 epochs) for tests and first looks. */
  quick: boolean;
}

/** How one modality trains: the same budget for every strategy (its kind's defaults, as asked). */
export interface ModalityPlan extends KindDefaults {
  /** True when the user asked for this budget; a default budget shrinks to what small classes can give. */
  labelBudgetExplicit: boolean;
}

export function modalityPlan(
  modality: Modality,
  o: Pick<LabOptions, 'epochs' | 'labelBudget' | 'quick' | 'partialK' | 'headLr' | 'backboneLr' | 'probeLr' | 'validationFraction' | 'testFraction' | 'batchSize'>,
): ModalityPlan {
  const base: ModalityPlan = { ...kindOf(modality).defaults, labelBudgetExplicit: false };
  if (o.quick) {
    base.epochs = 2;
    base.labelBudget = 16;
    base.validationPerClassCap = 24;
    base.testPerClassCap = 24;
  }
  return {
    ...base,
    epochs: o.epochs ?? base.epochs,
    batchSize: o.batchSize ?? base.batchSize,
    labelBudget: o.labelBudget ?? base.labelBudget,
    labelBudgetExplicit: o.labelBudget !== undefined,
    partialK: o.partialK ?? base.partialK,
    headLr: o.headLr ?? base.headLr,
    backboneLr: o.backboneLr ?? base.backboneLr,
    probeLr: o.probeLr ?? base.probeLr,
    // A fraction the user asks for is taken as asked: no per-class cap on that part.
    validationFraction: o.validationFraction ?? base.validationFraction,
    validationPerClassCap: o.validationFraction === undefined ? base.validationPerClassCap : undefined,
    testFraction: o.testFraction ?? base.testFraction,
    testPerClassCap: o.testFraction === undefined ? base.testPerClassCap : undefined,
  };
}

/** Folds chosen when 'auto' decides a single validation split is too coarse for the margin. */
export const AUTO_FOLDS = 5;

export const DEFAULT_LAB_OPTIONS: LabOptions = {
  modalities: [...MODALITIES],
  // The four depths of the learning track; the other strategies are asked for by name.
  strategies: [...DEFAULT_STRATEGIES],
  seeds: [0, 1, 2],
  folds: 'auto',
  schedule: 'race',
  saveModels: 'recommended',
  margin: 0.01,
  splitSeed: 0,
  out: 'runs/lab',
  quick: false,
};
