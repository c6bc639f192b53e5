// The run directory: `<out>/config.json`, `<out>/trials/<modality>/<strategy>-seed<k>.json`,
// `<out>/summary.json`, `<out>/notes/<modality>.md`, `<out>/report.html`. Every file is written
// atomically, so a kill at any moment leaves finished trials intact and reusable; a trial file
// is reused only when its fingerprint (data, backbone, strategy, budget) matches the new run's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeJsonAtomic, writeFileAtomic } from '../io/atomic-file.js';
import type { TrialRecord } from '../adapt/run-record.js';
import type { Modality, StrategyName } from '../adapt/types.js';

export interface StoredTrial extends TrialRecord {
  fingerprint: string;
}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

export class RunDir {
  constructor(readonly root: string) {}

  /** `trials/<modality>/<strategy>-seed<k>.json`, or `...-seed<k>-fold<f>.json` for a cross-validated fold. */
  trialPath(modality: Modality, strategy: StrategyName, seed: number, fold?: number): string {
    return join(this.root, 'trials', modality, `${strategy}-seed${seed}${fold === undefined ? '' : `-fold${fold}`}.json`);
  }

  /** A finished trial with this fingerprint, or null (absent, unreadable or made for other settings). */
  reusableTrial(modality: Modality, strategy: StrategyName, seed: number, print: string, fold?: number): TrialRecord | null {
    const path = this.trialPath(modality, strategy, seed, fold);
    if (!existsSync(path)) return null;
    try {
      const stored = JSON.parse(readFileSync(path, 'utf8')) as StoredTrial;
      return stored.fingerprint === print ? stored : null;
    } catch {
      return null; // a file from an older, interrupted writer: run the trial again
    }
  }

  saveTrial(record: TrialRecord, print: string): void {
    const fold = record.fold && 'index' in record.fold ? record.fold.index : undefined;
    writeJsonAtomic(this.trialPath(record.modality, record.strategy, record.seed, fold), { ...record, fingerprint: print });
  }

  writeJson(name: string, value: unknown): string {
    const path = join(this.root, name);
    writeJsonAtomic(path, value);
    return path;
  }

  writeText(name: string, text: string): string {
    const path = join(this.root, name);
    writeFileAtomic(path, text);
    return path;
  }
}
