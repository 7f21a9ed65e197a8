/**
 * Shape functions PyTorch code reaches for, written with the shape ops (reshape, expand,
 * permute, indexSelect), so autograd and both backends come with them: repeat, tile,
 * repeatInterleave, broadcastTo, broadcastShapes, broadcastTensors, expandAs, meshgrid,
 * movedim, unflatten. Like every Lattice shape op except the reshape family they copy
 * (PyTorch's broadcastTo/expandAs/movedim return views).
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape, fmtValue } from '../errors';
import { broadcastShapes as broadcastTwo, checkShape, normalizeDim, sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { tensor } from './creation';
import { indexSelect } from './indexing';
import { expand, permute, reshape } from './shape';
import { assertTensor, checkOutputSize, hostValues } from './util';

/** Checks a list of repeat counts (non-negative integers). */
function repeatCounts(op: string, arg: string, sizes: unknown): number[] {
  if (!Array.isArray(sizes)) throw new ArgumentError(`${op}: ${arg} must be an array of non-negative integers, got ${fmtArg(sizes)}`);
  for (const s of sizes) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
      throw new ArgumentError(`${op}: ${arg} ${fmtValue(sizes)} holds ${fmtValue(s)}; repeat counts are non-negative integers`);
    }
  }
  return sizes.slice();
}

/** repeat's body: `sizes` has at least x.ndim entries. */
function repeatNamed(op: string, x: Tensor, sizes: number[]): Tensor {
  const lead = sizes.length - x.ndim;
  const own = [...Array<number>(lead).fill(1), ...x.shape];
  const outShape = own.map((s, i) => s * sizes[i]);
  checkOutputSize(op, outShape, x.dtype, () => `${x.describe()} repeated ${fmtShape(sizes)}`);
  // [s0, s1, ...] viewed as [1, s0, 1, s1, ...], broadcast to [r0, s0, r1, s1, ...]: copy i of
  // dim k sits before the original's elements, so merging each pair gives PyTorch's order.
  const interleaved = own.flatMap((s) => [1, s]);
  const target = own.flatMap((s, i) => [sizes[i], s]);
  return reshape(expand(reshape(x, interleaved), target), outShape);
}

/**
 * Repeats x along each dim (PyTorch's `x.repeat(*sizes)`): `sizes` needs at least x.ndim
 * entries; extra leading entries add dims. Unlike `expand`, size-n dims are copied whole.
 * @example `repeat(tensor([1, 2]), [2, 2]) // [[1, 2, 1, 2], [1, 2, 1, 2]]`
 */
export function repeat(x: Tensor, sizes: number[]): Tensor {
  assertTensor('repeat', 'x', x);
  const counts = repeatCounts('repeat', 'sizes', sizes);
  if (counts.length < x.ndim) {
    throw new ShapeError(`repeat: sizes ${fmtShape(counts)} has ${counts.length} entries but x ${x.describe()} has ${x.ndim} dims (need at least as many; use tile to pad with 1s)`);
  }
  return repeatNamed('repeat', x, counts);
}

/**
 * Repeats x along each dim like `repeat`, but a shorter `dims` is padded with leading 1s
 * (PyTorch's `torch.tile`). @example `tile(x, [2]) // x [2, 3] becomes [2, 6]`
 */
export function tile(x: Tensor, dims: number[]): Tensor {
  assertTensor('tile', 'x', x);
  const counts = repeatCounts('tile', 'dims', dims);
  const padded = counts.length < x.ndim ? [...Array<number>(x.ndim - counts.length).fill(1), ...counts] : counts;
  return repeatNamed('tile', x, padded);
}

