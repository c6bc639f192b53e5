// What one task must store besides the shared backbone: every parameter and buffer the strategy
// changed (for `frozen`, the head; for `partial_unfreeze`, the head and the unfrozen groups with
// their BatchNorm statistics; for `full_finetune` and `scratch`, everything). The file is a
// safetensors state dict with the backbone's identity in its metadata, so it can be loaded back
// only over the backbone it was trained from.
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { AdaptationPlan } from './plan.js';
import { fixedTensorNames } from './audit.js';

/** Metadata keys of a task file. */
export const TASK_BACKBONE_KEY = 'adaptlab_backbone';
export const TASK_STRATEGY_KEY = 'adaptlab_strategy';

/** Names of the tensors a trained task owns: everything the plan does not hold fixed. */
export function taskTensorNames(model: Module, plan: AdaptationPlan): string[] {
  const fixed = fixedTensorNames(model, plan);
  return [...model.namedParameters(), ...model.namedBuffers()].map(([name]) => name).filter((name) => !fixed.has(name));
}

/** The task's tensors by name (views of the model's own tensors: do not dispose). */
export function taskTensors(model: Module, names: readonly string[]): Map<string, Tensor> {
  const own = new Map([...model.namedParameters(), ...model.namedBuffers()]);
  return new Map(names.map((n) => [n, own.get(n)!]));
}

export function taskMetadata(backboneKey: string, strategy: string): Record<string, string> {
  return { [TASK_BACKBONE_KEY]: backboneKey, [TASK_STRATEGY_KEY]: strategy };
}
