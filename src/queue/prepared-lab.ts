// A worker's copy of one modality's lab: the backbone and the target data prepared from a job's
// options the way the coordinator prepared them, checked against the coordinator's content hashes
// before any trial trains, and kept with its feature cache for the next job of the same lab (one
// lab at a time: a job of another lab replaces it).
import { FeatureCache } from '../adapt/feature-cache.js';
import type { Backbone } from '../kinds/backbone.js';
import { resolveBackbone } from '../kinds/load.js';
import { modalityPlan } from '../lab/options.js';
import { fingerprint } from '../lab/run-dir.js';
import { prepareTarget, type PreparedTarget } from '../lab/targets.js';
import { DEFAULT_DEVICE, type Device } from '../tensor/index.js';
import { targetFingerprint } from '../lab/trial-runner.js';
import { JobRefused, type TrialJob } from './job.js';

export interface PreparedLab {
  backbone: Backbone;
  target: PreparedTarget;
  cache: FeatureCache;
}

let held: { key: string; lab: PreparedLab } | null = null;

const AGAIN = 'and start the lab again (its finished trials are kept)';

/**
 * The prepared lab of a job, and the seconds it took (0 when this worker already held it). A
 * backbone or data that differ from the coordinator's are refused (JobRefused): the same worker
 * would refuse the job every time, so it is not retried.
 */
export async function preparedLabFor(job: TrialJob, worker: string, device: Device = DEFAULT_DEVICE): Promise<{ lab: PreparedLab; seconds: number }> {
  const key = fingerprint({ options: job.options, modality: job.trial.modality, expect: job.expect });
  if (held?.key === key) return { lab: held.lab, seconds: 0 };
  releasePreparedLab();
  const t0 = performance.now();
  const { options, trial, expect } = job;
  const backbone = await resolveBackbone(trial.modality, options.backbone, options.arch, options.imageSize);
  if (backbone.key !== expect.backboneKey) {
    throw new JobRefused(
      `worker ${worker} refuses the trial: its backbone (${backbone.source}) has content hash ${backbone.key}, but the lab's coordinator trains from ${expect.backboneKey}. ` +
        `This machine sees a different backbone at that path: give every worker the same backbone files (a shared path, or an identical copy at the same path), ${AGAIN}.`,
    );
  }
  // The tables go to this worker's device; its trials train there (the record says where).
  const target = await prepareTarget(backbone, modalityPlan(trial.modality, options), { ...options, device });
  const problem =
    target.dataset.contentHash !== expect.dataHash
      ? `its data (${options.data ?? target.dataset.name}) has content hash ${target.dataset.contentHash}, but the lab's coordinator prepared data with hash ${expect.dataHash}. ` +
        `This machine sees different data at that path (another copy, or files changed since the lab started): give every worker the same data (a shared path, or an identical copy at the same path), ${AGAIN}.`
      : targetFingerprint(target) !== expect.targetPrint
        ? `it split the data differently from the lab's coordinator (split fingerprint ${targetFingerprint(target)}, expected ${expect.targetPrint}). Run the same adaptlab version on the coordinator and every worker, ${AGAIN}.`
        : null;
  if (problem) {
    target.dispose();
    throw new JobRefused(`worker ${worker} refuses the trial: ${problem}`);
  }
  held = { key, lab: { backbone, target, cache: new FeatureCache() } };
  return { lab: held.lab, seconds: (performance.now() - t0) / 1000 };
}

/** Frees the lab this worker holds, if any. */
export function releasePreparedLab(): void {
  if (!held) return;
  held.lab.cache.dispose();
  held.lab.target.dispose();
  held = null;
}
