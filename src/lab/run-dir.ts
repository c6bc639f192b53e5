// The run directory: `<out>/config.json`, `<out>/trials/<modality>/<strategy>-seed<k>.json`,
// `<out>/summary.json`, `<out>/notes/<modality>.md`, `<out>/report.html`. Every file is written
// atomically, so a kill at any moment leaves finished trials intact and reusable; a trial file
// is reused only when its fingerprint (data, backbone, strategy, budget) matches the new run's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeJsonAtomic, writeFileAtomic } from '../io/atomic-file.js';
import type { TrialRecord } from '../record/run-record.js';
import type { Modality, StrategyName } from '../record/vocabulary.js';
import type { ModalityPlan } from './options.js';

export interface StoredTrial extends TrialRecord {
  fingerprint: string;
}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

/**
 * What a trial's result depends on in its modality's plan besides its strategy's spec: the budget
 * and how the data were drawn. The learning rates, partialK and the weight decay are left out: a
 * spec carries those it uses, so a trial's fingerprint (its spec and this) changes only when that
 * trial would, and changing --partial-k or --probe-lr re-runs only the strategies that read it.
 */
export function trialPlan(plan: ModalityPlan): Omit<ModalityPlan, 'headLr' | 'probeLr' | 'backboneLr' | 'partialK' | 'weightDecay'> {
  const { headLr: _head, probeLr: _probe, backboneLr: _backbone, partialK: _k, weightDecay: _decay, ...rest } = plan;
  return rest;
}

export class RunDir {
  constructor(readonly root: string) {}

  /** `trials/<modality>/<strategy>-seed<k>.json`, or `...-seed<k>-fold<f>.json` for a cross-validated fold. */
  trialPath(modality: Modality, strategy: StrategyName, seed: number, fold?: number): string {
    return join(this.root, 'trials', modality, `${strategy}-seed${seed}${fold === undefined ? '' : `-fold${fold}`}.json`);
  }

  /** Called with a sentence when a stored trial cannot be reused because it is damaged. */
  onProblem: (text: string) => void = () => undefined;

  /** A finished trial with this fingerprint, or null (absent, unreadable, damaged or made for other settings). */
  reusableTrial(modality: Modality, strategy: StrategyName, seed: number, print: string, fold?: number): TrialRecord | null {
    const path = this.trialPath(modality, strategy, seed, fold);
    if (!existsSync(path)) return null;
    let stored: StoredTrial;
    try {
      stored = JSON.parse(readFileSync(path, 'utf8')) as StoredTrial;
    } catch (e) {
      this.onProblem(`${path} is not valid JSON (${(e as Error).message}); the trial will be trained again`);
      return null;
    }
    if (stored?.fingerprint !== print) return null;
    const problem = trialProblem(stored);
    if (problem) {
      this.onProblem(`${path} is damaged (${problem}); the trial will be trained again`);
      return null;
    }
    const csv = path.replace(/\.json$/, '.csv');
    if (!existsSync(csv)) writeFileAtomic(csv, epochCsv(stored)); // written by a version that kept no CSV
    return stored;
  }

  /** The trial record, and its per-epoch metrics as CSV beside it (`<same name>.csv`). */
  saveTrial(record: TrialRecord, print: string): void {
    const fold = record.fold && 'index' in record.fold ? record.fold.index : undefined;
    const path = this.trialPath(record.modality, record.strategy, record.seed, fold);
    writeFileAtomic(path.replace(/\.json$/, '.csv'), epochCsv(record));
    writeJsonAtomic(path, { ...record, fingerprint: print });
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

const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

function predictionsProblem(p: unknown, split: string): string | null {
  const q = p as { ids?: unknown; labels?: unknown; predictions?: unknown } | undefined;
  if (!q || !Array.isArray(q.ids) || !Array.isArray(q.labels) || !Array.isArray(q.predictions)) return `predictions.${split} lacks ids, labels or predictions`;
  if (q.labels.length !== q.ids.length || q.predictions.length !== q.ids.length) return `predictions.${split} has ${q.ids.length} ids, ${q.labels.length} labels and ${q.predictions.length} predictions`;
  if (![...q.labels, ...q.predictions].every((v) => Number.isInteger(v))) return `predictions.${split} holds a label or prediction that is not a class index`;
  return null;
}

/** What is wrong with a stored trial record that a lab would read (null when nothing). */
export function trialProblem(r: StoredTrial): string | null {
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (typeof r.strategy !== 'string' || !Number.isInteger(r.seed)) return 'no strategy or seed';
  for (const split of ['validation', 'test'] as const) {
    const m = r.metrics?.[split];
    if (!m || !isNum(m.accuracy) || !isNum(m.macroF1) || !Array.isArray(m.confusion)) return `metrics.${split} is incomplete`;
    const p = predictionsProblem(r.predictions?.[split], split);
    if (p) return p;
  }
  const c = r.cost;
  if (!c || !['wallSeconds', 'trainFlops', 'storedBytes', 'samplesPerSec', 'peakNativeBytes', 'trainableParams'].every((k) => isNum((c as unknown as Record<string, unknown>)[k]))) return 'cost is incomplete';
  if (!r.audit || typeof r.audit.passed !== 'boolean' || !Array.isArray(r.audit.changedFrozen) || !Array.isArray(r.audit.unchangedTrainable)) return 'audit is incomplete';
  if (!Array.isArray(r.curve) || !r.curve.every((p) => isNum(p?.validationAccuracy))) return 'the learning curve is incomplete';
  if (!r.config || !Number.isInteger(r.config.epochs) || !r.totals || !Array.isArray(r.groups)) return 'config, totals or groups are missing';
  return null;
}

/** One row per epoch: epoch, train_loss, validation_accuracy, seconds, then lr_<group> for every optimizer group. */
export function epochCsv(record: TrialRecord): string {
  const groups = [...new Set(record.curve.flatMap((p) => Object.keys(p.lr ?? {})))];
  const header = ['epoch', 'train_loss', 'validation_accuracy', 'seconds', ...groups.map((g) => `lr_${g.replace(/[^A-Za-z0-9_.]/g, '_')}`)];
  const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : String(v));
  const rows = record.curve.map((p) => [String(p.epoch), num(p.trainLoss), num(p.validationAccuracy), num(p.seconds), ...groups.map((g) => num(p.lr?.[g]))]);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}
