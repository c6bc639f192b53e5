// Learning-rate schedules: values at the key steps (start, end of warm-up, middle, end, past the
// end), PyTorch's own schedulers as an oracle where it has them, and LrScheduler applying a
// schedule to groups with different base lrs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { zeros } from '../../src/tensor/index.js';
import { SGD, LrScheduler, constant, warmupConstant, warmupLinearDecay, cosine, slantedTriangular, oneCycle, type Schedule } from '../../src/optim/index.js';
import { readJsonFixture, assertClose } from '../helpers.js';

/** Asserts schedule(step) for each [step, value]. */
function expectAt(s: Schedule, points: [number, number][], what: string): void {
  for (const [step, value] of points) assert.ok(Math.abs(s(step) - value) < 1e-12, `${what}: step ${step} gives ${s(step)}, expected ${value}`);
}

test('constant and warm-up then constant', () => {
  expectAt(constant(), [[0, 1], [1000, 1]], 'constant');
  expectAt(warmupConstant({ warmupSteps: 10 }), [[0, 0], [5, 0.5], [9, 0.9], [10, 1], [11, 1], [10_000, 1]], 'warmupConstant');
  expectAt(warmupConstant({ warmupSteps: 0 }), [[0, 1], [3, 1]], 'warmupConstant without warm-up');
});

test('warm-up then linear decay, to 0 or to a floor', () => {
  const s = warmupLinearDecay({ warmupSteps: 10, totalSteps: 110 });
  expectAt(s, [[0, 0], [5, 0.5], [10, 1], [60, 0.5], [110, 0], [500, 0]], 'warmupLinearDecay');
  const f = warmupLinearDecay({ warmupSteps: 10, totalSteps: 110, floor: 0.1 });
  expectAt(f, [[0, 0], [10, 1], [60, 0.55], [110, 0.1], [500, 0.1]], 'warmupLinearDecay floor 0.1');
});

test('cosine with and without warm-up and floor', () => {
  expectAt(cosine({ totalSteps: 100 }), [[0, 1], [50, 0.5], [100, 0], [150, 0]], 'cosine');
  expectAt(cosine({ totalSteps: 100, floor: 0.2 }), [[0, 1], [50, 0.6], [100, 0.2]], 'cosine floor 0.2');
  const w = cosine({ totalSteps: 110, warmupSteps: 10 });
  expectAt(w, [[0, 0], [5, 0.5], [10, 1], [60, 0.5], [110, 0]], 'cosine warm-up 10');
  expectAt(w, [[35, 0.5 * (1 + Math.cos(Math.PI / 4))]], 'cosine quarter way');
});

test("slanted triangular follows ULMFiT's formula: 1/ratio, rise to 1 at cut, fall back to 1/ratio", () => {
  const s = slantedTriangular({ totalSteps: 1000, cutFrac: 0.1, ratio: 32 });
  expectAt(s, [[0, 1 / 32], [50, 16.5 / 32], [100, 1], [550, 16.5 / 32], [1000, 1 / 32], [1200, 1 / 32]], 'slantedTriangular');
  // the paper's form for the fall, cut * (1/cutFrac - 1), agrees when T * cutFrac is whole
  const cut = 100;
  const t = 730;
  const paper = (1 + (1 - (t - cut) / (cut * (1 / 0.1 - 1))) * 31) / 32;
  expectAt(s, [[t, paper]], 'slantedTriangular vs the paper');
});

interface ScheduleFixture {
  name: string;
  options: Record<string, unknown>;
  lrs: number[];
}
const fixture = readJsonFixture<{ baseLr: number; schedules: ScheduleFixture[] }>('optim', 'optim_oracle.json');

for (const f of fixture.schedules) {
  test(`${f.name} matches PyTorch's scheduler over ${f.lrs.length} steps`, () => {
    const s = f.name.startsWith('oneCycle')
      ? oneCycle(f.options as Parameters<typeof oneCycle>[0])
      : cosine(f.options as Parameters<typeof cosine>[0]);
    assertClose(
      f.lrs.map((_, step) => fixture.baseLr * s(step)),
      f.lrs,
      1e-9,
      1e-12,
      f.name,
    );
  });
}

