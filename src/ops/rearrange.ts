/**
 * Ops that move elements without computing on them: flip, roll, tril and triu, each with its own kernel
 * (copies of contiguous runs, at memcpy speed). On a device whose backend lacks those kernels (CUDA),
 * flip runs as indexSelect with a descending index, roll as block copies through the strided-copy
 * kernel and tril/triu as where with a triangular mask, so they work there too.
 */
import { backendFor } from '../backend/device';
import { ArgumentError, ShapeError, fmtArg, fmtValue } from '../errors';
import { aroundDim, normalizeDim, stridesOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { where } from './binary';
import { randn, scalar, tensor } from './creation';
import { deviceHasKernel } from './device-kernel';
import { record } from './record';
import { registerOp, type SampleDType } from './registry';
import { copyOf, reshape } from './shape';
import { assertTensor, emptyForOverwrite, kernelInts } from './util';

/** Dims as a sorted list without repeats, each normalised; a repeat is an error, as in PyTorch. */
function dimList(op: string, arg: string, dims: number | number[], rank: number): number[] {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw new ArgumentError(`${op}: ${arg} must be a dim or an array of dims, got ${fmtArg(dims)}`);
  const out = list.map((d) => normalizeDim(op, d, rank, arg));
  if (new Set(out).size !== out.length) throw new ArgumentError(`${op}: ${arg} ${fmtValue(list)} repeats a dim`);
  return out.sort((a, b) => a - b);
}

/**
 * The flip of the given dims as passes of the single-axis kernel: dims of size 1 are dropped (flipping
 * them changes nothing), and each run of adjacent flipped dims is one axis (reversing both indices of
 * [a, b] reverses the merged index a·B + b), so flip(x, [2, 3]) of an image batch is one pass.
 */
function flipRuns(shape: readonly number[], dims: number[]): [number, number, number][] {
  const runs: [number, number, number][] = [];
  const kept = shape.map((s, i) => ({ size: s, flipped: dims.includes(i) })).filter((e) => e.size !== 1);
  for (let i = 0; i < kept.length;) {
    if (!kept[i].flipped) { i++; continue; }
    let end = i;
    while (end < kept.length && kept[end].flipped) end++;
    const size = (from: number, to: number): number => kept.slice(from, to).reduce((n, e) => n * e.size, 1);
    runs.push([size(0, i), size(i, end), size(end, kept.length)]);
    i = end;
  }
  return runs;
}

/**
 * Reverses the order of elements along `dims` (PyTorch's torch.flip). Its own gradient: flip(g, dims).
 * @example `flip(tensor([[1, 2], [3, 4]]), 1) // [[2, 1], [4, 3]]`
 */
export function flip(x: Tensor, dims: number | number[]): Tensor {
  assertTensor('flip', 'x', x);
  const list = dimList('flip', 'dims', dims, x.ndim);
  const kernels = backendFor(x.device);
  // A device without the flip kernel (CUDA) reverses through indexSelect with a descending index.
  const own = deviceHasKernel(x.device, 'flip');
  let out = x;
  if (x.size > 0) {
    for (const [outer, len, inner] of flipRuns(x.shape, x.ndim === 0 ? [] : list)) {
      const next = emptyForOverwrite(x.shape.slice(), x.dtype, x.device);
      if (own) {
        kernels.flip(out.deviceValues, next.deviceValues, outer, len, inner);
      } else {
        const index = tensor(Int32Array.from({ length: len }, (_, j) => len - 1 - j), { device: x.device });
        kernels.indexSelect(out.deviceValues, index.deviceValues as Int32Array, next.deviceValues, outer, len, inner);
        index.dispose();
      }
      if (out !== x) out.dispose();
      out = next;
    }
  }
  if (out === x) out = copyOf(x);  // nothing to reverse: still a new tensor
  return record(out, 'flip', [x], (g) => [flip(g, list)]);
}

/** Shifts as an array matching dims (PyTorch: one shift per dim; a single shift when dims is omitted). */
function shiftList(shifts: number | number[]): number[] {
  const list = typeof shifts === 'number' ? [shifts] : shifts;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'number' || !Number.isInteger(s))) {
    throw new ArgumentError(`roll: shifts must be an integer or an array of integers, got ${fmtArg(shifts)}`);
  }
  if (list.length === 0) throw new ArgumentError('roll: shifts must not be empty');
  return list;
}

