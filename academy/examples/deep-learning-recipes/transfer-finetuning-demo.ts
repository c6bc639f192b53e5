// First session of the track "ResNet, BERT, and Fine-Tuning": one adaptation, step by step, on
// the embedded vision backbone (ResNet-20 pretrained on Fashion-MNIST) and a few MNIST digits.
//
//   npm run demo                       (= node dist/academy/examples/deep-learning-recipes/transfer-finetuning-demo.js)
//   npm run demo -- --strategy frozen  (or full_finetune; default partial_unfreeze)
//
// It shows, in order: the checkpoint and its source head; the head replacement (which module,
// old shape -> new shape); the plan (what is frozen, what trains, at which rate: the
// parameter-group table and its totals); a few training steps on a few target examples; and the
// freeze audit. Everything is the library's own machinery (planAdaptation, AdamW over the plan's
// groups, auditFreeze): the lab runs the same calls inside runTrial. Runs in well under a minute.
import { parseArgs } from 'node:util';
import { join, relative } from 'node:path';
import { F, tidy, noGrad, manualSeed, countMacs, type Tensor } from '../../../src/tensor/index.js';
import { loadResnet, type ResNet } from '../../../src/models/index.js';
import { AdamW } from '../../../src/optim/index.js';
import { defineStrategy, parseStrategyNames } from '../../../src/adapt/strategies.js';
import { planAdaptation, type AdaptationPlan } from '../../../src/adapt/plan.js';
import { takeChecksums, auditFreeze } from '../../../src/adapt/audit.js';
import type { StrategyName } from '../../../src/record/vocabulary.js';
import { loadMnist, MNIST_CLASSES } from '../../../src/data/vision-datasets.js';
import { imageBatch } from '../../../src/data/image-batch.js';
import type { ImageRecord } from '../../../src/data/types.js';
import { modalityPlan } from '../../../src/lab/options.js';
import { embeddedBackboneDir, loadBackbone } from '../../../src/kinds/load.js';
import { flops } from '../../../src/decide/format.js';
import { textTable, rate } from '../../shared/text-table.js';

const SEED = 0;
const DEPTHS: StrategyName[] = ['frozen', 'partial_unfreeze', 'full_finetune'];

function options(): { backbone: string; strategy: StrategyName; steps: number; perClass: number } {
  const { values } = parseArgs({
    options: {
      backbone: { type: 'string' },
      strategy: { type: 'string', default: 'partial_unfreeze' },
      steps: { type: 'string', default: '8' },
      'per-class': { type: 'string', default: '8' },
    },
  });
  const [strategy] = parseStrategyNames([values.strategy!]);
  // scratch starts from random weights: there is no pretrained head to replace, so it lives in the lab.
  if (!DEPTHS.includes(strategy)) throw new Error(`--strategy ${strategy}: the demo adapts a pretrained backbone; choose ${DEPTHS.join(', ')} (scratch runs in the lab)`);
  const steps = Number(values.steps);
  const perClass = Number(values['per-class']);
  if (!(Number.isInteger(steps) && steps > 0 && Number.isInteger(perClass) && perClass > 0)) throw new Error('--steps and --per-class take positive integers');
  return { backbone: values.backbone ?? embeddedBackboneDir('vision'), strategy, steps, perClass };
}

function section(title: string): void {
  console.log(`\n== ${title} ==`);
}

function headLine(model: ResNet, names: readonly string[] | undefined): string {
  const fc = model.fc;
  const shown = names ? `${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}` : 'unnamed classes';
  return `fc: Linear ${fc.inFeatures} -> ${fc.outFeatures}  (weight [${fc.weight.shape.join(', ')}], bias [${fc.bias!.shape.join(', ')}]; classes ${shown})`;
}

/** The first `perClass` digits of every class for training, the next 10 held out. */
function fewDigits(records: readonly ImageRecord[], perClass: number): { train: ImageRecord[]; heldOut: ImageRecord[] } {
  const train: ImageRecord[] = [];
  const heldOut: ImageRecord[] = [];
  MNIST_CLASSES.forEach((_, c) => {
    const mine = records.filter((r) => r.label === c);
    train.push(...mine.slice(0, perClass));
    heldOut.push(...mine.slice(perClass, perClass + 10));
  });
  return { train, heldOut };
}

