// Making tensors: from JS data, filled, ranges and random (libtorch's generator, seeded by
// manualSeed, so results match PyTorch's for the same seed and call order).
import { native, type TensorHandle } from '../native/binding.js';
import { ArgumentError } from '../errors.js';
import { DTYPES, dtypeOfArray, type AnyTypedArray, type DType } from './dtype.js';
import { callOp, rethrow } from './dispatch.js';
import { Tensor, type Shape } from './tensor.js';
import { currentDevice } from './device.js';

/** The device argument of a factory: null (libtorch's default, the CPU) unless a scope names another device. */
function deviceArg(): string | null {
  const device = currentDevice();
  return device === 'cpu' ? null : device;
}

function wrap(h: unknown): Tensor {
  return new Tensor(h as TensorHandle);
}

function checkShape(shape: Shape, what: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** A tensor holding a copy of `data`, viewed as `shape` (default: 1-D), on `device` (default: the current one, see onDevice). */
export function fromTypedArray(data: AnyTypedArray, shape?: Shape, dtype?: DType, device?: string): Tensor {
  const d = dtype ?? dtypeOfArray(data);
  const s = shape ?? [data.length];
  checkShape(s, 'fromTypedArray');
  const numel = s.reduce((a, b) => a * b, 1);
  if (numel !== data.length || DTYPES[d].bytes !== data.BYTES_PER_ELEMENT) {
    throw new ArgumentError(
      `fromTypedArray: shape [${s.join(', ')}] of ${d} needs ${numel} elements of ${DTYPES[d].bytes} bytes; ` +
        `got ${data.length} elements of ${data.BYTES_PER_ELEMENT} bytes (${data.constructor.name})`,
    );
  }
  try {
    return wrap(native().fromBuffer(data, s, DTYPES[d].code, device ?? deviceArg() ?? undefined));
  } catch (e) {
    rethrow(e);
  }
}

/** A tensor from raw little-endian bytes (for deserialisation), on `device` (default: the current one). */
export function fromBytes(bytes: Uint8Array, shape: Shape, dtype: DType, device?: string): Tensor {
  checkShape(shape, 'fromBytes');
  try {
    return wrap(native().fromBuffer(bytes, shape, DTYPES[dtype].code, device ?? deviceArg() ?? undefined));
  } catch (e) {
    rethrow(e);
  }
}

type Nested = number | boolean | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

/** A tensor from (nested) JS numbers. Default dtype float32; 'int64', 'bool', ... on request. */
export function tensor(data: Nested, dtype: DType = 'float32'): Tensor {
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  const visit = (v: Nested): void => {
    if (Array.isArray(v)) for (const x of v as readonly Nested[]) visit(x);
    else flat.push(v as number | boolean);
  };
  visit(data);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== numel) throw new ArgumentError(`tensor(): ragged nested array (shape [${shape.join(', ')}] but ${flat.length} numbers)`);
  const Arr = DTYPES[dtype].array;
  const arr = new Arr(new ArrayBuffer(numel * DTYPES[dtype].bytes));
  if (arr instanceof BigInt64Array) flat.forEach((v, i) => (arr[i] = BigInt(Math.trunc(Number(v)))));
  else if (dtype === 'float16' || dtype === 'bfloat16') throw new ArgumentError(`tensor(): make ${dtype} tensors with .to('${dtype}') from float32`);
  else flat.forEach((v, i) => ((arr as Float32Array)[i] = Number(v)));
  return fromTypedArray(arr, shape, dtype);
}

function factory(op: string, shape: Shape, dtype: DType, extra: unknown[] = []): Tensor {
  checkShape(shape, op);
  return wrap(callOp(op, [shape, ...(extra as never[]), DTYPES[dtype].code, null, deviceArg(), null]));
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return factory('aten::zeros', shape, dtype);
}
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return factory('aten::ones', shape, dtype);
}
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'empty');
  return wrap(callOp('aten::empty.memory_format', [shape, DTYPES[dtype].code, null, deviceArg(), null, null]));
}
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return factory('aten::full', shape, dtype, [value]);
}
/** Standard normal samples. */
export function randn(shape: Shape, dtype: DType = 'float32'): Tensor {
  return factory('aten::randn', shape, dtype);
}
/** Uniform samples in [0, 1). */
export function rand(shape: Shape, dtype: DType = 'float32'): Tensor {
  return factory('aten::rand', shape, dtype);
}
/** Uniform integers in [low, high). */
export function randint(low: number, high: number, shape: Shape, dtype: DType = 'int64'): Tensor {
  checkShape(shape, 'randint');
  return wrap(callOp('aten::randint.low', [low, high, shape, DTYPES[dtype].code, null, deviceArg(), null]));
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number): Tensor {
  return wrap(callOp('aten::randperm', [n, DTYPES.int64.code, null, deviceArg(), null]));
}
/** start, start+step, ... < end */
export function arange(start: number, end?: number, step = 1, dtype: DType = 'int64'): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  return wrap(callOp('aten::arange.start_step', [s, e, step, DTYPES[dtype].code, null, deviceArg(), null]));
}
export function zerosLike(t: Tensor): Tensor {
  return wrap(callOp('aten::zeros_like', [t.handle, null, null, null, null, null]));
}
export function onesLike(t: Tensor): Tensor {
  return wrap(callOp('aten::ones_like', [t.handle, null, null, null, null, null]));
}
export function fullLike(t: Tensor, value: number): Tensor {
  return wrap(callOp('aten::full_like', [t.handle, value, null, null, null, null, null]));
}

// ---- combining ---------------------------------------------------------------------------------

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(callOp('aten::cat', [tensors.map((t) => t.handle), dim]));
}
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(callOp('aten::stack', [tensors.map((t) => t.handle), dim]));
}
/** Elements of `a` where `condition`, else of `b`. */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  return wrap(callOp('aten::where.self', [condition.handle, a.handle, b.handle]));
}