/**
 * Shifts elements along `dims` by `shifts`, wrapping around: out[(i + s) mod n] = x[i] (torch.roll).
 * Without dims, the flattened tensor is rolled and reshaped back. Repeated dims add their shifts.
 * @example `roll(tensor([1, 2, 3, 4]), 1) // [4, 1, 2, 3]`
 */
export function roll(x: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
  assertTensor('roll', 'x', x);
  const shiftArr = shiftList(shifts);
  if (dims === undefined) {
    if (shiftArr.length !== 1) throw new ArgumentError(`roll: without dims, shifts must be a single integer, got ${fmtValue(shifts)}`);
    return reshape(roll(reshape(x, [x.size]), shiftArr[0], 0), x.shape.slice());
  }
  const dimArr = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(dimArr)) throw new ArgumentError(`roll: dims must be a dim or an array of dims, got ${fmtArg(dims)}`);
  if (dimArr.length !== shiftArr.length) {
    throw new ArgumentError(`roll: shifts ${fmtValue(shifts)} and dims ${fmtValue(dims)} must have the same length`);
  }
  const byDim = new Map<number, number>();
  dimArr.forEach((d, i) => {
    const nd = normalizeDim('roll', d, x.ndim, 'dims');
    byDim.set(nd, (byDim.get(nd) ?? 0) + shiftArr[i]);
  });
  const out = rollRaw(x, byDim);
  const back = [...byDim.keys()];
  return record(out, 'roll', [x], (g) => [roll(g, back.map((d) => -byDim.get(d)!), back)]);
}

/** The roll, unrecorded: the roll kernel once per rolled dim, or block copies where the device lacks it. */
function rollRaw(x: Tensor, shifts: Map<number, number>): Tensor {
  if (x.size === 0 || x.ndim === 0) return copyOf(x);
  if (!deviceHasKernel(x.device, 'roll')) return rollByBlocks(x, shifts);
  const kernels = backendFor(x.device);
  let out = x;
  for (const [d, shift] of shifts) {
    const [outer, len, inner] = aroundDim(x.shape, d);
    const s = ((shift % len) + len) % len;
    if (s === 0) continue;
    const next = emptyForOverwrite(x.shape.slice(), x.dtype, x.device);
    kernels.roll(out.deviceValues, next.deviceValues, outer, len, inner, s);
    if (out !== x) out.dispose();
    out = next;
  }
  return out === x ? copyOf(x) : out;
}

/**
 * The roll as block copies (for a device without the roll kernel): along each rolled dim of size n with
 * shift s (mod n), the source's first n - s entries land at s and its last s at 0; the product of those
 * two pieces over the rolled dims gives up to 2^k blocks, each one strided copy.
 */
function rollByBlocks(x: Tensor, shifts: Map<number, number>): Tensor {
  const out = emptyForOverwrite(x.shape.slice(), x.dtype, x.device);
  const strides = stridesOf(x.shape);
  // Per dim: the pieces [srcStart, dstStart, length].
  const pieces: [number, number, number][][] = x.shape.map((n, d) => {
    const s = shifts.has(d) ? ((shifts.get(d)! % n) + n) % n : 0;
    if (s === 0) return [[0, 0, n]];
    return [[0, s, n - s], [n - s, 0, s]];
  });
  const kernels = backendFor(x.device);
  const visit = (d: number, srcOffset: number, dstOffset: number, shape: number[]): void => {
    if (d === x.ndim) {
      const s = kernelInts(strides);
      kernels.copyStrided(x.deviceValues, srcOffset, s, out.deviceValues, dstOffset, s, kernelInts(shape));
      return;
    }
    for (const [from, to, length] of pieces[d]) {
      shape[d] = length;
      visit(d + 1, srcOffset + from * strides[d], dstOffset + to * strides[d], shape);
    }
  };
  visit(0, 0, 0, x.shape.slice());
  return out;
}

