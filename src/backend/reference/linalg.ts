/**
 * Reference linear-algebra kernels: the definition of correct for the decompositions behind
 * src/ops/linalg.ts. Each kernel works on `batch` row-major matrices laid end to end, computes in
 * float64 whatever the storage type (a float32 input is rounded once, on the way out), and writes
 * outputs the caller allocated. native/kernels/linalg.cc runs the same algorithms, loop for loop.
 *
 *  - cholesky: Cholesky–Banachiewicz, row by row (LAPACK potf2's result and failure rule).
 *  - triangularSolve: forward/back substitution, either side (trsm).
 *  - luFactor / luSolve: Gaussian elimination with partial pivoting, LAPACK's getrf/getrs conventions.
 *  - qr: Householder reflections with LAPACK's dlarfg sign rule (geqr2 + org2r), so R's diagonal
 *    signs match LAPACK's.
 *  - eigh: Householder tridiagonalisation and the implicit QL algorithm (EISPACK tred2/tql2).
 *  - svd: Golub–Kahan–Reinsch: bidiagonalisation and implicit-shift QR (LINPACK dsvdc).
 *
 * Matrices that the algorithms walk by column are kept transposed in the workspaces, so that every
 * O(n^3) inner loop reads contiguous memory (the native port depends on that for speed).
 */
import type { FloatArray } from '../../tensor/dtype';

const EPS = 2 ** -52;
const TINY = 2 ** -966;

/** Iterations eigh's and svd's QR sweeps may take per eigen/singular value before they give up (LAPACK allows 30). */
const MAX_SWEEPS_PER_VALUE = 75;

/** sqrt(a² + b²) without overflow or destructive underflow. */
function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  const big = Math.max(x, y), small = Math.min(x, y);
  if (big === 0 || !Number.isFinite(big)) return big + small;
  const r = small / big;
  return big * Math.sqrt(1 + r * r);
}

/**
 * Cholesky factors: out = L with A = L Lᵀ reading A's lower triangle, or (upper) U with A = Uᵀ U
 * reading its upper triangle; the other triangle of out is 0. info[b] = 0, or k >= 1 when the
 * leading minor of order k of matrix b is not positive-definite (LAPACK's info; out is then
 * unspecified for that matrix).
 *   L_jj = sqrt(A_jj - Σ_{k<j} L_jk²),   L_ij = (A_ij - Σ_{k<j} L_ik L_jk) / L_jj   (i > j)
 */
export function cholesky(a: FloatArray, out: FloatArray, info: Int32Array, batch: number, n: number, upper: boolean): void {
  const L = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    L.fill(0);
    info[b] = 0;
    // Row i of L needs rows 0..i-1: Banachiewicz order, dot products of contiguous rows.
    rows: for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = upper ? a[base + j * n + i] : a[base + i * n + j];
        for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
        if (i === j) {
          if (!(s > 0)) { info[b] = i + 1; break rows; }  // NaN fails too, as in LAPACK
          L[i * n + i] = Math.sqrt(s);
        } else {
          L[i * n + j] = s / L[j * n + j];
        }
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) out[base + i * n + j] = upper ? L[j * n + i] : L[i * n + j];
    }
  }
}

/**
 * Triangular solves, per batch entry, with A [n, n] (only its `upper` or lower triangle is read;
 * unitriangular takes its diagonal as 1):
 *   left:  A X = B, B and X [n, k]
 *   right: X A = B, B and X [k, n]
 * A zero on the diagonal gives Inf/NaN, as LAPACK's trsm (no check).
 */
