/**
 * @internal The gradient rules of src/ops/linalg.ts, PyTorch's formulas (torch/csrc/autograd/
 * FunctionsManual.cpp), written with ops, the linalg ones included, so that they differentiate again.
 * A decomposition with several outputs records one tape node per output: each rule below is linear
 * in the output gradients, so the engine's sum of the per-output gradients is the joint gradient,
 * and a rule never meets an output whose gradient is undefined as zeros (svdvals at repeated
 * singular values stays finite, as in PyTorch).
 */
import { withGradDisabled } from '../tensor/graph';
import type { Tensor } from '../tensor/tensor';
import { add, div, mul, sub } from './binary';
import { eye, onesLike, zerosLike } from './creation';
import { det, solve, solveTriangular, svd } from './linalg';
import { matmul } from './matmul';
import { flip, tril, triu } from './rearrange';
import { cumprod } from './scan';
import { cat, narrow, transpose, unsqueeze } from './shape';
import { neg } from './unary';

/** @internal The matrix transpose of the last two dims. */
export const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

/** @internal n x n identity in x's dtype and device. */
export function eyeLike(n: number, x: Tensor): Tensor {
  return eye(n, n, { dtype: x.dtype, device: x.device });
}

/** @internal [..., n] -> [..., n, n] with v on the diagonal (PyTorch's diag_embed), differentiable. */
export function diagEmbed(v: Tensor): Tensor {
  const n = v.shape[v.ndim - 1];
  return mul(unsqueeze(v, -1), eyeLike(n, v));
}

/**
 * Cholesky (Murray 2016, PyTorch's cholesky_backward), L lower with A = L Lᵀ:
 *   Φ = tril(Lᵀ gL),  gA = L⁻ᵀ · ½(Φ + tril(Φ, -1)ᵀ) · L⁻¹     (symmetric)
 * With upper, U = Lᵀ and gU = gLᵀ.
 */
export function choleskyBackward(g: Tensor, factor: Tensor, upper: boolean): Tensor {
  const L = upper ? mT(factor) : factor;
  const gL = upper ? mT(g) : g;
  const phi = tril(matmul(mT(L), gL));
  const sym = mul(add(phi, mT(tril(phi, -1))), 0.5);
  const left = solveTriangular(mT(L), sym, { upper: true });
  return solveTriangular(L, left, { upper: false, left: false });
}

/**
 * Triangular solve X = A⁻¹ B (left) or B A⁻¹:
 *   gB = solveTriangular(Aᵀ, gX) (the other triangle, same side),
 *   gA = -gB Xᵀ (left) or -Xᵀ gB, kept on A's triangle (off the diagonal when unitriangular).
 * Both at the broadcast batch shape; the caller sums them to A's and B's shapes.
 */
export function solveTriangularBackward(g: Tensor, A: Tensor, X: Tensor, upper: boolean, left: boolean, unitriangular: boolean,
  needA: boolean, needB: boolean): [Tensor | null, Tensor | null] {
  if (!needA && !needB) return [null, null];
  const gB = solveTriangular(mT(A), g, { upper: !upper, left, unitriangular });
  let gA: Tensor | null = null;
  if (needA) {
    const full = neg(left ? matmul(gB, mT(X)) : matmul(mT(X), gB));
    gA = upper ? triu(full, unitriangular ? 1 : 0) : tril(full, unitriangular ? -1 : 0);
  }
  return [gA, needB ? gB : null];
}

/** Solve X = A⁻¹ B (left) or B A⁻¹: gB = solve(Aᵀ, gX) (same side), gA = -gB Xᵀ (left) or -Xᵀ gB. */
export function solveBackward(g: Tensor, A: Tensor, X: Tensor, left: boolean, needA: boolean, needB: boolean): [Tensor | null, Tensor | null] {
  if (!needA && !needB) return [null, null];
  const gB = solve(mT(A), g, { left });
  const gA = needA ? neg(left ? matmul(gB, mT(X)) : matmul(mT(X), gB)) : null;
  return [gA, needB ? gB : null];
}

