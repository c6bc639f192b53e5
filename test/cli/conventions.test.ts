// The CLI meets users where they are: --version/-V and -h, a did-you-mean for mistyped commands,
// options and values, seeds that cannot be misread (--seeds lists them, --num-seeds counts them),
// and `lab --config` replaying a run folder's config.json exactly.
import { STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCliCaptured } from '../helpers.js';
import { closest, editDistance, givenOptions, parseArgs } from '../../src/cli/parse.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { labCommand, labOptionsFrom } from '../../src/cli/commands/lab.js';
import { DEFAULT_LAB_OPTIONS } from '../../src/lab/options.js';
import type { Summary } from '../../src/record/run-record.js';
import { makeImageFolder, makeResnetBackbone } from '../lab/make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-conventions-'));
after(() => rmSync(work, { recursive: true, force: true }));

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

test('--version and -V print the package version and exit 0, at the top and after a command', async () => {
  for (const args of [['--version'], ['-V'], ['lab', '--version'], ['predict', '-V']]) {
    const r = await runCliCaptured(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.stdout, version, args.join(' '));
    assert.equal(r.stderr, '');
  }
});

test('-h is --help: at the top (and `adaptlab help`), and for every command', async () => {
  const top = await runCliCaptured(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /-V, --version/);
  for (const alias of [['-h'], ['help']]) assert.deepEqual(await runCliCaptured(alias), top, alias[0]);
  for (const c of COMMANDS) {
    const long = await runCliCaptured([c.name, '--help']);
    assert.equal(long.code, 0, c.name);
    assert.match(long.stdout, new RegExp(`^adaptlab ${c.name}`));
    assert.match(long.stdout, /\n {2}-h, --help {2,}show this help/);
    assert.deepEqual(await runCliCaptured([c.name, '-h']), long, `${c.name} -h`);
    assert.deepEqual(await runCliCaptured(['help', c.name]), long, `help ${c.name}`);
  }
});

