/**
 * Views that share storage (reshape, view, flatten, squeeze, unsqueeze) and
 * copies through the strided-copy kernel (expand, transpose, permute, narrow,
 * cat, stack, split, chunk, clone).
 */
import { backendFor } from '../backend/device';
import { ArgumentError, ShapeError, fmtShape, fmtValue, fmtArg } from '../errors';
import { broadcastStrides, checkShape, normalizeDim, shapesEqual, sizeOf, stridesOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { sumToShape } from './binary';
import { record } from './record';
import { assertTensor, checkOutputSize, empty, emptyForOverwrite, kernelInts, sameDevice } from './util';
import type { TypedArray } from '../tensor/dtype';

function viewOf(x: Tensor, shape: number[], name: string): Tensor {
  const out = new Tensor(x.storage, shape, x.dtype);
  return record(out, name, [x], (g) => [reshape(g, x.shape)]);
}

/** Resolves one -1 in a requested shape. */
function inferShape(op: string, x: Tensor, shape: number[]): number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: shape must be an array, got ${fmtArg(shape)}`);
  const out = shape.slice();
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new ArgumentError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) throw new ShapeError(`${op}: cannot reshape ${x.describe()} (${x.size} elements) into ${fmtShape(shape)}`);
    out[unknown] = x.size / known;
  }
  checkShape(op, 'shape', out);
  if (sizeOf(out) !== x.size) throw new ShapeError(`${op}: cannot reshape ${x.describe()} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(out)} elements)`);
  return out;
}

/** Same data, new shape (one dim may be -1); shares storage. @example `x.reshape([2, -1])` */
export function reshape(x: Tensor, shape: number[]): Tensor {
  return reshapeNamed('reshape', x, shape);
}

function reshapeNamed(op: string, x: Tensor, shape: number[]): Tensor {
  assertTensor(op, 'x', x);
  const s = inferShape(op, x, shape);
  // Even for the same shape a view is a new tensor over the storage: disposing it must not dispose x.
  return viewOf(x, s, 'reshape');
}

/** Alias of reshape (all tensors are contiguous); errors name view. @example `x.view([4, 4])` */
export function view(x: Tensor, shape: number[]): Tensor {
  return reshapeNamed('view', x, shape);
}

/** Merges dims startDim..endDim into one. @example `flatten(x, 1)` */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  assertTensor('flatten', 'x', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim, 'startDim');
  const e = normalizeDim('flatten', endDim, x.ndim, 'endDim');
  if (s > e) throw new ArgumentError(`flatten: startDim ${startDim} comes after endDim ${endDim} for ${x.describe()}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Removes size-1 dims (all, or the given one). @example `squeeze(x, 0)` */
export function squeeze(x: Tensor, dim?: number): Tensor {
  assertTensor('squeeze', 'x', x);
  if (dim === undefined) return reshape(x, x.shape.filter((s) => s !== 1));
  const d = normalizeDim('squeeze', dim, x.ndim);
  return reshape(x, x.ndim === 0 || x.shape[d] !== 1 ? x.shape : x.shape.filter((_, i) => i !== d));
}

/** Inserts a size-1 dim at `dim`. @example `unsqueeze(x, 1)` */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  assertTensor('unsqueeze', 'x', x);
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

function copyInto(src: Tensor, srcOffset: number, srcStrides: Int32Array, dst: Tensor, dstOffset: number, dstStrides: Int32Array, shape: number[]): void {
  if (sizeOf(shape) === 0) return;
  backendFor(src.device).copyStrided(src.deviceValues, srcOffset, srcStrides, dst.deviceValues, dstOffset, dstStrides, kernelInts(shape));
}

/**
 * Broadcasts to `shape` (-1 keeps a dim). Lattice tensors are contiguous, so
 * this copies. @example `expand(bias, [batch, -1])`
 */