export function triangularSolve(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, n: number, k: number,
  upper: boolean, left: boolean, unitriangular: boolean): void {
  const x = new Float64Array(n * k);
  for (let p = 0; p < batch; p++) {
    const aBase = p * n * n, bBase = p * n * k;
    for (let i = 0; i < n * k; i++) x[i] = b[bBase + i];
    const A = (i: number, j: number): number => a[aBase + i * n + j];
    if (left) {
      // Rows of X in dependency order: x_i = (b_i - Σ_j A_ij x_j) / A_ii over solved rows j.
      for (let step = 0; step < n; step++) {
        const i = upper ? n - 1 - step : step;
        const lo = upper ? i + 1 : 0, hi = upper ? n : i;
        for (let j = lo; j < hi; j++) {
          const aij = A(i, j);
          if (aij !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= aij * x[j * k + c];
        }
        if (!unitriangular) {
          const d = A(i, i);
          for (let c = 0; c < k; c++) x[i * k + c] /= d;
        }
      }
    } else {
      // Each row r of X solves x A = b: once x_j is known, its share x_j A_jc leaves every b_c that
      // column c of A still needs (c > j for upper A, c < j for lower).
      for (let r = 0; r < k; r++) {
        const row = r * n;
        for (let step = 0; step < n; step++) {
          const j = upper ? step : n - 1 - step;
          const xj = unitriangular ? x[row + j] : x[row + j] / A(j, j);
          x[row + j] = xj;
          if (xj === 0) continue;
          const lo = upper ? j + 1 : 0, hi = upper ? n : j;
          for (let c = lo; c < hi; c++) x[row + c] -= xj * A(j, c);
        }
      }
    }
    for (let i = 0; i < n * k; i++) out[bBase + i] = x[i];
  }
}

/**
 * LU factorisation with partial pivoting, P A = L U, LAPACK's getrf layout: lu holds U on and above
 * the diagonal and L's multipliers (unit diagonal implied) below; pivots[b*n + i] = the row swapped
 * with row i at step i (0-based). info[b] = 0, or k >= 1 where U_kk (1-based) is exactly 0: the
 * matrix is singular (the factorisation still completes, as getrf's does).
 */
export function luFactor(a: FloatArray, lu: FloatArray, pivots: Int32Array, info: Int32Array, batch: number, n: number): void {
  const w = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    for (let i = 0; i < n * n; i++) w[i] = a[base + i];
    info[b] = 0;
    for (let k = 0; k < n; k++) {
      let p = k, best = Math.abs(w[k * n + k]);
      for (let i = k + 1; i < n; i++) {
        const v = Math.abs(w[i * n + k]);
        if (v > best) { best = v; p = i; }
      }
      pivots[b * n + k] = p;
      if (w[p * n + k] === 0) {
        if (info[b] === 0) info[b] = k + 1;
        continue;
      }
      if (p !== k) {
        for (let j = 0; j < n; j++) { const t = w[k * n + j]; w[k * n + j] = w[p * n + j]; w[p * n + j] = t; }
      }
      const inv = 1 / w[k * n + k];
      for (let i = k + 1; i < n; i++) {
        const l = (w[i * n + k] *= inv);
        if (l !== 0) for (let j = k + 1; j < n; j++) w[i * n + j] -= l * w[k * n + j];
      }
    }
    for (let i = 0; i < n * n; i++) lu[base + i] = w[i];
  }
}

/**
 * X = A⁻¹ B from luFactor's lu and pivots, B and X [n, k] per batch entry: the row swaps applied to
 * B, then L Y = P B (unit lower) and U X = Y.
 */
export function luSolve(lu: FloatArray, pivots: Int32Array, b: FloatArray, out: FloatArray, batch: number, n: number, k: number): void {
  const x = new Float64Array(n * k);
  for (let p = 0; p < batch; p++) {
    const aBase = p * n * n, bBase = p * n * k;
    for (let i = 0; i < n * k; i++) x[i] = b[bBase + i];
    for (let i = 0; i < n; i++) {
      const r = pivots[p * n + i];
      if (r !== i) for (let c = 0; c < k; c++) { const t = x[i * k + c]; x[i * k + c] = x[r * k + c]; x[r * k + c] = t; }
    }
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const l = lu[aBase + i * n + j];
        if (l !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= l * x[j * k + c];
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 1; j < n; j++) {
        const u = lu[aBase + i * n + j];
        if (u !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= u * x[j * k + c];
      }
      const d = lu[aBase + i * n + i];
      for (let c = 0; c < k; c++) x[i * k + c] /= d;
    }
    for (let i = 0; i < n * k; i++) out[bBase + i] = x[i];
  }
}

