// What the library itself says about a constructed run: the same calls `adaptlab lab` makes after
// training (summarizeTrials, evidenceFromTrials, recommend), so every checker compares the
// learner's answer with the product's own reading.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeTrials, type TrialsSummary } from '../../../../src/evaluate/summarize.js';
import { confusionBaselines } from '../../../../src/adapt/strategy-answers.js';
import { evidenceFromTrials } from '../../../../src/decide/evidence.js';
import { recommend, type RecommendResult } from '../../../../src/decide/recommend.js';
import type { StrategyName } from '../../../../src/record/vocabulary.js';
import type { RunFixture } from '../fixtures/build.js';
import { fixturesDir } from '../paths.js';

export interface Analysis {
  stats: TrialsSummary;
  rec: RecommendResult;
  /** Mean validation accuracy over seeds (fraction). */
  meanAccuracy(strategy: StrategyName): number;
}

export function analyse(run: RunFixture): Analysis {
  const stats = summarizeTrials(run.records, { baselines: confusionBaselines() });
  const rec = recommend({ ...evidenceFromTrials(run.records, { margin: run.margin, classNames: run.classNames, confusionDiffs: stats.diffs }), margin: run.margin });
  return {
    stats,
    rec,
    meanAccuracy: (s) => {
      const list = run.records.filter((r) => r.strategy === s);
      return list.reduce((a, r) => a + r.metrics.validation.accuracy, 0) / list.length;
    },
  };
}

export function loadRun(file: 'vision-run.json' | 'text-run.json' | 'lora-run.json'): RunFixture {
  return JSON.parse(readFileSync(join(fixturesDir, file), 'utf8')) as RunFixture;
}

/** A deep copy, so a learner's function cannot change what the checker compares against. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