test('oneCycle key steps: 1/divFactor, peak 1 at pctStart, minimum at the last step', () => {
  const s = oneCycle({ totalSteps: 20, pctStart: 0.3 });
  expectAt(s, [[0, 1 / 25], [5, 1], [19, 1 / 25 / 1e4], [25, 1 / 25 / 1e4]], 'oneCycle');
});

test('schedules reject impossible settings and bad steps with ArgumentError', () => {
  assert.throws(() => warmupLinearDecay({ warmupSteps: 20, totalSteps: 10 }), /warmupSteps \(20\) exceeds totalSteps \(10\)/);
  assert.throws(() => cosine({ totalSteps: 0 }), ArgumentError);
  assert.throws(() => cosine({ totalSteps: 10, floor: 2 }), /floor must be in \[0, 1\]/);
  assert.throws(() => slantedTriangular({ totalSteps: 5, cutFrac: 0.1 }), /at least one step to rise/);
  assert.throws(() => oneCycle({ totalSteps: 10, anneal: 'cubic' as 'cos' }), /anneal must be/);
  assert.throws(() => constant()(-1), /step\) must be an integer >= 0/);
  assert.throws(() => cosine({ totalSteps: 10 })(1.5), ArgumentError);
});

test('LrScheduler sets each group to its own base lr times the schedule, keeping their ratio', () => {
  const backbone = zeros([3]).requiresGrad_();
  const head = zeros([2]).requiresGrad_();
  const opt = new SGD([
    { name: 'backbone', params: [backbone], lr: 1e-3 },
    { name: 'head', params: [head], lr: 1e-2 },
  ]);
  const sched = new LrScheduler(opt, warmupLinearDecay({ warmupSteps: 4, totalSteps: 12 }));
  assert.deepEqual(sched.lrs, [0, 0], 'step 0 of a warm-up from 0 is applied at construction');
  for (let i = 0; i < 6; i++) {
    opt.step(); // no gradients: parameters stay, lrs still follow the schedule
    sched.step();
  }
  assert.equal(sched.stepCount, 6);
  const m = 1 - (6 - 4) / (12 - 4); // 0.75
  assertClose(sched.lrs, [1e-3 * m, 1e-2 * m], 1e-12, 0, 'lrs at step 6');
  assert.equal(opt.paramGroups[0].baseLr, 1e-3, 'base lrs are kept');
  assert.ok(Math.abs(opt.paramGroups[1].lr / opt.paramGroups[0].lr - 10) < 1e-9, 'head/backbone ratio');

  // restoring the scheduler's step in a new one reproduces the lrs
  const opt2 = new SGD([
    { name: 'backbone', params: [backbone], lr: 1e-3 },
    { name: 'head', params: [head], lr: 1e-2 },
  ]);
  const sched2 = new LrScheduler(opt2, warmupLinearDecay({ warmupSteps: 4, totalSteps: 12 }));
  sched2.loadStateDict(JSON.parse(JSON.stringify(sched.stateDict())));
  assert.deepEqual(sched2.lrs, sched.lrs);
  opt.dispose();
  opt2.dispose();
  backbone.dispose();
  head.dispose();
});

test('LrScheduler takes one schedule per group and checks the count', () => {
  const a = zeros([1]).requiresGrad_();
  const b = zeros([1]).requiresGrad_();
  const opt = new SGD([
    { params: [a], lr: 0.1 },
    { params: [b], lr: 0.2 },
  ]);
  const sched = new LrScheduler(opt, [constant(), cosine({ totalSteps: 2 })]);
  sched.step();
  assertClose(sched.lrs, [0.1, 0.1], 1e-12, 0, 'per-group schedules at step 1');
  assert.deepEqual(sched.multipliers, [1, 0.5]);
  assert.throws(() => new LrScheduler(opt, [constant()]), /expected one schedule or 2 \(one per group\), got 1/);
  opt.dispose();
  a.dispose();
  b.dispose();
});
