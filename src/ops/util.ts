/** Argument checks and output allocation shared by the op files. */
import { constants as bufferConstants } from 'node:buffer';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import { allocate, bytesPerElement, type DType, type TypedArray } from '../tensor/dtype';
import { sizeOf } from '../tensor/shape';
import { acquireBuffer } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';
import { type Device, noteDeviceOp } from '../tensor/device';
import { deviceTensor } from '../backend/cuda/index';

/** A float32 or float64 Tensor, or an error naming the op and the argument. */
export function assertFloatTensor(op: string, arg: string, x: unknown): asserts x is Tensor {
  assertTensor(op, arg, x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: ${arg} must be float32 or float64, got ${x.describe()}`);
}

export function assertTensor(op: string, arg: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ArgumentError(`${op}: ${arg} must be a Tensor, got ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x}`);
  }
  if (x.isDisposed) throw new ArgumentError(`${op}: ${arg} (${x.describe()}) was disposed`);
  if (x.device !== 'cpu') noteDeviceOp(op);
}

/** The elements on the host: the typed array itself on cpu, a downloaded copy of a cuda tensor's. */
export function hostValues(t: Tensor): TypedArray {
  return t.device === 'cpu' ? t.values : t.data();
}

/**
 * The one device of an op's tensor arguments (named for the message); mixed devices throw,
 * as in PyTorch: nothing moves between devices implicitly.
 */
export function sameDevice(op: string, ...args: [string, Tensor | null | undefined][]): Device {
  let device: Device | null = null, first = '';
  for (const [name, t] of args) {
    if (!t) continue;
    if (device === null) { device = t.device; first = name; continue; }
    if (t.device !== device) {
      throw new ArgumentError(`${op}: ${first} is on ${device} and ${name} is on ${t.device}; all tensors of one op must be on one device (move one with .to('${device}') or .to('${t.device}'))`);
    }
  }
  return device ?? 'cpu';
}

export function assertFloat(op: string, arg: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${op}: ${arg} must be float32 or float64, got ${x.dtype} ${x.describe()}`);
  }
}

/** The most elements a tensor may hold: kernels index with int32. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** The most bytes one ArrayBuffer may hold in this runtime. */
const MAX_BUFFER_BYTES = bufferConstants.MAX_LENGTH;

/**
 * Checks an output shape before anything is allocated, so that sizes computed from
 * arguments (a conv's padding, a transposed conv's stride, an adaptive pool's output
 * size) fail with the op, the shape and the limit instead of a raw RangeError.
 * `from` says which arguments gave the shape.
 */
export function checkOutputSize(op: string, shape: readonly number[], dtype: DType, from: string | (() => string) = ''): void {
  const elements = sizeOf(shape);
  const bytes = elements * bytesPerElement(dtype);
  if (elements <= MAX_TENSOR_ELEMENTS && bytes <= MAX_BUFFER_BYTES) return;
  // The context is formatted only here: on every call it cost more than the check (matmul: ~8% of a small product).
  const text = typeof from === 'function' ? from() : from;
  const why = text ? ` (from ${text})` : '';
  if (elements > MAX_TENSOR_ELEMENTS) {
    throw new ShapeError(`${op}: the output would be ${dtype} ${fmtShape(shape)} = ${elements} elements${why}, more than the limit of 2^31-1 elements per tensor`);
  }
  throw new ShapeError(`${op}: the output would be ${dtype} ${fmtShape(shape)} = ${bytes} bytes${why}, more than the ${MAX_BUFFER_BYTES} bytes one ArrayBuffer can hold here`);
}

/** A fresh, zero-filled tensor (on `device`, cpu by default). */
export function empty(shape: number[], dtype: DType, device: Device = 'cpu'): Tensor {
  return fresh(shape, dtype, true, device);
}

/**
 * A fresh tensor whose contents are unspecified (a reused buffer keeps its old values): only
 * for outputs a kernel writes in full before anyone reads them.
 */
export function emptyForOverwrite(shape: number[], dtype: DType, device: Device = 'cpu'): Tensor {
  return fresh(shape, dtype, false, device);
}

/** A pooled buffer (zeroed if asked) or a new, zeroed one; on cuda, from the device's cache. */
function fresh(shape: number[], dtype: DType, zero: boolean, device: Device): Tensor {
  // Ops check their output sizes with their own names first; this catches any other path.
  checkOutputSize('allocate', shape, dtype);
  if (device !== 'cpu') return deviceTensor('allocate', shape, dtype, zero ? 0 : null);
  const n = sizeOf(shape);
  return Tensor.fromData(acquireBuffer(dtype, n, zero) ?? allocate(dtype, n), shape, dtype);
}

// Shapes and strides handed to a kernel live in views of one long-lived ring. A fresh small
// typed array sits on V8's heap, and passing it to the addon makes V8 move it off-heap
// first: ~1 µs per array, several times a broadcasting op's own cost. A view of a buffer
// that is already off-heap costs ~0.1 µs.
const RING = new Int32Array(1 << 14);
let ringAt = 0;

/**
 * `values` as an Int32Array for one kernel call (shapes, strides, offsets). The result is
 * overwritten after some thousands of further calls: pass it straight to the backend and
 * never keep it.
 */
export function kernelInts(values: ArrayLike<number>): Int32Array {
  const n = values.length;
  if (n > 256) return Int32Array.from(values);
  if (ringAt + n > RING.length) ringAt = 0;
  const out = RING.subarray(ringAt, ringAt + n);
  ringAt += n;
  for (let i = 0; i < n; i++) out[i] = values[i];
  return out;
}

/** Checks a finite number argument. */
export function assertNumber(op: string, arg: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(`${op}: ${arg} must be a number, got ${fmtArg(v)}`);
}
