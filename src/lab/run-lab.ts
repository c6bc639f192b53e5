// The adaptation lab: for each modality, the strategies over seeds (and folds) on the same data and
// budget, in rounds: a race stops strategies that can no longer change the decision and gives
// open comparisons more seeds; a grid runs everything once. Then statistics, the recommendation,
// the adaptation note and the report. Every option is checked before any data loads. Finished
// trials are stored as they complete and reused when the run is repeated with the same `out`.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineStrategy, takesBatchNormPolicy } from '../adapt/strategies.js';
import type { TrialProgress } from '../adapt/trial.js';
import type { StrategySpec } from '../adapt/strategies.js';
import { FeatureCache } from '../adapt/feature-cache.js';
import { confusionBaselines } from '../adapt/strategy-answers.js';
import type { TrialRecord, Summary, ModalitySummary, RaceRound } from '../record/run-record.js';
import type { Modality, StrategyName } from '../record/vocabulary.js';
import { summarizeTrials, type TrialsSummary } from '../evaluate/summarize.js';
import { joinFolds } from '../evaluate/join-folds.js';
import { evidenceFromTrials } from '../decide/evidence.js';
import { recommend, type RecommendResult } from '../decide/recommend.js';
import { firstRound, nextRound, type NextRound, type Unit } from '../decide/race.js';
import { adaptationNote } from '../decide/note.js';
import { flops } from '../decide/format.js';
import { writeReport } from '../report/write.js';
import { galleryExampleIds } from '../report/gallery.js';
import type { ExampleDisplay } from '../data/example-display.js';
import { BatchNorm2d } from '../nn/layers.js';
import { UsageError } from '../errors.js';
import { resolveBackbone } from '../kinds/load.js';
import type { Backbone } from '../kinds/backbone.js';
import { prepareTarget, type PreparedTarget } from './targets.js';
import { modalityPlan, type LabOptions, type ModalityPlan } from './options.js';
import { checkLabOptions } from './check-options.js';
import { RunDir, fingerprint, trialPlan } from './run-dir.js';
import { inProcessRunner, targetFingerprint, trainRecipe, type PlannedTrial, type TrialRunner } from './trial-runner.js';
import { acceptRunConfig, claimRunFolder } from './run-lock.js';
import { checkOutputsApart } from '../io/paths.js';
import { checkDevice, DEFAULT_DEVICE, type Device } from '../tensor/index.js';
import { MODEL_MANIFEST_FILE, medianSeed, readModelManifest, replaceDir, stagedModelDir, writeModelDir } from './saved-models.js';

export interface LabEvents {
  /** A trial starts (index counts over the whole run). */
  trialStart?(e: { modality: Modality; strategy: StrategyName; seed: number; fold?: { index: number; of: number }; index: number; total: number; reused: boolean }): void;
  trialProgress?(e: { modality: Modality; strategy: StrategyName; seed: number } & TrialProgress): void;
  trialEnd?(e: { record: TrialRecord; reused: boolean; index: number; total: number }): void;
  message?(text: string): void;
}

export interface ModalityOutcome {
  summary: ModalitySummary;
  /** One record per (strategy, seed); cross-validated folds joined. */
  trials: TrialRecord[];
  /** Every trial as it ran (one per fold when cross-validated). */
  foldTrials: TrialRecord[];
  recommendation: RecommendResult;
  note: string;
  stats: TrialsSummary;
  /** How the examples the report's galleries show look (thumbnails or snippets), by example id. */
  examples: ReadonlyMap<string, ExampleDisplay>;
}

export interface LabResult {
  summary: Summary;
  outcomes: Partial<Record<Modality, ModalityOutcome>>;
  files: { summary: string; report: string; notes: string[]; config: string };
}

