/**
 * torch.linalg for Lattice: decompositions, solvers, inverses, determinants and norms of matrices,
 * batched over leading dims, float32 and float64, with PyTorch 2.x's semantics and argument names
 * (camelCase options). The decompositions are kernels (reference/linalg.ts defines them; native
 * kernels run the same algorithms, in float64 internally); their gradients are PyTorch's formulas
 * written with ops (linalg-grad.ts), so second derivatives work. pinv and the norms are composites.
 * Names in messages are the public ones (`linalg.cholesky`): the package exports this file as `linalg`.
 */
import { ArgumentError, AutogradError, DTypeError, ShapeError, fmtArg, fmtValue } from '../errors';
import { isFloat } from '../tensor/dtype';
import { isGradEnabled, withGradDisabled } from '../tensor/graph';
import { normalizeDim, sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { gt, maximum, mul, ne, pow, sumToShape, where } from './binary';
import { castTo } from './cast';
import { randn, tensor, zeros, zerosLike } from './creation';
import { diagonal } from './linalg-basic';
import {
  choleskyBackward, detBackward, eigenvaluesBackward, eigenvectorsBackward, eyeLike, invBackward, logabsdetBackward, mT,
  qrBackward, solveBackward, solveTriangularBackward, svdBackward,
} from './linalg-grad';
import {
  batchDims, batchElement, boolOption, checkDevice, checkMatrix, checkSameDtype, checkSquare, choleskyRaw, commonBatch, eighRaw, firstFailure,
  luRaw, luSolveRaw, optionsOf, permutationSigns, qrRaw, svdRaw, triangularSolveRaw, withBatch,
} from './linalg-kernels';
import { matmul } from './matmul';
import { record } from './record';
import { amax, amin, norm, prod, reduceDims, sum } from './reduce';
import { registerOp, type SampleDType } from './registry';
import { cat, narrow, reshape, squeeze, unsqueeze } from './shape';
import { movedim } from './shape-extra';
import { abs, log, reciprocal, sign } from './unary';
import { assertTensor } from './util';


// ---- Cholesky

/** Options of {@link cholesky}. @example `linalg.cholesky(A, { upper: true })` */
export interface CholeskyOptions {
  /** Return U with A = Uᵀ U (read from A's upper triangle) instead of L with A = L Lᵀ (default false). */
  upper?: boolean;
}

/**
 * The Cholesky factor of symmetric positive-definite matrices (PyTorch's `torch.linalg.cholesky`):
 * lower L with A = L Lᵀ from A's lower triangle, or with `upper` U = Lᵀ from its upper one. A matrix
 * that is not positive-definite throws, naming its batch element and the failing leading minor.
 * @example `const L = linalg.cholesky(A) // A [..., n, n] SPD; L.matmul(L.mT) ≈ A`
 */
export function cholesky(A: Tensor, opts?: CholeskyOptions): Tensor {
  const op = 'linalg.cholesky';
  checkSquare(op, 'A', A);
  checkDevice(op, 'cholesky', ['A', A]);
  const upper = boolOption(op, 'upper', optionsOf(op, opts).upper, false);
  const L = withGradDisabled(() => choleskyRaw(op, A, upper));
  return record(L, op, [A], (g) => [choleskyBackward(g, L, upper)], [L]);
}

// ---- triangular and general solves

/** Options of {@link solveTriangular}; `upper` is required, as in PyTorch. @example `{ upper: false, left: false }` */
export interface SolveTriangularOptions {
  /** Whether A is upper (true) or lower (false) triangular; only that triangle is read. */
  upper: boolean;
  /** Solve A X = B (true, default) or X A = B (false). */
  left?: boolean;
  /** Take A's diagonal as ones without reading it (default false). */
  unitriangular?: boolean;
}

/**
 * X with A X = B (or X A = B with `left: false`) for triangular A [..., n, n] and B [..., n, k]
 * ([..., k, n] on the right), batch dims broadcast (PyTorch's `torch.linalg.solve_triangular`).
 * A and B share one dtype; a zero on A's diagonal gives Inf/NaN, as in PyTorch (no check).
 * @example `linalg.solveTriangular(L, B, { upper: false }) // L X = B`
 */
export function solveTriangular(A: Tensor, B: Tensor, opts: SolveTriangularOptions): Tensor {
  const op = 'linalg.solveTriangular';
  const n = checkSquare(op, 'A', A);
  checkMatrix(op, 'B', B);
  checkDevice(op, 'triangularSolve', ['A', A], ['B', B]);
  checkSameDtype(op, ['A', A], ['B', B]);
  const o = optionsOf(op, opts);
  if (typeof o.upper !== 'boolean') throw new ArgumentError(`${op}: options.upper is required (true or false), got ${fmtArg(o.upper)}`);
  const upper = o.upper;
  const left = boolOption(op, 'left', o.left, true), unitriangular = boolOption(op, 'unitriangular', o.unitriangular, false);
  const rows = left ? B.shape[B.ndim - 2] : B.shape[B.ndim - 1];
  if (rows !== n) {
    throw new ShapeError(`${op}: A is ${A.describe()} and B is ${B.describe()}: for ${left ? 'A X = B, B needs' : 'X A = B, B needs'} `
      + `${left ? 'rows' : 'columns'} of size ${n}, got ${rows}`);
  }
  commonBatch(op, ['A', A], ['B', B]);
  const X = withGradDisabled(() => triangularSolveRaw(op, A, B, upper, left, unitriangular));
  return record(X, op, [A, B], (g, needs) => {
    const [gA, gB] = solveTriangularBackward(g, A, X, upper, left, unitriangular, needs ? needs[0] : A.requiresGrad, needs ? needs[1] : B.requiresGrad);
    return [gA && sumToShape(gA, A.shape), gB && sumToShape(gB, B.shape)];
  }, [A, X]);
}

/** Options of {@link solve}. @example `linalg.solve(A, B, { left: false }) // X A = B` */
export interface SolveOptions {
  /** Solve A X = B (true, default) or X A = B (false). */
  left?: boolean;
}

/** A X = B for square A, by LU with partial pivoting; a singular matrix throws in op's name. */
function luSolveChecked(op: string, A: Tensor, B: Tensor): Tensor {
  const batch = commonBatch(op, ['A', A], ['B', B]);
  const a = withBatch(A, batch), b = withBatch(B, batch);
  const factors = luRaw(op, a);
  const bad = firstFailure(factors.info);
  if (bad >= 0) {
    const d = factors.info[bad] - 1;
    throw new ArgumentError(`${op}: A ${A.describe()}${batchElement(a, bad)}: the solver failed because the input matrix is singular `
      + `(U[${d},${d}] of its LU factorization is zero)`);
  }
  const X = luSolveRaw(op, factors, b);
  factors.lu.dispose();
  return X;
}

function solveNamed(op: string, A: Tensor, B: Tensor, left: boolean): Tensor {
  const X = withGradDisabled(() => (left ? luSolveChecked(op, A, B) : mT(luSolveChecked(op, mT(A), mT(B)))));
  return record(X, op, [A, B], (g, needs) => {
    const [gA, gB] = solveBackward(g, A, X, left, needs ? needs[0] : A.requiresGrad, needs ? needs[1] : B.requiresGrad);
    return [gA && sumToShape(gA, A.shape), gB && sumToShape(gB, B.shape)];
  }, [A, X]);
}

/**
 * The solution X of A X = B (or X A = B with `left: false`) for square, invertible A [..., n, n]
 * (PyTorch's `torch.linalg.solve`). B is [..., n, k], or a batch of vectors [..., n] when it is 1-D
 * or has A's shape without its last dim (PyTorch's rule); batch dims broadcast. A singular matrix throws.
 * @example `const x = linalg.solve(A, b) // A [n, n], b [n]: A x = b`
 */
export function solve(A: Tensor, B: Tensor, opts?: SolveOptions): Tensor {
  const op = 'linalg.solve';
  const n = checkSquare(op, 'A', A);
  assertTensor(op, 'B', B);
  if (!isFloat(B.dtype)) throw new DTypeError(`${op}: B must be float32 or float64, got ${B.describe()}`);
  checkDevice(op, 'luFactor', ['A', A], ['B', B]);
  checkSameDtype(op, ['A', A], ['B', B]);
  const left = boolOption(op, 'left', optionsOf(op, opts).left, true);
  const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.every((s, i) => s === A.shape[i]));
  const Bm = vector ? unsqueeze(B, left ? -1 : -2) : B;
  const size = Bm.ndim >= 2 ? (left ? Bm.shape[Bm.ndim - 2] : Bm.shape[Bm.ndim - 1]) : -1;
  if (Bm.ndim < 2 || size !== n) {
    throw new ShapeError(`${op}: incompatible shapes of A ${A.describe()} and B ${B.describe()} for the equation ${left ? 'A X = B' : 'X A = B'}: `
      + `B must be [..., ${left ? `${n}, k` : `k, ${n}`}] or a batch of vectors [..., ${n}]`);
  }
  const X = solveNamed(op, A, Bm, left);
  return vector ? squeeze(X, left ? -1 : -2) : X;
}

