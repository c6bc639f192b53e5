// The freeze audit: checksums of every parameter and buffer before and after training prove
// what stayed fixed. A frozen tensor that changed fails the audit, whatever moved it (an
// optimizer that was given it, weight decay, momentum, or BatchNorm statistics in train mode).
import { createHash } from 'node:crypto';
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { FreezeAudit } from '../record/run-record.js';
import type { AdaptationPlan } from './plan.js';

export type Checksums = Map<string, string>;

function checksum(t: Tensor): string {
  return createHash('sha256').update(t.bytes()).digest('hex').slice(0, 32);
}

/** sha256 of every parameter and buffer, by qualified name. */
export function takeChecksums(model: Module): Checksums {
  const out: Checksums = new Map();
  for (const [name, t] of model.namedParameters()) out.set(name, checksum(t));
  for (const [name, t] of model.namedBuffers()) out.set(name, checksum(t));
  return out;
}

/**
 * Which tensors the plan promises not to change: frozen parameters, plus the buffers of modules
 * that run in inference mode (BatchNorm running statistics under the 'frozen' policy).
 */
export function fixedTensorNames(model: Module, plan: AdaptationPlan): Set<string> {
  const fixed = new Set(plan.rows.filter((r) => !r.trainable).map((r) => r.name));
  const prefixes = plan.inferenceModules;
  for (const [name] of model.namedBuffers()) {
    if (prefixes.some((p) => name.startsWith(`${p}.`))) fixed.add(name);
  }
  return fixed;
}

export function auditFreeze(model: Module, plan: AdaptationPlan, before: Checksums, after: Checksums = takeChecksums(model)): FreezeAudit {
  const fixed = fixedTensorNames(model, plan);
  const changed = new Set([...after].filter(([name, sum]) => before.get(name) !== sum).map(([name]) => name));
  const parameterNames = new Set(plan.rows.map((r) => r.name));
  const changedFrozen = [...fixed].filter((n) => changed.has(n));
  const unchangedTrainable = plan.rows.filter((r) => r.trainable && !changed.has(r.name)).map((r) => r.name);
  return {
    passed: changedFrozen.length === 0,
    checked: fixed.size,
    changedFrozen,
    changedParameters: [...changed].filter((n) => parameterNames.has(n)).length,
    unchangedTrainable,
  };
}
