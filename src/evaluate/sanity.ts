// The sanity gates: before any verdict, is each strategy's evidence worth comparing at all?
// A model at chance, one that predicts only a few classes, one whose trainable parameters never
// moved, or one still improving when its budget ended would make "X pays off" or "X is enough"
// claims that rest on nothing. Pure: the trial records of one strategy (one per seed) in, a
// StrategySanity out.
import { ArgumentError } from '../errors.js';
import type { SeedSanity, StrategySanity, TrialRecord } from '../record/run-record.js';
import { binomialUpperTail } from './statistics.js';

/** A seed learned when its accuracy is above the majority-class rate at this one-sided level. */
export const LEARNED_ALPHA = 0.05;
/** A seed is far from the others when it sits this many robust spreads (1.4826·MAD) away, and at least MIN_OUTLIER_GAP. */
const OUTLIER_SPREADS = 4;
const MIN_OUTLIER_GAP = 0.05;
/** Two seeds are unstable when they differ by more than this. */
const TWO_SEED_GAP = 0.1;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fewest distinct predicted classes a model that has not collapsed shows: all of 2, half of more. */
export function classesNeeded(classCount: number): number {
  return classCount <= 2 ? classCount : Math.ceil(classCount / 2);
}

/**
 * Validation still rising at the end: the last epoch is the best, and it beats the best epoch
 * before the last quarter of training by more than about two standard errors of an accuracy
 * (at least 1 point) — so the small gain a cosine schedule's last steps bring does not count.
 */
function risingAtEnd(curve: readonly number[], n: number): { finalRise: number | null; undertrained: boolean } {
  const e = curve.length;
  if (e === 0) return { finalRise: null, undertrained: false }; // no curve recorded: nothing to judge
  if (e === 1) return { finalRise: null, undertrained: true }; // one epoch: nothing shows it converged
  const tail = Math.max(1, Math.floor(e / 4));
  const last = curve[e - 1];
  const before = Math.max(...curve.slice(0, e - tail));
  const rise = last - before;
  const threshold = Math.max(0.01, 2 * Math.sqrt((last * (1 - last)) / Math.max(1, n)));
  return { finalRise: rise, undertrained: last >= Math.max(...curve) && rise > threshold };
}

export function seedSanity(record: TrialRecord, classCount: number): SeedSanity {
  const p = record.predictions.validation;
  const n = p.labels.length;
  if (n === 0) throw new ArgumentError(`sanity: ${record.strategy} seed ${record.seed} has no validation predictions`);
  const counts = new Array<number>(classCount).fill(0);
  for (const l of p.labels) counts[l]++;
  const majorityRate = Math.max(...counts) / n;
  let correct = 0;
  for (let i = 0; i < n; i++) if (p.predictions[i] === p.labels[i]) correct++;
  const pAboveMajority = binomialUpperTail(correct, n, majorityRate);
  const classesPredicted = new Set(p.predictions).size;
  const { finalRise, undertrained } = risingAtEnd(
    record.curve.map((c) => c.validationAccuracy),
    n,
  );
  return {
    seed: record.seed,
    accuracy: correct / n,
    n,
    majorityRate,
    pAboveMajority,
    learned: pAboveMajority < LEARNED_ALPHA,
    classesPredicted,
    collapsed: classesPredicted < classesNeeded(classCount),
    finalRise,
    undertrained,
    untrained: [...record.audit.unchangedTrainable],
  };
}

function pts(v: number): string {
  return (100 * v).toFixed(1);
}