/**
 * The inverse of square, invertible matrices (PyTorch's `torch.linalg.inv`); a singular matrix
 * throws, naming the zero diagonal element of its LU factor.
 * @example `linalg.inv(A).matmul(A) // ≈ eye(n)`
 */
export function inv(A: Tensor): Tensor {
  const op = 'linalg.inv';
  const n = checkSquare(op, 'A', A);
  checkDevice(op, 'luFactor', ['A', A]);
  const out = withGradDisabled(() => {
    const factors = luRaw(op, A);
    const bad = firstFailure(factors.info);
    if (bad >= 0) {
      throw new ArgumentError(`${op}: A ${A.describe()}${batchElement(A, bad)}: the diagonal element ${factors.info[bad]} is zero, the inversion `
        + 'could not be completed because the input matrix is singular');
    }
    const X = luSolveRaw(op, factors, withBatch(eyeLike(n, A), batchDims(A)));
    factors.lu.dispose();
    return X;
  });
  return record(out, op, [A], (g) => [invBackward(g, out)], [out]);
}

// ---- determinants

/** The LU diagonals [..., n] of A and the sign of each matrix's row permutation [...], unrecorded. */
function luDiagonal(op: string, A: Tensor): { diag: Tensor; permSign: Tensor; singular: boolean } {
  const n = A.shape[A.ndim - 1], batch = batchDims(A);
  const factors = luRaw(op, A);
  const diag = diagonal(factors.lu, 0, -2, -1);
  factors.lu.dispose();
  const signs = permutationSigns(factors.pivots, sizeOf(batch), n);
  const permSign = reshape(tensor(signs, { dtype: A.dtype }), batch);
  return { diag, permSign, singular: firstFailure(factors.info) >= 0 };
}

