/** Tensor creation: from data, constant fills, ranges, identity and random draws. */
import { backend } from '../backend/index';
import { fillDevice, uploadTensor } from '../backend/cuda/index';
import { backendFor } from '../backend/device';
import { boxMuller, getDefaultGenerator, PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { allocate, dtypeOfArray, isDType, isFloat, type DType, type TypedArray } from '../tensor/dtype';
import { checkShape, sizeOf } from '../tensor/shape';
import { Tensor, type NestedArray } from '../tensor/tensor';
import { assertNumber, assertTensor, empty, emptyForOverwrite } from './util';
import { type Device, parseDevice } from '../tensor/device';

/** dtype, device and requiresGrad of a new tensor. @example `zeros([2, 3], { dtype: 'float64', requiresGrad: true })` */
export interface CreateOptions {
  /** Element type; float32 unless the data says otherwise (booleans, typed arrays). */
  dtype?: DType;
  /** 'cpu' (default) or 'cuda' for the constant fills (zeros, ones, full and their *Like forms, which default to x's device). */
  device?: Device | 'cuda:0';
  /** Record ops on this tensor for autograd (float dtypes only). */
  requiresGrad?: boolean;
}

function dtypeOption(op: string, opts: CreateOptions | undefined, fallback: DType): DType {
  const dtype = opts?.dtype ?? fallback;
  if (!isDType(dtype)) throw new DTypeError(`${op}: unknown dtype '${fmtArg(dtype)}' (expected float32, float64, int32 or bool)`);
  return dtype;
}

function finish(t: Tensor, op: string, opts: CreateOptions | undefined): Tensor {
  // Made on the host, then copied to the device asked for (before requiresGrad: the cuda copy is the leaf).
  if (opts?.device !== undefined && parseDevice(op, opts.device) !== t.device) {
    const host = t;
    t = uploadTensor(op, host);
    host.dispose();
  }
  if (opts?.requiresGrad) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: requiresGrad needs a float dtype, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

/** Infers the shape of nested arrays, rejecting ragged ones. */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(op: string, data: NestedArray, shape: number[], dim: number, out: number[], sawBool: { v: boolean }): void {
  if (dim === shape.length) {
    if (typeof data === 'boolean') { sawBool.v = true; out.push(data ? 1 : 0); return; }
    if (typeof data !== 'number') throw new ArgumentError(`${op}: data holds ${Array.isArray(data) ? 'an array' : typeof data} where a number was expected (shape so far [${shape.join(',')}])`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new ShapeError(`${op}: data is ragged: dim ${dim} should have ${shape[dim]} entries, found ${Array.isArray(data) ? data.length : 'a scalar'}`);
  }
  for (const x of data) flattenInto(op, x, shape, dim + 1, out, sawBool);
}

/**
 * A tensor from nested arrays, a typed array (1-D) or a number (0-d).
 * @example `tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true })`
 */
export function tensor(data: NestedArray | TypedArray, opts?: CreateOptions): Tensor {
  if (isTypedArray(data)) {
    const dtype = dtypeOption('tensor', opts, dtypeOfArray(data));
    const out = allocate(dtype, data.length);
    backend().cast(data, out);
    return finish(Tensor.fromData(out, [data.length], dtype), 'tensor', opts);
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data)) {
    throw new ArgumentError(`tensor: data must be a number, boolean, nested array or typed array, got ${data === null ? 'null' : typeof data}`);
  }
  const shape = inferShape(data);
  const flat: number[] = [];
  const sawBool = { v: false };
  flattenInto('tensor', data, shape, 0, flat, sawBool);
  const dtype = dtypeOption('tensor', opts, sawBool.v ? 'bool' : 'float32');
  const arr = allocate(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = dtype === 'bool' ? (flat[i] !== 0 ? 1 : 0) : flat[i];
  return finish(Tensor.fromData(arr, shape, dtype), 'tensor', opts);
}

/** @internal A 0-d tensor holding `value` (on `device`, cpu by default). */
export function scalar(value: number, dtype: DType, device: Device = 'cpu'): Tensor {
  if (device !== 'cpu') return filled('scalar', [], value, { dtype, device });
  const arr = allocate(dtype, 1);
  arr[0] = value;
  return Tensor.fromData(arr, [], dtype);
}

/** full() under the name of the public function that called it, so errors name that function. */
function filled(op: string, shape: number[], value: number, opts?: CreateOptions): Tensor {
  const s = checkShape(op, 'shape', shape);
  // NaN is a legitimate fill value (torch.full(..., nan)), so only the type is checked.
  if (typeof value !== 'number') throw new ArgumentError(`${op}: value must be a number, got ${fmtArg(value)}`);
  const dtype = dtypeOption(op, opts, 'float32');
  const fillValue = dtype === 'bool' ? (value ? 1 : 0) : value;
  if (opts?.device !== undefined && parseDevice(op, opts.device) !== 'cpu') {
    const t = emptyForOverwrite(s, dtype, 'cuda');
    fillDevice(t, fillValue);
    return finish(t, op, opts);
  }
  // From the pool like any op output: a loop that makes a large zeros() per step then reuses
  // one buffer instead of faulting in fresh pages each time.
  const t = value === 0 ? empty(s, dtype) : emptyForOverwrite(s, dtype);
  if (value !== 0) t.values.fill(fillValue);
  return finish(t, op, opts);
}

/** A tensor filled with `value`. @example `full([2, 2], 7)` */
export function full(shape: number[], value: number, opts?: CreateOptions): Tensor {
  return filled('full', shape, value, opts);
}

/** Zeros. @example `zeros([2, 3])` */
export function zeros(shape: number[], opts?: CreateOptions): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** Ones. @example `ones([3], { dtype: 'int32' })` */
export function ones(shape: number[], opts?: CreateOptions): Tensor {
  return filled('ones', shape, 1, opts);
}

/** Zeros with x's shape and dtype. @example `zerosLike(x)` */
export function zerosLike(x: Tensor, opts?: CreateOptions): Tensor {
  assertTensor('zerosLike', 'x', x);
  return filled('zerosLike', x.shape, 0, { dtype: x.dtype, device: x.device, ...opts });
}

/** Ones with x's shape and dtype. @example `onesLike(x)` */
export function onesLike(x: Tensor, opts?: CreateOptions): Tensor {
  assertTensor('onesLike', 'x', x);
  return filled('onesLike', x.shape, 1, { dtype: x.dtype, device: x.device, ...opts });
}

/**
 * Values from start (inclusive) to end (exclusive) by step; `arange(n)` is 0..n-1.
 * int32 when all arguments are integers, else float32.
 * @example `arange(0, 1, 0.25) // [0, 0.25, 0.5, 0.75]`
 */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  if (end === undefined) { end = start; start = 0; }
  assertNumber('arange', 'start', start);
  assertNumber('arange', 'end', end);
  assertNumber('arange', 'step', step);
  if (step === 0) throw new ArgumentError('arange: step must be non-zero');
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step)) throw new ArgumentError(`arange: start ${start}, end ${end} and step ${step} must be finite`);
  if ((end - start) / step < 0) throw new ArgumentError(`arange: step ${step} moves away from end (start ${start}, end ${end})`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkShape('arange', 'length', [n]);
  const dtype = dtypeOption('arange', opts, [start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const arr = allocate(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(Tensor.fromData(arr, [n], dtype), 'arange', opts);
}

/** `steps` evenly spaced values from start to end inclusive. @example `linspace(0, 1, 5)` */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  assertNumber('linspace', 'start', start);
  assertNumber('linspace', 'end', end);
  checkShape('linspace', 'steps', [steps]);
  const dtype = dtypeOption('linspace', opts, 'float32');
  const arr = allocate(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
  // steps == 1 gives [start], as in PyTorch (half = 0 would otherwise pick `end`).
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) arr[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish(Tensor.fromData(arr, [steps], dtype), 'linspace', opts);
}

/** Identity matrix n x m (m defaults to n). @example `eye(3)` */
export function eye(n: number, m: number = n, opts?: CreateOptions): Tensor {
  const s = checkShape('eye', 'size', [n, m]);
  const dtype = dtypeOption('eye', opts, 'float32');
  const arr = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(Tensor.fromData(arr, s, dtype), 'eye', opts);
}

/** Creation options plus the Philox stream to draw from. @example `randn([4], { generator: new PhiloxStream(7) })` */
export interface RandomOptions extends CreateOptions {
  /** Draw from this generator instead of the global one. */
  generator?: PhiloxStream;
}

function generatorOf(op: string, opts: RandomOptions | undefined): PhiloxStream {
  const g = opts?.generator;
  if (g === undefined) return getDefaultGenerator();
  if (!(g instanceof PhiloxStream)) throw new ArgumentError(`${op}: generator must be a PhiloxStream, got ${g === null ? 'null' : typeof g}`);
  return g;
}

function floatDtype(op: string, opts: RandomOptions | undefined): 'float32' | 'float64' {
  const dtype = dtypeOption(op, opts, 'float32');
  if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/** Uniform on [0, 1) from the Philox stream. @example `manualSeed(0); rand([2, 2])` */
export function rand(shape: number[], opts?: RandomOptions): Tensor {
  const s = checkShape('rand', 'shape', shape);
  const dtype = floatDtype('rand', opts);
  const g = generatorOf('rand', opts);
  const n = sizeOf(s);
  if (opts?.device !== undefined && parseDevice('rand', opts.device) === 'cuda') {
    // The device's Philox kernel draws the same numbers from the same stream position.
    const t = emptyForOverwrite(s, dtype, 'cuda');
    backendFor('cuda').philoxUniform(g.seed, BigInt(g.reserve(dtype === 'float64' ? 2 * n : n)), t.deviceValues as Float32Array);
    return finish(t, 'rand', opts);
  }
  const arr = allocate(dtype, n) as Float32Array | Float64Array;
  // The kernel fills from (seed, offset); the stream's offset then advances as if it drew the words itself.
  const start = g.reserve(dtype === 'float64' ? 2 * n : n);
  backend().philoxUniform(g.seed, BigInt(start), arr);
  return finish(Tensor.fromData(arr, s, dtype), 'rand', opts);
}

/** Standard normal (Box–Muller on the Philox stream). @example `randn([3, 4], { dtype: 'float64' })` */
export function randn(shape: number[], opts?: RandomOptions): Tensor {
  const s = checkShape('randn', 'shape', shape);
  const dtype = floatDtype('randn', opts);
  const g = generatorOf('randn', opts);
  const n = sizeOf(s);
  // The same draw as g.normal(n, dtype): the uniforms come from the native Philox kernel (as in
  // rand), the stream advances past the words normal would have used, then Box–Muller in place.
  const units = allocate(dtype, 2 * Math.ceil(n / 2)) as Float32Array | Float64Array;
  const start = g.reserve(dtype === 'float64' ? 2 * units.length : units.length);
  backend().philoxUniform(g.seed, BigInt(start), units);
  const arr = boxMuller(units, allocate(dtype, n) as Float32Array | Float64Array);
  return finish(Tensor.fromData(arr, s, dtype), 'randn', opts);
}

/** Integers uniform in [low, high). @example `randint(0, 10, [5])` */
export function randint(low: number, high: number, shape: number[], opts?: RandomOptions): Tensor {
  const s = checkShape('randint', 'shape', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: need integers low < high, got low ${low} and high ${high}`);
  }
  // The generator draws int32 values; say so here instead of letting its RangeError escape.
  if (low < -(2 ** 31) || high > 2 ** 31) throw new ArgumentError(`randint: need -2^31 <= low < high <= 2^31, got low ${low} and high ${high}`);
  const g = generatorOf('randint', opts);
  const dtype = dtypeOption('randint', opts, 'int32');
  const ints = g.randint(sizeOf(s), low, high);
  const arr = allocate(dtype, ints.length);
  backend().cast(ints, arr);
  return finish(Tensor.fromData(arr, s, dtype), 'randint', opts);
}