export function expand(x: Tensor, shape: number[]): Tensor {
  assertTensor('expand', 'x', x);
  if (!Array.isArray(shape) || shape.length < x.ndim) throw new ShapeError(`expand: cannot expand ${x.describe()} to ${fmtShape(shape ?? [])}: fewer dims`);
  const lead = shape.length - x.ndim;
  const target = shape.map((s, i) => (s === -1 && i >= lead ? x.shape[i - lead] : s));
  checkShape('expand', 'shape', target);
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i], want = target[i + lead];
    if (have !== want && have !== 1) throw new ShapeError(`expand: dim ${i} of ${x.describe()} has size ${have}, cannot expand to ${want} (target ${fmtShape(shape)})`);
  }
  // Documented as a copy: so is the identity (an in-place op or dispose() on it must not reach x).
  if (shapesEqual(target, x.shape)) return clone(x);
  const out = emptyForOverwrite(target, x.dtype, x.device);  // the copy writes every element
  copyInto(x, 0, kernelInts(broadcastStrides(x.shape, target)), out, 0, kernelInts(stridesOf(target)), target);
  return record(out, 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

/** Reorders dims (a copy). @example `permute(x, [0, 2, 3, 1])` */
export function permute(x: Tensor, dims: number[]): Tensor {
  assertTensor('permute', 'x', x);
  if (!Array.isArray(dims) || dims.length !== x.ndim) throw new ShapeError(`permute: dims ${fmtValue(dims)} must list all ${x.ndim} dims of ${x.describe()}`);
  const perm = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new ArgumentError(`permute: dims ${fmtValue(dims)} repeat a dim`);
  if (perm.every((p, i) => p === i)) return clone(x);
  const shape = perm.map((p) => x.shape[p]);
  const xs = stridesOf(x.shape);
  const out = emptyForOverwrite(shape, x.dtype, x.device);  // the copy writes every element
  copyInto(x, 0, kernelInts(perm.map((p) => xs[p])), out, 0, kernelInts(stridesOf(shape)), shape);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dims (a copy). @example `transpose(x, 0, 1)` */
export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  assertTensor('transpose', 'x', x);
  if (x.ndim < 2 && dim0 === 0 && dim1 === 1) return clone(x);
  const a = normalizeDim('transpose', dim0, x.ndim, 'dim0'), b = normalizeDim('transpose', dim1, x.ndim, 'dim1');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Elements start..start+length-1 along `dim` (a copy). @example `narrow(x, 1, 2, 3)` */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  assertTensor('narrow', 'x', x);
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  if (!Number.isInteger(start) || start < -size || start > size) throw new ArgumentError(`narrow: start ${start} is out of range for dim ${d} of ${x.describe()}`);
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(length) || length < 0 || s + length > size) throw new ArgumentError(`narrow: start ${s} + length ${length} exceeds size ${size} of dim ${d} in ${x.describe()}`);
  if (s === 0 && length === size) return clone(x);
  const shape = x.shape.slice();
  shape[d] = length;
  const xs = stridesOf(x.shape);
  const out = emptyForOverwrite(shape, x.dtype, x.device);  // the copy writes every element
  copyInto(x, s * xs[d], kernelInts(xs), out, 0, kernelInts(stridesOf(shape)), shape);
  return record(out, 'narrow', [x], (g) => [narrowBackward(g, x.shape, d, s)]);
}

/** The adjoint of narrow: g placed into zeros of `shape` at `start` along `dim`. */
function narrowBackward(g: Tensor, shape: number[], dim: number, start: number): Tensor {
  const out = empty(shape, g.dtype, g.device);
  const os = stridesOf(shape);
  copyInto(g, 0, kernelInts(stridesOf(g.shape)), out, start * os[dim], kernelInts(os), g.shape);
  return record(out, 'narrowBackward', [g], (gg) => [narrow(gg, dim, start, g.shape[dim])]);
}

