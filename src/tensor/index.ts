// The tensor layer: ownership, dtypes, operators, autograd, scopes and safetensors IO.
export { Tensor, type Shape, type TensorOrScalar } from './tensor.js';
export { DTYPES, isDType, type DType, type AnyTypedArray } from './dtype.js';
export * from './creation.js';
export * as F from './functional.js';
export * as foreach from './foreach.js';
export { tidy, keep, scopeDepth } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { manualSeed, setNumThreads, threads, memoryStats, resetPeakMemory, engineInfo } from './runtime.js';
export { opSchema } from './dispatch.js';
export { checkDevice, currentDevice, deviceSupport, isDevice, onDevice, synchronize, DEFAULT_DEVICE, type Device } from './device.js';
export * from './safetensors.js';
export { countMacs, flopsOf, type MacCount } from './flops.js';
