/**
 * Basic linear-algebra composites with PyTorch's semantics: outer, kron, tensordot, diagonal,
 * diag, trace and cdist. They are written with existing ops (reshape/permute, indexSelect,
 * matmul, broadcasting arithmetic), so both backends, autograd and second derivatives come
 * with them; the one hand-written gradient (cdist's) is itself written with ops.
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtValue } from '../errors';
import { isFloat, type DType } from '../tensor/dtype';
import { withGradDisabled } from '../tensor/graph';
import { broadcastShapes, normalizeDim, sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { div, eq, logicalAnd, logicalOr, mul, ne, pow, sub, where } from './binary';
import { castTo } from './cast';
import { onesLike, tensor, zeros } from './creation';
import { indexAdd, indexSelect } from './indexing';
import { matmulT } from './matmul';
import { record } from './record';
import { amax, sum } from './reduce';
import { cat, reshape, unsqueeze } from './shape';
import { permuteIfNeeded } from './shape-extra';
import { abs, clamp, sign, sqrt, square } from './unary';
import { assertTensor, checkOutputSize } from './util';

/**
 * @internal op(a) @ op(b) for rank >= 2 operands of one dtype; int32 is computed in float64
 * (exact while every sum stays below 2^53) and cast back, since the GEMM kernels are float-only.
 */
export function contractMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (isFloat(a.dtype)) return matmulT(a, b, transA, transB);
  return castTo(matmulT(castTo(a, 'float64'), castTo(b, 'float64'), transA, transB), a.dtype);
}

/** @internal The common dtype of a contraction's operands: floats promote, int32 stays int32, bool is refused. */
export function contractionDtype(op: string, operands: [string, Tensor][]): DType {
  for (const [name, t] of operands) {
    if (t.dtype === 'bool') throw new DTypeError(`${op}: ${name} is ${t.describe()}; bool operands are not supported (cast to int32 or a float first)`);
  }
  if (operands.some(([, t]) => t.dtype === 'float64')) return 'float64';
  if (operands.some(([, t]) => t.dtype === 'float32')) return 'float32';
  return 'int32';
}

function checkInteger(op: string, arg: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentError(`${op}: ${arg} must be an integer, got ${fmtArg(v)}`);
}

/** Flat positions (row-major, in an m x n matrix) of the elements of diagonal `offset`. */
function diagonalPositions(m: number, n: number, offset: number): number[] {
  const length = Math.max(0, offset >= 0 ? Math.min(m, n - offset) : Math.min(m + offset, n));
  const start = offset >= 0 ? offset : -offset * n;
  return Array.from({ length }, (_, k) => start + k * (n + 1));
}

function diagonalNamed(op: string, x: Tensor, offset: number, dim1: number, dim2: number): Tensor {
  assertTensor(op, 'x', x);
  checkInteger(op, 'offset', offset);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must have at least 2 dims, got ${x.describe()}`);
  const d1 = normalizeDim(op, dim1, x.ndim, 'dim1'), d2 = normalizeDim(op, dim2, x.ndim, 'dim2');
  if (d1 === d2) throw new ArgumentError(`${op}: dim1 and dim2 both name dim ${d1} of ${x.describe()}`);
  const others = x.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const m = x.shape[d1], n = x.shape[d2];
  // Move the two dims last and flatten them: the diagonal is then every (n+1)-th element.
  const flat = reshape(permuteIfNeeded(x, [...others, d1, d2]), [...others.map((i) => x.shape[i]), m * n]);
  const index = tensor(Int32Array.from(diagonalPositions(m, n, offset)), { device: x.device });
  return indexSelect(flat, flat.ndim - 1, index);
}

/**
 * The diagonal `offset` (0: main, > 0 above, < 0 below) of the matrices in dims dim1 and dim2,
 * as a new last dim (PyTorch's `torch.diagonal`; a copy here, a view there).
 * @example `diagonal(x, 0, -2, -1) // [B, N, N] -> [B, N]`
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  return diagonalNamed('diagonal', x, offset, dim1, dim2);
}

/**
 * PyTorch's `torch.diag`: a 1-D x becomes a square matrix with x on diagonal `diagonal`;
 * a 2-D x gives that diagonal as a 1-D tensor.
 * @example `diag(tensor([1, 2])) // [[1, 0], [0, 2]]`
 */
