// Counting the GEMM-like work actually computed (src/tensor/flops.ts): forward MACs of every
// product, and one more product per operand that will get a gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countMacs, flopsOf, noGrad, randn, zeros, tidy, F, manualSeed } from '../../src/tensor/index.js';
import { resnet } from '../../src/models/resnet.js';

test('a linear layer: forward MACs, plus dX and dW when both need gradients, dW only for an input that needs none', () => {
  tidy(() => {
    const w = randn([5, 3]).requiresGrad_(); // (Dout 5, Din 3)
    const x = randn([4, 3]); // batch 4: 4 * 5 * 3 = 60 MACs
    assert.deepEqual(countMacs(() => F.linear(x, w)).macs, { forward: 60, backward: 60 }, 'input without a gradient: dW only');
    const xg = randn([4, 3]).requiresGrad_();
    assert.deepEqual(countMacs(() => F.linear(xg, w)).macs, { forward: 60, backward: 120 }, 'dX and dW');
    const frozen = randn([5, 3]);
    assert.deepEqual(countMacs(() => F.linear(x, frozen)).macs, { forward: 60, backward: 0 }, 'nothing needs a gradient');
  });
});

test('inside noGrad nothing is counted for the backward, although the weights still require gradients', () => {
  tidy(() => {
    const w = randn([8, 2, 3, 3]).requiresGrad_(); // conv 2 -> 8, 3x3
    const x = randn([1, 2, 6, 6]).requiresGrad_();
    const macsPerOutput = 2 * 3 * 3;
    const outputs = 8 * 4 * 4; // no padding: 6 - 3 + 1 = 4
    const withGrad = countMacs(() => F.conv2d(x, w)).macs;
    assert.deepEqual(withGrad, { forward: outputs * macsPerOutput, backward: 2 * outputs * macsPerOutput });
    const inference = countMacs(() => noGrad(() => F.conv2d(x, w))).macs;
    assert.deepEqual(inference, { forward: outputs * macsPerOutput, backward: 0 });
    const mm = countMacs(() => noGrad(() => x.reshape([12, 6]).matmul(randn([6, 4]).requiresGrad_()))).macs;
    assert.deepEqual(mm, { forward: 12 * 4 * 6, backward: 0 });
  });
});

test('a ResNet-20 training step counts the peer benchmark\'s analytic FLOPs: 3x the forward, minus the first conv\'s dX', () => {
  manualSeed(0);
  const model = resnet('resnet20', { numClasses: 10, inChannels: 3 });
  try {
    tidy(() => {
      const x = randn([2, 3, 32, 32]);
      const forwardOnly = countMacs(() => noGrad(() => model.forward(x))).macs;
      // 40.81 M MACs per 32x32 image (../shared/bench/README.md): convs, shortcuts and the head.
      assert.ok(Math.abs(forwardOnly.forward / 2 - 40.81e6) < 0.01e6, `forward MACs per image ${forwardOnly.forward / 2}`);
      assert.equal(forwardOnly.backward, 0);
      const train = countMacs(() => F.crossEntropy(model.forward(x), zeros([2], 'int64'))).macs;
      const firstConvMacs = 2 * 16 * 32 * 32 * 3 * 3 * 3; // batch 2, 3 -> 16 channels, 3x3, 32x32 output
      assert.equal(train.forward, forwardOnly.forward);
      assert.equal(train.backward, 2 * forwardOnly.forward - firstConvMacs);
      assert.equal(flopsOf(train).total, 2 * (3 * forwardOnly.forward - firstConvMacs));
    });
  } finally {
    model.dispose();
  }
});
