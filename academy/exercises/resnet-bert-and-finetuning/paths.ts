// Where the exercise files live. Compiled code runs from dist/academy/exercises/<track>/, but
// the learner edits (and the fixtures live in) academy/exercises/<track>/ under the repository root.
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

/** The repository root (this file compiles to dist/academy/exercises/resnet-bert-and-finetuning/paths.js). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const TRACK = 'resnet-bert-and-finetuning';
/** Sources: starters, solutions, fixtures. */
export const exercisesDir = join(repoRoot, 'academy', 'exercises', TRACK);
/** Their compiled copies. */
export const compiledDir = join(repoRoot, 'dist', 'academy', 'exercises', TRACK);
export const fixturesDir = join(exercisesDir, 'fixtures');

/** A path as the learner types it from the repository root. */
export function fromRoot(path: string): string {
  return relative(repoRoot, path) || '.';
}
