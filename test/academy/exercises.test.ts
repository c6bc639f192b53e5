// The exercise checkers: each fails on its shipped starter with feedback that names the mistake,
// passes on its reference solution, and catches other slips than the starter's (so the feedback
// comes from checking behaviour, not from recognising one file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamW } from '../../src/optim/index.js';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { planAdaptation } from '../../src/adapt/plan.js';
import { EXERCISES, checkExercise } from '../../academy/exercises/resnet-bert-and-finetuning/exercises.js';
import { Report } from '../../academy/exercises/resnet-bert-and-finetuning/checks/report.js';
import { checkTrulyFrozen } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex01-truly-frozen.js';
import { checkLearningRatePlan } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex02-lr-plan.js';
import { checkPartialRun } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex03-partial-vs-extremes.js';
import { checkConfusionShift } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex04-confusion-shift.js';
import { checkHeadlineVsPattern } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex05-headline-vs-pattern.js';
import { checkAdaptationNote } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex06-adaptation-note.js';
import { checkLoraSaving } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex07-lora-saving.js';
import * as ex03 from '../../academy/exercises/resnet-bert-and-finetuning/solutions/ex03-partial-vs-extremes.js';
import * as ex04 from '../../academy/exercises/resnet-bert-and-finetuning/solutions/ex04-confusion-shift.js';
import * as ex05 from '../../academy/exercises/resnet-bert-and-finetuning/solutions/ex05-headline-vs-pattern.js';
import * as ex06 from '../../academy/exercises/resnet-bert-and-finetuning/solutions/ex06-adaptation-note.js';
import * as ex07 from '../../academy/exercises/resnet-bert-and-finetuning/solutions/ex07-lora-saving.js';
import { analyse, loadRun } from '../../academy/exercises/resnet-bert-and-finetuning/checks/analysis.js';
import { sections } from '../../academy/exercises/resnet-bert-and-finetuning/checks/ex06-adaptation-note.js';
import { excludedScratchRun, loraAcceptableRun, nothingLearnedRun, openCheaperRun } from './variants.js';

