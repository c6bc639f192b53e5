// The vocabulary of adaptation, shared by the code, the CLI, the reports and the learning track.
// The bottom layer: every folder may import it, and it imports nothing.

/** What a model reads: images or text. Each backbone kind declares its own. */
export type Modality = 'vision' | 'text';

/** How the pretrained backbone is adapted. Names come from the learning track. */
export type StrategyName = 'scratch' | 'frozen' | 'partial_unfreeze' | 'lora' | 'bitfit' | 'lp_ft' | 'gradual_unfreeze' | 'full_finetune';

/**
 * Every strategy, in the order of their cost as the lab measures it (training FLOPs, then stored
 * bytes). Measured on the embedded backbones at the lab's default budget, vision / text GFLOP per
 * trial: frozen, a linear probe on cached features, 82 / 70; partial_unfreeze, the last groups from
 * a cached prefix, 664 / 446; lora, adapters beside frozen weights, 541 / 1197 (from a cached
 * prefix on a ResNet, through every layer of a BERT; 121 / 69 kB stored); bitfit, the biases alone,
 * 1299 / 1208 (a forward and an input-gradient pass through the whole backbone, no weight
 * gradients; 8 / 29 kB stored); lp_ft, a probe and then full fine-tuning for three quarters of the
 * budget, 1546 / 1339; gradual_unfreeze, the groups joining one by one, 1611 / 1352; full_finetune
 * and scratch, everything, 1952 / 1691. The recommendation orders strategies by their measured
 * costs; this order only breaks exact ties (scratch, first, ties with full_finetune).
 */
export const STRATEGY_NAMES: readonly StrategyName[] = ['scratch', 'frozen', 'partial_unfreeze', 'lora', 'bitfit', 'lp_ft', 'gradual_unfreeze', 'full_finetune'];

/**
 * The strategies a lab compares when none are named: the four depths of the learning track. The
 * others are asked for by name (`strategies`, `--strategies`).
 */
export const DEFAULT_STRATEGIES: readonly StrategyName[] = ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune'];

/**
 * What BatchNorm layers do during training:
 * - `frozen`: in frozen parts, inference mode: running statistics fixed, affine parameters not
 *   trained (a BatchNorm whose bias alone trains, as under bitfit, keeps its running statistics too);
 * - `adapt`: batch statistics and running-stat updates, affine parameters not trained;
 * - `train`: ordinary training mode, affine parameters trained with their group.
 */
export type BatchNormPolicy = 'frozen' | 'adapt' | 'train';

/** Every BatchNorm policy, the default of the strategies that take one first. */
export const BATCH_NORM_POLICIES: readonly BatchNormPolicy[] = ['frozen', 'adapt', 'train'];