function adaptlabVersion(): string {
  const pkg = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * `runner` trains each round's trials: here by default (src/queue sends them to workers instead).
 * `device` is where this process trains (its trials, and the recommended one retrained for the
 * handover when workers trained it): like the thread count, how the machine runs the lab, not a
 * setting of the run, so it is neither in config.json nor in a trial's fingerprint; each trial
 * record says where it ran.
 */
export async function runLab(options: LabOptions, events: LabEvents = {}, runner: TrialRunner = inProcessRunner, device: Device = DEFAULT_DEVICE): Promise<LabResult> {
  checkDevice(device);
  checkLabOptions(options);
  // Every backbone is resolved, and every limit that depends on one checked, before any data loads.
  const backbones = new Map<Modality, Backbone>();
  for (const modality of options.modalities) {
    const backbone = await resolveBackbone(modality, options.backbone, options.arch, options.imageSize);
    checkPartialK(backbone, modalityPlan(modality, options), options.strategies);
    backbones.set(modality, backbone);
  }
  checkOutputsApart([{ flag: '--out', path: options.out }], [
    ...(options.data ? [{ flag: '--data', path: options.data }] : []),
    ...(options.backbone ? [{ flag: '--backbone', path: options.backbone }] : []),
  ]);
  // The folder is claimed (marker, lock) and the settings accepted only now that every check passed.
  const release = claimRunFolder(options.out);
  try {
    return await runClaimed(options, backbones, events, runner, device);
  } finally {
    release();
  }
}

async function runClaimed(options: LabOptions, backbones: ReadonlyMap<Modality, Backbone>, events: LabEvents, runner: TrialRunner, device: Device): Promise<LabResult> {
  const { force: _force, ...settings } = options;
  const configFile = acceptRunConfig(options.out, settings as Record<string, unknown>, options.force === true, adaptlabVersion());
  const dir = new RunDir(options.out);
  dir.onProblem = (text) => events.message?.(text);
  const outcomes: Partial<Record<Modality, ModalityOutcome>> = {};
  const counter = { index: 0, total: 0 };
  for (const modality of options.modalities) {
    outcomes[modality] = await runModality(modality, backbones.get(modality)!, options, dir, events, counter, runner, device);
  }

  const summary: Summary = {
    adaptlabVersion: adaptlabVersion(),
    createdAt: new Date().toISOString(),
    seeds: options.seeds,
    margin: options.margin,
    modalities: Object.fromEntries(Object.entries(outcomes).map(([m, o]) => [m, o!.summary])),
  };
  const notes = Object.entries(outcomes).map(([m, o]) => dir.writeText(`notes/${m}.md`, o!.note));
  const summaryFile = dir.writeJson('summary.json', summary);
  const report = writeReport(options.out, {
    summary,
    trials: Object.values(outcomes).flatMap((o) => o!.trials),
    notes: Object.fromEntries(Object.entries(outcomes).map(([m, o]) => [m, o!.note])),
    confusionDiffs: Object.fromEntries(Object.entries(outcomes).map(([m, o]) => [m, o!.stats.diffs])),
    examples: Object.fromEntries(Object.entries(outcomes).map(([m, o]) => [m, o!.examples])),
  });
  return { summary, outcomes, files: { summary: summaryFile, report, notes, config: configFile } };
}

/** A strategy that trains the last k backbone groups needs k of them: checked on a throwaway model before any data loads. */
function checkPartialK(backbone: Backbone, plan: ModalityPlan, strategies: readonly StrategyName[]): void {
  const lastK = strategies.some((s) => defineStrategy(s, { partialK: plan.partialK }).trainable.kind === 'last');
  if (!lastK) return;
  const probe = backbone.buildModel('random', 0, 2);
  const groups = probe.parameterGroups().map((g) => g.name);
  probe.dispose();
  const backboneGroups = groups.filter((g) => g !== 'head');
  if (plan.partialK > backboneGroups.length) {
    throw new UsageError(
      `partialK (--partial-k) must be at most ${backboneGroups.length} for ${backbone.arch}, which has the backbone groups ${backboneGroups.join(', ')}; got ${plan.partialK}. ` +
        `Ask for fewer groups, or use full_finetune to train them all.`,
    );
  }
}

/** Training spent so far (summed over trials that ran or were reused). */
interface Spent {
  trainFlops: number;
  trainSeconds: number;
}

function budgetSpent(budget: LabOptions['budget'], spent: Spent): string | null {
  if (!budget) return null;
  if (budget.flops !== undefined && spent.trainFlops >= budget.flops) return `${flops(spent.trainFlops)} of training used, budget ${flops(budget.flops)}`;
  if (budget.seconds !== undefined && spent.trainSeconds >= budget.seconds) return `${Math.round(spent.trainSeconds)} s of training used, budget ${budget.seconds} s`;
  return null;
}

async function runModality(
  modality: Modality,
  backbone: Backbone,
  options: LabOptions,
  dir: RunDir,
  events: LabEvents,
  counter: { index: number; total: number },
  runner: TrialRunner,
  device: Device,
): Promise<ModalityOutcome> {
  const plan = modalityPlan(modality, options);
  events.message?.(`${modality}: backbone ${backbone.arch} from ${backbone.source}`);
  const target = await prepareTarget(backbone, plan, { ...options, folds: options.folds, margin: options.margin, device });
  const { allocation } = target;
  events.message?.(
    `${modality}: ${target.dataset.name}, ${target.dataset.classNames.length} classes; ` +
      `train ${target.split.sizes.train} / validation ${target.split.sizes.validation} / test ${target.split.sizes.test} (split seed ${target.split.seed}); ${allocation.reason}`,
  );
  for (const line of target.preprocessing) events.message?.(`${modality}: ${line}`);
  const classNames = target.dataset.classNames;
  const cache = new FeatureCache();
  const bySeed = new Map<string, TrialRecord>(); // `${strategy}/${seed}` → the seed's record (folds joined)
  const foldRecords: TrialRecord[] = [];
  const rounds: RaceRound[] = [];
  const spent: Spent = { trainFlops: 0, trainSeconds: 0 };
  let decision: Decision | null = null;
  let savedModel: ModalitySummary['savedModel'] = { none: 'the lab did not finish' };
  let examples: ReadonlyMap<string, ExampleDisplay> = new Map();

  const batchNorm = batchNormPolicy(modality, backbone, options, events);
  // The plan's rates; each strategy's definition says which it uses (the probe's for a linear probe),
  // and whether it takes the BatchNorm policy (it then enters that strategy's spec and fingerprint only).
  const strategyOf = (name: StrategyName): StrategySpec =>
    defineStrategy(name, {
      headLr: plan.headLr,
      probeLr: plan.probeLr,
      backboneLr: plan.backboneLr,
      layerDecay: options.layerDecay ?? null,
      partialK: plan.partialK,
      weightDecay: plan.weightDecay,
      ...(batchNorm === undefined ? {} : { batchNorm }),
    });
  const printOf = (name: StrategyName, seed: number, f: number): string =>
    fingerprint({ data: target.dataset.contentHash, split: target.split, folds: allocation.folds, fold: f, backbone: backbone.key, strategy: strategyOf(name), seed, plan: trialPlan(plan) });
  const foldOf = (f: number): { index: number; of: number } | undefined => (allocation.folds > 1 ? { index: f, of: allocation.folds } : undefined);
  const planOf = (name: StrategyName, seed: number, f: number): PlannedTrial => ({
    modality,
    strategy: strategyOf(name),
    seed,
    f,
    fold: foldOf(f),
    epochs: plan.epochs,
    batchSize: plan.batchSize,
    fingerprint: printOf(name, seed, f),
  });
  /** Trains one planned trial here; the model is staged in the run directory unless no model is wanted. */
  const train = async (t: PlannedTrial, onProgress = (p: TrialProgress) => events.trialProgress?.({ modality, strategy: t.strategy.name, seed: t.seed, ...p })): Promise<TrialRecord> => {
    const trained = trainRecipe(t, backbone, target, cache, onProgress);
    try {
      if (options.saveModels !== 'none') await writeModelDir(stagedModelDir(options.out, modality, t.strategy.name, t.seed, t.fold?.index), trained, backbone, classNames, t.fingerprint);
    } finally {
      trained.dispose();
    }
    return trained.record;
  };

  const context = { options, modality, dataHash: target.dataset.contentHash, backboneKey: backbone.key, targetPrint: targetFingerprint(target), trainHere: train };
  /**
   * One round: every fold of every unit, reused from the run directory or trained by the runner
   * (each record stored as it arrives); then each seed's record, folds joined, in the planned order.
   */
  const runRound = async (units: readonly Unit[]): Promise<void> => {
    const planned = units.map((u) => Array.from({ length: allocation.folds }, (_, f) => planOf(u.strategy, u.seed, f)));
    const records = new Map<PlannedTrial, TrialRecord>();
    const indices = new Map<PlannedTrial, number>();
    const start = (t: PlannedTrial, reused: boolean): number => {
      indices.set(t, ++counter.index);
      events.trialStart?.({ modality, strategy: t.strategy.name, seed: t.seed, fold: t.fold, index: counter.index, total: counter.total, reused });
      return counter.index;
    };
    const toTrain: PlannedTrial[] = [];
    for (const t of planned.flat()) {
      const reused = dir.reusableTrial(modality, t.strategy.name, t.seed, t.fingerprint, t.fold?.index);
      if (reused === null) {
        toTrain.push(t);
        continue;
      }
      records.set(t, reused);
      const index = start(t, true); // announced whether or not anyone listens for trialEnd
      events.trialEnd?.({ record: reused, reused: true, index, total: counter.total });
    }
    await runner.runRound(context, toTrain, {
      started: (t) => void (indices.has(t) || start(t, false)),
      progress: (t, p) => events.trialProgress?.({ modality, strategy: t.strategy.name, seed: t.seed, ...p }),
      finished: async (t, record) => {
        if (records.has(t) || !toTrain.includes(t)) return; // each trial is stored once
        const index = indices.get(t) ?? start(t, false);
        dir.saveTrial(record, t.fingerprint);
        records.set(t, record);
        events.trialEnd?.({ record, reused: false, index, total: counter.total });
      },
    });
    for (const [i, u] of units.entries()) {
      const folds = planned[i].map((t) => records.get(t) ?? missing(t));
      for (const r of folds) {
        spent.trainFlops += r.cost.trainFlops;
        spent.trainSeconds += r.cost.wallSeconds;
      }
      foldRecords.push(...folds);
      bySeed.set(`${u.strategy}/${u.seed}`, folds.length > 1 ? joinFolds(folds) : folds[0]);
    }
  };

  /**
   * Hands the recommended model over: its median seed (fold 0 when cross-validated) moves from the
   * staging area to models/<modality>/. A trial reused from an earlier run whose staged model is gone
   * is trained again: trials are deterministic, and the retrained model must score exactly what the
   * record says, or the model is not handed over.
   */
  const handOver = async (rec: RecommendResult): Promise<ModalitySummary['savedModel']> => {
    if (options.saveModels === 'none') return { none: 'no model was asked for (--save-models none)' };
    if (rec.strategy === null) return { none: 'no strategy was recommended' };
    const records = [...bySeed.values()].filter((r) => r.strategy === rec.strategy);
    const seed = medianSeed(records);
    const f = 0;
    const fold = foldOf(f);
    const staged = stagedModelDir(options.out, modality, rec.strategy, seed, fold?.index);
    const published = join(options.out, 'models', modality);
    const print = printOf(rec.strategy, seed, f);
    const trialRecord = foldRecords.find((r) => r.strategy === rec.strategy && r.seed === seed && (fold === undefined || (r.fold && 'index' in r.fold && r.fold.index === f)))!;
    const current = (d: string): boolean => existsSync(join(d, MODEL_MANIFEST_FILE)) && readModelManifest(d).trial === print;
    if (!current(staged) && !current(published)) {
      events.message?.(`${modality}: retraining ${rec.strategy} seed ${seed} to hand its model over (the trial was reused from an earlier run, or trained by a queue worker, which keeps no model)`);
      const again = await train(planOf(rec.strategy, seed, f));
      const predicted = (p: TrialRecord['predictions']['validation']): string => JSON.stringify([p.ids, p.labels, p.predictions]);
      if (predicted(again.predictions.validation) !== predicted(trialRecord.predictions.validation)) {
        rmSync(staged, { recursive: true, force: true });
        return { none: `retraining ${rec.strategy} seed ${seed} did not reproduce its recorded predictions, so no model was handed over; run the lab again with a new --out` };
      }
    }
    if (current(staged)) replaceDir(staged, published);
    const m = readModelManifest(published);
    return { path: join('models', modality), strategy: m.strategy, seed: m.seed, fold: m.fold, storedBytes: m.task.bytes, metrics: m.metrics };
  };

  /** With saveModels 'all', every staged model is kept under models/<modality>/all/; the staging area goes. */
  const clearStaging = (): void => {
    const root = join(options.out, 'models', '.staging', modality);
    if (!existsSync(root)) return;
    if (options.saveModels === 'all') for (const name of readdirSync(root)) replaceDir(join(root, name), join(options.out, 'models', modality, 'all', name));
    rmSync(root, { recursive: true, force: true });
    const staging = join(options.out, 'models', '.staging');
    if (readdirSync(staging).length === 0) rmSync(staging, { recursive: true, force: true });
  };

  try {
    let units = firstRound(options.strategies, options.seeds, options.schedule);
    while (units.length > 0) {
      counter.total += units.length * allocation.folds;
      await runRound(units);
      decision = decide([...bySeed.values()], options.margin, classNames);
      const seedsRun = new Map<StrategyName, number[]>();
      for (const r of bySeed.values()) seedsRun.set(r.strategy, [...(seedsRun.get(r.strategy) ?? []), r.seed].sort((a, b) => a - b));
      let next: NextRound =
        options.schedule === 'grid'
          ? { units: [], stopped: [], next: 'ended: a grid runs every strategy on every seed once' }
          : nextRound(decision.recommendation, seedsRun, options.seeds);
      const over = next.units.length > 0 ? budgetSpent(options.budget, spent) : null;
      if (over) next = { units: [], stopped: next.stopped, next: `ended: the budget is spent (${over}) while the decision is still open` };
      const rec = decision.recommendation;
      const round: RaceRound = {
        round: rounds.length + 1,
        seedsRun: Object.fromEntries(seedsRun),
        added: units.map((u) => ({ ...u })),
        decision: { strategy: rec.strategy, evidence: rec.evidence, best: rec.best, cheapestNotRuledOut: rec.cheapestNotRuledOut, settled: rec.settled },
        spent: { ...spent },
        stopped: next.stopped,
        next: next.next,
      };
      rounds.push(round);
      dir.writeJson(`rounds/${modality}.json`, rounds);
      events.message?.(`${modality}: round ${round.round}: ${rec.strategy ?? 'no choice'} (${rec.evidence}); ${next.next}`);
      units = next.units;
    }
    savedModel = await handOver(decision!.recommendation);
    clearStaging();
    examples = await galleryDisplays(target, [...bySeed.values()], decision!.stats.diffs.map((d) => d.baseline), (text) => events.message?.(`${modality}: ${text}`));
  } finally {
    cache.dispose();
    target.dispose();
  }

  const { stats, recommendation } = decision!;
  const summary: ModalitySummary = {
    dataset: { ...target.dataset, splitSeed: target.split.seed, sizes: target.split.sizes },
    backbone: { arch: backbone.arch, source: backbone.source },
    validationResolution: stats.validationResolution,
    allocation,
    preprocessing: target.preprocessing,
    schedule: options.schedule,
    rounds,
    savedModel,
    strategies: stats.strategies,
    confusionDiffs: stats.diffs,
    // The whole result: the rule with this run's numbers, every assessment, next experiments.
    recommendation,
  };
  const trials = [...bySeed.values()];
  const note = adaptationNote({ modality, summary, diffs: stats.diffs, plans: stats.plans, seeds: stats.seeds, recommendation });
  return { summary, trials, foldTrials: foldRecords, recommendation, note, stats, examples };
}

/**
 * The BatchNorm policy this modality's strategies are given: `bnPolicy` when the backbone has
 * BatchNorm layers; otherwise none, and the console says the flag has no effect (likewise when no
 * strategy of the run takes a policy).
 */
function batchNormPolicy(modality: Modality, backbone: Backbone, options: LabOptions, events: LabEvents): LabOptions['bnPolicy'] {
  const policy = options.bnPolicy;
  if (policy === undefined) return undefined;
  const probe = backbone.buildModel('random', 0, 2);
  const hasBatchNorm = probe.namedModules().some(([, m]) => m instanceof BatchNorm2d);
  probe.dispose();
  if (!hasBatchNorm) {
    events.message?.(`${modality}: --bn-policy ${policy} has no effect: ${backbone.arch} has no BatchNorm layers, so every strategy keeps its own policy (frozen parts run as at inference)`);
    return undefined;
  }
  if (!options.strategies.some(takesBatchNormPolicy)) {
    events.message?.(`${modality}: --bn-policy ${policy} has no effect: none of ${options.strategies.join(', ')} takes a BatchNorm policy (frozen and partial_unfreeze do, for their frozen backbone groups)`);
  }
  return policy;
}

/**
 * Thumbnails or snippets of every example the report's galleries can show. A display that cannot
 * be made (an image library that fails to load) leaves the report showing example ids, and says so.
 */
async function galleryDisplays(target: PreparedTarget, trials: readonly TrialRecord[], baselines: readonly string[], message: (text: string) => void): Promise<Map<string, ExampleDisplay>> {
  const out = new Map<string, ExampleDisplay>();
  try {
    for (const id of galleryExampleIds(trials, [...new Set(baselines)])) {
      const shown = await target.showExample(id);
      if (shown) out.set(id, shown);
    }
  } catch (e) {
    message(`the report shows example ids instead of thumbnails or snippets: ${(e as Error).message}`);
  }
  return out;
}

/** A runner that returned without a planned trial's record broke its contract. */
function missing(t: PlannedTrial): never {
  throw new Error(`the trial runner finished a round without the record of ${t.strategy.name} seed ${t.seed}${t.fold ? ` fold ${t.fold.index}` : ''}`);
}

interface Decision {
  stats: TrialsSummary;
  recommendation: RecommendResult;
}

/** Statistics and the recommendation on every seed's record so far. */
function decide(trials: readonly TrialRecord[], margin: number, classNames: string[]): Decision {
  const stats = summarizeTrials(trials, { baselines: confusionBaselines() });
  const recommendation = recommend({ ...evidenceFromTrials(trials, { margin, classNames, confusionDiffs: stats.diffs }), margin });
  return { stats, recommendation };
}
