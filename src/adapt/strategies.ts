// Adaptation strategies as data over the model's named parameter groups. Nothing here knows
// whether the model is a ResNet or a BERT: a strategy says which groups train, at what learning
// rate, with which weight-decay and BatchNorm policy, and the contract's parameterGroups() (input
// to output, head last) supplies the groups.
import { ConfigError } from '../errors.js';
import type { BatchNormPolicy, StrategyName } from '../record/vocabulary.js';
import { STRATEGY_NAMES } from '../record/vocabulary.js';
import { checkLoraOptions, type LoraTargets } from '../nn/lora.js';

export interface LearningRatePlan {
  /** Learning rate of the new head. */
  head: number;
  /** Learning rate of trainable backbone groups; null when no backbone group trains. */
  backbone: number | null;
  /**
   * Layer-wise decay: the trainable backbone group at distance d below the head gets
   * backbone * layerDecay^(d-1). null = the same backbone lr for every group.
   */
  layerDecay: number | null;
}

export interface StrategySpec {
  name: StrategyName;
  /** Where the backbone weights come from: the pretrained checkpoint, or a fresh random init. */
  init: 'pretrained' | 'random';
  /** Which backbone groups train besides the head: none, the last k, or all. */
  trainable: { kind: 'head' } | { kind: 'last'; k: number } | { kind: 'all' };
  lr: LearningRatePlan;
  /** Decoupled weight decay for weights and embeddings; biases and norm parameters get none. */
  weightDecay: number;
  /** How BatchNorm layers in frozen groups behave (trainable groups always train normally). */
  batchNorm: BatchNormPolicy;
  /**
   * Which tensors of the trainable backbone groups train: every one (absent or 'all'), only the
   * biases ('biases': every tensor whose state-dict name ends in `bias`, LayerNorm and BatchNorm
   * biases included), or only the adapters' ('adapters'). The head always trains whole.
   */
  tensors?: 'all' | 'biases' | 'adapters';
  /**
   * Low-rank adapters (LoRA) attached before training to the layers `targets` selects: Linear
   * layers by name anywhere in the backbone, Conv2d layers of the last backbone groups. With
   * `tensors: 'adapters'` only they (and the head) train; the base weights stay fixed, and after
   * training the adapters are merged into them (W + alpha/r * B A) for the model handed over.
   */
  adapters?: { kind: 'lora'; rank: number; alpha: number; dropout: number; targets: LoraTargets };
  /**
   * Train a linear probe first (LP-FT): for this share of the epochs (at least one epoch each) the
   * head alone trains at `headLr` on the frozen backbone's cached, standardised features, as
   * `frozen` does; the rest of the budget follows this spec from that head. The model is selected
   * among the later epochs. Absent: no probe.
   */
  probeFirst?: { fraction: number; headLr: number };
  /**
   * Gradual unfreezing (ULMFiT): training starts with the head alone and the planned backbone
   * groups join one at a time from the top, evenly spaced, the last one after `allBy` of the
   * steps (0 < allBy < 1); each joins the optimizer (with its own groups) and leaves inference
   * mode when it unfreezes. The model is selected among the epochs that end with every group
   * training. Absent: every planned group trains from the first step.
   */
  unfreezing?: { allBy: number };
  /** One line for reports: why this strategy exists. */
  description: string;
}

export interface StrategyOptions {
  /** Learning rate of a new head trained together with backbone groups. Default 1e-3. */
  headLr?: number;
  /**
   * Learning rate of a linear probe: a head trained alone on fixed, standardised features
   * (`frozen`). Default: headLr.
   */
  probeLr?: number;
  /** Learning rate of trainable backbone groups. Default headLr / 10. */
  backboneLr?: number;
  /** Layer-wise decay in (0, 1] for the strategies that train several backbone groups; null = none. */
  layerDecay?: number | null;
  partialK?: number;
  weightDecay?: number;
  /**
   * LoRA: rank (default 8), alpha (16: updates scaled by alpha / rank = 2), dropout on the adapter
   * input (0.1), Linear layers adapted by name (query and value, as Hu et al. 2021) and the number
   * of last backbone groups whose Conv2d layers are adapted (1: a ResNet's last stage).
   */
  lora?: { rank?: number; alpha?: number; dropout?: number; linear?: string[]; convGroups?: number };
  batchNorm?: BatchNormPolicy;
}