/**
 * The determinant of square matrices (PyTorch's `torch.linalg.det`), from an LU factorisation; 0 for
 * a singular matrix. Its gradient is det · A⁻ᵀ, through the SVD where a matrix is singular.
 * @example `linalg.det(tensor([[1, 2], [3, 4]])) // -2`
 */
export function det(A: Tensor): Tensor {
  const op = 'linalg.det';
  checkSquare(op, 'A', A);
  checkDevice(op, 'luFactor', ['A', A]);
  let singular = false;
  const d = withGradDisabled(() => {
    const lu = luDiagonal(op, A);
    singular = lu.singular;
    return mul(prod(lu.diag, -1), lu.permSign);
  });
  return record(d, op, [A], (g) => [detBackward(g, A, d, singular)], [A, d]);
}

/** What {@link slogdet} returns: det(A) = sign · exp(logabsdet). @example `const { sign, logabsdet } = linalg.slogdet(A)` */
export interface SlogdetResult {
  /** ±1, or 0 for a singular matrix; not differentiable. */
  sign: Tensor;
  /** log|det A| (-Infinity for a singular matrix). */
  logabsdet: Tensor;
}

/**
 * The sign and the log of the absolute value of the determinant (PyTorch's `torch.linalg.slogdet`):
 * accurate where det itself would overflow or underflow. The gradient of logabsdet is A⁻ᵀ.
 * @example `const { sign, logabsdet } = linalg.slogdet(A) // det = sign * exp(logabsdet)`
 */
export function slogdet(A: Tensor): SlogdetResult {
  const op = 'linalg.slogdet';
  checkSquare(op, 'A', A);
  checkDevice(op, 'luFactor', ['A', A]);
  const { s, logabsdet } = withGradDisabled(() => {
    const lu = luDiagonal(op, A);
    return { s: mul(prod(sign(lu.diag), -1), lu.permSign), logabsdet: sum(log(abs(lu.diag)), -1) };
  });
  record(logabsdet, op, [A], (g) => {
    try {
      return [logabsdetBackward(g, A)];
    } catch (e) {
      if (e instanceof ArgumentError) throw new ArgumentError(`${op} (backward): A ${A.describe()} is singular, so log|det A| has no gradient there (${e.message})`);
      throw e;
    }
  }, [A]);
  return { sign: s, logabsdet };
}

// ---- QR

/** The QR modes of PyTorch: Q [m, k] and R [k, n] ('reduced'), Q [m, m] and R [m, n] ('complete'), or R alone ('r'). @example `'complete'` */
export type QrMode = 'reduced' | 'complete' | 'r';

/** Options of {@link qr}. @example `linalg.qr(A, { mode: 'complete' })` */
export interface QrOptions {
  /** 'reduced' (default), 'complete' or 'r'. */
  mode?: QrMode;
}

/** What {@link qr} returns: A = Q R. @example `const { Q, R } = linalg.qr(A)` */
export interface QrResult {
  /** Orthonormal columns; an empty tensor [0] for mode 'r' (as PyTorch). */
  Q: Tensor;
  /** Upper triangular. */
  R: Tensor;
}

/**
 * The QR decomposition A = Q R of matrices [..., m, n] (PyTorch's `torch.linalg.qr`) by Householder
 * reflections with LAPACK's sign convention (R's diagonal is generally not positive, as in PyTorch).
 * Differentiable for 'reduced', and for 'complete' when m <= n.
 * @example `const { Q, R } = linalg.qr(A) // Q.mT.matmul(Q) ≈ I, Q.matmul(R) ≈ A`
 */
