/**
 * @internal The linear-algebra kernels as src/ops/linalg.ts calls them: argument checks shared by the
 * public functions, batch broadcasting, output allocation and the failure reports (PyTorch's
 * wording, with Lattice's op, argument and shapes). Nothing here records a tape node.
 */
import { ArgumentError, BackendError, DTypeError, ShapeError, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { withGradDisabled } from '../tensor/graph';
import { broadcastShapes, sizeOf, stridesOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { backendWithKernel, deviceHasKernel } from './device-kernel';
import { expand } from './shape';
import { assertFloatTensor, checkOutputSize, emptyForOverwrite, sameDevice } from './util';

/** @internal A float tensor of rank >= 2 (a matrix or a batch of them), or an error naming op and argument. */
export function checkMatrix(op: string, arg: string, x: unknown): asserts x is Tensor {
  assertFloatTensor(op, arg, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: ${arg} must have at least 2 dims (a matrix or a batch of matrices [..., m, n]), got ${x.describe()}`);
}

/** @internal checkMatrix plus square trailing dims; returns n. */
export function checkSquare(op: string, arg: string, x: unknown): number {
  checkMatrix(op, arg, x);
  const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
  if (m !== n) throw new ShapeError(`${op}: ${arg} must be a square matrix or a batch of square matrices [..., n, n], got ${x.describe()} (${m} by ${n} matrices)`);
  return n;
}

/**
 * @internal The device check of a linalg op, before it allocates anything: its tensors share one device
 * whose backend has `kernel` (a cuda tensor is refused by the op's name, as device-kernel.ts does for
 * other cpu-only kernels).
 */
export function checkDevice(op: string, kernel: Parameters<typeof deviceHasKernel>[1], ...args: [string, Tensor][]): void {
  const device = sameDevice(op, ...args);
  if (deviceHasKernel(device, kernel)) return;
  const [name, t] = args[0];
  throw new BackendError(`${op}: ${name} ${t.describe()} is on ${device}, and ${op} has no CUDA kernel yet (its kernel '${kernel}' runs on the cpu only); `
    + `move the tensor with .to('cpu') first, or see docs/cuda.md for the ops that run on cuda`);
}

/** @internal Both operands of one dtype (PyTorch's rule for the solvers: no silent promotion). */
export function checkSameDtype(op: string, a: [string, Tensor], b: [string, Tensor]): void {
  if (a[1].dtype !== b[1].dtype) {
    throw new DTypeError(`${op}: ${a[0]} ${a[1].describe()} and ${b[0]} ${b[1].describe()} must have the same dtype (cast one with .to('${a[1].dtype}') or .to('${b[1].dtype}'))`);
  }
}

/** @internal The options object of a linalg function: undefined or an object, else an error. */
export function optionsOf<T extends object>(op: string, opts: T | undefined): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
  return opts;
}

/** @internal A boolean option (default when undefined). */
export function boolOption(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be true or false, got ${fmtArg(v)}`);
  return v;
}

/** @internal The leading (batch) dims of a matrix batch. */
export function batchDims(x: Tensor): number[] {
  return x.shape.slice(0, -2);
}

/** @internal x materialised with batch dims `batch` (a copy only where they differ); unrecorded. */
export function withBatch(x: Tensor, batch: readonly number[]): Tensor {
  const shape = [...batch, ...x.shape.slice(-2)];
  if (shape.length === x.ndim && shape.every((s, i) => s === x.shape[i])) return x;
  return withGradDisabled(() => expand(x, shape));
}

/** @internal The batch both operands broadcast to, named in op's own error. */
export function commonBatch(op: string, a: [string, Tensor], b: [string, Tensor]): number[] {
  try {
    return broadcastShapes(op, batchDims(a[1]), batchDims(b[1]));
  } catch {
    throw new ShapeError(`${op}: the batch dims of ${a[0]} ${a[1].describe()} and ${b[0]} ${b[1].describe()} do not broadcast`);
  }
}

/**
 * @internal Where in x's batch matrix number `b` sits, for failure messages: '' for a single matrix,
 * else PyTorch's `(batch element b)` plus the index for several batch dims.
 */
export function batchElement(x: Tensor, b: number): string {
  const batch = batchDims(x);
  if (batch.length === 0) return '';
  const strides = stridesOf(batch);
  const index = batch.length > 1 ? ` = index [${strides.map((s, d) => Math.floor(b / s) % batch[d]).join(',')}]` : '';
  return ` (batch element ${b}${index})`;
}

/** @internal The first batch entry whose info is nonzero, or -1. */
export function firstFailure(info: Int32Array): number {
  for (let b = 0; b < info.length; b++) if (info[b] !== 0) return b;
  return -1;
}

function outputs(op: string, x: Tensor, shapes: number[][]): Tensor[] {
  return shapes.map((s) => {
    checkOutputSize(op, s, x.dtype, () => `${x.describe()}`);
    return emptyForOverwrite(s, x.dtype, x.device);
  });
}

const values = (t: Tensor): FloatArray => t.deviceValues as FloatArray;

/**
 * @internal The Cholesky factor (L, or U = Lᵀ with upper) of every matrix of A; a matrix that is not
 * positive-definite throws, naming its batch element and the leading minor (PyTorch's message).
 */
export function choleskyRaw(op: string, A: Tensor, upper: boolean): Tensor {
  const kernels = backendWithKernel(op, 'cholesky', A);
  const n = A.shape[A.ndim - 1], batch = sizeOf(batchDims(A));
  const [L] = outputs(op, A, [A.shape.slice()]);
  const info = new Int32Array(batch);
  kernels.cholesky(values(A), values(L), info, batch, n, upper);
  const b = firstFailure(info);
  if (b >= 0) {
    throw new ArgumentError(`${op}: A ${A.describe()}${batchElement(A, b)}: the factorization could not be completed because the input is not `
      + `positive-definite (the leading minor of order ${info[b]} is not positive-definite)`);
  }
  return L;
}

/**
 * @internal X with A X = B (left) or X A = B for triangular A; A [..., n, n] and B [..., n, k] (left)
 * or [..., k, n] broadcast over their batch dims.
 */
export function triangularSolveRaw(op: string, A: Tensor, B: Tensor, upper: boolean, left: boolean, unitriangular: boolean): Tensor {
  const kernels = backendWithKernel(op, 'triangularSolve', A);
  sameDevice(op, ['A', A], ['B', B]);
  const batch = commonBatch(op, ['A', A], ['B', B]);
  const n = A.shape[A.ndim - 1];
  const k = left ? B.shape[B.ndim - 1] : B.shape[B.ndim - 2];
  const a = withBatch(A, batch), b = withBatch(B, batch);
  const [X] = outputs(op, B, [b.shape.slice()]);
  kernels.triangularSolve(values(a), values(b), values(X), sizeOf(batch), n, k, upper, left, unitriangular);
  return X;
}

/** @internal luFactor's outputs: the packed factors, 0-based pivots and getrf's info per matrix. */
export interface LuFactors { lu: Tensor; pivots: Int32Array; info: Int32Array }

/** @internal P A = L U for every matrix of A (singular matrices are reported in info, not thrown). */
export function luRaw(op: string, A: Tensor): LuFactors {
  const kernels = backendWithKernel(op, 'luFactor', A);
  const n = A.shape[A.ndim - 1], batch = sizeOf(batchDims(A));
  const [lu] = outputs(op, A, [A.shape.slice()]);
  const pivots = new Int32Array(batch * n), info = new Int32Array(batch);
  kernels.luFactor(values(A), values(lu), pivots, info, batch, n);
  return { lu, pivots, info };
}

/** @internal A⁻¹ B from luRaw's factors of A (batch dims equal to B's). */
export function luSolveRaw(op: string, f: LuFactors, B: Tensor): Tensor {
  const kernels = backendWithKernel(op, 'luSolve', B);
  const n = B.shape[B.ndim - 2], k = B.shape[B.ndim - 1], batch = sizeOf(batchDims(B));
  const [X] = outputs(op, B, [B.shape.slice()]);
  kernels.luSolve(values(f.lu), f.pivots, values(B), values(X), batch, n, k);
  return X;
}

/** @internal The sign (±1) of each matrix's row permutation from getrf's pivots: -1 per swap. */
export function permutationSigns(pivots: Int32Array, batch: number, n: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    let sign = 1;
    for (let i = 0; i < n; i++) if (pivots[b * n + i] !== i) sign = -sign;
    out.push(sign);
  }
  return out;
}

/** @internal Q (null for mode 'r') and R of every matrix of A [..., m, n]. */
export function qrRaw(op: string, A: Tensor, wantQ: boolean, complete: boolean): { Q: Tensor | null; R: Tensor } {
  const kernels = backendWithKernel(op, 'qr', A);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], batch = batchDims(A);
  const kq = complete ? m : Math.min(m, n);
  const [R] = outputs(op, A, [[...batch, kq, n]]);
  const Q = wantQ ? outputs(op, A, [[...batch, m, kq]])[0] : null;
  kernels.qr(values(A), Q ? values(Q) : null, values(R), sizeOf(batch), m, n, complete);
  return { Q, R };
}

