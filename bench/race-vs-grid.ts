// Racing against the fixed grid on the same lab: the decision each reached and the training FLOPs
// each spent. Reads two finished run directories (trials are deterministic per strategy and seed,
// so a grid run may reuse the race's trials and only add the ones the race skipped).
//
//   node dist/bench/race-vs-grid.js <race run dir> <grid run dir> [modality]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary, TrialRecord } from '../src/record/run-record.js';

function flopsOf(dir: string, modality: string, keep: (file: string) => boolean): { flops: number; trials: number } {
  const root = join(dir, 'trials', modality);
  let flops = 0;
  let trials = 0;
  for (const f of readdirSync(root).filter((n) => n.endsWith('.json') && keep(n))) {
    flops += (JSON.parse(readFileSync(join(root, f), 'utf8')) as TrialRecord).cost.trainFlops;
    trials++;
  }
  return { flops, trials };
}

const [raceDir, gridDir, modality = 'vision'] = process.argv.slice(2);
if (!raceDir || !gridDir) {
  console.error('usage: node dist/bench/race-vs-grid.js <race run dir> <grid run dir> [modality]');
  process.exit(2);
}
const read = (d: string): Summary => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary;
const race = read(raceDir).modalities[modality as 'vision']!;
const grid = read(gridDir).modalities[modality as 'vision']!;
// The race spent what its rounds say; the grid every trial of every strategy and seed.
const raceFlops = race.rounds.at(-1)!.spent.trainFlops;
const gridSpent = flopsOf(gridDir, modality, () => true);
const same = race.recommendation.strategy === grid.recommendation.strategy && race.recommendation.evidence === grid.recommendation.evidence;
console.log(JSON.stringify({
  modality,
  race: { recommendation: race.recommendation.strategy, evidence: race.recommendation.evidence, cheapestNotRuledOut: race.recommendation.cheapestNotRuledOut, rounds: race.rounds.length, trainFlops: raceFlops, trials: race.rounds.reduce((n, r) => n + r.added.length, 0) },
  grid: { recommendation: grid.recommendation.strategy, evidence: grid.recommendation.evidence, cheapestNotRuledOut: grid.recommendation.cheapestNotRuledOut, trainFlops: gridSpent.flops, trials: gridSpent.trials },
  sameDecision: same,
  flopsRatio: raceFlops / gridSpent.flops,
}, null, 2));
