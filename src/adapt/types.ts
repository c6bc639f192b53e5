// The vocabulary of adaptation, shared by the code, the CLI, the reports and the learning track.

/** How deep the pretrained backbone is adapted. Names come from the learning track. */
export type StrategyName = 'scratch' | 'frozen' | 'partial_unfreeze' | 'full_finetune';

export const STRATEGY_NAMES: readonly StrategyName[] = ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune'];

/**
 * What BatchNorm layers do during training:
 * - `frozen`: inference mode, running statistics fixed, affine parameters not trained;
 * - `adapt`: batch statistics and running-stat updates, affine parameters not trained;
 * - `train`: ordinary training mode, affine parameters trained with their group.
 */
export type BatchNormPolicy = 'frozen' | 'adapt' | 'train';

export type { Modality } from '../models/contract.js';