/** ||v[from..to)|| with scaling, so that huge or tiny entries neither overflow nor underflow. */
function norm2(v: Float64Array, from: number, to: number): number {
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(v[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = from; i < to; i++) { const t = v[i] / scale; s += t * t; }
  return scale * Math.sqrt(s);
}

/**
 * QR by Householder reflections H_j = I - tau_j v_j v_jᵀ (v_j[j] = 1), LAPACK's dlarfg rule:
 * beta = -sign(alpha) ||x||, so R_jj = beta; a column already zero below the diagonal gets tau = 0.
 * r [kr, n] with kr = complete ? m : min(m, n); q (null for mode 'r') [m, kq] with the same kq:
 * Q = H_0 ⋯ H_{k-1} applied to the first kq columns of I.
 * The workspace holds Aᵀ (row j = column j of A) so that each reflection reads contiguous columns.
 */
export function qr(a: FloatArray, q: FloatArray | null, r: FloatArray, batch: number, m: number, n: number, complete: boolean): void {
  const k = Math.min(m, n), kq = complete ? m : k;
  const at = new Float64Array(n * m), tau = new Float64Array(k), qt = new Float64Array(kq * m);
  for (let b = 0; b < batch; b++) {
    const aBase = b * m * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[aBase + i * n + j];
    for (let j = 0; j < k; j++) {
      const col = j * m;
      const alpha = at[col + j];
      const xnorm = norm2(at, col + j + 1, col + m);
      if (xnorm === 0) { tau[j] = 0; continue; }
      const beta = -Math.sign(alpha || 1) * hypot(alpha, xnorm);
      tau[j] = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = j + 1; i < m; i++) at[col + i] *= scale;
      at[col + j] = beta;
      // Columns c > j: c -= tau (v · c) v, with v = (1, at[col+j+1..]).
      for (let c = j + 1; c < n; c++) {
        const cc = c * m;
        let s = at[cc + j];
        for (let i = j + 1; i < m; i++) s += at[col + i] * at[cc + i];
        s *= tau[j];
        at[cc + j] -= s;
        for (let i = j + 1; i < m; i++) at[cc + i] -= s * at[col + i];
      }
    }
    const kr = complete ? m : k;
    const rBase = b * kr * n;
    for (let i = 0; i < kr; i++) for (let c = 0; c < n; c++) r[rBase + i * n + c] = c >= i && i < k ? at[c * m + i] : 0;
    if (!q) continue;
    // Q's columns (rows of qt), reflections applied last to first; H_j leaves columns < j alone.
    qt.fill(0);
    for (let c = 0; c < kq; c++) qt[c * m + c] = 1;
    for (let j = k - 1; j >= 0; j--) {
      if (tau[j] === 0) continue;
      const col = j * m;
      for (let c = j; c < kq; c++) {
        const cc = c * m;
        let s = qt[cc + j];
        for (let i = j + 1; i < m; i++) s += at[col + i] * qt[cc + i];
        s *= tau[j];
        qt[cc + j] -= s;
        for (let i = j + 1; i < m; i++) qt[cc + i] -= s * at[col + i];
      }
    }
    const qBase = b * m * kq;
    for (let i = 0; i < m; i++) for (let c = 0; c < kq; c++) q[qBase + i * kq + c] = qt[c * m + i];
  }
}

/** Whether every element of a's matrix b is finite. */
function finiteMatrix(a: FloatArray, base: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (!Number.isFinite(a[base + i])) return false;
  return true;
}

/**
 * Symmetric eigendecomposition A = V diag(w) Vᵀ reading A's lower (or upper) triangle: values [n]
 * ascending, vectors (null for values only) [n, n] with eigenvector j in column j. info[b] = 0, or 1
 * when matrix b holds a non-finite value, or 2 when the QL iteration did not converge (outputs
 * unspecified then).
 */
export function eigh(a: FloatArray, values: FloatArray, vectors: FloatArray | null, info: Int32Array, batch: number, n: number,
  upper: boolean): void {
  const t = new Float64Array(n * n), d = new Float64Array(n), e = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    info[b] = 0;
    if (n === 0) continue;
    if (!finiteMatrix(a, base, n * n)) { info[b] = 1; continue; }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = upper ? a[base + j * n + i] : a[base + i * n + j];
        t[i * n + j] = v;
        t[j * n + i] = v;
      }
    }
    const wantVectors = vectors !== null;
    tridiagonalize(t, d, e, n, wantVectors);
    if (!tridiagonalQL(t, d, e, n, wantVectors)) { info[b] = 2; continue; }
    for (let i = 0; i < n; i++) values[b * n + i] = d[i];
    if (vectors) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[base + i * n + j] = t[j * n + i];
  }
}