/** The repeat count(s) of repeatInterleave: a number, or an int32 tensor's values. */
function interleaveCounts(x: Tensor, repeats: number | Tensor, size: number, d: number): number | number[] {
  if (typeof repeats === 'number') {
    if (!Number.isInteger(repeats) || repeats < 0) throw new ArgumentError(`repeatInterleave: repeats must be a non-negative integer, got ${fmtArg(repeats)}`);
    return repeats;
  }
  assertTensor('repeatInterleave', 'repeats', repeats);
  if (repeats.dtype !== 'int32') throw new DTypeError(`repeatInterleave: repeats must be a number or an int32 tensor, got ${repeats.describe()}`);
  if (repeats.ndim > 1) throw new ShapeError(`repeatInterleave: repeats must be 0-d or 1-D, got ${repeats.describe()}`);
  const counts = Array.from(hostValues(repeats));
  const bad = counts.findIndex((c) => c < 0);
  if (bad >= 0) throw new ArgumentError(`repeatInterleave: repeats holds ${counts[bad]} at element ${bad}; counts must be non-negative`);
  if (counts.length === 1) return counts[0];
  if (counts.length !== size) {
    throw new ShapeError(`repeatInterleave: repeats ${repeats.describe()} must have 1 or ${size} elements (the size of dim ${d} of ${x.describe()})`);
  }
  return counts;
}

/**
 * Repeats each element (or each slice along `dim`) `repeats` times in place, PyTorch's
 * `torch.repeat_interleave`: without `dim` the input is flattened first. `repeats` is a number
 * or an int32 tensor with one count per slice.
 * @example `repeatInterleave(tensor([1, 2]), 2) // [1, 1, 2, 2]`
 */
export function repeatInterleave(x: Tensor, repeats: number | Tensor, dim?: number): Tensor {
  assertTensor('repeatInterleave', 'x', x);
  const input = dim === undefined ? reshape(x, [x.size]) : x;
  const d = normalizeDim('repeatInterleave', dim ?? 0, input.ndim);
  const src = input.ndim === 0 ? reshape(input, [1]) : input;
  const size = src.shape[d];
  const counts = interleaveCounts(x, repeats, size, d);
  if (typeof counts === 'number') {
    const outShape = src.shape.slice();
    outShape[d] = size * counts;
    checkOutputSize('repeatInterleave', outShape, x.dtype, () => `${x.describe()} with ${counts} repeats along dim ${d}`);
    // [..., n, ...] -> [..., n, 1, ...] -> [..., n, r, ...] -> [..., n·r, ...]: copies of one slice are adjacent.
    const withCopies = [...src.shape.slice(0, d + 1), 1, ...src.shape.slice(d + 1)];
    const target = withCopies.slice();
    target[d + 1] = counts;
    return reshape(expand(reshape(src, withCopies), target), outShape);
  }
  const index: number[] = [];
  counts.forEach((c, i) => { for (let k = 0; k < c; k++) index.push(i); });
  return indexSelect(src, d, tensor(Int32Array.from(index), { device: src.device }));
}

/**
 * The shape that tensors of the given shapes broadcast to (PyTorch's `torch.broadcast_shapes`).
 * @example `broadcastShapes([3, 1], [4]) // [3, 4]`
 */
export function broadcastShapes(...shapes: number[][]): number[] {
  let out: number[] = [];
  shapes.forEach((s, i) => {
    checkShape('broadcastShapes', `shapes[${i}]`, s);
    out = broadcastTwo('broadcastShapes', out, s);
  });
  return out;
}

/**
 * x broadcast to `shape` (-1 keeps a dim), PyTorch's `torch.broadcast_to`; a copy in Lattice.
 * @example `broadcastTo(tensor([1, 2, 3]), [2, 3])`
 */
export function broadcastTo(x: Tensor, shape: number[]): Tensor {
  assertTensor('broadcastTo', 'x', x);
  if (!Array.isArray(shape)) throw new ArgumentError(`broadcastTo: shape must be an array of sizes, got ${fmtArg(shape)}`);
  if (shape.length < x.ndim) throw new ShapeError(`broadcastTo: cannot broadcast ${x.describe()} to ${fmtShape(shape)}: the target has fewer dims`);
  const lead = shape.length - x.ndim;
  const target = shape.map((s, i) => (s === -1 && i >= lead ? x.shape[i - lead] : s));
  checkShape('broadcastTo', 'shape', target);
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i], want = target[lead + i];
    if (have !== want && have !== 1) {
      throw new ShapeError(`broadcastTo: dim ${i} of ${x.describe()} has size ${have} and cannot broadcast to ${want} (target ${fmtShape(shape)})`);
    }
  }
  return expand(x, target);
}

