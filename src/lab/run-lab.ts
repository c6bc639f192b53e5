// The adaptation lab: for each modality, every strategy over every seed on the same split and
// budget; then statistics, the recommendation, the adaptation note and the report. Finished
// trials are stored as they complete and reused when the run is repeated with the same `out`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineStrategy } from '../adapt/strategies.js';
import { runTrial, type TrialProgress } from '../adapt/trial.js';
import { FeatureCache } from '../adapt/feature-cache.js';
import type { TrialRecord, Summary, ModalitySummary } from '../adapt/run-record.js';
import type { Modality, StrategyName } from '../adapt/types.js';
import { summarizeTrials, type TrialsSummary } from '../evaluate/summarize.js';
import { evidenceFromTrials } from '../decide/evidence.js';
import { recommend, type RecommendResult } from '../decide/recommend.js';
import { adaptationNote } from '../decide/note.js';
import { writeReport } from '../report/write.js';
import { resolveBackbone } from './backbone.js';
import { prepareTarget } from './targets.js';
import { modalityPlan, type LabOptions } from './options.js';
import { RunDir, fingerprint } from './run-dir.js';

export interface LabEvents {
  /** A trial starts (index counts over the whole run). */
  trialStart?(e: { modality: Modality; strategy: StrategyName; seed: number; index: number; total: number; reused: boolean }): void;
  trialProgress?(e: { modality: Modality; strategy: StrategyName; seed: number } & TrialProgress): void;
  trialEnd?(e: { record: TrialRecord; reused: boolean; index: number; total: number }): void;
  message?(text: string): void;
}

export interface ModalityOutcome {
  summary: ModalitySummary;
  trials: TrialRecord[];
  recommendation: RecommendResult;
  note: string;
  stats: TrialsSummary;
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

export async function runLab(options: LabOptions, events: LabEvents = {}): Promise<LabResult> {
  const dir = new RunDir(options.out);
  const configFile = dir.writeJson('config.json', { ...options, adaptlabVersion: adaptlabVersion() });
  const total = options.modalities.length * options.strategies.length * options.seeds.length;
  let index = 0;
  const outcomes: Partial<Record<Modality, ModalityOutcome>> = {};

  for (const modality of options.modalities) {
    const plan = modalityPlan(modality, options);
    const backbone = await resolveBackbone(modality, options.backbone, options.arch, options.imageSize);
    events.message?.(`${modality}: backbone ${backbone.arch} from ${backbone.source}`);
    const target = await prepareTarget(backbone, plan, options);
    events.message?.(
      `${modality}: ${target.dataset.name}, ${target.dataset.classNames.length} classes; ` +
        `train ${target.split.sizes.train} / validation ${target.split.sizes.validation} / test ${target.split.sizes.test} (split seed ${target.split.seed})`,
    );
    const cache = new FeatureCache();
    const trials: TrialRecord[] = [];
    try {
      for (const strategyName of options.strategies) {
        const headLr = strategyName === 'frozen' ? plan.probeLr : plan.headLr;
        const strategy = defineStrategy(strategyName, { headLr, backboneLr: plan.backboneLr, partialK: plan.partialK, weightDecay: plan.weightDecay });
        for (const seed of options.seeds) {
          index++;
          const print = fingerprint({ data: target.dataset.contentHash, split: target.split, backbone: backbone.key, strategy, seed, plan });
          const reused = dir.reusableTrial(modality, strategyName, seed, print);
          events.trialStart?.({ modality, strategy: strategyName, seed, index, total, reused: reused !== null });
          let record = reused;
          if (record === null) {
            record = runTrial({
              modality,
              strategy,
              seed,
              buildModel: (init, s) => backbone.buildModel(init, s, target.dataset.classNames.length, target.dataset.classNames),
              backboneKey: backbone.key,
              data: target.data,
              numClasses: target.dataset.classNames.length,
              epochs: plan.epochs,
              batchSize: plan.batchSize,
              featureCache: cache,
              onProgress: (p) => events.trialProgress?.({ modality, strategy: strategyName, seed, ...p }),
            });
            dir.saveTrial(record, print);
          }
          trials.push(record);
          events.trialEnd?.({ record, reused: reused !== null, index, total });
        }
      }
    } finally {
      cache.dispose();
      target.dispose();
    }

    const stats = summarizeTrials(trials);
    const classNames = target.dataset.classNames;
    const recommendation = recommend({ ...evidenceFromTrials(trials, { margin: options.margin, classNames, confusionDiffs: stats.diffs }), margin: options.margin });
    const summary: ModalitySummary = {
      dataset: { ...target.dataset, splitSeed: target.split.seed, sizes: target.split.sizes },
      backbone: { arch: backbone.arch, source: backbone.source },
      validationResolution: stats.validationResolution,
      strategies: stats.strategies,
      confusionDiffs: stats.diffs,
      // The whole result: the rule with this run's numbers, every assessment, next experiments.
      recommendation,
    };
    const note = adaptationNote({ modality, summary, diffs: stats.diffs, plans: stats.plans, seeds: options.seeds, recommendation });
    outcomes[modality] = { summary, trials, recommendation, note, stats };
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
  });
  return { summary, outcomes, files: { summary: summaryFile, report, notes, config: configFile } };
}