/** Inverse: gA = -A⁻ᵀ g A⁻ᵀ, from the saved output A⁻¹. */
export function invBackward(g: Tensor, Ainv: Tensor): Tensor {
  const t = mT(Ainv);
  return neg(matmul(matmul(t, g), t));
}

/**
 * Determinant: gA = g det A⁻ᵀ (the cofactor matrix times g), solve(Aᵀ, g det I) when every matrix
 * of the batch is invertible. With a singular one, PyTorch's SVD form, valid everywhere:
 *   A = U diag(s) Vh,  cof(A) = det(U) det(Vh) U diag(∏_{j≠i} s_j) Vh.
 */
export function detBackward(g: Tensor, A: Tensor, detA: Tensor, singular: boolean): Tensor {
  const n = A.shape[A.ndim - 1];
  const scale = unsqueeze(unsqueeze(mul(g, detA), -1), -1);
  if (!singular) return solve(mT(A), mul(scale, eyeLike(n, A)));
  const { U, S, Vh } = svd(A, { fullMatrices: false });
  // det(U) det(Vh) = ±1: constant where A is smooth, so taken without a graph.
  const signs = withGradDisabled(() => mul(det(U), det(Vh)));
  const alpha = unsqueeze(mul(g, signs), -1);
  const others = productOfOthers(S);
  return matmul(mul(U, unsqueeze(mul(alpha, others), -2)), Vh);
}

/** ∏_{j≠i} s_j along the last dim, without dividing (exact where s has zeros): exclusive prefix × suffix products. */
function productOfOthers(s: Tensor): Tensor {
  const k = s.shape[s.ndim - 1];
  if (k <= 1) return onesLike(s);
  const ones = onesLike(narrow(s, -1, 0, 1));
  const prefix = cat([ones, cumprod(narrow(s, -1, 0, k - 1), -1)], -1);
  const reversed = flip(s, -1);
  const suffix = flip(cat([ones, cumprod(narrow(reversed, -1, 0, k - 1), -1)], -1), -1);
  return mul(prefix, suffix);
}

/** log|det|: gA = g A⁻ᵀ = solve(Aᵀ, g I). */
export function logabsdetBackward(g: Tensor, A: Tensor): Tensor {
  const n = A.shape[A.ndim - 1];
  return solve(mT(A), mul(unsqueeze(unsqueeze(g, -1), -1), eyeLike(n, A)));
}

/**
 * QR, reduced (or complete with m <= n), m >= n (PyTorch's linalg_qr_backward):
 *   M = gR Rᵀ - Qᵀ gQ,  gA = (gQ + Q (triu(M) + triu(M, 1)ᵀ)) R⁻ᵀ
 * For m < n, A = [X | Y] with X = Q U square and Y = Q V: gY = Q gV, and X takes the square rule
 * with gQ + Y gVᵀ and gU.
 */
export function qrBackward(gQ: Tensor | null, gR: Tensor | null, A: Tensor, Q: Tensor, R: Tensor): Tensor {
  const m = Q.shape[Q.ndim - 2], n = R.shape[R.ndim - 1];
  if (m >= n) return qrTallBackward(gQ, gR, Q, R);
  const Y = narrow(A, -1, m, n - m);
  const U = narrow(R, -1, 0, m);
  if (!gR) return cat([qrTallBackward(gQ, null, Q, U), zerosLike(Y)], -1);
  const gU = narrow(gR, -1, 0, m), gV = narrow(gR, -1, m, n - m);
  const yg = matmul(Y, mT(gV));
  const gX = qrTallBackward(gQ ? add(gQ, yg) : yg, gU, Q, U);
  return cat([gX, matmul(Q, gV)], -1);
}

