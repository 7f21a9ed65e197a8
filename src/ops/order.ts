/** Sorting along a dim (sort, argsort, topk) and the gradient of the sorted values. */
import { ArgumentError, fmtArg } from '../errors';
import { isFloat } from '../tensor/dtype';
import { aroundDim, normalizeDim } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { randn, tensor, zeros } from './creation';
import { backendWithKernel } from './device-kernel';
import { scatterAdd } from './indexing';
import { record } from './record';
import type { ValuesIndices } from './reduce';
import { registerOp, type SampleDType } from './registry';
import { assertTensor, emptyForOverwrite } from './util';

/** Options of `sort` and `argsort` (PyTorch's names and defaults). @example `sort(x, { dim: 0, descending: true })` */
export interface SortOptions {
  /** The dim to sort along (default -1, the last). */
  dim?: number;
  /** Largest first (default false). NaN counts as the largest value either way. */
  descending?: boolean;
  /**
   * Keep equal values in their original order (default false). Lattice always sorts stably, so the
   * flag changes nothing here; PyTorch's unstable sort may order ties either way.
   */
  stable?: boolean;
}

/** Options of `topk`. @example `topk(scores, 5, { dim: 1, largest: false })` */
export interface TopkOptions {
  /** The dim to select along (default -1, the last). */
  dim?: number;
  /** The k largest (default true) or the k smallest. NaN counts as the largest value. */
  largest?: boolean;
  /**
   * Return the k in sorted order (default true). With false PyTorch may return them in any order;
   * Lattice still returns them sorted, which is one such order.
   */
  sorted?: boolean;
}

/** The options of `op(x, dim?, opts?)` or `op(x, opts?)` as one object (dim from either place, not both). */
function optionsOf<T extends object>(op: string, dimOrOpts: number | T | undefined, opts: T | undefined): T & { dim?: number } {
  if (typeof dimOrOpts === 'number' || dimOrOpts === undefined) {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
    const o = (opts ?? {}) as T & { dim?: number };
    if (dimOrOpts === undefined) return o;
    if (o.dim !== undefined && o.dim !== dimOrOpts) throw new ArgumentError(`${op}: dim is given twice, as ${dimOrOpts} and as options.dim ${fmtArg(o.dim)}`);
    return { ...o, dim: dimOrOpts };
  }
  if (typeof dimOrOpts !== 'object' || dimOrOpts === null) {
    throw new ArgumentError(`${op}: the second argument must be a dim or an options object, got ${fmtArg(dimOrOpts)}`);
  }
  if (opts !== undefined) throw new ArgumentError(`${op}: options are given twice (a second options object after the first)`);
  return dimOrOpts as T & { dim?: number };
}

