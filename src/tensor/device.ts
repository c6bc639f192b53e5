// Devices: where a tensor's storage lives and its operators run. The CPU always exists; CUDA
// devices exist when the addon was built against a CUDA libtorch (LIBTORCH=...) and the machine has
// a driver and a GPU. This module is the one place that knows how to ask; everything above passes a
// device string along and never branches on it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { native } from '../native/binding.js';
import { ArgumentError, DeviceUnavailableError } from '../errors.js';

/** `cpu`, `cuda` (the current CUDA device) or `cuda:N`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

export const DEFAULT_DEVICE: Device = 'cpu';

const DEVICE_PATTERN = /^(cpu|cuda|cuda:(0|[1-9][0-9]*))$/;

const scope = new AsyncLocalStorage<Device>();

/**
 * Runs `fn` with `device` as the place where new tensors go: those made from host data
 * (fromTypedArray, fromBytes, tensor) and by factories (zeros, randn, arange, ...). Tensors made
 * from other tensors stay where their inputs are. The scope follows `fn` across awaits, so two
 * labs in one process may use two devices. Outside any scope new tensors go to the CPU.
 */
export function onDevice<T>(device: Device, fn: () => T): T {
  return scope.run(device, fn);
}

/** Where new tensors go now (see onDevice). */
export function currentDevice(): Device {
  return scope.getStore() ?? DEFAULT_DEVICE;
}

/** Waits until the work queued on GPUs has finished, so a timer measures it (a no-op on the CPU). */
export function synchronize(): void {
  native().synchronize();
}

/** True when `text` names a device adaptlab can use (whether this machine has it or not). */
export function isDevice(text: string): text is Device {
  return DEVICE_PATTERN.test(text);
}

/** What this process's libtorch offers. */
export function deviceSupport(): { cudaBuilt: boolean; cudaAvailable: boolean; cudaDeviceCount: number } {
  return native().devices();
}

/**
 * `text` as a Device, or a DeviceUnavailableError saying why it cannot be used here and what to do.
 * Call it before any data loads: it is cheap and touches no data.
 */
export function checkDevice(text: string): Device {
  if (!isDevice(text)) throw new ArgumentError(`expected a device: cpu, cuda or cuda:N (N a GPU index); got "${text}"`);
  if (text === 'cpu') return text;
  const support = deviceSupport();
  if (!support.cudaBuilt) {
    throw new DeviceUnavailableError(
      text,
      'this libtorch was built without CUDA',
      'set LIBTORCH to a CUDA build of libtorch (an official libtorch archive, or the torch/ folder of a CUDA PyTorch install) and run the set-up again (npm run setup), or use --device cpu',
    );
  }
  if (!support.cudaAvailable || support.cudaDeviceCount === 0) {
    throw new DeviceUnavailableError(text, 'this libtorch has CUDA but finds no usable GPU (no NVIDIA driver, or no device visible: check nvidia-smi and CUDA_VISIBLE_DEVICES)', 'run on a machine with an NVIDIA GPU, or use --device cpu');
  }
  const index = text === 'cuda' ? 0 : Number(text.slice('cuda:'.length));
  if (index >= support.cudaDeviceCount) {
    throw new DeviceUnavailableError(text, `this machine has ${support.cudaDeviceCount} CUDA device(s), numbered from 0`, `use cuda:0..cuda:${support.cudaDeviceCount - 1}`);
  }
  return text;
}
