// Tensor: owns one libtorch tensor handle. Methods follow PyTorch's names in TypeScript casing.
//
// Lifetime: dispose() releases the handle (idempotent); using a disposed tensor throws
// DisposedTensorError. Tensors made inside tidy() are disposed when the scope ends; `using`
// works through Symbol.dispose. Views and in-place results share storage with their source, so
// disposing a view never frees memory its source still uses.
import { native, type OpArg, type TensorHandle } from '../native/binding.js';
import { DisposedTensorError } from '../errors.js';
import { DTYPES, dtypeFromCode, type DType, type AnyTypedArray } from './dtype.js';
import { callOp, callOpInPlace, rethrow } from './dispatch.js';
import { track } from './scope.js';
import { gradProducts, isCountingMacs, recordMacs } from './flops.js';

export type Shape = readonly number[];
export type TensorOrScalar = Tensor | number;

export class Tensor {
  #handle: TensorHandle | null;
  #shape: number[] | undefined;
  #dtype: DType | undefined;

  /** Wraps a native handle; the new Tensor owns it. Internal: use the creation functions. */
  constructor(handle: TensorHandle) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle; throws if disposed. */
  get handle(): TensorHandle {
    if (this.#handle === null) throw new DisposedTensorError('Tensor.handle');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  dispose(): void {
    if (this.#handle === null) return;
    native().free(this.#handle);
    this.#handle = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- metadata ----------------------------------------------------------------------------

  #loadMeta(): void {
    const [shape, code] = native().meta(this.handle);
    this.#shape = shape;
    this.#dtype = dtypeFromCode(code);
  }

  get shape(): number[] {
    if (this.#shape === undefined) this.#loadMeta();
    return this.#shape!.slice();
  }

  get dtype(): DType {
    if (this.#dtype === undefined) this.#loadMeta();
    return this.#dtype!;
  }

  get ndim(): number {
    if (this.#shape === undefined) this.#loadMeta();
    return this.#shape!.length;
  }

  get numel(): number {
    if (this.#shape === undefined) this.#loadMeta();
    return this.#shape!.reduce((a, b) => a * b, 1);
  }

  /** Where this tensor lives: "cpu", "cuda:0", ... */
  get device(): string {
    return native().deviceOf(this.handle);
  }

  /** Bytes of this tensor's elements (not of its whole storage). */
  get nbytes(): number {
    return this.numel * DTYPES[this.dtype].bytes;
  }

  size(dim: number): number {
    const s = this.shape;
    return s[dim < 0 ? s.length + dim : dim];
  }

  toString(): string {
    return this.isDisposed ? 'Tensor<disposed>' : `Tensor[${this.shape.join(', ')}] ${this.dtype}`;
  }

  // ---- data out ----------------------------------------------------------------------------

  /** A copy of the elements, row-major, in the typed array of this dtype. */
  data<A extends AnyTypedArray = AnyTypedArray>(): A {
    const bytes = native().toBuffer(this.handle);
    return new DTYPES[this.dtype].array(bytes) as A;
  }

  /** The elements as JS numbers (int64 converted; precision beyond 2^53 is lost). */
  toArray(): number[] {
    const d = this.data();
    return Array.from(d as ArrayLike<number | bigint>, Number);
  }

  /** The raw little-endian bytes of the elements (for serialisation). */
  bytes(): Uint8Array {
    return new Uint8Array(native().toBuffer(this.handle));
  }

  item(): number {
    try {
      return Number(native().item(this.handle));
    } catch (e) {
      rethrow(e);
    }
  }

  // ---- autograd ----------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return native().meta(this.handle)[2];
  }

  /** Marks a leaf tensor as a parameter whose gradient autograd should compute. */
  requiresGrad_(flag = true): this {
    try {
      native().setRequiresGrad(this.handle, flag);
    } catch (e) {
      rethrow(e);
    }
    return this;
  }

  /** The accumulated gradient as a new handle on it, or null. */
  get grad(): Tensor | null {
    const g = native().grad(this.handle);
    return g === null ? null : new Tensor(g);
  }

  set grad(g: Tensor | null) {
    native().setGrad(this.handle, g === null ? null : g.handle);
  }

  get isLeaf(): boolean {
    return native().isLeaf(this.handle);
  }

  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    try {
      native().backward(this.handle, gradient ? gradient.handle : null, options.retainGraph ?? false);
    } catch (e) {
      rethrow(e);
    }
  }

  detach(): Tensor {
    return this.#op('aten::detach', [this.handle]);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  #op(qualified: string, args: readonly OpArg[]): Tensor {
    return new Tensor(callOp(qualified, args) as TensorHandle);
  }

  #inPlace(qualified: string, args: readonly OpArg[]): this {
    callOpInPlace(qualified, args);
    return this;
  }

  #binary(name: string, other: TensorOrScalar): Tensor {
    return typeof other === 'number'
      ? this.#op(`aten::${name}.Scalar`, [this.handle, other])
      : this.#op(`aten::${name}.Tensor`, [this.handle, other.handle]);
  }

  // ---- element-wise ------------------------------------------------------------------------

  add(other: TensorOrScalar, alpha = 1): Tensor {
    return typeof other === 'number'
      ? this.#op('aten::add.Scalar', [this.handle, other, alpha])
      : this.#op('aten::add.Tensor', [this.handle, other.handle, alpha]);
  }
  sub(other: TensorOrScalar, alpha = 1): Tensor {
    return typeof other === 'number'
      ? this.#op('aten::sub.Scalar', [this.handle, other, alpha])
      : this.#op('aten::sub.Tensor', [this.handle, other.handle, alpha]);
  }
  mul(other: TensorOrScalar): Tensor {
    return this.#binary('mul', other);
  }
  div(other: TensorOrScalar): Tensor {
    return this.#binary('div', other);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return typeof exponent === 'number'
      ? this.#op('aten::pow.Tensor_Scalar', [this.handle, exponent])
      : this.#op('aten::pow.Tensor_Tensor', [this.handle, exponent.handle]);
  }
  maximum(other: Tensor): Tensor {
    return this.#op('aten::maximum', [this.handle, other.handle]);
  }
  minimum(other: Tensor): Tensor {
    return this.#op('aten::minimum', [this.handle, other.handle]);
  }
  neg(): Tensor {
    return this.#op('aten::neg', [this.handle]);
  }
  abs(): Tensor {
    return this.#op('aten::abs', [this.handle]);
  }
  sqrt(): Tensor {
    return this.#op('aten::sqrt', [this.handle]);
  }
  rsqrt(): Tensor {
    return this.#op('aten::rsqrt', [this.handle]);
  }
  exp(): Tensor {
    return this.#op('aten::exp', [this.handle]);
  }
  log(): Tensor {
    return this.#op('aten::log', [this.handle]);
  }
  square(): Tensor {
    return this.#op('aten::square', [this.handle]);
  }
  sign(): Tensor {
    return this.#op('aten::sign', [this.handle]);
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return this.#op('aten::clamp', [this.handle, min, max]);
  }

  // ---- activations -------------------------------------------------------------------------

  relu(): Tensor {
    return this.#op('aten::relu', [this.handle]);
  }
  /** approximate: 'none' is the exact erf form (BERT's "gelu"), 'tanh' is "gelu_new". */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return this.#op('aten::gelu', [this.handle, approximate]);
  }
  tanh(): Tensor {
    return this.#op('aten::tanh', [this.handle]);
  }
  sigmoid(): Tensor {
    return this.#op('aten::sigmoid', [this.handle]);
  }
  softmax(dim: number): Tensor {
    return this.#op('aten::softmax.int', [this.handle, dim, null]);
  }
  logSoftmax(dim: number): Tensor {
    return this.#op('aten::log_softmax.int', [this.handle, dim, null]);
  }

  // ---- comparisons (return bool tensors) ---------------------------------------------------

  eq(other: TensorOrScalar): Tensor {
    return this.#binary('eq', other);
  }
  ne(other: TensorOrScalar): Tensor {
    return this.#binary('ne', other);
  }
  lt(other: TensorOrScalar): Tensor {
    return this.#binary('lt', other);
  }
  le(other: TensorOrScalar): Tensor {
    return this.#binary('le', other);
  }
  gt(other: TensorOrScalar): Tensor {
    return this.#binary('gt', other);
  }
  ge(other: TensorOrScalar): Tensor {
    return this.#binary('ge', other);
  }
  logicalNot(): Tensor {
    return this.#op('aten::logical_not', [this.handle]);
  }
  /** True when every element equals `other`'s (same shape). */
  equal(other: Tensor): boolean {
    return callOp('aten::equal', [this.handle, other.handle]) as boolean;
  }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
    return callOp('aten::allclose', [this.handle, other.handle, rtol, atol, false]) as boolean;
  }

  // ---- reductions --------------------------------------------------------------------------

  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? this.#op('aten::sum', [this.handle, null]) : this.#op('aten::sum.dim_IntList', [this.handle, toDims(dim), keepdim, null]);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? this.#op('aten::mean', [this.handle, null]) : this.#op('aten::mean.dim', [this.handle, toDims(dim), keepdim, null]);
  }
  /** Variance; `correction` 1 is the unbiased (Bessel) estimate, 0 the population one. */
  var(dim: number | number[], correction = 1, keepdim = false): Tensor {
    return this.#op('aten::var.correction', [this.handle, toDims(dim), correction, keepdim]);
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return this.#op('aten::amax', [this.handle, toDims(dim), keepdim]);
  }
  amin(dim: number | number[], keepdim = false): Tensor {
    return this.#op('aten::amin', [this.handle, toDims(dim), keepdim]);
  }
  argmax(dim: number, keepdim = false): Tensor {
    return this.#op('aten::argmax', [this.handle, dim, keepdim]);
  }
  argmin(dim: number, keepdim = false): Tensor {
    return this.#op('aten::argmin', [this.handle, dim, keepdim]);
  }
  /** Euclidean norm of all elements. */
  norm(): Tensor {
    return this.#op('aten::linalg_vector_norm', [this.handle, 2, null, false, null]);
  }