/** Seeds whose accuracy sits far from the others' (with 2 seeds: both, when they differ a lot). */
function outliers(seeds: readonly SeedSanity[]): { seeds: number[]; detail: string } | null {
  if (seeds.length < 2) return null;
  if (seeds.length === 2) {
    const [a, b] = seeds;
    const gap = Math.abs(a.accuracy - b.accuracy);
    return gap > TWO_SEED_GAP ? { seeds: [a.seed, b.seed], detail: `seeds ${a.seed} and ${b.seed} differ by ${pts(gap)} points (${pts(a.accuracy)}% vs ${pts(b.accuracy)}%)` } : null;
  }
  const far: SeedSanity[] = [];
  for (const s of seeds) {
    const others = seeds.filter((o) => o !== s).map((o) => o.accuracy);
    const m = median(others);
    const spread = Math.max(MIN_OUTLIER_GAP, OUTLIER_SPREADS * 1.4826 * median(others.map((o) => Math.abs(o - m))));
    if (Math.abs(s.accuracy - m) > spread) far.push(s);
  }
  if (far.length === 0 || far.length > seeds.length / 2) return null;
  const rest = seeds.filter((s) => !far.includes(s)).map((s) => s.accuracy);
  const range = `${pts(Math.min(...rest))}–${pts(Math.max(...rest))}%`;
  const named = far.map((s) => `seed ${s.seed} (${pts(s.accuracy)}%)`).join(', ');
  return { seeds: far.map((s) => s.seed), detail: `${named} far from the other seeds (${range})` };
}

/** The gates of one strategy from its records (one per seed, cross-validated folds already joined). */
export function strategySanity(records: readonly TrialRecord[], classCount: number): StrategySanity {
  if (records.length === 0) throw new ArgumentError('sanity: no records');
  const seeds = records.map((r) => seedSanity(r, classCount));
  const most = (f: (s: SeedSanity) => boolean): boolean => seeds.filter(f).length > seeds.length / 2;
  const half = (f: (s: SeedSanity) => boolean): boolean => seeds.filter(f).length >= seeds.length / 2;
  // Exclusion needs most seeds; "the budget was too short" (which only makes a decision provisional) needs half.
  const didNotLearn = most((s) => !s.learned);
  const collapsed = most((s) => s.collapsed);
  const undertrained = half((s) => s.undertrained);
  const didNotTrain = [...new Set(seeds.flatMap((s) => s.untrained))];
  let unstable = outliers(seeds);
  const notLearned = seeds.filter((s) => !s.learned);
  if (!didNotLearn && notLearned.length > 0 && !unstable) {
    const learned = seeds.filter((s) => s.learned).map((s) => `seed ${s.seed}`);
    unstable = { seeds: notLearned.map((s) => s.seed), detail: `${notLearned.map((s) => `seed ${s.seed}`).join(', ')} did not learn while ${learned.join(', ')} did` };
  }
  const name = records[0].strategy;
  const epochs = records[0].config.epochs;
  const problems: string[] = [];
  const failed = records.filter((r) => r.failure);
  for (const r of failed) problems.push(`failed: ${name} seed ${r.seed}: ${r.failure!.reason}`);
  if (didNotLearn) {
    const worst = seeds.reduce((a, b) => (b.pAboveMajority > a.pAboveMajority ? b : a));
    problems.push(
      `did not learn: ${name} is not significantly above always guessing the most frequent class (${pts(worst.majorityRate)}%) on ${seeds.filter((s) => !s.learned).length} of ${seeds.length} seeds ` +
        `(e.g. seed ${worst.seed}: ${pts(worst.accuracy)}% on ${worst.n} examples, one-sided binomial p = ${worst.pAboveMajority.toPrecision(2)})`,
    );
  }
  if (collapsed) {
    const few = Math.min(...seeds.map((s) => s.classesPredicted));
    problems.push(`collapsed: ${name} predicts as few as ${few} of the ${classCount} classes (fewer than ${classesNeeded(classCount)}) on most seeds`);
  }
  if (didNotTrain.length > 0) {
    const shown = didNotTrain.slice(0, 5).join(', ');
    problems.push(`did not train: ${didNotTrain.length} parameter(s) ${name} declares trainable never changed (${shown}${didNotTrain.length > 5 ? ', …' : ''})`);
  }
  if (undertrained) {
    problems.push(
      epochs <= 1
        ? `undertrained: ${name} ran a single epoch, so nothing shows it converged`
        : `undertrained: ${name}'s validation accuracy was still rising at its last epoch (${epochs}) on ${seeds.filter((x) => x.undertrained).length} of ${seeds.length} seeds: the budget was too short for it`,
    );
  }
  if (unstable) problems.push(`unstable: ${name}: ${unstable.detail}`);
  return { didNotLearn, collapsed, undertrained, didNotTrain, unstable, excluded: failed.length > 0 || didNotLearn || collapsed || didNotTrain.length > 0, problems, seeds };
}