/** The tensors given as `f(a, b, c)` or `f([a, b, c])`. */
function tensorList(op: string, args: (Tensor | Tensor[])[]): Tensor[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  list.forEach((t, i) => assertTensor(op, `tensors[${i}]`, t));
  return list as Tensor[];
}

/**
 * Broadcasts tensors against each other (PyTorch's `torch.broadcast_tensors`): each result has
 * the common shape. @example `const [a2, b2] = broadcastTensors(a, b)`
 */
export function broadcastTensors(...tensors: Tensor[]): Tensor[];
export function broadcastTensors(tensors: Tensor[]): Tensor[];
export function broadcastTensors(...args: (Tensor | Tensor[])[]): Tensor[] {
  const list = tensorList('broadcastTensors', args);
  let shape: number[] = [];
  for (const t of list) shape = broadcastTwo('broadcastTensors', shape, t.shape);
  return list.map((t) => expand(t, shape));
}

/** x broadcast to other's shape (PyTorch's `x.expand_as(other)`). @example `expandAs(bias, x)` */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  assertTensor('expandAs', 'x', x);
  assertTensor('expandAs', 'other', other);
  if (other.ndim < x.ndim) throw new ShapeError(`expandAs: x ${x.describe()} has more dims than other ${other.describe()}`);
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i], want = other.shape[other.ndim - x.ndim + i];
    if (have !== want && have !== 1) throw new ShapeError(`expandAs: dim ${i} of x ${x.describe()} has size ${have}, cannot expand to other ${other.describe()}`);
  }
  return expand(x, other.shape.slice());
}

/** meshgrid's indexing: 'ij' (matrix, PyTorch's default) or 'xy' (Cartesian: the first two outputs' dims swapped). */
export interface MeshgridOptions {
  /** 'ij' (default) or 'xy'. */
  indexing?: 'ij' | 'xy';
}

/**
 * Coordinate grids from 0-d or 1-D tensors (PyTorch's `torch.meshgrid`): with 'ij' indexing
 * output k varies along dim k; with 'xy' the first two dims are swapped (numpy's default).
 * @example `const [gy, gx] = meshgrid([arange(3), arange(4)], { indexing: 'ij' }) // each [3, 4]`
 */
export function meshgrid(tensors: Tensor[], opts?: MeshgridOptions): Tensor[];
export function meshgrid(...tensors: Tensor[]): Tensor[];
export function meshgrid(...args: (Tensor | Tensor[] | MeshgridOptions | undefined)[]): Tensor[] {
  const listGiven = Array.isArray(args[0]);
  const list = tensorList('meshgrid', listGiven ? [args[0] as Tensor[]] : (args as Tensor[]));
  const opts = listGiven ? (args[1] as MeshgridOptions | undefined) : undefined;
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`meshgrid: options must be an object, got ${fmtArg(opts)}`);
  const indexing = opts?.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') throw new ArgumentError(`meshgrid: indexing must be 'ij' or 'xy', got ${fmtArg(indexing)}`);
  if (list.length === 0) throw new ArgumentError('meshgrid: give at least one tensor');
  list.forEach((t, i) => {
    if (t.ndim > 1) throw new ShapeError(`meshgrid: tensors[${i}] is ${t.describe()}; every input must be 0-d or 1-D`);
    if (t.dtype !== list[0].dtype) throw new DTypeError(`meshgrid: tensors[${i}] is ${t.dtype} but tensors[0] is ${list[0].dtype}; all inputs need one dtype`);
  });
  const sizes = list.map((t) => t.size);
  // Input k goes to dim k; 'xy' swaps the roles of the first two inputs.
  const dimOf = list.map((_, k) => (indexing === 'xy' && list.length > 1 && k < 2 ? 1 - k : k));
  const shape = new Array<number>(list.length);
  dimOf.forEach((d, k) => { shape[d] = sizes[k]; });
  checkOutputSize('meshgrid', shape, list[0].dtype, () => `${list.length} inputs of sizes ${fmtShape(sizes)}`);
  return list.map((t, k) => {
    const view = shape.map((_, d) => (d === dimOf[k] ? sizes[k] : 1));
    return expand(reshape(t, view), shape);
  });
}