  // ---- shape and indexing ------------------------------------------------------------------

  reshape(shape: Shape): Tensor {
    return this.#op('aten::reshape', [this.handle, shape]);
  }
  view(shape: Shape): Tensor {
    return this.#op('aten::view', [this.handle, shape]);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return this.#op('aten::flatten.using_ints', [this.handle, startDim, endDim]);
  }
  permute(dims: readonly number[]): Tensor {
    return this.#op('aten::permute', [this.handle, dims]);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return this.#op('aten::transpose.int', [this.handle, dim0, dim1]);
  }
  /** 2-D transpose. */
  t(): Tensor {
    return this.#op('aten::t', [this.handle]);
  }
  contiguous(): Tensor {
    return this.#op('aten::contiguous', [this.handle, 0]);
  }
  unsqueeze(dim: number): Tensor {
    return this.#op('aten::unsqueeze', [this.handle, dim]);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? this.#op('aten::squeeze', [this.handle]) : this.#op('aten::squeeze.dim', [this.handle, dim]);
  }
  expand(shape: Shape): Tensor {
    return this.#op('aten::expand', [this.handle, shape, false]);
  }
  /** Elements start..end (exclusive) along dim, every `step`; negative indices count from the end. */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return this.#op('aten::slice.Tensor', [this.handle, dim, start, end, step]);
  }
  /** The single index `index` along dim, removing that dim. */
  select(dim: number, index: number): Tensor {
    return this.#op('aten::select.int', [this.handle, dim, index]);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return this.#op('aten::narrow', [this.handle, dim, start, length]);
  }
  /** Rows (along `dim`) at `index`; an index made elsewhere (row numbers from JS, on the host) follows this tensor's device. */
  indexSelect(dim: number, index: Tensor): Tensor {
    const device = this.device;
    if (index.device === device) return this.#op('aten::index_select', [this.handle, dim, index.handle]);
    const moved = index.toDevice(device);
    try {
      return this.#op('aten::index_select', [this.handle, dim, moved.handle]);
    } finally {
      moved.dispose();
    }
  }
  gather(dim: number, index: Tensor): Tensor {
    return this.#op('aten::gather', [this.handle, dim, index.handle, false]);
  }
  /** Elements where `mask` is true, flattened. */
  maskedSelect(mask: Tensor): Tensor {
    return this.#op('aten::masked_select', [this.handle, mask.handle]);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return this.#op('aten::masked_fill.Scalar', [this.handle, mask.handle, value]);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (callOp('aten::chunk', [this.handle, chunks, dim]) as TensorHandle[]).map((h) => new Tensor(h));
  }
  split(size: number, dim = 0): Tensor[] {
    return (callOp('aten::split.Tensor', [this.handle, size, dim]) as TensorHandle[]).map((h) => new Tensor(h));
  }

  // ---- linear algebra ----------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return this.#product('aten::matmul', other);
  }
  mm(other: Tensor): Tensor {
    return this.#product('aten::mm', other);
  }
  bmm(other: Tensor): Tensor {
    return this.#product('aten::bmm', other);
  }

  /** A matrix product; counted as out.numel * K multiply-adds when MACs are being counted. */
  #product(qualified: string, other: Tensor): Tensor {
    const out = this.#op(qualified, [this.handle, other.handle]);
    if (isCountingMacs()) {
      const k = this.size(-1);
      recordMacs(out.numel * k, gradProducts(out, this, other));
    }
    return out;
  }

  // ---- conversion --------------------------------------------------------------------------

  /** This tensor on `device`: the same tensor (a new handle to it) when it is already there, else a copy. */
  toDevice(device: string): Tensor {
    return this.#op('aten::to.dtype_layout', [this.handle, null, null, device, null, false, false, null]);
  }

  /**
   * Moves this leaf tensor (a parameter, a buffer, data) to `device` in place: every holder of this
   * Tensor object sees the moved one. Returns this.
   */
  moveTo_(device: string): this {
    try {
      native().moveTo(this.handle, device);
    } catch (e) {
      rethrow(e);
    }
    return this;
  }

  to(dtype: DType): Tensor {
    return this.#op('aten::to.dtype', [this.handle, DTYPES[dtype].code, false, false, null]);
  }
  float(): Tensor {
    return this.to('float32');
  }
  long(): Tensor {
    return this.to('int64');
  }
  clone(): Tensor {
    return this.#op('aten::clone', [this.handle, null]);
  }

  // ---- in-place updates (optimizers, initialisers, loading) --------------------------------

  add_(other: TensorOrScalar, alpha = 1): this {
    return typeof other === 'number'
      ? this.#inPlace('aten::add_.Scalar', [this.handle, other, alpha])
      : this.#inPlace('aten::add_.Tensor', [this.handle, other.handle, alpha]);
  }
  /** max(x, 0) in place. Autograd allows it where the producer's backward does not need its output (e.g. after BatchNorm). */
  relu_(): this {
    return this.#inPlace('aten::relu_', [this.handle]);
  }
  sub_(other: Tensor, alpha = 1): this {
    return this.#inPlace('aten::sub_.Tensor', [this.handle, other.handle, alpha]);
  }
  mul_(other: TensorOrScalar): this {
    return typeof other === 'number'
      ? this.#inPlace('aten::mul_.Scalar', [this.handle, other])
      : this.#inPlace('aten::mul_.Tensor', [this.handle, other.handle]);
  }
  div_(other: TensorOrScalar): this {
    return typeof other === 'number'
      ? this.#inPlace('aten::div_.Scalar', [this.handle, other])
      : this.#inPlace('aten::div_.Tensor', [this.handle, other.handle]);
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inPlace('aten::addcmul_', [this.handle, t1.handle, t2.handle, value]);
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inPlace('aten::addcdiv_', [this.handle, t1.handle, t2.handle, value]);
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    return this.#inPlace('aten::lerp_.Scalar', [this.handle, end.handle, weight]);
  }
  copy_(src: Tensor): this {
    return this.#inPlace('aten::copy_', [this.handle, src.handle, false]);
  }
  zero_(): this {
    return this.#inPlace('aten::zero_', [this.handle]);
  }
  fill_(value: number): this {
    return this.#inPlace('aten::fill_.Scalar', [this.handle, value]);
  }
  clamp_(min: number | null, max: number | null = null): this {
    return this.#inPlace('aten::clamp_', [this.handle, min, max]);
  }
  uniform_(from: number, to: number): this {
    return this.#inPlace('aten::uniform_', [this.handle, from, to, null]);
  }
  normal_(mean = 0, std = 1): this {
    return this.#inPlace('aten::normal_', [this.handle, mean, std, null]);
  }
}

function toDims(dim: number | number[]): number[] {
  return typeof dim === 'number' ? [dim] : dim;
}