function flag(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

/**
 * The first k of each line along d in stable order, recorded: the values' gradient is scattered back to
 * the positions in `indices` (each appears once per line), and that scatter's own adjoint is a gather.
 */
function sortAlong(op: string, x: Tensor, d: number, k: number, descending: boolean): ValuesIndices {
  const kernels = backendWithKernel(op, 'sort', x);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const shape = x.shape.slice();
  if (shape.length) shape[d] = k;
  const values = emptyForOverwrite(shape, x.dtype, x.device);
  const indices = emptyForOverwrite(shape.slice(), 'int32', x.device);
  if (values.size > 0) kernels.sort(x.deviceValues, values.deviceValues, indices.deviceValues as Int32Array, outer, len, inner, k, descending);
  if (!isFloat(x.dtype)) return { values, indices };
  const vals = record(values, op, [x], (g) => [scatterAdd(zeros(x.shape, { dtype: g.dtype, device: g.device }), d, indices, g)], [indices]);
  return { values: vals, indices };
}

/**
 * Sorts along a dim (default the last), ascending unless `descending`: `{ values, indices }` with the
 * int32 positions the values came from. NaN sorts as the largest value; equal values keep their order.
 * Gradients flow to x through the indices.
 * @example `const { values, indices } = sort(x, 1, { descending: true })`
 */
export function sort(x: Tensor, dim?: number, opts?: SortOptions): ValuesIndices;
/** Sorts along `opts.dim` (default the last). @example `const { values } = sort(x, { descending: true })` */
export function sort(x: Tensor, opts?: SortOptions): ValuesIndices;
export function sort(x: Tensor, dimOrOpts?: number | SortOptions, opts?: SortOptions): ValuesIndices {
  assertTensor('sort', 'x', x);
  const o = optionsOf('sort', dimOrOpts, opts);
  const d = normalizeDim('sort', o.dim ?? -1, x.ndim);
  const descending = flag('sort', 'descending', o.descending, false);
  flag('sort', 'stable', o.stable, false);
  return sortAlong('sort', x, d, x.ndim === 0 ? 1 : x.shape[d], descending);
}

/**
 * The int32 positions that sort x along a dim: `sort(x, ...).indices`.
 * @example `argsort(scores, 1, { descending: true })`
 */
export function argsort(x: Tensor, dim?: number, opts?: SortOptions): Tensor;
/** The int32 positions that sort x along `opts.dim` (default the last). @example `argsort(x, { dim: 0 })` */
export function argsort(x: Tensor, opts?: SortOptions): Tensor;
export function argsort(x: Tensor, dimOrOpts?: number | SortOptions, opts?: SortOptions): Tensor {
  assertTensor('argsort', 'x', x);
  const o = optionsOf('argsort', dimOrOpts, opts);
  const d = normalizeDim('argsort', o.dim ?? -1, x.ndim);
  const descending = flag('argsort', 'descending', o.descending, false);
  flag('argsort', 'stable', o.stable, false);
  return sortAlong('argsort', x, d, x.ndim === 0 ? 1 : x.shape[d], descending).indices;
}

/**
 * The k largest (or, with `largest: false`, smallest) entries along a dim (default the last), largest
 * first (smallest first): `{ values, indices }`. NaN counts as the largest value; among equal values
 * the earlier position comes first. Gradients flow to x through the indices.
 * @example `const { values, indices } = topk(logits, 5)`
 */
export function topk(x: Tensor, k: number, dim?: number, opts?: TopkOptions): ValuesIndices;
/** The k largest (or smallest) along `opts.dim` (default the last). @example `topk(x, 3, { largest: false })` */
export function topk(x: Tensor, k: number, opts?: TopkOptions): ValuesIndices;
export function topk(x: Tensor, k: number, dimOrOpts?: number | TopkOptions, opts?: TopkOptions): ValuesIndices {
  assertTensor('topk', 'x', x);
  const o = optionsOf('topk', dimOrOpts, opts);
  const d = normalizeDim('topk', o.dim ?? -1, x.ndim);
  const largest = flag('topk', 'largest', o.largest, true);
  flag('topk', 'sorted', o.sorted, true);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > size || (x.ndim === 0 && k !== 1)) {
    throw new ArgumentError(`topk: k ${fmtArg(k)} is out of range for dim ${d} of x ${x.describe()} (expected an integer in [${x.ndim === 0 ? 1 : 0}, ${size}])`);
  }
  return sortAlong('topk', x, d, k, largest);
}

// ---- registry

const normal = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });

registerOp({
  name: 'sort', kernels: ['sort', 'scatterAdd'], differentiable: true,
  run: (x) => { const r = sort(x, 1); return [r.values, r.indices]; },
  samples: [
    { label: '[3,6] dim 1', inputs: (dt) => [normal([3, 6], dt)] },
    { label: '[2,5,3] dim 1 (strided)', inputs: (dt) => [normal([2, 5, 3], dt)] },
  ],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'sort(descending)', kernels: ['sort', 'scatterAdd'], differentiable: true,
  run: (x) => { const r = sort(x, { dim: 0, descending: true }); return [r.values, r.indices]; },
  samples: [{ label: '[5,3] dim 0 descending', inputs: (dt) => [normal([5, 3], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'argsort', kernels: ['sort'], differentiable: false,
  run: (x) => [argsort(x), argsort(x.gt(0), { dim: 0, descending: true }), argsort(tensor([3, 1, 3, -2, 1], { dtype: 'int32' }))],
  samples: [{ label: 'float, bool and int32 with ties', inputs: (dt) => [normal([4, 5], dt)] }],
});
registerOp({
  name: 'topk', kernels: ['sort', 'scatterAdd'], differentiable: true,
  run: (x) => { const r = topk(x, 3); return [r.values, r.indices]; },
  samples: [{ label: 'k 3 of [4,7]', inputs: (dt) => [normal([4, 7], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
registerOp({
  name: 'topk(smallest)', kernels: ['sort', 'scatterAdd'], differentiable: true,
  run: (x) => { const r = topk(x, 2, 1, { largest: false }); return [r.values, r.indices]; },
  samples: [{ label: 'k 2 of [3,5,2] dim 1', inputs: (dt) => [normal([3, 5, 2], dt)] }],
  tolerance: { float32: 0, float64: 0 },
});