export function qr(A: Tensor, opts?: QrOptions): QrResult {
  const op = 'linalg.qr';
  checkMatrix(op, 'A', A);
  checkDevice(op, 'qr', ['A', A]);
  const mode = optionsOf(op, opts).mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new ArgumentError(`${op}: mode must be 'reduced', 'complete' or 'r', got ${fmtValue(mode)}`);
  }
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  const raw = withGradDisabled(() => qrRaw(op, A, mode !== 'r', mode === 'complete'));
  const R = raw.R;
  if (mode === 'r') {
    record(R, op, [A], () => {
      throw new AutogradError(`${op}: the derivative of linalg.qr depends on Q, which is not computed when mode='r'. `
        + `Please use linalg.qr(A, { mode: 'reduced' }) if you are going to differentiate through linalg.qr (A is ${A.describe()})`);
    });
    return { Q: zeros([0], { dtype: A.dtype, device: A.device }), R };
  }
  const Q = raw.Q!;
  if (mode === 'complete' && m > n) {
    const refuse = (): never => {
      throw new AutogradError(`${op}: the QR decomposition is not differentiable when mode='complete' and nrows > ncols (A is ${A.describe()})`);
    };
    record(Q, op, [A], refuse);
    record(R, op, [A], refuse);
    return { Q, R };
  }
  record(Q, op, [A], (g) => [qrBackward(g, null, A, Q, R)], [A, Q, R]);
  record(R, op, [A], (g) => [qrBackward(null, g, A, Q, R)], [A, Q, R]);
  return { Q, R };
}

// ---- symmetric eigendecomposition

/** Options of {@link eigh} and {@link eigvalsh}. @example `linalg.eigh(A, { uplo: 'U' })` */
export interface EighOptions {
  /** The triangle of A that is read: 'L' (lower, default) or 'U'. */
  uplo?: 'L' | 'U';
}

/** What {@link eigh} returns: A = V diag(eigenvalues) Vᵀ with V = eigenvectors. @example `const { eigenvalues, eigenvectors } = linalg.eigh(A)` */
export interface EighResult {
  /** [..., n], ascending. */
  eigenvalues: Tensor;
  /** [..., n, n], eigenvector j in column j (each defined up to its sign). */
  eigenvectors: Tensor;
}

function uploOf(op: string, opts: EighOptions | undefined): boolean {
  const uplo = optionsOf(op, opts).uplo ?? 'L';
  if (uplo !== 'L' && uplo !== 'U') throw new ArgumentError(`${op}: uplo must be 'L' or 'U', got ${fmtValue(uplo)}`);
  return uplo === 'U';
}

function eighNamed(op: string, A: Tensor, upper: boolean): EighResult {
  const { L, V } = withGradDisabled(() => eighRaw(op, A, upper, true));
  const vectors = V!;
  record(L, op, [A], (g) => [eigenvaluesBackward(g, vectors)], [vectors]);
  record(vectors, op, [A], (g) => [eigenvectorsBackward(g, L, vectors)], [L, vectors]);
  return { eigenvalues: L, eigenvectors: vectors };
}

/**
 * Eigenvalues (ascending) and eigenvectors of symmetric matrices (PyTorch's `torch.linalg.eigh`),
 * reading only the `uplo` triangle. Gradients assume distinct eigenvalues and a loss that does not
 * depend on the eigenvectors' signs (PyTorch's conditions).
 * @example `const { eigenvalues, eigenvectors } = linalg.eigh(A) // A ≈ V diag(w) Vᵀ`
 */
export function eigh(A: Tensor, opts?: EighOptions): EighResult {
  const op = 'linalg.eigh';
  checkSquare(op, 'A', A);
  checkDevice(op, 'eigh', ['A', A]);
  return eighNamed(op, A, uploOf(op, opts));
}

/**
 * The eigenvalues (ascending) of symmetric matrices (PyTorch's `torch.linalg.eigvalsh`); computes the
 * eigenvectors too only when a gradient will be needed.
 * @example `linalg.eigvalsh(tensor([[2, 1], [1, 2]])) // [1, 3]`
 */
export function eigvalsh(A: Tensor, opts?: EighOptions): Tensor {
  const op = 'linalg.eigvalsh';
  checkSquare(op, 'A', A);
  checkDevice(op, 'eigh', ['A', A]);
  const upper = uploOf(op, opts);
  if (isGradEnabled() && A.requiresGrad) return eighNamed(op, A, upper).eigenvalues;
  return withGradDisabled(() => eighRaw(op, A, upper, false)).L;
}

// ---- singular value decomposition

/** Options of {@link svd}. @example `linalg.svd(A, { fullMatrices: false })` */
export interface SvdOptions {
  /** U [m, m] and Vh [n, n] (true, default) or the reduced U [m, k] and Vh [k, n], k = min(m, n). */
  fullMatrices?: boolean;
}

/** What {@link svd} returns: A = U diag(S) Vh. @example `const { U, S, Vh } = linalg.svd(A)` */
export interface SvdResult {
  /** Left singular vectors, as columns. */
  U: Tensor;
  /** Singular values [..., k], descending. */
  S: Tensor;
  /** Right singular vectors, as rows. */
  Vh: Tensor;
}

function svdNamed(op: string, A: Tensor, full: boolean): SvdResult {
  const raw = withGradDisabled(() => svdRaw(op, A, true, full));
  const U = raw.U!, S = raw.S, Vh = raw.Vh!;
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], k = Math.min(m, n);
  // PyTorch's rule for full matrices: the columns past k carry no gradient.
  const uK = (): Tensor => (full && m !== k ? narrow(U, -1, 0, k) : U);
  const vhK = (): Tensor => (full && n !== k ? narrow(Vh, -2, 0, k) : Vh);
  record(U, op, [A], (g) => [svdBackward(full && m !== k ? narrow(g, -1, 0, k) : g, null, null, uK(), S, vhK())], [U, S, Vh]);
  record(S, op, [A], (g) => [svdBackward(null, g, null, uK(), S, vhK())], [U, S, Vh]);
  record(Vh, op, [A], (g) => [svdBackward(null, null, full && n !== k ? narrow(g, -2, 0, k) : g, uK(), S, vhK())], [U, S, Vh]);
  return { U, S, Vh };
}