function accuracy(model: ResNet, images: Tensor, labels: Tensor): number {
  model.eval();
  const acc = noGrad(() => tidy(() => model.forward(images).argmax(1).eq(labels).float().mean().item()));
  model.train();
  return acc;
}

function printPlan(plan: AdaptationPlan): void {
  section('3. The plan: what is frozen, what trains');
  console.log(`strategy ${plan.strategy.name}: ${plan.strategy.description}`);
  const groups = [...new Set(plan.rows.map((r) => r.group))];
  const byGroup = groups.map((g) => {
    const rows = plan.rows.filter((r) => r.group === g);
    const trains = rows[0].trainable;
    const mode = trains ? 'train mode' : plan.inferenceModules.length > 0 ? 'inference mode (BatchNorm on running statistics)' : 'train mode (policy ' + plan.strategy.batchNorm + ')';
    return [g, trains ? 'trainable' : 'frozen', rate(rows[0].lr), String(rows.reduce((n, r) => n + r.numel, 0)), mode];
  });
  console.log('\nBy group (input to output, head last):');
  for (const line of textTable(['group', 'state', 'lr', 'params', 'BatchNorm / dropout'], byGroup, [3])) console.log(`  ${line}`);
  if (plan.inferenceModules.length > 0) console.log(`  modules kept in inference mode after every train(): ${plan.inferenceModules.join(', ')}`);

  console.log('\nParameter-group table (name -> group -> trainable -> lr -> weight decay):');
  const rows = plan.rows.map((r) => [r.name, r.group, r.trainable ? 'yes' : 'no', rate(r.lr), rate(r.weightDecay), String(r.numel), r.role]);
  for (const line of textTable(['name', 'group', 'trainable', 'lr', 'weight decay', 'numel', 'role'], rows, [5])) console.log(`  ${line}`);
  const t = plan.totals;
  console.log(`\nTotals: ${t.trainable} trainable + ${t.frozen} frozen = ${t.total} parameters (${((100 * t.trainable) / t.total).toFixed(2)}% trainable); ${t.buffers} buffer values.`);
  console.log('Optimizer groups (only trainable parameters; biases and norm parameters get no weight decay):');
  for (const g of plan.optimizerGroups) console.log(`  ${g.name}: ${g.params.length} tensors, lr ${rate(g.lr ?? null)}, weight decay ${rate(g.weightDecay ?? null)}`);
}

