// Element types, their libtorch ScalarType codes, and the typed arrays that carry them in JS.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16' | 'float16' | 'bfloat16'
          ? D extends 'int16'
            ? Int16Array
            : Uint16Array
          : D extends 'int8'
            ? Int8Array
            : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

interface DTypeInfo {
  /** c10::ScalarType enum value */
  code: number;
  bytes: number;
  array: new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => AnyTypedArray;
  floating: boolean;
}

// float16 and bfloat16 travel as raw 16-bit patterns (Uint16Array); JS has no native half type.
export const DTYPES: Record<DType, DTypeInfo> = {
  uint8: { code: 0, bytes: 1, array: Uint8Array, floating: false },
  int8: { code: 1, bytes: 1, array: Int8Array, floating: false },
  int16: { code: 2, bytes: 2, array: Int16Array, floating: false },
  int32: { code: 3, bytes: 4, array: Int32Array, floating: false },
  int64: { code: 4, bytes: 8, array: BigInt64Array, floating: false },
  float16: { code: 5, bytes: 2, array: Uint16Array, floating: true },
  float32: { code: 6, bytes: 4, array: Float32Array, floating: true },
  float64: { code: 7, bytes: 8, array: Float64Array, floating: true },
  bool: { code: 11, bytes: 1, array: Uint8Array, floating: false },
  bfloat16: { code: 15, bytes: 2, array: Uint16Array, floating: true },
};

const BY_CODE = new Map<number, DType>(Object.entries(DTYPES).map(([name, info]) => [info.code, name as DType]));

export function dtypeFromCode(code: number): DType {
  const d = BY_CODE.get(code);
  if (d === undefined) throw new Error(`libtorch returned scalar type ${code}, which adaptlab does not map to a dtype`);
  return d;
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && value in DTYPES;
}

/** The dtype a typed array carries by default (Uint8Array is uint8; pass 'bool' explicitly). */
export function dtypeOfArray(array: AnyTypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint16Array) return 'float16';
  return 'uint8';
}