/**
 * The singular value decomposition A = U diag(S) Vh of matrices [..., m, n] (PyTorch's
 * `torch.linalg.svd`), S descending. Singular vectors are defined up to sign; gradients through U or
 * Vh assume distinct singular values and a sign-invariant loss (PyTorch's conditions).
 * @example `const { U, S, Vh } = linalg.svd(A, { fullMatrices: false })`
 */
export function svd(A: Tensor, opts?: SvdOptions): SvdResult {
  const op = 'linalg.svd';
  checkMatrix(op, 'A', A);
  checkDevice(op, 'svd', ['A', A]);
  return svdNamed(op, A, boolOption(op, 'fullMatrices', optionsOf(op, opts).fullMatrices, true));
}

/**
 * The singular values of matrices [..., m, n], descending (PyTorch's `torch.linalg.svdvals`); the
 * singular vectors are computed only when a gradient will be needed (it is U diag(g) Vh).
 * @example `linalg.svdvals(A) // [..., min(m, n)]`
 */
export function svdvals(A: Tensor): Tensor {
  const op = 'linalg.svdvals';
  checkMatrix(op, 'A', A);
  checkDevice(op, 'svd', ['A', A]);
  if (isGradEnabled() && A.requiresGrad) return svdNamed(op, A, false).S;
  return withGradDisabled(() => svdRaw(op, A, false, false)).S;
}

// ---- pseudoinverse

/** Options of {@link pinv}. @example `linalg.pinv(A, { rtol: 1e-6 })` */
export interface PinvOptions {
  /** Absolute tolerance: singular values <= max(atol, rtol · σ_max) are treated as zero (default 0). */
  atol?: number;
  /**
   * Relative tolerance (times the largest singular value). Default: eps(dtype) · max(m, n), or 0
   * when only a positive atol is given (PyTorch's rule).
   */
  rtol?: number;
  /** A is symmetric: use eigh on its lower triangle instead of the SVD (default false). */
  hermitian?: boolean;
}

function toleranceOption(op: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0)) throw new ArgumentError(`${op}: ${name} must be a number >= 0, got ${fmtArg(v)}`);
  return v;
}

/** 1/x where keep holds and 0 elsewhere, with no Inf in either branch (or its gradient). */
function reciprocalWhere(x: Tensor, keep: Tensor): Tensor {
  return where(keep, reciprocal(where(keep, x, 1)), 0);
}

/**
 * The Moore–Penrose pseudoinverse of matrices [..., m, n] -> [..., n, m] (PyTorch's
 * `torch.linalg.pinv`), from the SVD (or eigh with `hermitian`): singular values at or below
 * max(atol, rtol · σ_max) count as zero. Differentiable through its composite (distinct singular values).
 * @example `linalg.pinv(A).matmul(b) // least-squares solution of A x = b`
 */
export function pinv(A: Tensor, opts?: PinvOptions): Tensor {
  const op = 'linalg.pinv';
  checkMatrix(op, 'A', A);
  const o = optionsOf(op, opts);
  const hermitian = boolOption(op, 'hermitian', o.hermitian, false);
  if (hermitian) checkSquare(op, 'A', A);
  checkDevice(op, hermitian ? 'eigh' : 'svd', ['A', A]);
  const atol = toleranceOption(op, 'atol', o.atol), rtolGiven = toleranceOption(op, 'rtol', o.rtol);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  const eps = A.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const rtol = rtolGiven ?? (atol !== undefined && atol > 0 ? 0 : eps * Math.max(m, n));
  if (Math.min(m, n) === 0) return zeros([...batchDims(A), n, m], { dtype: A.dtype, device: A.device });
  // The threshold moves with σ_max but only decides which values count: no gradient through it.
  const keepOf = (magnitudes: Tensor): Tensor => withGradDisabled(() => gt(magnitudes, maximum(mul(amax(magnitudes, -1, { keepdim: true }), rtol), atol ?? 0)));
  if (hermitian) {
    const { eigenvalues, eigenvectors } = eighNamed(op, A, false);
    const inverse = reciprocalWhere(eigenvalues, keepOf(withGradDisabled(() => abs(eigenvalues))));
    return matmul(mul(eigenvectors, unsqueeze(inverse, -2)), mT(eigenvectors));
  }
  const { U, S, Vh } = svdNamed(op, A, false);
  const inverse = reciprocalWhere(S, keepOf(S));
  return matmul(mul(mT(Vh), unsqueeze(inverse, -2)), mT(U));
}

// ---- norms