export function diag(x: Tensor, diagonal = 0): Tensor {
  assertTensor('diag', 'x', x);
  checkInteger('diag', 'diagonal', diagonal);
  if (x.ndim === 2) return diagonalNamed('diag', x, diagonal, 0, 1);
  if (x.ndim !== 1) throw new ShapeError(`diag: x must be 1-D or 2-D, got ${x.describe()}`);
  const n = x.shape[0] + Math.abs(diagonal);
  checkOutputSize('diag', [n, n], x.dtype, () => `${x.describe()} on diagonal ${diagonal}`);
  // The adjoint of taking the diagonal: x scattered into zeros. indexAdd is float-only, and
  // int32 and bool values pass through float64 exactly.
  const work = isFloat(x.dtype) ? x : castTo(x, 'float64');
  const index = tensor(Int32Array.from(diagonalPositions(n, n, diagonal)), { device: x.device });
  const out = reshape(indexAdd(zeros([n * n], { dtype: work.dtype, device: x.device }), 0, index, work), [n, n]);
  return castTo(out, x.dtype);
}

/**
 * Sum of the main diagonal of a 2-D tensor (PyTorch's `torch.trace`); int32 stays int32.
 * @example `trace(eye(3)) // 3`
 */
export function trace(x: Tensor): Tensor {
  assertTensor('trace', 'x', x);
  if (x.ndim !== 2) throw new ShapeError(`trace: x must be 2-D, got ${x.describe()}`);
  if (x.dtype === 'bool') throw new DTypeError(`trace: x is ${x.describe()}; bool is not supported`);
  return sum(diagonalNamed('trace', x, 0, 0, 1));
}

/** a * b broadcast, as logical and for two bool tensors (PyTorch keeps bool there). */
function product(a: Tensor, b: Tensor): Tensor {
  return a.dtype === 'bool' && b.dtype === 'bool' ? logicalAnd(a, b) : mul(a, b);
}

/**
 * Outer product of two 1-D tensors: out[i, j] = a[i] · b[j] (PyTorch's `torch.outer`).
 * @example `outer(tensor([1, 2]), tensor([3, 4, 5])) // [2, 3]`
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  assertTensor('outer', 'a', a);
  assertTensor('outer', 'b', b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`outer: a and b must be 1-D, got a ${a.describe()} and b ${b.describe()}`);
  checkOutputSize('outer', [a.shape[0], b.shape[0]], a.dtype, () => `a ${a.describe()} and b ${b.describe()}`);
  return product(unsqueeze(a, 1), unsqueeze(b, 0));
}

/**
 * Kronecker product (PyTorch's `torch.kron`): the shorter shape is padded with leading 1s and
 * out[i·sb + j] = a[i] · b[j] in every dim.
 * @example `kron(eye(2), ones([2, 2])) // [4, 4] block diagonal`
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  assertTensor('kron', 'a', a);
  assertTensor('kron', 'b', b);
  const n = Math.max(a.ndim, b.ndim);
  const sa = [...Array<number>(n - a.ndim).fill(1), ...a.shape], sb = [...Array<number>(n - b.ndim).fill(1), ...b.shape];
  const outShape = sa.map((s, i) => s * sb[i]);
  checkOutputSize('kron', outShape, a.dtype, () => `a ${a.describe()} and b ${b.describe()}`);
  // a as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...] is [a0, b0, a1, b1, ...]: merge the pairs.
  const prod = product(reshape(a, sa.flatMap((s) => [s, 1])), reshape(b, sb.flatMap((s) => [1, s])));
  return reshape(prod, outShape);
}

/** The dims of a and b that tensordot contracts. */
function tensordotDims(a: Tensor, b: Tensor, dims: number | [number[], number[]] | [number, number]): [number[], number[]] {
  if (typeof dims === 'number') {
    if (!Number.isInteger(dims) || dims < 0) throw new ArgumentError(`tensordot: dims must be a non-negative integer or a pair of dim lists, got ${fmtArg(dims)}`);
    if (dims > a.ndim || dims > b.ndim) throw new ShapeError(`tensordot: dims ${dims} exceeds the rank of a ${a.describe()} or b ${b.describe()}`);
    return [a.shape.map((_, i) => i).slice(a.ndim - dims), b.shape.map((_, i) => i).slice(0, dims)];
  }
  if (!Array.isArray(dims) || dims.length !== 2) throw new ArgumentError(`tensordot: dims must be a number or a pair [dimsA, dimsB], got ${fmtValue(dims)}`);
  const [da, db] = dims.map((d) => (typeof d === 'number' ? [d] : d));
  if (!Array.isArray(da) || !Array.isArray(db) || da.length !== db.length) {
    throw new ArgumentError(`tensordot: dims ${fmtValue(dims)} must be two lists of equal length`);
  }
  const na = da.map((d) => normalizeDim('tensordot', d, a.ndim, 'dims[0]'));
  const nb = db.map((d) => normalizeDim('tensordot', d, b.ndim, 'dims[1]'));
  if (new Set(na).size !== na.length || new Set(nb).size !== nb.length) throw new ArgumentError(`tensordot: dims ${fmtValue(dims)} repeats a dim`);
  return [na, nb];
}

