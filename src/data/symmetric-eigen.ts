/**
 * Eigendecomposition of a real symmetric matrix, A = V diag(λ) Vᵀ, in float64
 * TypeScript (what ZCA and PCA whitening need for a D x D covariance).
 *
 * Method (the classic dense route, O(D³) with small constants):
 *  1. Householder tridiagonalisation. For k = 0..n-3 the reflector
 *     H_k = I - β v vᵀ (β = 2 / vᵀv, acting on indices k+1..n-1) maps column k
 *     below the diagonal onto α e₁ (α = -sign(x₁)‖x‖, v = x - α e₁). The trailing
 *     block becomes H A₂₂ H = A₂₂ - v qᵀ - q vᵀ with p = β A₂₂ v,
 *     q = p - (β/2)(vᵀp) v. Then T = Qᵀ A Q is tridiagonal, Q = H_0 H_1 ... H_{n-3}
 *     (accumulated backwards: each H_k only touches the block k+1.. of Q).
 *  2. Implicit QL with Wilkinson-style shifts on T: the shift comes from the
 *     leading 2x2 block of the unreduced part [l..m]; one sweep of Givens
 *     rotations chases the bulge from row m up to row l, and every rotation is
 *     applied to the eigenvector matrix. An off-diagonal e_m with
 *     |e_m| <= ε(|d_m| + |d_{m+1}|) splits the problem.
 * Why not cyclic Jacobi: each sweep costs O(n³) and it needs 6-10 sweeps, far
 * too slow for n = 784 in JS. Here the whole job is about 5n³ flops: ~1-3 s for
 * n = 784. The eigenvector matrix is kept transposed (one eigenvector per row) so
 * each Givens rotation updates two contiguous rows.
 */
import { ArgumentError } from '../errors';

const EPS = 2 ** -52;
const MAX_ITERATIONS_PER_EIGENVALUE = 60;

export interface SymmetricEigen {
  /** Eigenvalues in ascending order (as torch.linalg.eigh). */
  values: Float64Array;
  /** n x n row-major; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Reduces the symmetric a (only its lower triangle is read and overwritten) to
 * tridiagonal d, e and returns Q (row-major) with a = Q T Qᵀ.
 */
function tridiagonalise(a: Float64Array, n: number, d: Float64Array, e: Float64Array): Float64Array {
  const reflectors: { v: Float64Array; beta: number }[] = [];
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1, off = k + 1;
    const v = new Float64Array(m);
    let sigma = 0;
    for (let i = 0; i < m; i++) {
      v[i] = a[(off + i) * n + k];
      sigma += v[i] * v[i];
    }
    const norm = Math.sqrt(sigma);
    const alpha = v[0] >= 0 ? -norm : norm;
    const vTv = sigma - v[0] * v[0] + (v[0] - alpha) * (v[0] - alpha);
    if (norm === 0 || vTv === 0) {
      e[k] = v[0];
      reflectors.push({ v, beta: 0 });
      continue;
    }
    v[0] -= alpha;
    const beta = 2 / vTv;
    e[k] = alpha;
    // p = β A₂₂ v, reading only the lower triangle: row i gives a_ij v_j to p_i and a_ij v_i to p_j.
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off, vi = v[i];
      let s = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[row + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + a[row + i] * vi;
    }
    let vp = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= beta;
      vp += v[i] * p[i];
    }
    // q = p - (β/2)(vᵀp) v, stored over p; then A₂₂ -= v qᵀ + q vᵀ on the lower triangle.
    const half = 0.5 * beta * vp;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off;
      const vi = v[i], qi = p[i];
      for (let j = 0; j <= i; j++) a[row + j] -= vi * p[j] + qi * v[j];
    }
    reflectors.push({ v, beta });
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  if (n >= 2) e[n - 2] = a[(n - 1) * n + n - 2];
  e[n - 1] = 0;

  // Q = H_0 (H_1 (... (H_{n-3} I))): H_k changes rows k+1.. of the block k+1.. only.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const w = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const { v, beta } = reflectors[k];
    if (beta === 0) continue;
    const m = n - k - 1, off = k + 1;
    w.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off, vi = v[i];
      for (let j = 0; j < m; j++) w[j] += vi * q[row + j];
    }
    for (let i = 0; i < m; i++) {
      const row = (off + i) * n + off, s = beta * v[i];
      for (let j = 0; j < m; j++) q[row + j] -= s * w[j];
    }
  }
  return q;
}

/**
 * Diagonalises the tridiagonal (d, e) in place by implicit QL; zt holds vectors
 * as rows and receives every rotation. On return d holds the eigenvalues.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): void {
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      while (m < n - 1 && !(Math.abs(e[m]) <= EPS * (Math.abs(d[m]) + Math.abs(d[m + 1])))) m++;
      if (m === l) break;
      if (++iterations > MAX_ITERATIONS_PER_EIGENVALUE) {
        throw new ArgumentError(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n} (is the matrix finite?)`);
      }
      // Shift: the eigenvalue of the leading 2x2 block [d_l e_l; e_l d_{l+1}] nearer d_l.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let deflated = false;
      for (let i = m - 1; i >= l; i--) {
        const f = s * e[i], b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // The rotation vanished: the matrix splits at i+1; restart with the smaller block.
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        // Rotate eigenvectors i and i+1 (rows of zt).
        const ri = i * n, rj = ri + n;
        for (let k = 0; k < n; k++) {
          const zi = zt[ri + k], zj = zt[rj + k];
          zt[rj + k] = s * zi + c * zj;
          zt[ri + k] = c * zi - s * zj;
        }
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of the
 * symmetric n x n matrix a (row-major; its symmetric part (a + aᵀ)/2 is used;
 * a itself is not modified).
 * @example const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2) // values [1, 3]
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`symmetricEigen: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) throw new ArgumentError(`symmetricEigen: a has ${a.length} entries, expected ${n}x${n} = ${n * n}`);
  const work = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      if (!Number.isFinite(v)) throw new ArgumentError(`symmetricEigen: a[${i}][${j}] is ${a[i * n + j]}; the matrix must be finite`);
      work[i * n + j] = v;
    }
  }
  const d = new Float64Array(n), e = new Float64Array(n);
  const q = tridiagonalise(work, n, d, e);
  // zt = Qᵀ: eigenvectors of A are Q times those of T, kept as rows.
  const zt = work;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) zt[j * n + i] = q[i * n + j];
  tridiagonalQL(d, e, zt, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j] || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    values[col] = d[src];
    for (let k = 0; k < n; k++) vectors[k * n + col] = zt[src * n + k];
  });
  return { values, vectors };
}