/** What the untouched starter of each exercise must be told: one pattern per mistake it contains. */
const STARTER_FEEDBACK: Record<number, RegExp[]> = {
  1: [/the optimizer holds \d+ backbone parameter tensors \(conv1\.weight/, /backbone parameters still require gradients/, /BatchNorm buffers changed \(bn1\.running_mean/, /model\.train\(\) before every epoch/],
  2: [/ResNet-20: the head and the backbone share one learning rate \(0\.001/, /tiny BERT: the head and the backbone share one learning rate/, /justification is still empty or a TODO/],
  3: [/partialMinusFrozenPoints is NaN/, /cheapestAcceptable is full_finetune, the highest mean validation accuracy/, /transferBeatsScratch = false, but scratch's paired interval/],
  4: [/scratch → partial_unfreeze: "4" predicted as "9" is not the pair that changed most: that is the most frequent confusion \*after\* adaptation/, /frozen → partial_unfreeze: .*most frequent confusion \*after\* adaptation/],
  5: [/full_finetune vs scratch \(validation\): the accuracy moved by 10\.\d\d points .*the headline did move/],
  6: [
    /missing section "## Scratch baseline"/,
    /missing section "## Confusion pattern"/,
    /missing section "## Sanity gates"/,
    /section "## Evidence" is still a TODO/,
    /the note defends full_finetune, the best score, but recommend\(\) on this evidence names frozen/,
    /the note calls the decision sufficient, but recommend\(\) on this evidence calls it provisional: the decision rests on partial_unfreeze, full_finetune, which were still improving/,
  ],
  7: [
    /storedBytesRatio = 1\.01 compares whole models\. The model lora hands over has its adapters merged/,
    /trainFlopsRatio = 0\.00906 is the ratio of trainable parameters, not of the work training did/,
    /loraVerdict is non-inferior, but lora's paired interval vs full_finetune is −\d\.\d\d to \+\d\.\d\d points at a 1\.00-point margin: inconclusive .* a mean is not a bound on the loss/,
    /savingIsReal = true, but lora's paired interval/,
    /recommended is lora, but lora is not shown acceptable/,
  ],
};

for (const exercise of EXERCISES) {
  test(`exercise ${exercise.n} (${exercise.slug}): the untouched starter fails, and the feedback names its mistakes`, async () => {
    const { report } = await checkExercise(exercise.n, 'starter');
    assert.equal(report.passed, false);
    const failures = report.failures.join('\n');
    for (const pattern of STARTER_FEEDBACK[exercise.n]) assert.match(failures, pattern);
  });

  test(`exercise ${exercise.n} (${exercise.slug}): the reference solution passes every check`, async () => {
    const { report } = await checkExercise(exercise.n, 'solution');
    assert.deepEqual(report.failures, []);
    assert.ok(report.findings.length >= 3, 'a pass is made of several checked statements');
  });
}

test('exercise 1: calling eval() once in setup is caught: model.train() in the loop lets BatchNorm statistics drift', () => {
  const report = new Report();
  checkTrulyFrozen(
    {
      prepareFrozenRun(model) {
        const head = model.parameterGroups().at(-1)!.params;
        for (const [name, t] of model.namedParameters()) t.requiresGrad_(name.startsWith('fc.'));
        model.eval();
        return { optimizer: new AdamW(head, { lr: 1e-2 }) };
      },
    },
    report,
  );
  assert.deepEqual(report.failures.length, 1);
  assert.match(report.failures[0], /BatchNorm buffers changed .*undoes any eval\(\) you call once in setup/);
});

test('exercise 1: a plan that is not frozen fails the audit statement even if the optimizer is built from it', () => {
  const report = new Report();
  checkTrulyFrozen(
    {
      prepareFrozenRun(model) {
        const plan = planAdaptation(model, defineStrategy('partial_unfreeze', { headLr: 1e-2 }));
        return { optimizer: new AdamW(plan.optimizerGroups, { lr: 1e-2 }), plan };
      },
    },
    report,
  );
  assert.match(report.failures.join('\n'), /the optimizer holds \d+ backbone parameter tensors \(layer3\./);
  assert.match(report.failures.join('\n'), /your plan is for 'partial_unfreeze', not 'frozen'/);
});

test('exercise 2: an inverted plan and an unjustified layer decay are named', () => {
  const inverted = new Report();
  checkLearningRatePlan({ learningRatePlan: () => ({ strategy: defineStrategy('full_finetune', { headLr: 1e-4, backboneLr: 1e-3 }), justification: 'x' }) }, inverted);
  assert.match(inverted.failures.join('\n'), /ResNet-20: the backbone learns faster than the head/);
  const decay = new Report();
  const text =
    'The head is new and starts from random weights, so it gets 0.003 to learn fast. The backbone is pretrained, so it gets 0.0003 to keep its features and not forget what it learned.';
  checkLearningRatePlan({ learningRatePlan: () => ({ strategy: defineStrategy('full_finetune', { headLr: 3e-3, backboneLr: 3e-4, layerDecay: 0.7 }), justification: text }) }, decay);
  assert.deepEqual(decay.failures, ['the plan uses layer decay 0.7 but the justification does not explain it (mention "decay" and the factor).']);
  const frozen = new Report();
  checkLearningRatePlan({ learningRatePlan: () => ({ strategy: defineStrategy('frozen'), justification: text }) }, frozen);
  assert.match(frozen.failures[0], /trains the head only, so the backbone has no learning rate/);
});

test('exercise 3: fractions instead of points and a flipped sign get their own feedback', () => {
  const report = new Report();
  checkPartialRun(
    {
      readPartialRun(run) {
        const right = ex03.readPartialRun(run);
        return { ...right, partialMinusFrozenPoints: right.partialMinusFrozenPoints / 100, partialMinusFullPoints: -right.partialMinusFullPoints, cheapestAcceptable: 'frozen' };
      },
    },
    report,
  );
  const text = report.failures.join('\n');
  assert.match(text, /partialMinusFrozenPoints = 0\.04\d+: that is a fraction of accuracy/);
  assert.match(text, /partialMinusFullPoints = 0\.33 has the wrong sign/);
  assert.match(text, /cheapestAcceptable is frozen, but its paired interval vs full_finetune is [−-]?\d+\.\d\d to [−-]?\d+\.\d\d points: it is inferior \(ruled out: .*\), not acceptable/);
  assert.equal(report.failures.length, 3);
});

test('exercise 4: sums over seeds instead of means per run are named', () => {
  const report = new Report();
  checkConfusionShift(
    {
      mostChangedPair(baseline, adapted, names) {
        const right = ex04.mostChangedPair(baseline, adapted, names);
        return { ...right, baselineCount: right.baselineCount * baseline.length, adaptedCount: right.adaptedCount * adapted.length };
      },
    },
    report,
  );
  assert.equal(report.failures.length, 2);
  for (const f of report.failures) assert.match(f, /are sums over the 3 seeds; report the mean per run/);
});

test('exercise 5: a pair whose change is within noise is not a hidden pattern', () => {
  const report = new Report();
  checkHeadlineVsPattern(
    {
      findHiddenPattern(run) {
        // partial_unfreeze vs frozen: accuracy identical, hard_ham -> spam moved a little, not significantly.
        const right = ex05.findHiddenPattern(run);
        return { ...right, strategy: 'partial_unfreeze', baseline: 'frozen', accuracyChangePoints: 0, actual: 'hard_ham', predicted: 'spam' };
      },
    },
    report,
  );
  assert.equal(report.failures.length, 1);
  assert.match(report.failures[0], /partial_unfreeze vs frozen \(validation\): "hard_ham" predicted as "spam" changed .* but within noise/);
});

test('exercise 6: a complete note that defends the wrong depth fails on the decision only', () => {
  const report = new Report();
  checkAdaptationNote({ writeNote: (run) => ex06.writeNote(run).replace('Cheapest acceptable depth: frozen', 'Cheapest acceptable depth: partial_unfreeze') }, report);
  assert.equal(report.failures.length, 1);
  assert.match(report.failures[0], /the note defends partial_unfreeze but recommend\(\) on this evidence names frozen/);
  // The solution's note is computed from the run: the same note for the same records.
  assert.equal(ex06.writeNote(loadRun('text-run.json')), ex06.writeNote(loadRun('text-run.json')));
});

/** `note` with the body of its `## <heading>` section replaced. */
function withSection(note: string, heading: string, text: string): string {
  const start = note.indexOf(`## ${heading}\n`);
  assert.ok(start >= 0, `the note has a "## ${heading}" section`);
  const end = note.indexOf('\n## ', start + 1);
  return `${note.slice(0, start)}## ${heading}\n\n${text}\n${end < 0 ? '' : note.slice(end)}`;
}

test('exercise 6: the shipped run is provisional because the decision rests on undertrained strategies; a note that drops that reason fails', () => {
  const run = loadRun('text-run.json');
  const { rec } = analyse(run);
  assert.equal(rec.strategy, 'frozen');
  assert.equal(rec.evidence, 'provisional');
  assert.equal(rec.settled, true);
  const note = ex06.writeNote(run);
  const decision = [...sections(note)].find(([h]) => h === 'Decision')![1];
  assert.match(decision, /Evidence: provisional/);
  assert.match(decision, /rests on partial_unfreeze, full_finetune, which were undertrained/);
  const report = new Report();
  checkAdaptationNote(
    {
      writeNote: (r) =>
        withSection(ex06.writeNote(r), 'Decision', 'Cheapest acceptable depth: frozen\n\nEvidence: provisional\n\nfrozen is the cheapest strategy within the margin of full_finetune, so nothing deeper is worth its cost here.'),
    },
    report,
  );
  assert.equal(report.failures.length, 1, report.failures.join('\n'));
  assert.match(report.failures[0], /calls the decision provisional but should say that the decision rests on partial_unfreeze, full_finetune, which were undertrained/);
});

test('exercise 6: with a cheaper depth still open, the solution names it and what would settle it; a note that calls it settled, or stays silent on it, fails', () => {
  const run = openCheaperRun();
  const { rec } = analyse(run);
  assert.equal(rec.strategy, 'partial_unfreeze');
  assert.equal(rec.evidence, 'provisional');
  assert.equal(rec.settled, false);
  assert.equal(rec.cheapestNotRuledOut, 'frozen');
  assert.ok(rec.evidenceNeeded.length > 0);

  const solved = new Report();
  checkAdaptationNote(ex06, solved, run);
  assert.deepEqual(solved.failures, []);
  const decision = [...sections(ex06.writeNote(run))].find(([h]) => h === 'Decision')![1];
  assert.match(decision, /Cheapest acceptable depth: partial_unfreeze/);
  assert.match(decision, /the cheapest depth not ruled out is frozen/);
  assert.match(decision, /about \d+ seeds \(now 3\)/);

  const overstated = new Report();
  checkAdaptationNote({ writeNote: (r) => ex06.writeNote(r).replace('Evidence: provisional', 'Evidence: sufficient') }, overstated, run);
  assert.equal(overstated.failures.length, 1, overstated.failures.join('\n'));
  assert.match(overstated.failures[0], /calls the decision sufficient, but recommend\(\) on this evidence calls it provisional: frozen is cheaper than partial_unfreeze and not ruled out/);

  const silent = new Report();
  const vague = 'Cheapest acceptable depth: partial_unfreeze\n\nEvidence: provisional\n\npartial_unfreeze is the cheapest strategy within the margin of full_finetune, so deeper adaptation buys nothing measurable here.';
  checkAdaptationNote({ writeNote: (r) => withSection(ex06.writeNote(r), 'Decision', vague) }, silent, run);
  assert.equal(silent.failures.length, 1, silent.failures.join('\n'));
  assert.match(silent.failures[0], /should name frozen as the cheapest depth not ruled out .* and say what evidence would settle it/);

  // The depth is still checked strictly: defending the open, cheaper frozen is wrong.
  const cheaper = new Report();
  checkAdaptationNote({ writeNote: (r) => ex06.writeNote(r).replace('Cheapest acceptable depth: partial_unfreeze', 'Cheapest acceptable depth: frozen') }, cheaper, run);
  assert.match(cheaper.failures.join('\n'), /the note defends frozen but recommend\(\) on this evidence names partial_unfreeze/);
});

test('exercise 6: a scratch the sanity gates excluded is reported as excluded, and a note that says transfer pays off against it fails', () => {
  const run = excludedScratchRun();
  const { rec } = analyse(run);
  assert.equal(rec.assessments.find((a) => a.strategy === 'scratch')!.verdict, 'excluded');
  assert.equal(rec.strategy, 'frozen');

  const solved = new Report();
  checkAdaptationNote(ex06, solved, run);
  assert.deepEqual(solved.failures, []);
  const note = ex06.writeNote(run);
  const scratch = [...sections(note)].find(([h]) => h === 'Scratch baseline')![1];
  assert.match(scratch, /excluded by the sanity gates \(did not learn/);
  assert.doesNotMatch(scratch, /transfer pays off/);
  assert.match([...sections(note)].find(([h]) => h === 'Sanity gates')![1], /- scratch: excluded, never recommended/);

  const claims = new Report();
  const claim = 'scratch reached 47.6% validation accuracy on the same examples and seeds. It is 45.6 points below full_finetune, so transfer pays off.';
  checkAdaptationNote({ writeNote: (r) => withSection(ex06.writeNote(r), 'Scratch baseline', claim) }, claims, run);
  assert.equal(claims.failures.length, 1, claims.failures.join('\n'));
  assert.match(claims.failures[0], /"## Scratch baseline" should say that scratch was excluded, and say which gate excluded it, and claim nothing against it, yet it says "It is 45\.6 points below full_finetune, so transfer pays off\."/);

  // The gates section must report the exclusion too.
  const gates = new Report();
  checkAdaptationNote({ writeNote: (r) => withSection(ex06.writeNote(r), 'Sanity gates', 'Every strategy passed the gates: each learned, none collapsed, and every trainable parameter moved during training.') }, gates, run);
  assert.match(gates.failures.join('\n'), /"## Sanity gates" should name scratch.*the gates found scratch: excluded, did not learn, collapsed/);
});

test('exercise 6: when nothing passes the gates the solution recommends no depth, and the checker holds a note to that', () => {
  const run = nothingLearnedRun();
  const { rec } = analyse(run);
  assert.equal(rec.strategy, null);
  assert.equal(rec.evidence, 'insufficient');
  const solved = new Report();
  checkAdaptationNote(ex06, solved, run);
  assert.deepEqual(solved.failures, []);
  assert.match(ex06.writeNote(run), /Cheapest acceptable depth: none\n\nEvidence: insufficient/);
  const crowned = new Report();
  checkAdaptationNote({ writeNote: (r) => ex06.writeNote(r).replace('Cheapest acceptable depth: none', 'Cheapest acceptable depth: full_finetune') }, crowned, run);
  assert.match(crowned.failures.join('\n'), /the note defends full_finetune, which the sanity gates excluded/);
});

test('exercise 3: against a scratch the sanity gates excluded, transfer is not shown to beat it', () => {
  const run = excludedScratchRun('vision-run.json');
  const solved = new Report();
  checkPartialRun(ex03, solved, run);
  assert.deepEqual(solved.failures, []);
  assert.equal(ex03.readPartialRun(run).transferBeatsScratch, false);
  const report = new Report();
  checkPartialRun({ readPartialRun: (r) => ({ ...ex03.readPartialRun(r), transferBeatsScratch: true }) }, report, run);
  assert.equal(report.failures.length, 1);
  assert.match(report.failures[0], /transferBeatsScratch = true, but scratch was excluded by the sanity gates, so it is no baseline/);
});

test('exercise 7: the shipped LoRA run stores under 1% of full fine-tuning per task but trains at about 70% of its FLOPs, and its accuracy loss is not yet bounded', () => {
  const run = loadRun('lora-run.json');
  const { rec } = analyse(run);
  const reading = ex07.readLoraRun(run);
  assert.ok(reading.storedBytesRatio > 0.005 && reading.storedBytesRatio < 0.01, `stored ${reading.storedBytesRatio}`);
  assert.ok(reading.trainFlopsRatio > 0.6 && reading.trainFlopsRatio < 0.8, `flops ${reading.trainFlopsRatio}`);
  // The trap the exercise is built on: the mean gap is inside the margin, the interval is not.
  assert.ok(reading.loraMinusFullPoints > -100 * run.margin && reading.loraMinusFullPoints < 0);
  assert.equal(reading.loraVerdict, 'inconclusive');
  assert.equal(reading.savingIsReal, false);
  assert.equal(rec.strategy, 'full_finetune');
  assert.equal(rec.cheapestNotRuledOut, 'lora');
  assert.equal(rec.assessments.find((a) => a.strategy === 'frozen')!.verdict, 'inferior');
  // Every record has the lab's shape for lora: adapters stated, the adapter count in the trainable total.
  for (const r of run.records.filter((x) => x.strategy === 'lora')) {
    assert.equal(r.config.tensors, 'adapters');
    assert.equal(r.config.adapters!.layers.length, 8);
    assert.equal(r.totals.trainable, r.config.adapters!.params + 387);
    assert.equal(r.cost.storedBytes, 4 * r.totals.trainable);
  }
});

test('exercise 7: an inverted ratio, a percentage and the stored-bytes ratio given for FLOPs get their own feedback', () => {
  const report = new Report();
  checkLoraSaving(
    {
      readLoraRun(run) {
        const right = ex07.readLoraRun(run);
        return { ...right, storedBytesRatio: 1 / right.storedBytesRatio, trainFlopsRatio: right.storedBytesRatio, loraMinusFullPoints: right.loraMinusFullPoints / 100 };
      },
    },
    report,
  );
  const text = report.failures.join('\n');
  assert.match(text, /storedBytesRatio = 110 is inverted: report lora ÷ full_finetune/);
  assert.match(text, /trainFlopsRatio = 0\.00906 is the ratio of trainable parameters/);
  assert.match(text, /loraMinusFullPoints = -0\.00\d+: that is a fraction of accuracy/);
  assert.equal(report.failures.length, 3);
  const pct = new Report();
  checkLoraSaving({ readLoraRun: (run) => ({ ...ex07.readLoraRun(run), trainFlopsRatio: 100 * ex07.readLoraRun(run).trainFlopsRatio }) }, pct);
  assert.deepEqual(pct.failures.length, 1);
  assert.match(pct.failures[0], /trainFlopsRatio = 70\.8 is a percentage/);
});

test('exercise 7: with lora shown acceptable the rule recommends it; keeping full_finetune, or calling the saving unproven, fails', () => {
  const run = loraAcceptableRun();
  const { rec } = analyse(run);
  assert.equal(rec.assessments.find((a) => a.strategy === 'lora')!.verdict, 'non-inferior');
  assert.equal(rec.strategy, 'lora');
  const solved = new Report();
  checkLoraSaving(ex07, solved, run);
  assert.deepEqual(solved.failures, []);
  assert.equal(ex07.readLoraRun(run).savingIsReal, true);

  const cautious = new Report();
  checkLoraSaving({ readLoraRun: (r) => ({ ...ex07.readLoraRun(r), savingIsReal: false, recommended: 'full_finetune' }) }, cautious, run);
  assert.equal(cautious.failures.length, 2, cautious.failures.join('\n'));
  assert.match(cautious.failures[0], /savingIsReal = false, but lora's paired interval vs full_finetune is .* the loss is shown to stay within the margin/);
  assert.match(cautious.failures[1], /recommended is full_finetune, the highest mean validation accuracy; the rule names the cheapest acceptable strategy, lora/);
});