function qrTallBackward(gQ: Tensor | null, gR: Tensor | null, Q: Tensor, R: Tensor): Tensor {
  let M: Tensor | null = gR ? matmul(gR, mT(R)) : null;
  if (gQ) {
    const qg = matmul(mT(Q), gQ);
    M = M ? sub(M, qg) : neg(qg);
  }
  const sym = add(triu(M!), mT(triu(M!, 1)));
  let gA = matmul(Q, sym);
  if (gQ) gA = add(gA, gQ);
  return solveTriangular(mT(R), gA, { upper: false, left: false });
}

/** Eigenvalues of a symmetric A = V diag(λ) Vᵀ: gA = V diag(gλ) Vᵀ. */
export function eigenvaluesBackward(gL: Tensor, V: Tensor): Tensor {
  return matmul(mul(V, unsqueeze(gL, -2)), mT(V));
}

/**
 * Eigenvectors (PyTorch's linalg_eig_backward, Hermitian case): with E_ij = λ_j - λ_i (1 on the
 * diagonal), gA = V (½(Vᵀ gV - gVᵀ V) / E) Vᵀ. Invariant to each eigenvector's sign (the gauge).
 */
export function eigenvectorsBackward(gV: Tensor, L: Tensor, V: Tensor): Tensor {
  const n = L.shape[L.ndim - 1];
  const vg = matmul(mT(V), gV);
  const skew = mul(sub(vg, mT(vg)), 0.5);
  const E = add(sub(unsqueeze(L, -2), unsqueeze(L, -1)), eyeLike(n, L));
  return matmul(matmul(V, div(skew, E)), mT(V));
}

/**
 * SVD (PyTorch's svd_backward) with U [m, k], S [k], Vh [k, n] (the full factors narrowed to k):
 *   gS alone: gA = U diag(gS) Vh.
 *   Otherwise, E_jk = s_k² - s_j² (1 on the diagonal), skew(X) = X - Xᵀ:
 *   G = (skew(Uᵀ gU) S + S skew(Vh gVhᵀ)) / E + diag(gS), then
 *   m > n and gU: gA = (U G + (I - U Uᵀ) gU S⁻¹) Vh;  m < n and gVh: gA = U (G Vh + S⁻¹ gVh (I - Vhᵀ Vh));
 *   else gA = U G Vh.
 */
export function svdBackward(gU: Tensor | null, gS: Tensor | null, gVh: Tensor | null, U: Tensor, S: Tensor, Vh: Tensor): Tensor {
  const m = U.shape[U.ndim - 2], n = Vh.shape[Vh.ndim - 1], k = S.shape[S.ndim - 1];
  const sRow = unsqueeze(S, -2), sCol = unsqueeze(S, -1);
  if (!gU && !gVh) return m >= n ? matmul(U, mul(unsqueeze(gS!, -1), Vh)) : matmul(mul(U, unsqueeze(gS!, -2)), Vh);
  const skew = (x: Tensor): Tensor => sub(x, mT(x));
  const s2 = mul(S, S);
  const E = add(sub(unsqueeze(s2, -2), unsqueeze(s2, -1)), eyeLike(k, S));
  let G: Tensor;
  if (gU && gVh) G = div(add(mul(skew(matmul(mT(U), gU)), sRow), mul(sCol, skew(matmul(Vh, mT(gVh))))), E);
  else if (gU) G = mul(div(skew(matmul(mT(U), gU)), E), sRow);
  else G = mul(sCol, div(skew(matmul(Vh, mT(gVh!))), E));
  if (gS) G = add(G, diagEmbed(gS));
  if (m > n && gU) {
    const gUSinv = div(gU, sRow);
    const inner = sub(add(matmul(U, G), gUSinv), matmul(U, matmul(mT(U), gUSinv)));
    return matmul(inner, Vh);
  }
  if (m < n && gVh) {
    const sinvgVh = div(gVh, sCol);
    const inner = sub(add(matmul(G, Vh), sinvgVh), matmul(matmul(sinvgVh, mT(Vh)), Vh));
    return matmul(U, inner);
  }
  return matmul(matmul(U, G), Vh);
}
