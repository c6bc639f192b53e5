// Layers against PyTorch: forward outputs and gradients (wrt inputs and parameters) must match
// the fixtures written by test/fixtures/nn/gen_nn_fixtures.py with PyTorch 1.13.
// Parameters are loaded through loadStateDict under PyTorch's names, so a wrong name fails here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, F, tidy, noGrad } from '../../src/tensor/index.js';
import { Module, Linear, Conv2d, BatchNorm2d, LayerNorm, Embedding, MultiHeadSelfAttention, additiveAttentionMask } from '../../src/nn/index.js';
import { readJsonFixture, fixtureTensor, assertClose, snapshot, type TensorFixture } from '../helpers.js';

const RTOL = 1e-5;
const ATOL = 1e-6;

type Fixtures = Record<string, TensorFixture>;

interface LayerCase {
  name: string;
  inputs: Fixtures;
  params: Fixtures;
  buffers: Fixtures;
  output: TensorFixture;
  upstream: TensorFixture;
  grads: { inputs: Fixtures; params: Fixtures };
}

/** The case's parameters and buffers as a state dict (tensors made in the current scope). */
function stateOf(c: { params: Fixtures; buffers: Fixtures }): Map<string, Tensor> {
  return new Map(Object.entries({ ...c.params, ...c.buffers }).map(([k, v]) => [k, fixtureTensor(v)]));
}

/** Compares every parameter's .grad with the fixture; the fixture must name every parameter. */
function checkParamGrads(m: Module, expected: Fixtures, what: string): void {
  const named = m.namedParameters();
  assert.deepEqual(named.map(([k]) => k).sort(), Object.keys(expected).sort(), `${what}: parameter names`);
  for (const [key, p] of named) {
    const g = p.grad;
    assert.ok(g !== null, `${what}: ${key} has no gradient`);
    assertClose(g, expected[key], RTOL, ATOL, `${what}: grad ${key}`);
  }
}

/**
 * Loads the case into `m`, runs forward on inputs made requires-grad, backpropagates the stored
 * upstream gradient and checks output, input grads and parameter grads. Checks no tensor leaks.
 */
function checkLayerCase<M extends Module>(what: string, make: () => M, c: LayerCase, forward: (m: M, inputs: Record<string, Tensor>) => Tensor): void {
  const before = snapshot().liveTensors;
  const m = make();
  tidy(() => {
    m.loadStateDict(stateOf(c));
    const inputs: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs)) {
      const t = fixtureTensor(v);
      inputs[k] = v.dtype === 'int64' ? t : t.requiresGrad_();
    }
    const out = forward(m, inputs);
    assertClose(out, c.output, RTOL, ATOL, `${what}: output`);
    out.backward(fixtureTensor(c.upstream));
    for (const [k, g] of Object.entries(c.grads.inputs)) {
      const actual = inputs[k].grad;
      assert.ok(actual !== null, `${what}: input ${k} has no gradient`);
      assertClose(actual, g, RTOL, ATOL, `${what}: grad ${k}`);
    }
    checkParamGrads(m, c.grads.params, what);
  });
  m.dispose();
  assert.equal(snapshot().liveTensors, before, `${what}: tensors leaked`);
}

test('Conv2d matches torch.nn.Conv2d (stride/padding/bias, groups): output and gradients', () => {
  interface ConvCase extends LayerCase {
    inChannels: number;
    outChannels: number;
    kernelSize: number;
    options: { stride: number; padding: number; groups: number; bias: boolean };
  }
  const { cases } = readJsonFixture<{ cases: ConvCase[] }>('nn', 'conv2d.json');
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const make = (): Conv2d => new Conv2d(c.inChannels, c.outChannels, c.kernelSize, c.options);
    checkLayerCase(`conv2d ${c.name}`, make, c, (conv, { x }) => {
      assert.equal(conv.bias === null, !c.options.bias);
      return conv.forward(x);
    });
  }
});

test('Linear matches torch.nn.Linear on a 3-D input: output and gradients', () => {
  const { cases } = readJsonFixture<{ cases: (LayerCase & { inFeatures: number; outFeatures: number })[] }>('nn', 'linear.json');
  for (const c of cases) {
    checkLayerCase(`linear ${c.name}`, () => new Linear(c.inFeatures, c.outFeatures), c, (lin, { x }) => lin.forward(x));
  }
});

test('LayerNorm matches torch.nn.LayerNorm (eps 1e-5 and BERT 1e-12): output and gradients', () => {
  const { cases } = readJsonFixture<{ cases: (LayerCase & { normalizedShape: number[]; eps: number })[] }>('nn', 'layernorm.json');
  assert.equal(cases.length, 2);
  for (const c of cases) {
    checkLayerCase(`layernorm ${c.name}`, () => new LayerNorm(c.normalizedShape, c.eps), c, (ln, { x }) => ln.forward(x));
  }
});

test('Embedding matches torch.nn.Embedding with padding_idx 0 and -1: padding rows get no gradient', () => {
  const { cases } = readJsonFixture<{ cases: (LayerCase & { numEmbeddings: number; embeddingDim: number; paddingIdx: number })[] }>('nn', 'embedding.json');
  assert.deepEqual(
    cases.map((c) => c.paddingIdx),
    [0, -1],
  );
  for (const c of cases) {
    const make = (): Embedding => new Embedding(c.numEmbeddings, c.embeddingDim, c.paddingIdx);
    // Like PyTorch, a fresh layer's padding row is zero (-1 is the last row).
    const row = c.paddingIdx < 0 ? c.numEmbeddings + c.paddingIdx : c.paddingIdx;
    const fresh = make();
    tidy(() => assert.ok(fresh.weight.select(0, row).toArray().every((v) => v === 0)));
    fresh.dispose();
    checkLayerCase(`embedding ${c.name}`, make, c, (emb, { ids }) => emb.forward(ids));
  }
  // The fixture really exercises the padding rows: ids use them, and their gradient is zero.
  for (const c of cases) {
    const row = c.paddingIdx < 0 ? c.numEmbeddings + c.paddingIdx : c.paddingIdx;
    assert.ok(c.inputs.ids.data.includes(row));
    const g = c.grads.params.weight.data.slice(row * c.embeddingDim, (row + 1) * c.embeddingDim);
    assert.ok(g.length === 3 && g.every((v) => v === 0), `padding row ${row} gradient ${g}`);
  }
});