/** Concatenates along `dim`. @example `cat([a, b], 0)` */
export function cat(given: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(given) || given.length === 0) throw new ArgumentError('cat: tensors must be a non-empty array');
  // A copy: the graph keeps the list for backward, and the caller may change its own array afterwards.
  const tensors = given.slice();
  tensors.forEach((t, i) => assertTensor('cat', `tensors[${i}]`, t));
  const first = tensors[0];
  const d = normalizeDim('cat', dim, first.ndim);
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) throw new ShapeError(`cat: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}`);
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new ShapeError(`cat: tensors[${i}] ${fmtShape(t.shape)} does not match tensors[0] ${fmtShape(first.shape)} outside dim ${d}`);
    }
  }
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((n, t) => n + t.shape[d], 0);
  checkOutputSize('cat', shape, first.dtype, `${tensors.length} tensors along dim ${d}`);
  const device = sameDevice('cat', ...tensors.map((t, i): [string, Tensor] => [`tensors[${i}]`, t]));
  // The parts tile the output along d, so the copies write every element.
  const out = emptyForOverwrite(shape, first.dtype, device);
  const os = Int32Array.from(stridesOf(shape));  // kept across the loop's calls: not a ring view
  let at = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(at);
    copyInto(t, 0, kernelInts(stridesOf(t.shape)), out, at * os[d], os, t.shape);
    at += t.shape[d];
  }
  return record(out, 'cat', tensors, (g) => tensors.map((t, i) => (t.requiresGrad ? narrow(g, d, starts[i], t.shape[d]) : null)));
}

/** Stacks equal-shaped tensors along a new dim. @example `stack([a, b], 1)` */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError('stack: tensors must be a non-empty array');
  tensors.forEach((t, i) => assertTensor('stack', `tensors[${i}]`, t));
  const shape0 = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, shape0)) throw new ShapeError(`stack: tensors[${i}] ${fmtShape(t.shape)} differs from tensors[0] ${fmtShape(shape0)}`);
  });
  const d = normalizeDim('stack', dim, shape0.length + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/**
 * Splits along `dim` into pieces of `splitSize` (the last may be smaller) or of the listed sizes.
 * @example `split(x, 2, 0)` or `split(x, [1, 3], 1)`
 */
export function split(x: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] {
  assertTensor('split', 'x', x);
  const d = normalizeDim('split', dim, x.ndim);
  const size = x.shape[d];
  let sizes: number[];
  if (Array.isArray(splitSizeOrSections)) {
    sizes = splitSizeOrSections;
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== size) {
      throw new ShapeError(`split: sections ${fmtValue(sizes)} must be non-negative integers summing to ${size} (dim ${d} of ${x.describe()})`);
    }
  } else {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) throw new ArgumentError(`split: splitSize must be a positive integer, got ${fmtArg(s)}`);
    sizes = [];
    for (let at = 0; at < size; at += s) sizes.push(Math.min(s, size - at));
    if (size === 0) sizes.push(0);
  }
  const parts: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    parts.push(narrow(x, d, at, s));
    at += s;
  }
  return parts;
}

/** Splits into `chunks` nearly equal pieces (PyTorch's rule: ceil-sized). @example `chunk(x, 3, 1)` */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  assertTensor('chunk', 'x', x);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ArgumentError(`chunk: chunks must be a positive integer, got ${fmtArg(chunks)}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** All Lattice tensors are contiguous: returns x. @example `x.contiguous()` */
export function contiguous(x: Tensor): Tensor {
  assertTensor('contiguous', 'x', x);
  return x;
}

/** @internal A copy of x's elements on x's device, not recorded. */
export function copyOf(x: Tensor): Tensor {
  if (x.device === 'cpu') {
    // Into a pooled buffer: a fresh ArrayBuffer (values.slice()) costs page faults on every large copy.
    const out = emptyForOverwrite(x.shape.slice(), x.dtype);
    (out.values as TypedArray).set(x.values as TypedArray);
    return out;
  }
  const out = empty(x.shape.slice(), x.dtype, x.device);
  const strides = kernelInts(stridesOf(x.shape));
  copyInto(x, 0, strides, out, 0, strides, x.shape);
  return out;
}

/** A copy with its own storage (differentiable). @example `const y = clone(x)` */
export function clone(x: Tensor): Tensor {
  assertTensor('clone', 'x', x);
  const out = copyOf(x);
  return record(out, 'clone', [x], (g) => [g]);
}