/**
 * The strategies as data. The four depths of the learning track, from cheapest to most expensive
 * to train: frozen < partial_unfreeze < full_finetune ≈ scratch (scratch trains everything from
 * random init); the parameter-efficient bitfit (biases only); lp_ft (a linear probe, then
 * full fine-tuning from that head); gradual_unfreeze (the head, then one more group per stage); and
 * lora (low-rank adapters beside frozen weights).
 */
export function defineStrategy(name: StrategyName, o: StrategyOptions = {}): StrategySpec {
  const headLr = o.headLr ?? 1e-3;
  const probeLr = o.probeLr ?? headLr;
  const backboneLr = o.backboneLr ?? headLr / 10;
  const weightDecay = o.weightDecay ?? 0.01;
  const check = (what: string, v: number): void => {
    if (!(v > 0 && Number.isFinite(v))) throw new ConfigError(`strategy ${name}: ${what} must be a positive number, got ${v}`);
  };
  check('head learning rate', headLr);
  check('probe learning rate', probeLr);
  check('backbone learning rate', backboneLr);
  if (o.layerDecay != null && !(o.layerDecay > 0 && o.layerDecay <= 1)) {
    throw new ConfigError(`strategy ${name}: layer decay must be in (0, 1], got ${o.layerDecay}`);
  }
  switch (name) {
    case 'scratch':
      return {
        name,
        init: 'random',
        trainable: { kind: 'all' },
        // From random init there is nothing to protect: every group learns at the head's rate.
        lr: { head: headLr, backbone: headLr, layerDecay: null },
        weightDecay,
        batchNorm: 'train',
        description: 'same architecture, random init, everything trainable: what the target data alone can do',
      };
    case 'frozen':
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'head' },
        lr: { head: probeLr, backbone: null, layerDecay: null },
        weightDecay,
        batchNorm: o.batchNorm ?? 'frozen',
        description: 'pretrained backbone fixed (BatchNorm in inference mode), only the new head trains: a linear probe on standardised features',
      };
    case 'partial_unfreeze': {
      const k = o.partialK ?? 1;
      if (!Number.isInteger(k) || k < 1) throw new ConfigError(`strategy partial_unfreeze: k (groups to unfreeze) must be an integer >= 1, got ${k}`);
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'last', k },
        lr: { head: headLr, backbone: backboneLr, layerDecay: o.layerDecay ?? null },
        weightDecay,
        batchNorm: o.batchNorm ?? 'frozen',
        description: `head plus the last ${k} backbone group${k === 1 ? '' : 's'} train; the rest stays pretrained and fixed`,
      };
    }
    case 'bitfit':
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'all' },
        tensors: 'biases',
        // The biases are few and start from their pretrained values; BitFit trains them well above
        // the full fine-tuning rate (Ben Zaken et al. 2022: 1e-4..1e-3 where fine-tuning uses 2e-5),
        // so they take the head's rate.
        lr: { head: headLr, backbone: headLr, layerDecay: null },
        weightDecay,
        // BatchNorm scales stay fixed, so their running statistics do too: only biases move.
        batchNorm: 'frozen',
        description: 'only the bias terms of the backbone train, with the new head (BitFit): every weight and BatchNorm statistic stays pretrained',
      };
    case 'lp_ft':
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'all' },
        // A quarter of the epochs for the probe: on cached features it costs almost nothing.
        probeFirst: { fraction: 0.25, headLr: probeLr },
        // From a trained head nothing needs a fast rate: the whole network fine-tunes at the
        // backbone's lower rate, so the features are not distorted by a random head's large
        // gradients (Kumar et al. 2022).
        lr: { head: backboneLr, backbone: backboneLr, layerDecay: o.layerDecay ?? null },
        weightDecay,
        batchNorm: 'train',
        description: "a linear probe first (the head alone on the frozen backbone's features), then everything fine-tunes from that head at the backbone's lower rate (LP-FT)",
      };
    case 'gradual_unfreeze':
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'all' },
        // One group per stage, all of them training by half of the budget: on the lab's vision
        // plan (4 groups, 16 steps an epoch) one epoch per stage, as ULMFiT.
        unfreezing: { allBy: 0.5 },
        lr: { head: headLr, backbone: backboneLr, layerDecay: o.layerDecay ?? null },
        weightDecay,
        // Groups still waiting run as at inference (BatchNorm statistics fixed) until they join.
        batchNorm: 'frozen',
        description: 'the head first, then one more backbone group per stage from the top until everything trains (gradual unfreezing, ULMFiT)',
      };
    case 'lora': {
      const l = o.lora ?? {};
      const adapters = {
        kind: 'lora' as const,
        rank: l.rank ?? 8,
        alpha: l.alpha ?? 16,
        dropout: l.dropout ?? 0.1,
        targets: { linear: [...(l.linear ?? ['query', 'value'])], convGroups: l.convGroups ?? 1 },
      };
      try {
        checkLoraOptions(adapters, `strategy ${name}`);
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
      if (!Number.isInteger(adapters.targets.convGroups) || adapters.targets.convGroups < 0) {
        throw new ConfigError(`strategy ${name}: convGroups must be an integer >= 0, got ${adapters.targets.convGroups}`);
      }
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'all' },
        tensors: 'adapters',
        adapters,
        // B starts at zero, so the adapted model starts as the pretrained one; LoRA is run at rates
        // far above full fine-tuning's (Hu et al. 2021: 4e-4..5e-4 where RoBERTa fine-tunes at
        // 1e-5..3e-5), so the adapters take the head's rate.
        lr: { head: headLr, backbone: headLr, layerDecay: null },
        weightDecay,
        // Base weights and BatchNorm statistics stay pretrained (checksummed by the audit).
        batchNorm: 'frozen',
        description: `low-rank adapters (LoRA, rank ${adapters.rank}) beside the backbone's ${[
          ...(adapters.targets.linear.length ? [`${adapters.targets.linear.join(' and ')} projections`] : []),
          ...(adapters.targets.convGroups ? [`last-stage convolutions`] : []),
        ].join(' or ')} train with the new head; every base weight stays pretrained, and the adapters are merged into it afterwards`,
      };
    }
    case 'full_finetune':
      return {
        name,
        init: 'pretrained',
        trainable: { kind: 'all' },
        lr: { head: headLr, backbone: backboneLr, layerDecay: o.layerDecay ?? null },
        weightDecay,
        batchNorm: 'train',
        description: 'everything trains from the pretrained weights; the backbone at a lower learning rate than the new head',
      };
    default:
      throw new ConfigError(`unknown strategy "${String(name)}"; strategies: ${STRATEGY_NAMES.join(', ')}`);
  }
}

/**
 * Whether a BatchNorm policy (StrategyOptions.batchNorm, the lab's --bn-policy) changes this
 * strategy: true where its definition takes one for its frozen parts (frozen, partial_unfreeze);
 * the others fix theirs for a reason of their own or have no frozen parts.
 */
export function takesBatchNormPolicy(name: StrategyName): boolean {
  return defineStrategy(name, { batchNorm: 'adapt' }).batchNorm === 'adapt';
}

export function parseStrategyNames(names: readonly string[]): StrategyName[] {
  const bad = names.filter((n) => !(STRATEGY_NAMES as readonly string[]).includes(n));
  if (bad.length) throw new ConfigError(`unknown strateg${bad.length > 1 ? 'ies' : 'y'} ${bad.join(', ')}; choose from ${STRATEGY_NAMES.join(', ')}`);
  return [...new Set(names)] as StrategyName[];
}
