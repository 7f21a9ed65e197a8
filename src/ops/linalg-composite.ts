/**
 * linalg functions written as composites of other linalg ops and matmul, so that autograd gives
 * their gradients (and second derivatives) with no kernel of their own:
 *
 * - matrixExp: scaling and squaring with the degree-13 Padé approximant (Higham 2005), the scaling
 *   chosen on the host from each matrix's 1-norm (no gradient through that choice).
 * - lstsq: least squares for full-rank tall or square A through the reduced QR decomposition
 *   (PyTorch's 'gels' driver).
 */
import { ArgumentError, ShapeError, fmtArg, fmtValue } from '../errors';
import { withGradDisabled } from '../tensor/graph';
import type { Tensor } from '../tensor/tensor';
import { add, mul, sub } from './binary';
import { tensor } from './creation';
import { qr, solve, solveTriangular } from './linalg';
import { eyeLike, mT } from './linalg-grad';
import { checkDevice, checkMatrix, checkSameDtype, checkSquare, commonBatch, optionsOf } from './linalg-kernels';
import { matmul } from './matmul';
import { reshape, squeeze, unsqueeze } from './shape';
import { assertFloatTensor } from './util';

/** Padé (13, 13) coefficients b0..b13 of exp (Higham 2005, table 2.3 and eq. 2.2). */
const PADE13 = [
  64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
  670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
];
/** θ13: the largest 1-norm for which the degree-13 Padé approximant is accurate to double precision. */
const THETA13 = 5.371920351148152;

/** The number of squarings s per matrix of a [B, n, n] batch: ‖A‖₁ / 2^s <= θ13 (computed on the host). */
function squaringCounts(A: Tensor): number[] {
  const norms = withGradDisabled(() => A.abs().sum(-2).amax(-1));
  return Array.from(norms.values as ArrayLike<number>, (v) => (Number.isFinite(v) && v > THETA13 ? Math.max(0, Math.ceil(Math.log2(v / THETA13))) : 0));
}

/**
 * The matrix exponential exp(A) = Σ Aᵏ / k! of square matrices [..., n, n], float32 or float64
 * (PyTorch's `torch.linalg.matrix_exp`), by scaling and squaring with the degree-13 Padé approximant
 * (Higham 2005): each matrix is scaled by 2^-s with s from its 1-norm, the approximant is solved
 * with {@link solve}, and the result is squared s times. Differentiable through matmul and solve.
 * @example
 * const A = tensor([[0, 1], [-1, 0]]);
 * linalg.matrixExp(A); // [[cos 1, sin 1], [-sin 1, cos 1]]
 */
export function matrixExp(A: Tensor): Tensor {
  const op = 'linalg.matrixExp';
  const n = checkSquare(op, 'A', A);
  checkDevice(op, 'luSolve', ['A', A]);
  if (A.numel() === 0) return A.clone();
  const batchShape = A.shape.slice(0, -2);
  const B = batchShape.reduce((p, d) => p * d, 1);
  const X = reshape(A, [B, n, n]);
  const s = squaringCounts(X);
  const maxS = Math.max(0, ...s);
  const scale = tensor(s.map((k) => 2 ** -k), { dtype: A.dtype, device: A.device }).reshape([B, 1, 1]);
  const As = maxS > 0 ? mul(X, scale) : X;
  const I = eyeLike(n, A);
  const b = PADE13;
  const A2 = matmul(As, As), A4 = matmul(A2, A2), A6 = matmul(A4, A2);
  const lin = (c6: number, c4: number, c2: number, c0: number): Tensor => add(add(add(A6.mul(c6), A4.mul(c4)), A2.mul(c2)), I.mul(c0));
  const poly = (c6: number, c4: number, c2: number): Tensor => add(add(A6.mul(c6), A4.mul(c4)), A2.mul(c2));
  const U = matmul(As, add(matmul(A6, poly(b[13], b[11], b[9])), lin(b[7], b[5], b[3], b[1])));
  const V = add(matmul(A6, poly(b[12], b[10], b[8])), lin(b[6], b[4], b[2], b[0]));
  let R = solve(sub(V, U), add(V, U));
  for (let k = 0; k < maxS; k++) {
    const sq = matmul(R, R);
    if (s.every((sk) => sk > k)) {
      R = sq;
    } else {
      // Square only the matrices that still need it.
      const m = tensor(s.map((sk) => (sk > k ? 1 : 0)), { dtype: A.dtype, device: A.device }).reshape([B, 1, 1]);
      R = add(R, mul(sub(sq, R), m));
    }
  }
  return reshape(R, A.shape);
}