function dimList(op: string, arg: string, v: number | number[], rank: number): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list)) throw new ArgumentError(`${op}: ${arg} must be a dim or an array of dims, got ${fmtArg(v)}`);
  const dims = list.map((d) => normalizeDim(op, d, rank, arg));
  if (new Set(dims).size !== dims.length) throw new ArgumentError(`${op}: ${arg} ${fmtValue(list)} repeats a dim`);
  return dims;
}

/**
 * Moves dims `source` to positions `destination` (numbers or equal-length arrays); the other
 * dims keep their order (PyTorch's `torch.movedim`). A copy, like permute.
 * @example `movedim(x, 1, -1) // [N, C, H, W] -> [N, H, W, C]`
 */
export function movedim(x: Tensor, source: number | number[], destination: number | number[]): Tensor {
  assertTensor('movedim', 'x', x);
  const src = dimList('movedim', 'source', source, x.ndim);
  const dst = dimList('movedim', 'destination', destination, x.ndim);
  if (src.length !== dst.length) {
    throw new ArgumentError(`movedim: source ${fmtValue(source)} and destination ${fmtValue(destination)} name different numbers of dims`);
  }
  if (x.ndim === 0) return permute(x, []);
  const perm = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => { perm[dst[i]] = s; });
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  let at = 0;
  for (let i = 0; i < perm.length; i++) if (perm[i] === -1) perm[i] = rest[at++];
  return permute(x, perm);
}

/**
 * Splits dim `dim` into `sizes` (one may be -1), the inverse of flatten (PyTorch's
 * `torch.unflatten`); shares storage like reshape.
 * @example `unflatten(x, 1, [4, -1]) // [2, 12] -> [2, 4, 3]`
 */
export function unflatten(x: Tensor, dim: number, sizes: number[]): Tensor {
  assertTensor('unflatten', 'x', x);
  const d = normalizeDim('unflatten', dim, x.ndim);
  if (!Array.isArray(sizes) || sizes.length === 0) throw new ArgumentError(`unflatten: sizes must be a non-empty array, got ${fmtArg(sizes)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const unknown = sizes.indexOf(-1);
  if (unknown !== sizes.lastIndexOf(-1)) throw new ArgumentError(`unflatten: only one size can be -1, got ${fmtShape(sizes)}`);
  const resolved = sizes.slice();
  if (unknown >= 0) {
    const known = sizeOf(sizes.filter((_, i) => i !== unknown));
    if (known === 0 || size % known !== 0) throw new ShapeError(`unflatten: sizes ${fmtShape(sizes)} cannot split dim ${d} of size ${size} in ${x.describe()}`);
    resolved[unknown] = size / known;
  }
  checkShape('unflatten', 'sizes', resolved);
  if (sizeOf(resolved) !== size) {
    throw new ShapeError(`unflatten: sizes ${fmtShape(sizes)} multiply to ${sizeOf(resolved)}, not to ${size} (dim ${d} of ${x.describe()})`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...resolved, ...x.shape.slice(d + 1)]);
}

/** @internal permute, except that the identity order returns x itself (no copy) for callers that only read the result. */
export function permuteIfNeeded(x: Tensor, perm: number[]): Tensor {
  return perm.every((p, i) => p === i) ? x : permute(x, perm);
}