test('edit distance counts a swap of neighbours as one edit; closest finds near names only', () => {
  assert.equal(editDistance('modalty', 'modality'), 1);
  assert.equal(editDistance('visoin', 'vision'), 1);
  assert.equal(editDistance('exprot', 'export'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.deepEqual(closest('modalty', ['modality', 'margin', 'model']), ['modality']);
  assert.deepEqual(closest('partial_k', ['partial-k', 'probe-lr']), ['partial-k'], 'underscores read as dashes');
  assert.deepEqual(closest('partialK', ['partial-k']), ['partial-k'], 'camelCase reads as kebab-case');
  assert.deepEqual(closest('valid', ['validation-fraction', 'test-fraction']), ['validation-fraction'], 'a unique prefix');
  assert.deepEqual(closest('bogus', ['modality', 'seeds', 'out']), []);
  assert.deepEqual(closest('xy', ['out', 'arch']), [], 'short names need a closer match');
});

test('an unknown option near a real one gets a did-you-mean instead of the whole list', async () => {
  const out = join(work, 'never');
  const r = await runCliCaptured(['lab', '--modalty', 'vision', '--out', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'adaptlab lab: unknown option --modalty; did you mean --modality?');
  for (const [args, hint] of [
    [['lab', '--seed', '0,1'], '--seeds'],
    [['lab', '--partial_k', '2'], '--partial-k'],
    [['lab', '-modality', 'vision'], '--modality'],
    [['predict', '--modle', 'm'], '--model'],
    [['evaluate', '--model_dir', 'm'], '--model-dir'],
    [['lab', '--verison'], '--version'],
  ] as const) {
    const e = await runCliCaptured([...args]);
    assert.equal(e.code, 2, args.join(' '));
    assert.ok(e.stderr.includes(`did you mean ${hint}?`), `${args.join(' ')}: ${e.stderr}`);
    assert.doesNotMatch(e.stderr, /Valid options/);
  }
  // Nothing close: the whole list, as before.
  const far = await runCliCaptured(['lab', '--bogus']);
  assert.equal(far.code, 2);
  assert.match(far.stderr, /^adaptlab lab: unknown option --bogus\. Valid options: --help, --version, --threads, --modality, .*--config, --queue(, --[a-z-]+)*$/);
  assert.equal(existsSync(out), false);
});

test('an unknown command gets a did-you-mean; an option before the command names its command', async () => {
  const labb = await runCliCaptured(['labb']);
  assert.equal(labb.code, 2);
  assert.equal(labb.stderr, 'adaptlab: unknown command "labb"; did you mean lab?');
  assert.match((await runCliCaptured(['exprot'])).stderr, /did you mean export\?$/);
  assert.match((await runCliCaptured(['help', 'evalute'])).stderr, /did you mean evaluate\?$/);
  const far = await runCliCaptured(['frobnicate']);
  assert.equal(far.code, 2);
  assert.equal(far.stderr, 'adaptlab: unknown command "frobnicate". Commands: lab, worker, predict, export, pretrain, evaluate, bench');
  const first = await runCliCaptured(['--modality', 'vision']);
  assert.equal(first.code, 2);
  assert.match(first.stderr, /options come after the command; --modality is an option of lab \(e\.g\. adaptlab lab --modality \.\.\.\)/);
});

test('a mistyped choice value gets a did-you-mean too', async () => {
  const r = await runCliCaptured(['lab', '--modality', 'visoin']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'adaptlab lab: --modality must be one of vision, text, both; got "visoin"; did you mean vision?');
  const s = await runCliCaptured(['lab', '--strategies', 'frozen,partial_unfreez']);
  assert.equal(s.code, 2);
  assert.equal(s.stderr, `adaptlab lab: --strategies: unknown strategy partial_unfreez; did you mean partial_unfreeze? (choose from ${STRATEGY_NAMES.join(', ')})`);
  const far = await runCliCaptured(['lab', '--schedule', 'sweep']);
  assert.equal(far.stderr, 'adaptlab lab: --schedule must be one of race, grid; got "sweep"');
});

function optionsOf(argv: string[]) {
  return labOptionsFrom(parseArgs(labCommand, argv).options);
}

test('--seeds lists seeds, --num-seeds counts them; one seed value is refused with the way to ask for N seeds', async () => {
  assert.deepEqual(optionsOf([]).seeds, [0, 1, 2]);
  assert.deepEqual(optionsOf(['--seeds', '0,1,2']).seeds, [0, 1, 2]);
  assert.deepEqual(optionsOf(['--seeds', '7,11,13']).seeds, [7, 11, 13]);
  assert.deepEqual(optionsOf(['--seeds=3,4']).seeds, [3, 4]);
  assert.deepEqual(optionsOf(['--num-seeds', '4']).seeds, [0, 1, 2, 3]);
  assert.deepEqual(optionsOf(['--num-seeds', '2']).seeds, [0, 1]);
  const cases: [string[], string | RegExp][] = [
    [['--seeds', '42'], 'adaptlab: --seeds lists seeds (at least 2, e.g. 0,1,2); for 42 seeds use --num-seeds 42'],
    [['--seeds', '3'], /for 3 seeds use --num-seeds 3$/],
    [['--seeds', '1'], /at least 2 seeds are needed.*got only 1$/],
    [['--seeds', '0,1', '--num-seeds', '3'], /--seeds and --num-seeds both name the seeds; give one of them/],
    [['--num-seeds', '1'], /--num-seeds must be at least 2 seeds/],
    [['--num-seeds', '1e9'], /--num-seeds 1000000000 asks for more than 1000 seeds/],
    [['--num-seeds', '2.5'], /--num-seeds expects an integer/],
    [['--seeds', '0,x'], /--seeds lists seeds as non-negative integers/],
    [['--seeds', '1,1'], /--seeds lists a seed twice/],
  ];
  for (const [args, message] of cases) {
    const r = await runCliCaptured(['lab', '--out', join(work, 'never'), ...args]);
    assert.equal(r.code, 2, args.join(' '));
    if (typeof message === 'string') assert.equal(r.stderr, message);
    else assert.match(r.stderr, message);
  }
  const help = (await runCliCaptured(['lab', '--help'])).stdout;
  assert.match(help, /\n {2}--seeds <seed,seed,\.\.\.> +the seeds a strategy may use, at least 2 \(default: 0,1,2\); a race starts with the first two/);
  assert.match(help, /\n {2}--num-seeds <N> +seeds 0\.\.N-1 instead of a list, N >= 2/);
  assert.equal(existsSync(join(work, 'never')), false);
});

test('parseArgs tells given options from defaults', () => {
  const { options, given } = parseArgs(labCommand, ['--modality', 'vision', '--quick', '--no-force']);
  assert.deepEqual([...given].sort(), ['force', 'modality', 'quick']);
  assert.equal(givenOptions(options), given);
  assert.equal(options.out, 'runs/lab', 'defaults still apply');
  assert.equal(givenOptions({ ...options }), undefined);
});

test('every command line in the README Commands section parses against its option table', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Commands'), readme.indexOf('\n## ', readme.indexOf('## Commands') + 1));
  const lines = [...section.matchAll(/^npx adaptlab (.*?)(?:\s+#.*)?$/gm)].map((m) => m[1].trim().split(/\s+/));
  assert.ok(lines.length >= 10, `${lines.length} command lines`);
  for (const [name, ...args] of lines) {
    if (name.startsWith('-')) continue; // adaptlab --version
    const command = COMMANDS.find((c) => c.name === name);
    assert.ok(command, `README runs an unknown command ${name}`);
    const { options } = parseArgs(command, args);
    if (name === 'lab' && options.config === undefined) labOptionsFrom(options); // every lab flag maps and checks
  }
});

test('--config: other flags, a missing or malformed file and unknown fields are usage errors before anything runs', async () => {
  const file = join(work, 'hand.json');
  const out = join(work, 'config-never');
  const cases: [unknown, string[], RegExp][] = [
    [{ modalities: ['vision'] }, ['--epochs', '3'], /--config replays the settings of .*hand\.json exactly; --epochs would change them\. Leave it out \(only --out, --force, --threads.* --queue go with --config\)/],
    [{ modalities: ['vision'] }, ['--modality', 'both', '--seeds', '0,1'], /--modality, --seeds would change them\. Leave them out/],
    [{ modalities: ['vision'], epoch: 3 }, [], /--config .*hand\.json: unknown field "epoch"; did you mean "epochs"\?/],
    [{ modalities: ['vision'], force: true }, [], /"force" is not a setting of a run; .*add --force to the command line/],
    [{ modalities: ['vision'], out: 7 }, [], /"out" must be a string; got 7/],
    [{ modalities: ['vision'], seeds: [0] }, [], /seeds \(--seeds\) must be a list of at least 2 seeds/],
    [{ modalities: ['vision'], margin: 1 }, [], /margin \(--margin\): margin 1 is a fraction of accuracy/],
    [[1, 2], [], /must hold one JSON object of lab settings .*found an array/],
    ['{not json', [], /is not JSON/],
  ];
  for (const [content, flags, message] of cases) {
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    const r = await runCliCaptured(['lab', '--config', file, '--out', out, ...flags]);
    assert.equal(r.code, 2, `${JSON.stringify(content)} ${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const missing = await runCliCaptured(['lab', '--config', join(work, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--config .*nope\.json: no such file/);
  assert.equal(existsSync(out), false);
});

test('--config fills what a hand-written file leaves out from the library defaults, and --out replaces its out', () => {
  const file = join(work, 'partial.json');
  writeFileSync(file, JSON.stringify({ modalities: ['vision'], seeds: [3, 4], margin: 0.02, out: 'runs/elsewhere' }));
  const o = optionsOf(['--config', file, '--out', join(work, 'replayed')]);
  assert.deepEqual(o, { ...DEFAULT_LAB_OPTIONS, modalities: ['vision'], seeds: [3, 4], margin: 0.02, out: join(work, 'replayed') });
  assert.equal(optionsOf(['--config', file]).out, 'runs/elsewhere', "without --out: the file's out");
  assert.equal(optionsOf(['--config', file, '--force']).force, true);
});

test('lab --config replays a run: the same config.json apart from out, the same accuracies', async () => {
  const images = join(work, 'images');
  const resnetFile = join(work, 'resnet20.safetensors');
  await makeImageFolder(images);
  makeResnetBackbone(resnetFile);
  const first = join(work, 'first');
  const again = join(work, 'again');
  const ran = await runCliCaptured([
    'lab', '--quick', '--modality', 'vision', '--strategies', 'frozen,partial_unfreeze', '--seeds', '0,1', '--folds', '1', '--save-models', 'none',
    '--data', images, '--backbone', resnetFile, '--arch', 'resnet20', '--out', first,
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  const replay = await runCliCaptured(['lab', '--config', join(first, 'config.json'), '--out', again]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.doesNotMatch(replay.stderr, /note:/, 'the same version wrote the file');

  const configBefore = readFileSync(join(first, 'config.json'), 'utf8');
  const configAfter = readFileSync(join(again, 'config.json'), 'utf8');
  assert.equal(configAfter, configBefore.replace(JSON.stringify(first), JSON.stringify(again)));
  assert.notEqual(configAfter, configBefore);

  const metrics = (dir: string) => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    const strategies = summary.modalities.vision!.strategies;
    return Object.fromEntries(
      Object.entries(strategies).map(([name, s]) => [name, { validation: s!.metrics.validation.accuracy.values, test: s!.metrics.test.accuracy.values }]),
    );
  };
  const before = metrics(first);
  assert.deepEqual(Object.keys(before).sort(), ['frozen', 'partial_unfreeze']);
  assert.deepEqual(metrics(again), before);

  // A file from another adaptlab version still runs (into a fresh folder), with a note.
  const older = join(work, 'older.json');
  writeFileSync(older, JSON.stringify({ ...JSON.parse(configBefore), adaptlabVersion: '0.0.1' }));
  const noted = await runCliCaptured(['lab', '--config', older, '--out', again]);
  assert.equal(noted.code, 0, noted.stderr);
  assert.match(noted.stderr, new RegExp(`note: .*older\\.json was written by adaptlab 0\\.0\\.1; this is ${version.replace(/\./g, '\\.')}`));
});
