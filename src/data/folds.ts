// Stratified k-fold assignment for cross-validated trials. Per class: the examples sorted by id
// (so folds depend on the set of examples, not on load order), shuffled with a generator seeded
// from (seed, class), then dealt round robin, so every fold holds a near-equal share of every
// class and the assignment is the same on every machine.
import { ArgumentError, DataError } from '../errors.js';
import { compareIds } from './hash.js';
import { mulberry32 } from './splits.js';

/** Fold index (0..k−1) of each example, in the order given. */
export function assignFolds(examples: readonly { id: string; label: number }[], k: number, seed: number, classNames?: readonly string[]): number[] {
  if (!Number.isInteger(k) || k < 2) throw new ArgumentError(`folds: k must be an integer >= 2, got ${String(k)}`);
  const byClass = new Map<number, number[]>();
  examples.forEach((e, i) => byClass.set(e.label, [...(byClass.get(e.label) ?? []), i]));
  const fold = new Array<number>(examples.length).fill(-1);
  for (const [label, members] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    if (members.length < 2) {
      const name = classNames?.[label] ?? `label ${label}`;
      throw new DataError(`Class "${name}" has ${members.length} labelled example outside the test split; cross-validation needs at least 2 per class so every fold trains on it. Add examples, or use --folds 1.`);
    }
    members.sort((a, b) => compareIds(examples[a].id, examples[b].id));
    const random = mulberry32((seed ^ Math.imul(label + 0x51ed, 0x9e3779b9)) >>> 0);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    members.forEach((m, i) => (fold[m] = i % k));
  }
  return fold;
}
