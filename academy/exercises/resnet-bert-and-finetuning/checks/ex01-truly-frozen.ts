// Checks exercise 1: after prepareFrozenRun, three training steps (with model.train() before each,
// as every epoch loop does) must change the head and nothing else — no backbone weight, no
// BatchNorm running statistic — and the optimizer must hold the head only.
import { F, tidy, randn, randint, manualSeed } from '../../../../src/tensor/index.js';
import { resnet } from '../../../../src/models/resnet.js';
import { takeChecksums, auditFreeze } from '../../../../src/adapt/audit.js';
import type { Ex01Module, FrozenRun } from '../contracts.js';
import { Report, errorText, listSome } from './report.js';

const STEPS = 3;

export function checkTrulyFrozen(mod: Ex01Module, report: Report): void {
  // A ResNet-20 with a new 4-class head stands in for the pretrained backbone: what has to stay
  // fixed is the same whatever the weights are, and random init keeps the check instant.
  manualSeed(0);
  const model = resnet('resnet20', { numClasses: 4 });
  const x = randn([8, 3, 16, 16]);
  const y = randint(0, 4, [8]);
  let run: FrozenRun | null = null;
  try {
    const head = new Set(model.parameterGroups().find((g) => g.name === 'head')!.params.map(([n]) => n));
    const names = new Map(model.namedParameters().map(([n, t]) => [t, n] as const));
    const parameterNames = new Set(names.values());
    try {
      run = mod.prepareFrozenRun(model);
    } catch (e) {
      report.fail(`prepareFrozenRun threw: ${errorText(e)}`);
      return;
    }
    if (!run || typeof run.optimizer?.parameters !== 'function') {
      report.fail('prepareFrozenRun must return { optimizer, plan? } with an optimizer from src/optim (AdamW or SGD).');
      return;
    }

    // 1. What the optimizer was given.
    const held = run.optimizer.parameters().map((t) => names.get(t) ?? '(a tensor that is not a parameter of this model)');
    const heldBackbone = held.filter((n) => !head.has(n));
    const missingHead = [...head].filter((n) => !held.includes(n));
    report.expect(
      heldBackbone.length === 0,
      'the optimizer holds the head only',
      `the optimizer holds ${heldBackbone.length} backbone parameter tensors (${listSome(heldBackbone)}). A frozen run's optimizer must hold the head only: ` +
        `any optimizer step, weight decay or momentum on a backbone tensor that ever gets a gradient moves it. Build the optimizer from plan.optimizerGroups, ` +
        `where plan = planAdaptation(model, defineStrategy('frozen')).`,
    );
    report.expect(missingHead.length === 0, 'every head parameter is in the optimizer', `the optimizer is missing head parameters (${missingHead.join(', ')}): the new head must train.`);

    // 2. Which parameters still ask for gradients.
    const gradBackbone = model.namedParameters().filter(([n, t]) => !head.has(n) && t.requiresGrad).map(([n]) => n);
    report.expect(
      gradBackbone.length === 0,
      'no backbone parameter requires a gradient',
      `${gradBackbone.length} backbone parameters still require gradients (${listSome(gradBackbone)}): backward computes and stores their gradients every step ` +
        `although a frozen run never uses them. planAdaptation sets requiresGrad_(false) on every frozen parameter.`,
    );

    // 3. Train as a real loop does and see what moved.
    const before = takeChecksums(model);
    try {
      for (let step = 0; step < STEPS; step++) {
        model.train(); // every epoch starts like this; a one-off eval() in setup does not survive it
        tidy(() => {
          run!.optimizer.zeroGrad();
          F.crossEntropy(model.forward(x), y).backward();
          run!.optimizer.step();
        });
      }
    } catch (e) {
      report.fail(`training ${STEPS} steps with your optimizer failed: ${errorText(e)}. (If nothing requires a gradient, the head was frozen too.)`);
      return;
    }
    const after = takeChecksums(model);
    const changed = [...after.keys()].filter((n) => before.get(n) !== after.get(n));
    const movedBackbone = changed.filter((n) => parameterNames.has(n) && !head.has(n));
    const movedBuffers = changed.filter((n) => !parameterNames.has(n));
    const headMoved = changed.filter((n) => head.has(n));
    report.expect(
      movedBackbone.length === 0,
      `no backbone weight changed in ${STEPS} steps`,
      `${movedBackbone.length} backbone parameters changed in ${STEPS} training steps (${listSome(movedBackbone)}): the run is not frozen, the optimizer updated them.`,
    );
    report.expect(
      movedBuffers.length === 0,
      "no BatchNorm running statistic changed (the backbone's BatchNorm ran in inference mode)",
      `${movedBuffers.length} BatchNorm buffers changed (${listSome(movedBuffers)}): the backbone's BatchNorm layers ran in train mode and replaced the pretrained ` +
        `running statistics with the target batches' statistics, so the "frozen" backbone is no longer the pretrained one. The loop calls model.train() before every ` +
        `epoch, which undoes any eval() you call once in setup; the plan's BatchNorm policy 'frozen' puts frozen subtrees back into inference mode after every train().`,
    );
    report.expect(headMoved.length === head.size, 'the head trained (fc.weight and fc.bias changed)', `the head did not train (${[...head].filter((n) => !headMoved.includes(n)).join(', ')} unchanged).`);

    // 4. The library's own audit agrees, when a plan was made.
    if (run.plan) {
      const audit = auditFreeze(model, run.plan, before, after);
      report.expect(
        audit.passed && run.plan.strategy.name === 'frozen',
        `auditFreeze passed on your plan (${audit.checked} frozen tensors checked)`,
        run.plan.strategy.name !== 'frozen'
          ? `your plan is for '${run.plan.strategy.name}', not 'frozen'.`
          : `auditFreeze failed on your plan: ${audit.changedFrozen.length} frozen tensors changed (${listSome(audit.changedFrozen)}).`,
      );
    }
    // Without a plan the checks above are the audit: the same tensors, the same rule.
  } finally {
    run?.optimizer.dispose();
    run?.plan?.release();
    x.dispose();
    y.dispose();
    model.dispose();
  }
}
