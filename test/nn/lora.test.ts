// LoRA adapters against PyTorch (test/fixtures/nn/gen_lora_fixtures.py): a Linear and a Conv2d
// with an adapter compute W x + (alpha / r) B A x, with the same gradients for the input, the base
// and both halves; merged, the layer gives the same outputs with the weight W + (alpha / r) B A.
// Attaching and detaching leave the base layer as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, noGrad, randn, manualSeed } from '../../src/tensor/index.js';
import { Linear, Conv2d, attachLora, attachLoraTargets, isAdapterLayer, type LoraAdapter } from '../../src/nn/index.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import { readJsonFixture, fixtureTensor, assertClose, snapshot, type TensorFixture } from '../helpers.js';

const RTOL = 1e-5;
const ATOL = 1e-6;

type Fixtures = Record<string, TensorFixture>;

interface LoraCase {
  name: string;
  kind: 'linear' | 'conv';
  inFeatures?: number;
  outFeatures?: number;
  inChannels?: number;
  outChannels?: number;
  kernelSize?: number;
  options?: { stride: number; padding: number; bias: boolean };
  rank: number;
  alpha: number;
  inputs: Fixtures;
  params: Fixtures;
  output: TensorFixture;
  upstream: TensorFixture;
  grads: { inputs: Fixtures; params: Fixtures };
  mergedWeight: TensorFixture;
  mergedOutput: TensorFixture;
}

const { cases } = readJsonFixture<{ cases: LoraCase[] }>('nn', 'lora.json');

function layerOf(c: LoraCase): { layer: Linear | Conv2d; adapter: LoraAdapter } {
  const layer = c.kind === 'linear' ? new Linear(c.inFeatures!, c.outFeatures!) : new Conv2d(c.inChannels!, c.outChannels!, c.kernelSize!, c.options!);
  const adapter = attachLora(layer, { rank: c.rank, alpha: c.alpha, dropout: 0 });
  return { layer, adapter };
}

test('the fixture covers a Linear and a Conv2d adapter with a nonzero B', () => {
  assert.deepEqual(
    cases.map((c) => c.kind),
    ['linear', 'conv'],
  );
  for (const c of cases) assert.ok(c.params['lora_B.weight'].data.some((v) => v !== 0), `${c.name}: B is not zero`);
});

for (const c of cases) {
  test(`LoRA ${c.name}: output and gradients equal PyTorch's W x + (alpha/r) B A x`, () => {
    const before = snapshot().liveTensors;
    const { layer, adapter } = layerOf(c);
    assert.equal(adapter.scaling, c.alpha / c.rank);
    // the adapter's halves appear under the layer, beside the base's own names
    assert.deepEqual(
      layer.namedParameters().map(([n]) => n).sort(),
      Object.keys(c.params).sort(),
    );
    tidy(() => {
      layer.loadStateDict(new Map(Object.entries(c.params).map(([k, v]) => [k, fixtureTensor(v)])));
      const x = fixtureTensor(c.inputs.x).requiresGrad_();
      const y = layer.forward(x);
      assertClose(y, c.output, RTOL, ATOL, `${c.name}: output`);
      y.backward(fixtureTensor(c.upstream));
      assertClose(x.grad!, c.grads.inputs.x, RTOL, ATOL, `${c.name}: grad x`);
      for (const [name, p] of layer.namedParameters()) {
        assert.ok(p.grad !== null, `${c.name}: ${name} has a gradient`);
        assertClose(p.grad, c.grads.params[name], RTOL, ATOL, `${c.name}: grad ${name}`);
      }
      // merged: the weight PyTorch computes and the same outputs, now from the base layer alone
      const unmerged = noGrad(() => layer.forward(fixtureTensor(c.inputs.x)));
      adapter.merge();
      assertClose(layer.weight, c.mergedWeight, RTOL, ATOL, `${c.name}: merged weight`);
      const merged = noGrad(() => layer.forward(fixtureTensor(c.inputs.x)));
      assertClose(merged, c.mergedOutput, RTOL, ATOL, `${c.name}: merged output`);
      assertClose(merged, Array.from(unmerged.toArray()), RTOL, ATOL, `${c.name}: merged vs adapted`);
    });
    // detached: a plain layer again (base names only), the adapter's tensors freed
    assert.deepEqual(
      layer.namedParameters().map(([n]) => n).sort(),
      c.kind === 'linear' ? ['bias', 'weight'] : ['weight'],
    );
    assert.ok(!Object.prototype.hasOwnProperty.call(layer, 'forward'));
    layer.dispose();
    assert.equal(snapshot().liveTensors, before, `${c.name}: tensors leaked`);
  });
}

