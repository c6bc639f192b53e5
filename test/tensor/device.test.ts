// Devices: names are checked before anything runs, a device this libtorch cannot provide is a
// typed error saying what to do, and the CPU path (data, tensors, modules) works with an explicit
// device. On a CUDA build with a GPU the same tests run their CUDA branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, DeviceUnavailableError, TorchError } from '../../src/errors.js';
import { checkDevice, currentDevice, deviceSupport, fromTypedArray, fromBytes, isDevice, noGrad, onDevice, randn, synchronize, tensor, zeros } from '../../src/tensor/index.js';
import { Linear } from '../../src/nn/index.js';

test('device names: cpu, cuda and cuda:N are devices; anything else is refused by name', () => {
  for (const ok of ['cpu', 'cuda', 'cuda:0', 'cuda:12']) assert.equal(isDevice(ok), true, ok);
  for (const bad of ['gpu', 'CUDA', 'cuda:', 'cuda:-1', 'cuda:01', 'cuda:1.5', 'mps', ' cpu', '']) {
    assert.equal(isDevice(bad), false, bad);
    assert.throws(() => checkDevice(bad), (e: unknown) => e instanceof ArgumentError && /expected a device: cpu, cuda or cuda:N/.test((e as Error).message));
  }
});

test('cuda on this libtorch: available, or a typed error that says why and what to do', () => {
  const support = deviceSupport();
  assert.equal(typeof support.cudaBuilt, 'boolean');
  assert.equal(checkDevice('cpu'), 'cpu');
  if (!support.cudaBuilt) {
    assert.equal(support.cudaAvailable, false);
    assert.equal(support.cudaDeviceCount, 0);
    for (const d of ['cuda', 'cuda:0', 'cuda:3']) {
      assert.throws(
        () => checkDevice(d),
        (e: unknown) =>
          e instanceof DeviceUnavailableError &&
          e.code === 'DEVICE_UNAVAILABLE' &&
          e.device === d &&
          /built without CUDA/.test(e.message) &&
          /set LIBTORCH to a CUDA build of libtorch/.test(e.message) &&
          /--device cpu/.test(e.message),
      );
    }
  } else if (!support.cudaAvailable) {
    assert.throws(() => checkDevice('cuda'), (e: unknown) => e instanceof DeviceUnavailableError && /no usable GPU/.test((e as Error).message));
  } else {
    assert.equal(checkDevice('cuda'), 'cuda');
    const past = `cuda:${support.cudaDeviceCount}`;
    assert.throws(() => checkDevice(past), (e: unknown) => e instanceof DeviceUnavailableError && /numbered from 0/.test((e as Error).message));
  }
});

test('tensors made with an explicit cpu device live there and read back unchanged', () => {
  const a = fromTypedArray(new Float32Array([1, -2, 3.5]), [3], 'float32', 'cpu');
  assert.equal(a.device, 'cpu');
  assert.deepEqual(Array.from(a.data() as Float32Array), [1, -2, 3.5]);
  const b = fromBytes(new Uint8Array(new Float32Array([4, 5]).buffer), [2], 'float32', 'cpu');
  assert.deepEqual(Array.from(b.data() as Float32Array), [4, 5]);
  const c = a.toDevice('cpu');
  assert.equal(c.device, 'cpu');
  assert.deepEqual(Array.from(c.data() as Float32Array), [1, -2, 3.5]);
  // A new handle to the same tensor: freeing one leaves the other readable.
  c.dispose();
  assert.deepEqual(Array.from(a.data() as Float32Array), [1, -2, 3.5]);
  a.dispose();
  b.dispose();
});

test('a device libtorch does not know is refused at the tensor layer with its name', () => {
  const a = tensor([1, 2]);
  assert.throws(() => a.toDevice('gpu'), (e: unknown) => e instanceof TorchError && /gpu/.test((e as Error).message));
  assert.throws(() => a.moveTo_('gpu'), (e: unknown) => e instanceof TorchError);
  assert.deepEqual(Array.from(a.data() as Float32Array), [1, 2], 'a refused move leaves the tensor as it was');
  a.dispose();
});

test('moveTo_ moves leaves in place and refuses a tensor inside an autograd graph', () => {
  const w = randn([2, 2]).requiresGrad_(true);
  const y = w.mul(2);
  assert.throws(() => y.moveTo_('cpu'), (e: unknown) => e instanceof TorchError && /only leaf tensors/.test((e as Error).message));
  assert.equal(w.moveTo_('cpu'), w);
  assert.equal(w.requiresGrad, true);
  y.dispose();
  w.dispose();
});

test('Module.to(cpu) keeps every parameter, its values and its requires-grad flag', () => {
  const layer = new Linear(3, 2);
  const before = [...layer.stateDict()].map(([k, t]) => [k, Array.from(t.data() as Float32Array)] as const);
  const weight = layer.weight;
  assert.equal(layer.to('cpu'), layer);
  assert.equal(layer.weight, weight, 'the layer keeps its tensor field');
  assert.equal(layer.weight.device, 'cpu');
  assert.equal(layer.weight.requiresGrad, true);
  assert.deepEqual([...layer.stateDict()].map(([k, t]) => [k, Array.from(t.data() as Float32Array)] as const), before);
  const x = fromTypedArray(new Float32Array([1, 2, 3]), [1, 3], 'float32', 'cpu');
  const out = noGrad(() => layer.forward(x));
  assert.deepEqual(out.shape, [1, 2]);
  out.dispose();
  x.dispose();
  layer.dispose();
});

test('onDevice: new tensors go to the device of the scope, across awaits, and only inside it', async () => {
  assert.equal(currentDevice(), 'cpu');
  const seen = await onDevice('cpu', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const a = tensor([1, 2]);
    const b = zeros([2]);
    const devices = [currentDevice(), a.device, b.device];
    a.dispose();
    b.dispose();
    return devices;
  });
  assert.deepEqual(seen, ['cpu', 'cpu', 'cpu']);
  assert.equal(currentDevice(), 'cpu', 'the scope ends with its function');
  synchronize(); // nothing queued on a CPU: returns at once
  const support = deviceSupport();
  if (!support.cudaBuilt) {
    // Inside a cuda scope, making a tensor is where libtorch says it cannot: nothing silently stays on the CPU.
    assert.throws(() => onDevice('cuda', () => tensor([1])), (e: unknown) => e instanceof TorchError);
    assert.throws(() => onDevice('cuda', () => zeros([1])), (e: unknown) => e instanceof TorchError);
  }
});
