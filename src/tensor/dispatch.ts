// The one path from TypeScript to a libtorch operator: look the operator up once, call it by
// schema, and turn native failures into typed errors.
import { native, type OpArg, type OpHandle, type OpResult } from '../native/binding.js';
import { TorchError } from '../errors.js';

const ops = new Map<string, OpHandle>();

/** "aten::add.Tensor" -> handle, cached. The part after the first '.' is the overload name. */
export function opHandle(qualified: string): OpHandle {
  let h = ops.get(qualified);
  if (h === undefined) {
    const dot = qualified.indexOf('.', qualified.indexOf('::'));
    const name = dot < 0 ? qualified : qualified.slice(0, dot);
    const overload = dot < 0 ? '' : qualified.slice(dot + 1);
    h = native().op(name, overload);
    ops.set(qualified, h);
  }
  return h;
}

/** The schema of an operator, e.g. to document or check arguments. */
export function opSchema(qualified: string): string {
  return native().schema(opHandle(qualified));
}

export function rethrow(e: unknown): never {
  const err = e as { code?: string; op?: string; inputs?: string[]; nativeMessage?: string };
  if (err && err.code === 'TORCH_ERROR' && typeof err.op === 'string') {
    throw new TorchError(err.op, err.inputs ?? [], err.nativeMessage ?? String(e));
  }
  throw e;
}

/** Runs an operator; tensors must already be handles. */
export function callOp(qualified: string, args: readonly OpArg[]): OpResult {
  const op = opHandle(qualified);
  try {
    return native().call(op, args);
  } catch (e) {
    rethrow(e);
  }
}

/** Runs an in-place operator whose result aliases an input, without making a handle for it. */
export function callOpInPlace(qualified: string, args: readonly OpArg[]): void {
  const op = opHandle(qualified);
  try {
    native().call(op, args, true);
  } catch (e) {
    rethrow(e);
  }
}