/**
 * Sums the products of a and b over the given dims (PyTorch's `torch.tensordot`): `dims` = k
 * contracts a's last k dims with b's first k; `[dimsA, dimsB]` pairs them explicitly. The
 * result has a's free dims then b's. One GEMM after a permute and reshape.
 * @example `tensordot(a, b, [[1, 2], [0, 1]]) // [2, 3, 4] x [3, 4, 5] -> [2, 5]`
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | [number[], number[]] | [number, number] = 2): Tensor {
  assertTensor('tensordot', 'a', a);
  assertTensor('tensordot', 'b', b);
  const dtype = contractionDtype('tensordot', [['a', a], ['b', b]]);
  const [ca, cb] = tensordotDims(a, b, dims);
  ca.forEach((d, i) => {
    if (a.shape[d] !== b.shape[cb[i]]) {
      throw new ShapeError(`tensordot: a ${a.describe()} dim ${d} has size ${a.shape[d]} but b ${b.describe()} dim ${cb[i]} has size ${b.shape[cb[i]]}; contracted dims must match`);
    }
  });
  const freeA = a.shape.map((_, i) => i).filter((i) => !ca.includes(i));
  const freeB = b.shape.map((_, i) => i).filter((i) => !cb.includes(i));
  const k = sizeOf(ca.map((d) => a.shape[d]));
  const outShape = [...freeA.map((i) => a.shape[i]), ...freeB.map((i) => b.shape[i])];
  checkOutputSize('tensordot', outShape, dtype, () => `a ${a.describe()} and b ${b.describe()}`);
  const a2 = reshape(permuteIfNeeded(castTo(a, dtype), [...freeA, ...ca]), [sizeOf(freeA.map((i) => a.shape[i])), k]);
  const b2 = reshape(permuteIfNeeded(castTo(b, dtype), [...cb, ...freeB]), [k, sizeOf(freeB.map((i) => b.shape[i]))]);
  return reshape(contractMatmul(a2, b2, false, false), outShape);
}

/** cdist's compute_mode: when p = 2 uses the GEMM form ||x||² + ||y||² - 2 x·y (PyTorch's names). @example `const mode: CdistComputeMode = 'donot_use_mm_for_euclid_dist'` */
export type CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';

/** cdist's options. @example `cdist(x, y, 2, { computeMode: 'donot_use_mm_for_euclid_dist' })` */
export interface CdistOptions {
  /** Default 'use_mm_for_euclid_dist_if_necessary': the GEMM form when p = 2 and either set has more than 25 rows, as PyTorch. */
  computeMode?: CdistComputeMode;
}

/** sqrt whose gradient is 0 (not Inf) where the result is 0: cdist's distance of a point to itself. */
function sqrtZeroSafe(x: Tensor): Tensor {
  const out = withGradDisabled(() => sqrt(x));
  // d sqrt(x) = 1 / (2 sqrt(x)), taken as 0 where sqrt(x) = 0 (PyTorch's cdist rule).
  return record(out, 'cdist', [x], (g) => {
    const isZero = eq(out, 0);
    return [where(isZero, 0, div(g, mul(where(isZero, 1, out), 2)))];
  }, [out]);
}

/**
 * The p-norm over the last dim of pairwise differences, with PyTorch's cdist gradient: 0 where
 * the distance is 0 (and, for p < 1, where a coordinate difference is 0), sign(d)·[|d| = dist]
 * for p = Infinity, sign(d)·|d|^(p-1) / dist^(p-1) otherwise.
 */