test('a fresh adapter changes nothing (B starts at zero); dropout acts on the adapter input only in training', () => {
  manualSeed(4);
  const lin = new Linear(6, 5);
  const x = randn([4, 6]);
  const plain = noGrad(() => lin.forward(x));
  const adapter = attachLora(lin, { rank: 3, alpha: 6, dropout: 0.5 });
  assert.ok(adapter.loraB.weight.toArray().every((v) => v === 0));
  assert.ok(adapter.loraA.weight.toArray().some((v) => v !== 0));
  lin.eval();
  assert.equal(adapter.dropout.training, false, 'eval() on the layer reaches the adapter');
  const adapted = noGrad(() => lin.forward(x));
  assert.deepEqual(Array.from(adapted.toArray()), Array.from(plain.toArray()));
  lin.train();
  assert.equal(adapter.dropout.training, true);
  adapter.detach();
  for (const t of [x, plain, adapted]) t.dispose();
  lin.dispose();
});

test('attachLoraTargets: BERT query and value in every layer, a ResNet last stage\'s convolutions; never the head', () => {
  const bert = new BertForSequenceClassification(bertConfig({ vocabSize: 30, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 8 }));
  const baseNames = [...bert.stateDict().keys()];
  const onBert = attachLoraTargets(bert, { linear: ['query', 'value'], convGroups: 1 }, { rank: 2, alpha: 4, dropout: 0 });
  assert.deepEqual(
    [...onBert.keys()],
    [0, 1].flatMap((l) => [`bert.encoder.layer.${l}.attention.self.query`, `bert.encoder.layer.${l}.attention.self.value`]),
  );
  const names = [...bert.stateDict().keys()];
  assert.deepEqual(
    names.filter((n) => n.includes('lora_')),
    [...onBert.keys()].flatMap((k) => [`${k}.lora_A.weight`, `${k}.lora_B.weight`]),
  );
  // the groups take the adapters in: they stay a partition of the parameters
  const grouped = bert.parameterGroups().flatMap((g) => g.params.map(([n]) => n));
  assert.equal(grouped.length, bert.namedParameters().length);
  for (const a of onBert.values()) a.detach();
  assert.deepEqual([...bert.stateDict().keys()], baseNames, 'detached: the state dict is the base model\'s');
  bert.dispose();

  const net = resnet('resnet20', { numClasses: 3 });
  const onResnet = attachLoraTargets(net, { linear: ['query', 'value'], convGroups: 1 }, { rank: 2, alpha: 2, dropout: 0 });
  const convs = net
    .namedModules()
    .filter(([n, m]) => m instanceof Conv2d && !isAdapterLayer(m) && n.startsWith('layer3.'))
    .map(([n]) => n);
  assert.deepEqual([...onResnet.keys()], convs);
  assert.ok(convs.includes('layer3.0.downsample.0'));
  assert.ok([...onResnet.keys()].every((n) => n.startsWith('layer3.')), 'only the last stage; the fc head is left alone');
  // the adapted convolutions (the downsample inside a Sequential too) run through their adapters
  tidy(() => {
    const y = net.forward(randn([2, 3, 8, 8]));
    assert.deepEqual(y.shape, [2, 3]);
  });
  for (const a of onResnet.values()) a.detach();
  net.dispose();
  const plain = resnet('resnet20');
  assert.throws(() => attachLoraTargets(plain, { linear: ['query'], convGroups: 0 }, { rank: 2, alpha: 2, dropout: 0 }), /no layer of the model matches/);
  plain.dispose();
});

test('bad adapter options are clear errors', () => {
  const lin = new Linear(3, 3);
  assert.throws(() => attachLora(lin, { rank: 0, alpha: 1, dropout: 0 }), /rank must be an integer >= 1/);
  assert.throws(() => attachLora(lin, { rank: 2, alpha: 0, dropout: 0 }), /alpha must be/);
  assert.throws(() => attachLora(lin, { rank: 2, alpha: 1, dropout: 1 }), /dropout must be in \[0, 1\)/);
  const a = attachLora(lin, { rank: 2, alpha: 1, dropout: 0 });
  assert.throws(() => attachLora(lin, { rank: 2, alpha: 1, dropout: 0 }), /already has an adapter/);
  a.detach();
  assert.throws(() => a.merge(), /merged or detached/);
  lin.dispose();
});