/**
 * @internal Eigenvalues (ascending) and, with wantVectors, eigenvectors of every symmetric matrix of A.
 * A matrix holding NaN or Inf gives NaN outputs (PyTorch returns them without an error); one whose
 * iteration fails to converge throws.
 */
export function eighRaw(op: string, A: Tensor, upper: boolean, wantVectors: boolean): { L: Tensor; V: Tensor | null } {
  const kernels = backendWithKernel(op, 'eigh', A);
  const n = A.shape[A.ndim - 1], batch = batchDims(A), count = sizeOf(batch);
  const [L] = outputs(op, A, [[...batch, n]]);
  const V = wantVectors ? outputs(op, A, [A.shape.slice()])[0] : null;
  const info = new Int32Array(count);
  kernels.eigh(values(A), values(L), V ? values(V) : null, info, count, n, upper);
  for (let b = 0; b < count; b++) {
    if (info[b] === 1) {
      values(L).fill(NaN, b * n, (b + 1) * n);
      if (V) values(V).fill(NaN, b * n * n, (b + 1) * n * n);
    } else if (info[b] === 2) {
      throw new ArgumentError(`${op}: A ${A.describe()}${batchElement(A, b)}: the algorithm failed to converge because the input matrix is `
        + 'ill-conditioned or has too many repeated eigenvalues');
    }
  }
  return { L, V };
}

