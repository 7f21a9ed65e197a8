/** Argument checks and output allocation shared by the op files. */
import { ArgumentError, DTypeError } from '../errors';
import { allocate, type DType } from '../tensor/dtype';
import { sizeOf } from '../tensor/shape';
import { acquireBuffer } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';

export function assertTensor(op: string, arg: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ArgumentError(`${op}: ${arg} must be a Tensor, got ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x}`);
  }
  if (x.isDisposed) throw new ArgumentError(`${op}: ${arg} (${x.describe()}) was disposed`);
}

export function assertFloat(op: string, arg: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${op}: ${arg} must be float32 or float64, got ${x.dtype} ${x.describe()}`);
  }
}

/** A fresh, zero-filled tensor. */
export function empty(shape: number[], dtype: DType): Tensor {
  const n = sizeOf(shape);
  return Tensor.fromData(acquireBuffer(dtype, n) ?? allocate(dtype, n), shape, dtype);
}

/**
 * A fresh tensor whose contents are unspecified (a reused buffer keeps its old values): only
 * for outputs a kernel writes in full before anyone reads them.
 */
export function emptyForOverwrite(shape: number[], dtype: DType): Tensor {
  const n = sizeOf(shape);
  return Tensor.fromData(acquireBuffer(dtype, n, false) ?? allocate(dtype, n), shape, dtype);
}

export function int32Array(values: readonly number[]): Int32Array {
  return Int32Array.from(values);
}

/** Checks a finite number argument. */
export function assertNumber(op: string, arg: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(`${op}: ${arg} must be a number, got ${String(v)}`);
}