function pairwiseNorm(diff: Tensor, p: number): Tensor {
  const out = withGradDisabled(() => {
    if (p === 0) return sum(castTo(ne(diff, 0), diff.dtype), -1);
    if (p === 1) return sum(abs(diff), -1);
    if (p === 2) return sqrt(sum(square(diff), -1));
    if (p === Infinity) return amax(abs(diff), -1);
    return pow(sum(pow(abs(diff), p), -1), 1 / p);
  });
  return record(out, 'cdist', [diff], (g) => {
    const gd = unsqueeze(g, -1);
    if (p === 0) return [mul(zeros(diff.shape, { dtype: g.dtype, device: g.device }), gd)];
    if (p === 1) return [mul(sign(diff), gd)];
    const dist = unsqueeze(out, -1);
    if (p === Infinity) return [mul(mul(sign(diff), castTo(eq(abs(diff), dist), diff.dtype)), gd)];
    const zeroDist = eq(dist, 0);
    const safeDist = where(zeroDist, 1, dist);
    if (p === 2) return [where(zeroDist, 0, mul(div(diff, safeDist), gd))];
    // |d|^(p-1) is Inf at d = 0 when p < 1: that term is 0 (PyTorch), and |d| is kept away from 0
    // inside the unused branch so that a second derivative sees no 0 · Inf.
    const zeroDiff = eq(diff, 0);
    const safeAbs = where(zeroDiff, 1, abs(diff));
    const term = div(mul(sign(diff), pow(safeAbs, p - 1)), pow(safeDist, p - 1));
    const skip = p < 1 ? logicalOr(zeroDist, zeroDiff) : zeroDist;
    return [where(skip, 0, mul(term, gd))];
  }, [diff, out]);
}

/**
 * Pairwise p-norm distances between the rows of x1 [..., P, M] and x2 [..., R, M]: [..., P, R]
 * (PyTorch's `torch.cdist`; batch dims broadcast). p >= 0 or Infinity (p = 0 counts differing
 * coordinates). The gradient at a zero distance is 0, as PyTorch's. For p = 2 with more than 25
 * rows on either side the GEMM form is used (as PyTorch, faster, slightly less exact); the
 * direct form holds a [..., P, R, M] difference tensor.
 * @example `cdist(queries, keys) // [8, 3] and [5, 3] -> [8, 5]`
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2, opts?: CdistOptions): Tensor {
  assertTensor('cdist', 'x1', x1);
  assertTensor('cdist', 'x2', x2);
  if (!isFloat(x1.dtype) || !isFloat(x2.dtype)) throw new DTypeError(`cdist: x1 ${x1.describe()} and x2 ${x2.describe()} must be float32 or float64`);
  if (x1.dtype !== x2.dtype) throw new DTypeError(`cdist: x1 is ${x1.dtype} but x2 is ${x2.dtype}; cast one so that they match`);
  if (x1.ndim < 2 || x2.ndim < 2) throw new ShapeError(`cdist: x1 and x2 need at least 2 dims ([..., rows, features]), got x1 ${x1.describe()} and x2 ${x2.describe()}`);
  if (x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new ShapeError(`cdist: x1 ${x1.describe()} and x2 ${x2.describe()} have ${x1.shape[x1.ndim - 1]} and ${x2.shape[x2.ndim - 1]} features (last dims); they must match`);
  }
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) throw new ArgumentError(`cdist: p must be a non-negative number or Infinity, got ${fmtArg(p)}`);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`cdist: options must be an object, got ${fmtArg(opts)}`);
  const mode = opts?.computeMode ?? 'use_mm_for_euclid_dist_if_necessary';
  if (!['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist'].includes(mode)) {
    throw new ArgumentError(`cdist: computeMode must be 'use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist' or 'donot_use_mm_for_euclid_dist', got ${fmtArg(mode)}`);
  }
  const batch = broadcastShapes('cdist', x1.shape.slice(0, -2), x2.shape.slice(0, -2));
  const P = x1.shape[x1.ndim - 2], R = x2.shape[x2.ndim - 2], M = x1.shape[x1.ndim - 1];
  checkOutputSize('cdist', [...batch, P, R], x1.dtype, () => `x1 ${x1.describe()} and x2 ${x2.describe()}`);
  const useMm = p === 2 && M > 0 && (mode === 'use_mm_for_euclid_dist' || (mode === 'use_mm_for_euclid_dist_if_necessary' && (P > 25 || R > 25)));
  if (useMm) {
    // PyTorch's _euclidean_dist: [-2 x1, |x1|², 1] · [x2, 1, |x2|²]ᵀ = |x1|² + |x2|² - 2 x1·x2, clamped at 0.
    const n1 = sum(square(x1), -1, { keepdim: true }), n2 = sum(square(x2), -1, { keepdim: true });
    const a = cat([mul(x1, -2), n1, onesLike(n1)], -1), b = cat([x2, onesLike(n2), n2], -1);
    return sqrtZeroSafe(clamp(matmulT(a, b, false, true), { min: 0 }));
  }
  checkOutputSize('cdist', [...batch, P, R, M], x1.dtype, () => `the differences of x1 ${x1.describe()} and x2 ${x2.describe()} (use p = 2 for the GEMM form)`);
  const diff = sub(unsqueeze(x1, -2), unsqueeze(x2, -3));
  if (M === 0) return sum(diff, -1);
  return pairwiseNorm(diff, p);
}