test('MultiHeadSelfAttention matches HF BertSelfAttention with a padding mask: context and gradients', () => {
  interface AttCase extends LayerCase {
    hidden: number;
    heads: number;
    paddingMask: TensorFixture;
    additiveMask: TensorFixture;
  }
  const { cases } = readJsonFixture<{ cases: AttCase[] }>('nn', 'attention.json');
  for (const c of cases) {
    const make = (): MultiHeadSelfAttention => new MultiHeadSelfAttention(c.hidden, c.heads).eval(); // dropout off, as the oracle
    assert.deepEqual(Object.keys(c.params), ['query.weight', 'query.bias', 'key.weight', 'key.bias', 'value.weight', 'value.bias']);
    // Our mask helper gives HF's extended mask bit for bit (0 or float32 min).
    tidy(() => {
      const mask = additiveAttentionMask(fixtureTensor(c.paddingMask));
      assert.deepEqual(mask.shape, c.additiveMask.shape);
      assert.deepEqual(mask.toArray(), Array.from(Float32Array.from(c.additiveMask.data)));
    });
    checkLayerCase(`attention ${c.name}`, make, c, (att, { x }) => {
      // Same parameter names and order as HF's state dict.
      assert.deepEqual(
        att.namedParameters().map(([k]) => k),
        Object.keys(c.params),
      );
      const mask = additiveAttentionMask(fixtureTensor(c.paddingMask));
      return att.forward(x, mask);
    });
  }
});

test('BatchNorm2d matches torch.nn.BatchNorm2d in train mode (momentum 0.1 and cumulative) and eval mode', () => {
  interface BnCase extends LayerCase {
    momentum: number | null;
    training: boolean;
    buffersAfterStep1: Fixtures;
    buffersAfterStep2?: Fixtures;
  }
  const { cases, eps } = readJsonFixture<{ eps: number; cases: BnCase[] }>('nn', 'batchnorm2d.json');
  assert.deepEqual(
    cases.map((c) => [c.momentum, c.training]),
    [
      [0.1, true],
      [null, true],
      [0.1, false],
    ],
  );
  const checkBuffers = (bn: BatchNorm2d, expected: Fixtures, what: string): void => {
    const named = bn.namedBuffers();
    assert.deepEqual(
      named.map(([k]) => k),
      ['running_mean', 'running_var', 'num_batches_tracked'],
    );
    for (const [k, t] of named) {
      if (k === 'num_batches_tracked') assert.deepEqual(t.toArray(), expected[k].data, `${what}: ${k}`);
      else assertClose(t, expected[k], RTOL, ATOL, `${what}: ${k}`);
    }
  };
  for (const c of cases) {
    const make = (): BatchNorm2d => new BatchNorm2d(c.params.weight.shape[0], { momentum: c.momentum, eps }).train(c.training);
    const what = `batchnorm ${c.name}`;
    checkLayerCase(what, make, c, (bn, { x }) => {
      const out = bn.forward(x);
      checkBuffers(bn, c.buffersAfterStep1, `${what} after step 1`);
      if (c.buffersAfterStep2) {
        // A second batch: the running stats move by momentum (or to the cumulative average).
        noGrad(() => bn.forward(fixtureTensor(c.inputs.x2)));
        checkBuffers(bn, c.buffersAfterStep2, `${what} after step 2`);
      }
      return out;
    });
  }
});

test('crossEntropy matches F.cross_entropy: plain, label smoothing, ignore index, mean and sum', () => {
  interface CeCase {
    name: string;
    reduction: 'mean' | 'sum';
    labelSmoothing: number;
    ignoreIndex: number;
    target: TensorFixture;
    loss: number;
    gradLogits: TensorFixture;
  }
  const { logits, cases } = readJsonFixture<{ logits: TensorFixture; cases: CeCase[] }>('nn', 'cross_entropy.json');
  assert.equal(cases.length, 8);
  const before = snapshot().liveTensors;
  for (const c of cases) {
    tidy(() => {
      const x = fixtureTensor(logits).requiresGrad_();
      const loss = F.crossEntropy(x, fixtureTensor(c.target), { reduction: c.reduction, ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing });
      assert.deepEqual(loss.shape, []);
      assertClose([loss.item()], [c.loss], RTOL, ATOL, `cross-entropy ${c.name}: loss`);
      loss.backward();
      assertClose(x.grad!, c.gradLogits, RTOL, ATOL, `cross-entropy ${c.name}: grad logits`);
    });
  }
  // Ignored rows really are ignored: their gradient rows are zero in the oracle and here.
  const ignored = cases.find((c) => c.name === 'ignore_default_mean')!;
  const classes = logits.shape[1];
  assert.ok(ignored.target.data.filter((t) => t === -100).length === 2);
  ignored.target.data.forEach((t, row) => {
    if (t === -100) assert.ok(ignored.gradLogits.data.slice(row * classes, (row + 1) * classes).every((v) => v === 0));
  });
  assert.equal(snapshot().liveTensors, before);
});
