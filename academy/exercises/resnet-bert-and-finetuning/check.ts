// `npm run exercise -- <n>` checks your copy of exercise n (exNN-<name>/starter.ts);
// `npm run exercise -- <n> --solution` checks the reference solution; `all` checks every exercise.
// Exit code 0 when every check passed, 1 when one failed, 2 on a usage error.
import { EXERCISES, checkExercise, type CheckResult, type Copy } from './exercises.js';

function usage(): string {
  return [
    'usage: npm run exercise -- <n | all> [--solution]',
    '',
    ...EXERCISES.map((e) => `  ${e.n}  ${e.slug.padEnd(26)} ${e.title}`),
    '',
    'Edit exNN-<name>/starter.ts, run `npm run build:ts`, then `npm run exercise -- <n>`.',
  ].join('\n');
}

function print(r: CheckResult): void {
  const e = r.exercise;
  console.log(`\nExercise ${e.n}: ${e.title}\n  (${r.which === 'starter' ? 'your copy' : 'reference solution'}: ${r.file})`);
  for (const f of r.report.findings) console.log(`  ${f.ok ? 'ok  ' : 'FAIL'} ${f.text}`);
  const failed = r.report.failures.length;
  console.log(failed === 0 ? `  PASSED: ${e.trains}.` : `  ${failed} problem${failed === 1 ? '' : 's'} to fix in ${r.file}.`);
}

async function main(argv: string[]): Promise<number> {
  const which: Copy = argv.includes('--solution') ? 'solution' : 'starter';
  const rest = argv.filter((a) => a !== '--solution');
  if (rest.length !== 1 || rest[0] === '--help' || rest[0] === '-h') {
    console.log(usage());
    return rest.length === 1 ? 0 : 2;
  }
  const numbers = rest[0] === 'all' ? EXERCISES.map((e) => e.n) : [Number(rest[0])];
  if (!numbers.every((n) => EXERCISES.some((e) => e.n === n))) {
    console.error(`unknown exercise "${rest[0]}"\n\n${usage()}`);
    return 2;
  }
  let failed = 0;
  for (const n of numbers) {
    const result = await checkExercise(n, which);
    print(result);
    if (!result.report.passed) failed++;
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