/**
 * EISPACK tred2 (via JAMA) on t = Vᵀ: reduces the symmetric matrix to tridiagonal form, diagonal d
 * and subdiagonal e[1..n-1]; with wantVectors t ends as Qᵀ (row j = column j of the orthogonal
 * transformation). Every V[r][c] of the textbook code is t[c*n + r] here.
 */
function tridiagonalize(t: Float64Array, d: Float64Array, e: Float64Array, n: number, wantVectors: boolean): void {
  const V = (r: number, c: number): number => c * n + r;
  for (let j = 0; j < n; j++) d[j] = t[V(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = t[V(i - 1, j)];
        t[V(i, j)] = 0;
        t[V(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        t[V(j, i)] = f;
        const col = j * n;  // V[k][j] for k = j..i-1 is t[col + k]: contiguous
        g = e[j] + t[col + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += t[col + k] * d[k];
          e[k] += t[col + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const col = j * n;
        for (let k = j; k <= i - 1; k++) t[col + k] -= f * e[k] + g * d[k];
        d[j] = t[V(i - 1, j)];
        t[V(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  if (wantVectors) {
    // Accumulate the transformations.
    for (let i = 0; i < n - 1; i++) {
      t[V(n - 1, i)] = t[V(i, i)];
      t[V(i, i)] = 1;
      const h = d[i + 1];
      const next = (i + 1) * n;  // V[k][i+1], k <= i
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = t[next + k] / h;
        for (let j = 0; j <= i; j++) {
          const col = j * n;
          let g = 0;
          for (let k = 0; k <= i; k++) g += t[next + k] * t[col + k];
          for (let k = 0; k <= i; k++) t[col + k] -= g * d[k];
        }
      }
      for (let k = 0; k <= i; k++) t[next + k] = 0;
    }
    for (let j = 0; j < n; j++) { d[j] = t[V(n - 1, j)]; t[V(n - 1, j)] = 0; }
    t[V(n - 1, n - 1)] = 1;
  } else {
    // d[i] holds tred2's scratch h here; the tridiagonal's diagonal sits on t's diagonal (which the
    // accumulation above moves into d on its way).
    for (let j = 0; j < n; j++) d[j] = t[V(j, j)];
  }
  e[0] = 0;
}

/**
 * EISPACK tql2 (via JAMA): the implicit QL algorithm on the tridiagonal (d, e); d ends as the
 * ascending eigenvalues and, with wantVectors, row j of t as eigenvector j. False when some
 * eigenvalue takes more than MAX_SWEEPS_PER_VALUE sweeps.
 */
function tridiagonalQL(t: Float64Array, d: Float64Array, e: Float64Array, n: number, wantVectors: boolean): boolean {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  let f = 0, tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > EPS * tst1) m++;
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_SWEEPS_PER_VALUE) return false;
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (wantVectors) {
            // Rotate eigenvector rows i and i+1 (V's columns).
            const ri = i * n, rj = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const x = t[rj + k], y = t[ri + k];
              t[rj + k] = s * y + c * x;
              t[ri + k] = c * y - s * x;
            }
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Selection sort, ascending (stable for ties: the first smallest wins).
  for (let i = 0; i < n - 1; i++) {
    let k = i, p = d[i];
    for (let j = i + 1; j < n; j++) if (d[j] < p) { k = j; p = d[j]; }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      if (wantVectors) for (let c = 0; c < n; c++) { const x = t[i * n + c]; t[i * n + c] = t[k * n + c]; t[k * n + c] = x; }
    }
  }
  return true;
}

/**
 * Singular value decomposition A = U diag(s) Vh: s [k] descending (k = min(m, n)); u [m, full ? m : k]
 * and vh [full ? n : k, n], both null for values only. info[b] = 0, or 1 when matrix b holds a
 * non-finite value, or 2 when the QR sweeps did not converge.
 * The decomposition runs on B = A (m >= n) or B = Aᵀ (m < n), so that B is tall: B = U' S V'ᵀ, and
 * for m < n, A = V' S U'ᵀ.
 */
export function svd(a: FloatArray, u: FloatArray | null, s: FloatArray, vh: FloatArray | null, info: Int32Array, batch: number,
  m: number, n: number, full: boolean): void {
  const tall = m >= n;
  const M = tall ? m : n, N = tall ? n : m, k = N;
  const wantVectors = u !== null && vh !== null;
  // Left vectors of B: all M when A's full U (tall) or full Vh (wide) needs them, else N.
  const nu = wantVectors && full ? M : N;
  const ws = svdWorkspace(M, N, nu);
  const uCols = full ? m : k, vhRows = full ? n : k;
  for (let b = 0; b < batch; b++) {
    const base = b * m * n;
    info[b] = 0;
    if (!finiteMatrix(a, base, m * n)) { info[b] = 1; continue; }
    // bt = Bᵀ: row j of bt is column j of B.
    if (tall) { for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ws.bt[j * M + i] = a[base + i * n + j]; }
    else for (let i = 0; i < m * n; i++) ws.bt[i] = a[base + i];
    if (!golubKahan(ws, M, N, nu, wantVectors)) { info[b] = 2; continue; }
    for (let j = 0; j < k; j++) s[b * k + j] = ws.s[j];
    if (!wantVectors) continue;
    const uBase = b * m * uCols, vBase = b * vhRows * n;
    if (tall) {
      // U = ut'ᵀ (first uCols rows of ut), Vh = vt.
      for (let i = 0; i < m; i++) for (let j = 0; j < uCols; j++) u![uBase + i * uCols + j] = ws.ut[j * M + i];
      for (let j = 0; j < vhRows; j++) for (let i = 0; i < n; i++) vh![vBase + j * n + i] = ws.vt[j * N + i];
    } else {
      // A = V' S U'ᵀ: U = vt'ᵀ ([m, m]), Vh = rows of ut' ([vhRows, n]).
      for (let i = 0; i < m; i++) for (let j = 0; j < uCols; j++) u![uBase + i * uCols + j] = ws.vt[j * N + i];
      for (let j = 0; j < vhRows; j++) for (let i = 0; i < n; i++) vh![vBase + j * n + i] = ws.ut[j * M + i];
    }
  }
}

interface SvdWorkspace { bt: Float64Array; ut: Float64Array; vt: Float64Array; s: Float64Array; e: Float64Array; work: Float64Array }

function svdWorkspace(M: number, N: number, nu: number): SvdWorkspace {
  return {
    bt: new Float64Array(N * M), ut: new Float64Array(nu * M), vt: new Float64Array(N * N),
    s: new Float64Array(N + 1), e: new Float64Array(N + 1), work: new Float64Array(M),
  };
}

/**
 * LINPACK dsvdc (via JAMA) on a tall B [M, N] (M >= N) held transposed in ws.bt. Leaves s (N values,
 * descending, >= 0) and, with wantVectors, the left vectors as rows of ut (nu of them: N, or M for
 * the full set) and the right vectors as rows of vt. Every A[i][j], U[i][j], V[i][j] of the
 * textbook code is bt[j*M + i], ut[j*M + i], vt[j*N + i] here. False when the sweeps do not converge.
 */
function golubKahan(ws: SvdWorkspace, M: number, N: number, nu: number, wantVectors: boolean): boolean {
  const { bt, ut, vt, s, e, work } = ws;
  const A = (i: number, j: number): number => j * M + i;
  const wantu = wantVectors, wantv = wantVectors;
  s.fill(0); e.fill(0);
  if (wantu) ut.fill(0);
  if (wantv) vt.fill(0);
  if (N === 0) {
    // No columns: no singular values; the left vectors asked for are the identity's.
    if (wantu) for (let j = 0; j < nu; j++) ut[j * M + j] = 1;
    return true;
  }
  const nct = Math.min(M - 1, N), nrt = Math.max(0, Math.min(N - 2, M));
  for (let k = 0; k < Math.max(nct, nrt); k++) {
    const ck = k * M;  // column k of B
    if (k < nct) {
      // The k-th column's reflection; the k-th diagonal in s[k].
      s[k] = norm2(bt, ck + k, ck + M);
      if (s[k] !== 0) {
        if (bt[ck + k] < 0) s[k] = -s[k];
        for (let i = k; i < M; i++) bt[ck + i] /= s[k];
        bt[ck + k] += 1;
      }
      s[k] = -s[k];
    }
    for (let j = k + 1; j < N; j++) {
      const cj = j * M;
      if (k < nct && s[k] !== 0) {
        let t = 0;
        for (let i = k; i < M; i++) t += bt[ck + i] * bt[cj + i];
        t = -t / bt[ck + k];
        for (let i = k; i < M; i++) bt[cj + i] += t * bt[ck + i];
      }
      e[j] = bt[A(k, j)];
    }
    if (wantu && k < nct) for (let i = k; i < M; i++) ut[k * M + i] = bt[ck + i];
    if (k < nrt) {
      // The k-th row's reflection; the k-th superdiagonal in e[k].
      e[k] = norm2(e, k + 1, N);
      if (e[k] !== 0) {
        if (e[k + 1] < 0) e[k] = -e[k];
        for (let i = k + 1; i < N; i++) e[i] /= e[k];
        e[k + 1] += 1;
      }
      e[k] = -e[k];
      if (k + 1 < M && e[k] !== 0) {
        for (let i = k + 1; i < M; i++) work[i] = 0;
        for (let j = k + 1; j < N; j++) {
          const cj = j * M, ej = e[j];
          for (let i = k + 1; i < M; i++) work[i] += ej * bt[cj + i];
        }
        for (let j = k + 1; j < N; j++) {
          const cj = j * M, t = -e[j] / e[k + 1];
          for (let i = k + 1; i < M; i++) bt[cj + i] += t * work[i];
        }
      }
      if (wantv) for (let i = k + 1; i < N; i++) vt[k * N + i] = e[i];
    }
  }
  // The bidiagonal matrix of order p.
  let p = Math.min(N, M + 1);
  if (nct < N) s[nct] = bt[A(nct, nct)];
  if (M < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = bt[A(nrt, p - 1)];
  e[p - 1] = 0;
  if (wantu) {
    for (let j = nct; j < nu; j++) {
      for (let i = 0; i < M; i++) ut[j * M + i] = 0;
      ut[j * M + j] = 1;
    }
    for (let k = nct - 1; k >= 0; k--) {
      const uk = k * M;
      if (s[k] !== 0) {
        for (let j = k + 1; j < nu; j++) {
          const uj = j * M;
          let t = 0;
          for (let i = k; i < M; i++) t += ut[uk + i] * ut[uj + i];
          t = -t / ut[uk + k];
          for (let i = k; i < M; i++) ut[uj + i] += t * ut[uk + i];
        }
        for (let i = k; i < M; i++) ut[uk + i] = -ut[uk + i];
        ut[uk + k] += 1;
        for (let i = 0; i < k; i++) ut[uk + i] = 0;
      } else {
        for (let i = 0; i < M; i++) ut[uk + i] = 0;
        ut[uk + k] = 1;
      }
    }
  }
  if (wantv) {
    for (let k = N - 1; k >= 0; k--) {
      const vk = k * N;
      if (k < nrt && e[k] !== 0) {
        for (let j = k + 1; j < N; j++) {
          const vj = j * N;
          let t = 0;
          for (let i = k + 1; i < N; i++) t += vt[vk + i] * vt[vj + i];
          t = -t / vt[vk + k + 1];
          for (let i = k + 1; i < N; i++) vt[vj + i] += t * vt[vk + i];
        }
      }
      for (let i = 0; i < N; i++) vt[vk + i] = 0;
      vt[vk + k] = 1;
    }
  }
  // Rotates rows x and y of a transposed factor: (x, y) <- (c x + s y, -s x + c y).
  const rotate = (w: Float64Array, len: number, x: number, y: number, cs: number, sn: number): void => {
    const rx = x * len, ry = y * len;
    for (let i = 0; i < len; i++) {
      const t = cs * w[rx + i] + sn * w[ry + i];
      w[ry + i] = -sn * w[rx + i] + cs * w[ry + i];
      w[rx + i] = t;
    }
  };
  const pp = p - 1;
  let iter = 0;
  const maxIter = MAX_SWEEPS_PER_VALUE * Math.max(1, N);
  while (p > 0) {
    if (iter > maxIter) return false;
    let k: number, kase: number;
    // kase 1: s[p-1] and e[k-1] negligible, k < p; 2: s[k] negligible, k < p;
    // 3: e[k-1] negligible, k < p, s[k..p-1] not (a QR step); 4: e[p-2] negligible (convergence).
    for (k = p - 2; k >= 0; k--) {
      if (Math.abs(e[k]) <= TINY + EPS * (Math.abs(s[k]) + Math.abs(s[k + 1]))) { e[k] = 0; break; }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks > k; ks--) {
        const t = (ks !== p ? Math.abs(e[ks]) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= TINY + EPS * t) { s[ks] = 0; break; }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else { kase = 2; k = ks; }
    }
    k++;
    if (kase === 1) {
      // Deflate negligible s[p-1].
      let f = e[p - 2];
      e[p - 2] = 0;
      for (let j = p - 2; j >= k; j--) {
        const t = hypot(s[j], f), cs = s[j] / t, sn = f / t;
        s[j] = t;
        if (j !== k) { f = -sn * e[j - 1]; e[j - 1] = cs * e[j - 1]; }
        if (wantv) rotate(vt, N, j, p - 1, cs, sn);
      }
    } else if (kase === 2) {
      // Split at negligible s[k-1].
      let f = e[k - 1];
      e[k - 1] = 0;
      for (let j = k; j < p; j++) {
        const t = hypot(s[j], f), cs = s[j] / t, sn = f / t;
        s[j] = t;
        f = -sn * e[j];
        e[j] = cs * e[j];
        if (wantu) rotate(ut, M, j, k - 1, cs, sn);
      }
    } else if (kase === 3) {
      // One implicit-shift QR step on rows/columns k..p-1.
      const scale = Math.max(Math.abs(s[p - 1]), Math.abs(s[p - 2]), Math.abs(e[p - 2]), Math.abs(s[k]), Math.abs(e[k]));
      const sp = s[p - 1] / scale, spm1 = s[p - 2] / scale, epm1 = e[p - 2] / scale, sk = s[k] / scale, ek = e[k] / scale;
      const bb = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
      const c = (sp * epm1) * (sp * epm1);
      let shift = 0;
      if (bb !== 0 || c !== 0) {
        shift = Math.sqrt(bb * bb + c);
        if (bb < 0) shift = -shift;
        shift = c / (bb + shift);
      }
      let f = (sk + sp) * (sk - sp) + shift;
      let g = sk * ek;
      for (let j = k; j < p - 1; j++) {
        let t = hypot(f, g);
        let cs = f / t, sn = g / t;
        if (j !== k) e[j - 1] = t;
        f = cs * s[j] + sn * e[j];
        e[j] = cs * e[j] - sn * s[j];
        g = sn * s[j + 1];
        s[j + 1] = cs * s[j + 1];
        if (wantv) rotate(vt, N, j, j + 1, cs, sn);
        t = hypot(f, g);
        cs = f / t;
        sn = g / t;
        s[j] = t;
        f = cs * e[j] + sn * s[j + 1];
        s[j + 1] = -sn * e[j] + cs * s[j + 1];
        g = sn * e[j + 1];
        e[j + 1] = cs * e[j + 1];
        if (wantu && j < M - 1) rotate(ut, M, j, j + 1, cs, sn);
      }
      e[p - 2] = f;
      iter++;
    } else {
      // Convergence: make s[k] non-negative, then move it down into descending order.
      if (s[k] <= 0) {
        s[k] = s[k] < 0 ? -s[k] : 0;
        if (wantv) for (let i = 0; i <= pp; i++) vt[k * N + i] = -vt[k * N + i];
      }
      while (k < pp && s[k] < s[k + 1]) {
        const t = s[k]; s[k] = s[k + 1]; s[k + 1] = t;
        if (wantv && k < N - 1) swapRows(vt, N, k, k + 1);
        if (wantu && k < M - 1) swapRows(ut, M, k, k + 1);
        k++;
      }
      iter = 0;
      p--;
    }
  }
  return true;
}

function swapRows(w: Float64Array, len: number, x: number, y: number): void {
  const rx = x * len, ry = y * len;
  for (let i = 0; i < len; i++) { const t = w[rx + i]; w[rx + i] = w[ry + i]; w[ry + i] = t; }
}