/**
 * @internal Singular values (descending) and, with wantVectors, U and Vh (full: U [m, m], Vh [n, n];
 * else [m, k] and [k, n]) of every matrix of A. Non-finite input and non-convergence throw, as in PyTorch.
 */
export function svdRaw(op: string, A: Tensor, wantVectors: boolean, full: boolean): { U: Tensor | null; S: Tensor; Vh: Tensor | null } {
  const kernels = backendWithKernel(op, 'svd', A);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], batch = batchDims(A), count = sizeOf(batch);
  const k = Math.min(m, n);
  const [S] = outputs(op, A, [[...batch, k]]);
  const [U, Vh] = wantVectors ? outputs(op, A, [[...batch, m, full ? m : k], [...batch, full ? n : k, n]]) : [null, null];
  const info = new Int32Array(count);
  kernels.svd(values(A), U ? values(U) : null, values(S), Vh ? values(Vh) : null, info, count, m, n, full);
  const b = firstFailure(info);
  if (b >= 0) {
    const why = info[b] === 1 ? 'the input matrix contained non-finite values' : 'the input matrix is ill-conditioned or has too many repeated singular values';
    throw new ArgumentError(`${op}: A ${A.describe()}${batchElement(A, b)}: the algorithm failed to converge because ${why}`);
  }
  return { U, S, Vh };
}