async function main(): Promise<void> {
  const o = options();
  const t0 = performance.now();

  section('1. The pretrained backbone');
  const backbone = loadBackbone(o.backbone);
  if (backbone.modality !== 'vision') throw new Error(`${o.backbone} is a ${backbone.modality} backbone; the demo needs the vision one`);
  const manifest = backbone.manifest;
  console.log(`${relative(process.cwd(), o.backbone) || '.'}: ${backbone.source}`);
  // The checkpoint as pretrained, source head included: the same file buildModel() loads.
  const model = loadResnet(manifest.arch as 'resnet20', join(backbone.dir, manifest.weights.file)).model;
  const sourceNames = model.headInfo.classNames ?? ('classNames' in manifest ? manifest.classNames : undefined);
  console.log(`source head  ${headLine(model, sourceNames)}`);

  section('2. Replacing the head');
  const before = takeChecksums(model);
  const oldShape = model.fc.weight.shape;
  // resetClassifier discards fc and builds a new Linear for the target classes from the seed:
  // the only part of the network that starts from nothing.
  model.resetClassifier(MNIST_CLASSES.length, SEED, MNIST_CLASSES);
  const after = takeChecksums(model);
  console.log(`target head  ${headLine(model, model.headInfo.classNames)}`);
  console.log(`module "fc" replaced: weight [${oldShape.join(', ')}] (${manifest.data.name} classes) -> [${model.fc.weight.shape.join(', ')}] (digits), new weights from seed ${SEED}`);
  console.log(`  fc.weight checksum ${before.get('fc.weight')!.slice(0, 12)} -> ${after.get('fc.weight')!.slice(0, 12)}; every backbone tensor unchanged: ${[...before].every(([n, s]) => n.startsWith('fc.') || after.get(n) === s)}`);
  console.log('  (backbone.buildModel(\'pretrained\', seed, numClasses) does both steps; the lab calls it for every trial.)');

  // The lab's vision rates: the head learns faster than the backbone. (Over a full schedule the
  // lab gives a linear probe, frozen, a larger head rate, probeLr; a few unscheduled steps on one
  // batch would overshoot with it, so the demo keeps headLr for every depth.)
  const rates = modalityPlan('vision', { quick: false });
  const spec = defineStrategy(o.strategy, { headLr: rates.headLr, backboneLr: rates.backboneLr, weightDecay: rates.weightDecay, partialK: rates.partialK });
  const plan = planAdaptation(model, spec);
  printPlan(plan);

  section(`4. Training ${o.steps} steps on ${o.perClass * MNIST_CLASSES.length} target examples`);
  const digits = fewDigits((await loadMnist()).records, o.perClass);
  const train = imageBatch(digits.train, backbone.image);
  const held = imageBatch(digits.heldOut, backbone.image);
  console.log(`MNIST: ${o.perClass} training digits per class; ${digits.heldOut.length} held-out digits to see the effect.`);
  console.log(`held-out accuracy before training: ${(100 * accuracy(model, held.images, held.labels)).toFixed(1)}% (a random head: about chance)`);
  const checksums = takeChecksums(model);
  const optimizer = new AdamW(plan.optimizerGroups, { lr: spec.lr.head });
  manualSeed(SEED);
  const { macs } = countMacs(() => {
    for (let step = 1; step <= o.steps; step++) {
      model.train(); // as every epoch loop does: the plan's hook keeps frozen groups in inference mode
      const loss = tidy(() => {
        optimizer.zeroGrad();
        const l = F.crossEntropy(model.forward(train.images), train.labels);
        l.backward();
        optimizer.step();
        return l.item();
      });
      console.log(`  step ${step}: loss ${loss.toFixed(4)}`);
    }
  });
  console.log(`held-out accuracy after ${o.steps} steps: ${(100 * accuracy(model, held.images, held.labels)).toFixed(1)}% (a few steps show the mechanics, not the outcome: the lab compares depths over full schedules and seeds)`);
  console.log(`training FLOPs actually computed: ${flops(2 * (macs.forward + macs.backward))} (forward ${flops(2 * macs.forward)}, backward ${flops(2 * macs.backward)}: frozen groups cost no weight gradients)`);

  section('5. The freeze audit');
  const audit = auditFreeze(model, plan, checksums);
  console.log(`${audit.passed ? 'PASSED' : 'FAILED'}: ${audit.checked} frozen tensors (parameters and BatchNorm buffers of frozen groups) checksummed before and after training.`);
  console.log(`  frozen tensors that changed: ${audit.changedFrozen.length ? audit.changedFrozen.join(', ') : 'none'}`);
  console.log(`  parameters that changed: ${audit.changedParameters} (trainable: ${plan.rows.filter((r) => r.trainable).length})`);
  console.log(`  trainable parameters that did not change: ${audit.unchangedTrainable.length ? audit.unchangedTrainable.join(', ') : 'none'}`);

  optimizer.dispose();
  plan.release();
  for (const t of [train.images, train.labels, held.images, held.labels]) t.dispose();
  model.dispose();
  console.log(`\nDone in ${((performance.now() - t0) / 1000).toFixed(1)} s. Next: write one sentence on when a scratch baseline should still be your first comparison;`);
  console.log('then run the full loop: node dist/academy/labs/resnet-bert-and-finetuning/src/pretrained-transfer-workflow.js --quick');
  if (!audit.passed) process.exitCode = 1;
}

try {
  await main();
} catch (e) {
  console.error(`transfer-finetuning-demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