/** Options of {@link vectorNorm}. @example `linalg.vectorNorm(x, { ord: 1, dim: -1, keepdim: true })` */
export interface VectorNormOptions {
  /** The order: any number, Infinity (max |x|), -Infinity (min |x|), 0 (count of nonzeros); default 2. */
  ord?: number;
  /** The dim(s) to reduce; default all (the flattened tensor). */
  dim?: number | number[];
  /** Keep the reduced dims as size 1 (default false). */
  keepdim?: boolean;
  /** Cast x to this dtype first. */
  dtype?: 'float32' | 'float64';
}

function normDtype(op: string, x: Tensor, dtype: unknown): Tensor {
  if (dtype === undefined) return x;
  if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`${op}: dtype must be 'float32' or 'float64', got ${fmtValue(dtype)}`);
  return castTo(x, dtype);
}

/**
 * The vector norm of x over `dim` (all dims by default), PyTorch's `torch.linalg.vector_norm`:
 * (Σ |x_i|^ord)^(1/ord), max |x_i| for Infinity, min for -Infinity, the count of nonzeros for 0.
 * The 2-norm's gradient at a zero vector is 0, as in PyTorch.
 * @example `linalg.vectorNorm(tensor([3, 4])) // 5`
 */
export function vectorNorm(x: Tensor, opts?: VectorNormOptions): Tensor {
  const op = 'linalg.vectorNorm';
  assertTensor(op, 'x', x);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating point tensor as input, got ${x.describe()}`);
  const o = optionsOf(op, opts);
  const ord = o.ord ?? 2;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new ArgumentError(`${op}: ord must be a number (or ±Infinity), got ${fmtArg(ord)}`);
  const keepdim = boolOption(op, 'keepdim', o.keepdim, false);
  const input = normDtype(op, x, o.dtype);
  const dims = reduceDims(op, input, o.dim);
  const reduceOpts = { keepdim };
  if (ord > 0) return norm(input, ord, dims, reduceOpts);
  if (ord === -Infinity) return amin(abs(input), dims, reduceOpts);
  if (ord === 0) {
    const count = withGradDisabled(() => sum(castTo(ne(input, 0), input.dtype), dims, reduceOpts));
    return record(count, op, [input], () => [zerosLike(input)]);
  }
  return pow(sum(pow(abs(input), ord), dims, reduceOpts), 1 / ord);
}

/** The orders {@link matrixNorm} takes. @example `'nuc'` */
export type MatrixNormOrd = 'fro' | 'nuc' | number;

/** Options of {@link matrixNorm}. @example `linalg.matrixNorm(A, { ord: 'nuc' })` */
export interface MatrixNormOptions {
  /** 'fro' (default), 'nuc', 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of |A|), Infinity / -Infinity (row sums). */
  ord?: MatrixNormOrd;
  /** The two dims holding the matrices (default [-2, -1]). */
  dim?: [number, number];
  /** Keep the two reduced dims as size 1 (default false). */
  keepdim?: boolean;
  /** Cast A to this dtype first. */
  dtype?: 'float32' | 'float64';
}

/**
 * A matrix norm over two dims (PyTorch's `torch.linalg.matrix_norm`): Frobenius ('fro'), nuclear
 * ('nuc', the sum of singular values), spectral (2, -2: largest or smallest singular value), or the
 * max/min absolute column (1, -1) or row (Infinity, -Infinity) sum.
 * @example `linalg.matrixNorm(A, { ord: 2 }) // the largest singular value of each matrix`
 */
export function matrixNorm(A: Tensor, opts?: MatrixNormOptions): Tensor {
  const op = 'linalg.matrixNorm';
  assertTensor(op, 'A', A);
  if (!isFloat(A.dtype)) throw new DTypeError(`${op}: expected a floating point tensor as input, got ${A.describe()}`);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got ${A.describe()}`);
  const o = optionsOf(op, opts);
  const ord = o.ord ?? 'fro';
  if (!(ord === 'fro' || ord === 'nuc' || ord === 2 || ord === -2 || ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity)) {
    throw new ArgumentError(`${op}: ord must be 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity, got ${fmtValue(ord)}`);
  }
  const dimPair = o.dim ?? [-2, -1];
  if (!Array.isArray(dimPair) || dimPair.length !== 2) throw new ArgumentError(`${op}: dim must be a pair of dims, got ${fmtValue(dimPair)}`);
  const d0 = normalizeDim(op, dimPair[0], A.ndim, 'dim[0]'), d1 = normalizeDim(op, dimPair[1], A.ndim, 'dim[1]');
  if (d0 === d1) throw new ArgumentError(`${op}: dim ${fmtValue(dimPair)} names dim ${d0} twice; it needs two different dims`);
  const keepdim = boolOption(op, 'keepdim', o.keepdim, false);
  if (ord === 'nuc' || ord === 2 || ord === -2) checkDevice(op, 'svd', ['A', A]);
  const input = normDtype(op, A, o.dtype);
  const kept = input.shape.map((s, i) => (i === d0 || i === d1 ? 1 : s));
  const finalShape = keepdim ? kept : input.shape.filter((_, i) => i !== d0 && i !== d1);
  if (ord === 'fro') return vectorNorm(input, { ord: 2, dim: [d0, d1], keepdim });
  let out: Tensor;
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    const s = svdvals(movedim(input, [d0, d1], [-2, -1]));
    out = ord === 'nuc' ? sum(s, -1) : ord === 2 ? amax(s, -1) : amin(s, -1);
  } else {
    // 1: max over columns of the column sums (sum over d0); Infinity: max over rows of the row sums.
    const [summed, over] = ord === 1 || ord === -1 ? [d0, d1] : [d1, d0];
    const sums = sum(abs(input), summed, { keepdim: true });
    out = ord > 0 ? amax(sums, over, { keepdim: true }) : amin(sums, over, { keepdim: true });
  }
  return reshape(out, finalShape);
}

// ---- registry (well-conditioned samples: SPD for cholesky and eigh, diagonally dominant for the solvers)

/** Normal values. */
const normal = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });
/** A [..., n, n] well away from singular: normal values plus n on the diagonal. */
const dominant = (shape: number[], dt: SampleDType): Tensor => {
  const x = randn(shape, { dtype: dt });
  const n = shape[shape.length - 1], v = x.values;
  for (let b = 0; b < v.length / (n * n); b++) for (let i = 0; i < n; i++) v[b * n * n + i * n + i] += n;
  return x;
};
/** X Xᵀ + n I: symmetric positive-definite, from any X (differentiable in X). */
const spd = (X: Tensor): Tensor => {
  const n = X.shape[X.ndim - 1];
  return matmul(X, mT(X)).add(eyeLike(n, X).mul(n));
};
/** X + Xᵀ: symmetric (its eigenvalues are distinct for normal X, almost surely). */
const symmetric = (X: Tensor): Tensor => X.add(mT(X));
/** Columns of V (and rows of W) times the sign of V's first row: sign-fixed singular/eigen vectors. */
const signFixed = (V: Tensor): Tensor => withGradDisabled(() => sign(narrow(V, -2, 0, 1)));

registerOp({
  name: 'linalg.cholesky', kernels: ['cholesky', 'triangularSolve'], differentiable: true, run: (X) => cholesky(spd(X)),
  samples: [
    { label: '[4,4]', inputs: (dt) => [normal([4, 4], dt)] },
    { label: 'batch [2,3,3]', inputs: (dt) => [normal([2, 3, 3], dt)] },
  ],
});
registerOp({
  name: 'linalg.cholesky(upper)', kernels: ['cholesky', 'triangularSolve'], differentiable: true, run: (X) => cholesky(spd(X), { upper: true }),
  samples: [{ label: '[3,3]', inputs: (dt) => [normal([3, 3], dt)] }],
});
registerOp({
  name: 'linalg.solveTriangular', kernels: ['triangularSolve'], differentiable: true,
  run: (A, B) => solveTriangular(A, B, { upper: false }),
  samples: [
    { label: 'lower [4,4] \\ [4,2]', inputs: (dt) => [dominant([4, 4], dt), normal([4, 2], dt)] },
    { label: 'broadcast [2,3,3] \\ [3,1]', inputs: (dt) => [dominant([2, 3, 3], dt), normal([3, 1], dt)] },
  ],
});
registerOp({
  name: 'linalg.solveTriangular(upper, right, unit)', kernels: ['triangularSolve'], differentiable: true,
  run: (A, B) => solveTriangular(A, B, { upper: true, left: false, unitriangular: true }),
  samples: [{ label: '[2,3] / upper [3,3]', inputs: (dt) => [normal([3, 3], dt), normal([2, 3], dt)] }],
});
registerOp({
  name: 'linalg.solve', kernels: ['luFactor', 'luSolve'], differentiable: true, run: (A, B) => solve(A, B),
  samples: [
    { label: '[4,4] \\ [4,2]', inputs: (dt) => [dominant([4, 4], dt), normal([4, 2], dt)] },
    { label: 'vector [3]', inputs: (dt) => [dominant([3, 3], dt), normal([3], dt)] },
    { label: 'broadcast [2,3,3] \\ [3,2]', inputs: (dt) => [dominant([2, 3, 3], dt), normal([3, 2], dt)] },
  ],
});
registerOp({
  name: 'linalg.solve(right)', kernels: ['luFactor', 'luSolve'], differentiable: true, run: (A, B) => solve(A, B, { left: false }),
  samples: [{ label: '[2,3] / [3,3]', inputs: (dt) => [dominant([3, 3], dt), normal([2, 3], dt)] }],
});
registerOp({
  name: 'linalg.inv', kernels: ['luFactor', 'luSolve'], differentiable: true, run: (A) => inv(A),
  samples: [{ label: '[4,4]', inputs: (dt) => [dominant([4, 4], dt)] }, { label: 'batch [2,3,3]', inputs: (dt) => [dominant([2, 3, 3], dt)] }],
});
registerOp({
  name: 'linalg.det', kernels: ['luFactor', 'luSolve'], differentiable: true, run: (A) => det(A),
  samples: [{ label: '[4,4]', inputs: (dt) => [normal([4, 4], dt)] }, { label: 'batch [2,3,3]', inputs: (dt) => [normal([2, 3, 3], dt)] }],
});
registerOp({
  name: 'linalg.det(singular)', kernels: ['luFactor', 'svd'], differentiable: true, run: (X) => det(cat([X, narrow(X, -2, 0, 1)], -2)),
  samples: [{ label: '[3,3] with rows 0 and 2 equal', inputs: (dt) => [normal([2, 3], dt)] }],
});
registerOp({
  name: 'linalg.slogdet', kernels: ['luFactor', 'luSolve'], differentiable: true,
  run: (A) => { const r = slogdet(A); return [r.sign, r.logabsdet]; },
  samples: [{ label: '[4,4]', inputs: (dt) => [normal([4, 4], dt)] }, { label: 'batch [2,3,3]', inputs: (dt) => [normal([2, 3, 3], dt)] }],
});
registerOp({
  name: 'linalg.qr', kernels: ['qr', 'triangularSolve'], differentiable: true, run: (A) => { const r = qr(A); return [r.Q, r.R]; },
  samples: [
    { label: 'tall [5,3]', inputs: (dt) => [normal([5, 3], dt)] },
    { label: 'wide batch [2,2,4]', inputs: (dt) => [normal([2, 2, 4], dt)] },
  ],
});
registerOp({
  name: 'linalg.qr(complete, r)', kernels: ['qr'], differentiable: false,
  run: (A) => { const c = qr(A, { mode: 'complete' }); return [c.Q, c.R, qr(A, { mode: 'r' }).R]; },
  samples: [{ label: '[5,3]', inputs: (dt) => [normal([5, 3], dt)] }, { label: '[3,5]', inputs: (dt) => [normal([3, 5], dt)] }],
});
registerOp({
  name: 'linalg.eigh', kernels: ['eigh'], differentiable: true,
  run: (X) => { const r = eigh(symmetric(X)); return [r.eigenvalues, mul(r.eigenvectors, signFixed(r.eigenvectors))]; },
  samples: [{ label: '[4,4]', inputs: (dt) => [normal([4, 4], dt)] }, { label: 'batch [2,3,3]', inputs: (dt) => [normal([2, 3, 3], dt)] }],
});
registerOp({
  name: 'linalg.eigvalsh', kernels: ['eigh'], differentiable: true, run: (X) => eigvalsh(symmetric(X), { uplo: 'U' }),
  samples: [{ label: '[5,5]', inputs: (dt) => [normal([5, 5], dt)] }],
});
registerOp({
  name: 'linalg.svd', kernels: ['svd'], differentiable: true,
  run: (A) => {
    const { U, S, Vh } = svd(A, { fullMatrices: false });
    const s = signFixed(U);
    return [mul(U, s), S, mul(Vh, mT(s))];
  },
  samples: [
    { label: 'tall [5,3]', inputs: (dt) => [normal([5, 3], dt)] },
    { label: 'wide [3,5]', inputs: (dt) => [normal([3, 5], dt)] },
    { label: 'batch [2,3,3]', inputs: (dt) => [normal([2, 3, 3], dt)] },
  ],
});
registerOp({
  name: 'linalg.svd(full)', kernels: ['svd'], differentiable: false, run: (A) => { const r = svd(A); return [r.U, r.S, r.Vh]; },
  samples: [{ label: '[5,3]', inputs: (dt) => [normal([5, 3], dt)] }, { label: '[2,4]', inputs: (dt) => [normal([2, 4], dt)] }],
});
registerOp({
  name: 'linalg.svdvals', kernels: ['svd'], differentiable: true, run: (A) => svdvals(A),
  samples: [{ label: '[4,3]', inputs: (dt) => [normal([4, 3], dt)] }, { label: 'batch [2,2,3]', inputs: (dt) => [normal([2, 2, 3], dt)] }],
});
registerOp({
  name: 'linalg.pinv', kernels: ['svd'], differentiable: true, run: (A) => pinv(A),
  samples: [{ label: '[4,3]', inputs: (dt) => [normal([4, 3], dt)] }],
});
registerOp({
  name: 'linalg.pinv(hermitian)', kernels: ['eigh'], differentiable: true, run: (X) => pinv(symmetric(X), { hermitian: true }),
  samples: [{ label: '[3,3]', inputs: (dt) => [normal([3, 3], dt)] }],
});
registerOp({
  name: 'linalg.matrixNorm(nuc)', kernels: ['svd'], differentiable: true, run: (A) => matrixNorm(A, { ord: 'nuc' }),
  samples: [{ label: '[3,4]', inputs: (dt) => [normal([3, 4], dt)] }],
});
registerOp({
  name: 'linalg.vectorNorm', kernels: ['reduce'], differentiable: true, run: (x) => vectorNorm(x, { ord: 3, dim: 1 }),
  samples: [{ label: '[3,4] dim 1', inputs: (dt) => [normal([3, 4], dt)] }],
});

export { matrixExp, lstsq, type LstsqOptions, type LstsqResult } from './linalg-composite';