/** tril/triu: x with the entries outside the triangle set to 0, on the last two dims. Its gradient is the same op on g. */
function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  assertTensor(op, 'x', x);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must have at least 2 dims (a matrix or a batch of them), got ${x.describe()}`);
  if (typeof diagonal !== 'number' || !Number.isInteger(diagonal) || Math.abs(diagonal) > 2 ** 31 - 1) {
    throw new ArgumentError(`${op}: diagonal must be an integer (within ±(2^31-1)), got ${fmtArg(diagonal)}`);
  }
  const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
  if (!deviceHasKernel(x.device, 'triangle')) return triangleByMask(op, x, diagonal, m, n);
  const out = emptyForOverwrite(x.shape.slice(), x.dtype, x.device);
  if (out.size > 0) backendFor(x.device).triangle(op === 'tril', x.deviceValues, out.deviceValues, x.size / (m * n), m, n, diagonal);
  return record(out, op, [x], (g) => [triangle(op, g, diagonal)]);
}

/** tril/triu as where(mask, x, 0) with a [rows, cols] mask (for a device without the triangle kernel). */
function triangleByMask(op: 'tril' | 'triu', x: Tensor, diagonal: number, m: number, n: number): Tensor {
  // Entry (i, j) is kept by tril where j - i <= diagonal, by triu where j - i >= diagonal.
  const mask = new Uint8Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) mask[i * n + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  const keep = reshape(tensor(mask, { dtype: 'bool', device: x.device }), [m, n]);
  return where(keep, x, scalar(0, x.dtype, x.device));
}

/**
 * The lower triangle of the last two dims: entries above diagonal `diagonal` (0 the main one, > 0 above
 * it, < 0 below) are 0. Any dtype; batches broadcast over the leading dims.
 * @example `tril(ones([3, 3])) // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]`
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/**
 * The upper triangle of the last two dims: entries below diagonal `diagonal` are 0.
 * @example `triu(ones([3, 3]), 1) // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]`
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

// ---- registry

const normal = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });

registerOp({
  name: 'flip', kernels: ['flip'], differentiable: true, run: (x) => flip(x, [0, 2]),
  samples: [
    { label: '[3,4,5] dims [0,2]', inputs: (dt) => [normal([3, 4, 5], dt)] },
    { label: '[2,1,3] dims [0,2] (one run)', inputs: (dt) => [normal([2, 1, 3], dt)] },
  ],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'flip(int32,bool)', kernels: ['flip'], differentiable: false,
  run: (x) => [flip(x.gt(0), -1), flip(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }), [0, 1])],
  samples: [{ label: 'bool and int32', inputs: (dt) => [normal([3, 4], dt)] }],
});
registerOp({
  name: 'roll', kernels: ['roll'], differentiable: true, run: (x) => roll(x, [1, -2], [0, 2]),
  samples: [{ label: '[3,4,5] shifts [1,-2] dims [0,2]', inputs: (dt) => [normal([3, 4, 5], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'roll(flat)', kernels: ['roll'], differentiable: true, run: (x) => roll(x, 5),
  samples: [{ label: '[3,4] shift 5', inputs: (dt) => [normal([3, 4], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'tril', kernels: ['triangle'], differentiable: true, run: (x) => tril(x, -1),
  samples: [{ label: '[2,4,3] diagonal -1', inputs: (dt) => [normal([2, 4, 3], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'triu', kernels: ['triangle'], differentiable: true, run: (x) => triu(x, 1),
  samples: [{ label: '[3,5] diagonal 1', inputs: (dt) => [normal([3, 5], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