/** Options of {@link lstsq}. @example `linalg.lstsq(A, B, { rcond: null })` */
export interface LstsqOptions {
  /** Accepted for PyTorch compatibility; the 'gels' driver (QR) does not use it, as in PyTorch. */
  rcond?: number | null;
  /** Only 'gels' (the default here) is implemented. */
  driver?: 'gels';
}

/** What {@link lstsq} returns. @example `const { solution } = linalg.lstsq(A, B)` */
export interface LstsqResult {
  /** X [..., n, k] minimising ‖A X − B‖ (Frobenius) per batch element. */
  solution: Tensor;
}

/**
 * The least-squares solution X of A X ≈ B for full-rank A [..., m, n] with m >= n and
 * B [..., m, k] (or [..., m]: one right-hand side, as PyTorch), batch dims broadcast (PyTorch's `torch.linalg.lstsq` with the 'gels' driver):
 * A = Q R (reduced QR), X = R⁻¹ Qᵀ B by {@link solveTriangular}. Differentiable through qr and the
 * triangular solve. Wide A (m < n) needs a minimum-norm solver (PyTorch's 'gelsd'/'gelsy'), which
 * is not implemented and is refused. There is no rank check: a rank-deficient A gives Inf, NaN or
 * meaningless large values, as 'gels' does.
 * @example
 * const A = tensor([[1, 0], [1, 1], [1, 2]]), B = tensor([[1], [2], [4]]);
 * linalg.lstsq(A, B).solution; // [[0.8333], [1.5]]: the line fitting the three points
 */
export function lstsq(A: Tensor, B: Tensor, opts?: LstsqOptions): LstsqResult {
  const op = 'linalg.lstsq';
  checkMatrix(op, 'A', A);
  assertFloatTensor(op, 'B', B);
  checkDevice(op, 'qr', ['A', A], ['B', B]);
  checkSameDtype(op, ['A', A], ['B', B]);
  const o = optionsOf(op, opts);
  if (o.rcond !== undefined && o.rcond !== null && (typeof o.rcond !== 'number' || Number.isNaN(o.rcond))) {
    throw new ArgumentError(`${op}: rcond must be a number or null, got ${fmtArg(o.rcond)}`);
  }
  if (o.driver !== undefined && o.driver !== 'gels') {
    throw new ArgumentError(`${op}: driver ${fmtValue(o.driver)} is not implemented; only 'gels' (QR, for full-rank A with m >= n) is`);
  }
  if (B.ndim > A.ndim || A.ndim - B.ndim > 1) {
    throw new ShapeError(`${op}: A is ${A.describe()} and B is ${B.describe()}: B needs as many dims as A ([..., m, k]) or one fewer ([..., m], one right-hand side)`);
  }
  const vector = B.ndim === A.ndim - 1;
  const Bm = vector ? unsqueeze(B, -1) : B;
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  if (Bm.shape[Bm.ndim - 2] !== m) {
    throw new ShapeError(`${op}: A is ${A.describe()} and B is ${B.describe()}: B needs ${m} rows (A's m), got ${Bm.shape[Bm.ndim - 2]}`);
  }
  if (m < n) {
    throw new ShapeError(`${op}: A is ${A.describe()} with m = ${m} < n = ${n}: an underdetermined system needs a minimum-norm solver `
      + `(PyTorch's 'gelsd'/'gelsy'), which is not implemented; only the 'gels' driver (full-rank A with m >= n) is`);
  }
  commonBatch(op, ['A', A], ['B', Bm]);
  const { Q, R } = qr(A);
  const X = solveTriangular(R, matmul(mT(Q), Bm), { upper: true });
  return { solution: vector ? squeeze(X, -1) : X };
}
