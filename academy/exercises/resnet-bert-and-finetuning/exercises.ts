// The exercises of the track, in order, and how to check one: load the learner's compiled starter
// (or the reference solution), make sure it is compiled from the current source, run its checker.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ex01Module, Ex02Module, Ex03Module, Ex04Module, Ex05Module, Ex06Module, Ex07Module } from './contracts.js';
import { compiledDir, exercisesDir, fromRoot } from './paths.js';
import { Report, errorText } from './checks/report.js';
import { checkTrulyFrozen } from './checks/ex01-truly-frozen.js';
import { checkLearningRatePlan } from './checks/ex02-lr-plan.js';
import { checkPartialRun } from './checks/ex03-partial-vs-extremes.js';
import { checkConfusionShift } from './checks/ex04-confusion-shift.js';
import { checkHeadlineVsPattern } from './checks/ex05-headline-vs-pattern.js';
import { checkAdaptationNote } from './checks/ex06-adaptation-note.js';
import { checkLoraSaving } from './checks/ex07-lora-saving.js';

export interface Exercise {
  n: number;
  slug: string;
  title: string;
  /** The track's "What To Inspect" / "Common Failure Modes" item it trains. */
  trains: string;
  /** The function the module must export. */
  exportName: string;
  check(mod: never, report: Report): void;
}

export const EXERCISES: Exercise[] = [
  { n: 1, slug: 'ex01-truly-frozen', title: 'Make a leaky frozen run truly frozen', trains: 'one frozen run that is actually frozen', exportName: 'prepareFrozenRun', check: (m: Ex01Module, r) => checkTrulyFrozen(m, r) },
  { n: 2, slug: 'ex02-lr-plan', title: 'Build and justify a head-vs-backbone learning-rate plan', trains: 'one head versus backbone learning-rate plan', exportName: 'learningRatePlan', check: (m: Ex02Module, r) => checkLearningRatePlan(m, r) },
  { n: 3, slug: 'ex03-partial-vs-extremes', title: 'Read partial_unfreeze against both extremes', trains: 'one partial-unfreeze comparison against both extremes (and scratch)', exportName: 'readPartialRun', check: (m: Ex03Module, r) => checkPartialRun(m, r) },
  { n: 4, slug: 'ex04-confusion-shift', title: 'Find the confusion that changed most after transfer', trains: 'one confusion pattern that changed in a useful way after adaptation', exportName: 'mostChangedPair', check: (m: Ex04Module, r) => checkConfusionShift(m, r) },
  { n: 5, slug: 'ex05-headline-vs-pattern', title: 'Find where the headline moved less than the error pattern', trains: 'one case where the headline score moved less than the error pattern', exportName: 'findHiddenPattern', check: (m: Ex05Module, r) => checkHeadlineVsPattern(m, r) },
  { n: 6, slug: 'ex06-adaptation-note', title: 'Write the adaptation note and defend the cheapest acceptable depth', trains: 'one defensible adaptation choice', exportName: 'writeNote', check: (m: Ex06Module, r) => checkAdaptationNote(m, r) },
  { n: 7, slug: 'ex07-lora-saving', title: "Is LoRA's saving real for this task?", trains: 'one cost claim checked against the records and the decision rule', exportName: 'readLoraRun', check: (m: Ex07Module, r) => checkLoraSaving(m, r) },
];

export type Copy = 'starter' | 'solution';

export function sourceFile(e: Exercise, which: Copy): string {
  return which === 'starter' ? join(exercisesDir, e.slug, 'starter.ts') : join(exercisesDir, 'solutions', `${e.slug}.ts`);
}

export function compiledFile(e: Exercise, which: Copy): string {
  return which === 'starter' ? join(compiledDir, e.slug, 'starter.js') : join(compiledDir, 'solutions', `${e.slug}.js`);
}

export interface CheckResult {
  exercise: Exercise;
  which: Copy;
  file: string;
  report: Report;
}

export async function checkExercise(n: number, which: Copy): Promise<CheckResult> {
  const exercise = EXERCISES.find((e) => e.n === n);
  if (!exercise) throw new RangeError(`there is no exercise ${n}; exercises are 1 to ${EXERCISES.length}`);
  const source = sourceFile(exercise, which);
  const compiled = compiledFile(exercise, which);
  const report = new Report();
  const result = { exercise, which, file: fromRoot(source), report };
  // The checker runs the compiled copy: an edit that was not compiled would silently be ignored.
  if (!existsSync(compiled)) {
    report.fail(`${fromRoot(compiled)} does not exist: compile first with \`npm run build:ts\`.`);
    return result;
  }
  if (existsSync(source) && statSync(source).mtimeMs > statSync(compiled).mtimeMs) {
    report.fail(`${fromRoot(source)} changed after it was compiled: run \`npm run build:ts\`, then check again.`);
    return result;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(compiled).href)) as Record<string, unknown>;
  } catch (e) {
    report.fail(`loading ${fromRoot(compiled)} failed: ${errorText(e)}`);
    return result;
  }
  if (typeof mod[exercise.exportName] !== 'function') {
    report.fail(`${fromRoot(source)} must export a function named ${exercise.exportName}.`);
    return result;
  }
  try {
    exercise.check(mod as never, report);
  } catch (e) {
    report.fail(`the check stopped: ${errorText(e)}`);
  }
  return result;
}
