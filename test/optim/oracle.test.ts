// SGD and AdamW against PyTorch 1.13: the same initial parameters and the same gradient per
// step (test/fixtures/optim/gen_optim_fixtures.py) must give the same parameters after every
// step, the same state and the same per-parameter step counts. Every case also runs with the
// foreach path and the per-tensor path, which must agree bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tidy } from '../../src/tensor/index.js';
import { SGD, AdamW, type Optimizer, type BaseOptions, type ParamGroup } from '../../src/optim/index.js';
import { readJsonFixture, fixtureTensor, assertClose, snapshot, type TensorFixture } from '../helpers.js';

interface OracleCase {
  name: string;
  optimizer: 'SGD' | 'AdamW';
  groups: { options: Record<string, unknown>; params: number[] }[];
  init: TensorFixture[];
  /** [step][param]; null: no gradient that step */
  grads: (TensorFixture | null)[][];
  /** [step][param]: parameters after the step */
  expected: TensorFixture[][];
  finalState: Record<string, TensorFixture>;
  finalSteps: number[][];
}

const fixture = readJsonFixture<{ generator: string; cases: OracleCase[] }>('optim', 'optim_oracle.json');
const RTOL = 1e-5;
const ATOL = 1e-7;

function makeOptimizer(c: OracleCase, params: Tensor[], foreach: boolean): Optimizer<BaseOptions> {
  const groups: ParamGroup[] = c.groups.map((g) => ({ ...g.options, params: g.params.map((i) => params[i]) }));
  return c.optimizer === 'SGD' ? new SGD(groups, { foreach }) : new AdamW(groups, { foreach });
}

/** Replays the case; returns the parameters' values after each step: [step][param] -> Float32Array. */
function replay(c: OracleCase, foreach: boolean, check: boolean): Float32Array[][] {
  const params = c.init.map((f) => fixtureTensor(f).requiresGrad_());
  const opt = makeOptimizer(c, params, foreach);
  const trajectory: Float32Array[][] = [];
  c.grads.forEach((row, s) => {
    row.forEach((g, i) => {
      if (g === null) params[i].grad = null;
      else {
        const t = fixtureTensor(g);
        params[i].grad = t; // the parameter now references the gradient; our handle can go
        t.dispose();
      }
    });
    opt.step();
    trajectory.push(params.map((p) => p.data<Float32Array>()));
    if (check) params.forEach((p, i) => assertClose(p, c.expected[s][i], RTOL, ATOL, `${c.name} (foreach ${foreach}) step ${s + 1} param ${i}`));
  });
  if (check) {
    const dict = opt.stateDict();
    assert.deepEqual(dict.steps, c.finalSteps, `${c.name}: per-parameter step counts`);
    assert.deepEqual([...dict.state.keys()].sort(), Object.keys(c.finalState).sort(), `${c.name}: state slots`);
    for (const [key, t] of dict.state) assertClose(t, c.finalState[key], RTOL, ATOL, `${c.name} state ${key}`);
    for (const t of dict.state.values()) t.dispose();
  }
  opt.dispose();
  params.forEach((p) => p.dispose());
  return trajectory;
}

test('the fixture comes from PyTorch 1.13 and covers both optimizers', () => {
  assert.match(fixture.generator, /^torch 1\.13/);
  assert.ok(fixture.cases.some((c) => c.optimizer === 'SGD') && fixture.cases.some((c) => c.optimizer === 'AdamW'));
});

for (const c of fixture.cases) {
  test(`${c.optimizer} ${c.name}: ${c.grads.length} steps match PyTorch, foreach and per-tensor paths identical`, () => {
    const before = snapshot();
    const viaForeach = replay(c, true, true);
    const viaLoop = replay(c, false, true);
    viaForeach.forEach((row, s) =>
      row.forEach((values, i) => assert.deepEqual(values, viaLoop[s][i], `${c.name}: step ${s + 1} param ${i} differs between foreach and per-tensor`)),
    );
    assert.deepEqual(snapshot(), before, `${c.name}: tensors leaked`);
  });
}

test('a step changes parameters only through their gradients: the gradients themselves are not modified', () => {
  tidy(() => {
    const c = fixture.cases.find((x) => x.name === 'sgd_nesterov_decay')!;
    const params = c.init.map((f) => fixtureTensor(f).requiresGrad_());
    const opt = makeOptimizer(c, params, true);
    params.forEach((p, i) => (p.grad = fixtureTensor(c.grads[0][i]!)));
    opt.step();
    opt.step(); // nesterov with decay: PyTorch's own foreach path adds into the gradients here
    params.forEach((p, i) => assertClose(p.grad!, c.grads[0][i]!, 0, 0, `grad ${i}`));
    opt.dispose();
  });
});
