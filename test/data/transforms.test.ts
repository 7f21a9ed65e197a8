import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { symmetricEigen } from '../../src/data/symmetric-eigen';

const { data } = L;
const values = (t: L.Tensor): number[] => Array.from(t.data() as ArrayLike<number>);

/** Deterministic float64 numbers in [-0.5, 0.5) from a Philox stream. */
function uniforms(n: number, seed: number): Float64Array {
  return new L.PhiloxStream(seed).uniform(n, 'float64', -0.5, 0.5);
}

/** Sample covariance (divides by N - 1) of rows of x [n, d]. */
function covariance(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = x[i * d + a] - mean[a];
      for (let b = 0; b < d; b++) c[a * d + b] += (da * (x[i * d + b] - mean[b])) / (n - 1);
    }
  }
  return c;
}

/** Correlated synthetic data: z A + offset with z uniform, A random [d, d] (full rank). */
function correlated(n: number, d: number, seed: number, dtype: 'float32' | 'float64' = 'float64'): L.Tensor {
  const z = uniforms(n * d, seed), a = uniforms(d * d, seed + 1);
  const out = dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 3 + j;
      for (let k = 0; k < d; k++) s += z[i * d + k] * (a[k * d + j] + (k === j ? 1 : 0)) * (k + 1);
      out[i * d + j] = s;
    }
  }
  return L.tensor(out).reshape([n, d]);
}

describe('normalize and Standardize', () => {
  it('normalize subtracts the mean and divides by the std per channel', () => {
    const x = L.tensor([[[[1, 2]], [[3, 5]]]]); // [1, 2, 1, 2]
    expect(values(data.normalize(x, [1, 1], [2, 4]))).toEqual([0, 0.5, 0.5, 1]);
    expect(values(data.normalize(L.tensor([[1, 2], [3, 4]]), [1, 2], [1, 2], { dim: 1 }))).toEqual([0, 0, 2, 1]);
    expect(values(data.normalize(x, 0, 1))).toEqual(values(x));
    expect(() => data.normalize(x, [1, 2, 3], [1, 1, 1])).toThrow(/normalize: mean has 3 values for 2 channels/);
    expect(() => data.normalize(x, [0, 0], [1, 0])).toThrow(/normalize: std\[1\] is 0/);
  });

  it('Standardize gives zero mean and unit std per channel on the training set', () => {
    L.manualSeed(3);
    const x = L.add(L.mul(L.rand([50, 3, 4, 4]), L.tensor([[[1]], [[5]], [[0.1]]])), L.tensor([[[-2]], [[7]], [[0.3]]]));
    const st = new data.Standardize().fit(x);
    expect(st.mean![1]).toBeCloseTo(7 + 2.5, 0);
    const y = values(st.apply(x));
    for (let c = 0; c < 3; c++) {
      const v: number[] = [];
      for (let b = 0; b < 50; b++) for (let k = 0; k < 16; k++) v.push(y[(b * 3 + c) * 16 + k]);
      const mean = v.reduce((p, q) => p + q, 0) / v.length;
      const std = Math.sqrt(v.reduce((p, q) => p + (q - mean) ** 2, 0) / v.length);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(std).toBeCloseTo(1, 5);
    }
    // A constant channel is only centred.
    const flat = new data.Standardize().fit(L.full([4, 1, 2, 2], 3));
    expect(flat.std![0]).toBe(1);
    expect(() => new data.Standardize().apply(x)).toThrow(/Standardize.apply: call fit/);
    expect(() => st.apply(L.zeros([2, 2, 4, 4]))).toThrow(/must be \[N, 3, \.\.\.\]/);
  });
});

describe('symmetricEigen (Householder + implicit QL)', () => {
  const check = (a: Float64Array, n: number): void => {
    const { values: lam, vectors: u } = symmetricEigen(a, n);
    let scale = 0;
    for (const v of a) scale = Math.max(scale, Math.abs(v));
    for (let i = 1; i < n; i++) expect(lam[i - 1]).toBeLessThanOrEqual(lam[i]);
    let recon = 0, orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, o = 0;
        for (let k = 0; k < n; k++) {
          s += u[i * n + k] * lam[k] * u[j * n + k];
          o += u[k * n + i] * u[k * n + j];
        }
        recon = Math.max(recon, Math.abs(s - a[i * n + j]));
        orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
      }
    }
    expect(recon).toBeLessThanOrEqual(1e-10 * Math.max(scale, 1));
    expect(orth).toBeLessThanOrEqual(1e-10);
  };
  const symmetric = (n: number, seed: number): Float64Array => {
    const r = uniforms(n * n, seed), a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r[i * n + j];
    return a;
  };

  it('A = U Λ Uᵀ to 1e-10 with orthonormal U on random symmetric matrices', () => {
    for (const n of [1, 2, 3, 4, 7, 20, 64, 150]) check(symmetric(n, n), n);
    const big = symmetric(40, 9).map((v) => v * 1e6);
    check(big, 40);
  });

  it('handles known, degenerate and rank-deficient matrices', () => {
    expect(Array.from(symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values)).toEqual([1, 3].map((v) => expect.closeTo(v, 14)));
    check(new Float64Array(25), 5); // zero
    const identity = new Float64Array(36);
    for (let i = 0; i < 6; i++) identity[i * 7] = 1;
    check(identity, 6);
    expect(Array.from(symmetricEigen(identity, 6).values)).toEqual([1, 1, 1, 1, 1, 1]);
    const diag = new Float64Array(16);
    [4, -1, 3, -1].forEach((v, i) => { diag[i * 5] = v; });
    expect(Array.from(symmetricEigen(diag, 4).values)).toEqual([-1, -1, 3, 4]);
    // Rank 3 covariance of 20 features, and a tridiagonal matrix with tiny off-diagonals.
    const n = 20, g = uniforms(3 * n, 4), low = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < 3; k++) low[i * n + j] += g[k * n + i] * g[k * n + j];
    check(low, n);
    const { values: lowValues } = symmetricEigen(low, n);
    expect(lowValues.filter((v) => Math.abs(v) > 1e-12).length).toBe(3);
    const tri = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      tri[i * n + i] = i % 3;
      if (i + 1 < n) tri[i * n + i + 1] = tri[(i + 1) * n + i] = 1e-14 * (i + 1);
    }
    check(tri, n);
  });

  it('rejects bad input', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/symmetricEigen: a has 5 entries/);
    expect(() => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2)).toThrow(/must be finite/);
  });
});

describe('ZCA and PCA whitening', () => {
  it('ZCA-whitened training data has covariance ≈ I and W is symmetric', () => {
    const [n, d] = [600, 20];
    const x = correlated(n, d, 1);
    const zca = new data.ZCAWhitening({ eps: 1e-12 }).fit(x);
    const w = zca.matrix!;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(w[i * d + j]).toBe(w[j * d + i]);
    const y = zca.apply(x);
    expect(y.shape).toEqual([n, d]);
    const c = covariance(y.values, n, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(Math.abs(c[i * d + j] - (i === j ? 1 : 0))).toBeLessThan(1e-8);
    // W² = C⁻¹ (up to eps): ZCA is the symmetric inverse square root of the covariance.
    const cx = covariance(x.values, n, d);
    let worst = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) for (let m = 0; m < d; m++) s += w[i * d + k] * w[k * d + m] * cx[m * d + j];
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-8);
    // Image-shaped float32 input keeps its shape and dtype, and is whitened to float32 precision.
    const images = correlated(400, 16, 5, 'float32').reshape([400, 1, 4, 4]);
    const zi = new data.ZCAWhitening({ eps: 1e-9 }).fit(images);
    const yi = zi.apply(images);
    expect(yi.shape).toEqual([400, 1, 4, 4]);
    expect(yi.dtype).toBe('float32');
    const ci = covariance(yi.values, 400, 16);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) expect(Math.abs(ci[i * 16 + j] - (i === j ? 1 : 0))).toBeLessThan(2e-3);
  });

  it('PCA output has a diagonal covariance with decreasing variances (whitened: ≈ I)', () => {
    const [n, d, k] = [500, 12, 5];
    const x = correlated(n, d, 7);
    const pca = new data.PCAWhitening(k, { whiten: false }).fit(x);
    const z = pca.apply(x);
    expect(z.shape).toEqual([n, k]);
    const c = covariance(z.values, n, k);
    const ev = pca.explainedVariance!;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        if (i === j) expect(c[i * k + i]).toBeCloseTo(ev[i], 8);
        else expect(Math.abs(c[i * k + j])).toBeLessThan(1e-8 * ev[0]);
      }
      if (i > 0) expect(c[i * k + i]).toBeLessThan(c[(i - 1) * k + i - 1]);
    }
    // The kept variances are the largest eigenvalues of the covariance.
    const all = symmetricEigen(covariance(x.values, n, d), d).values;
    for (let i = 0; i < k; i++) expect(ev[i]).toBeCloseTo(all[d - 1 - i], 8);
    // Components are orthonormal rows.
    const u = pca.components!;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let m = 0; m < d; m++) s += u[i * d + m] * u[j * d + m];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    const white = new data.PCAWhitening(k, { eps: 0 }).fit(x).apply(x);
    const cw = covariance(white.values, n, k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(cw[i * k + j]).toBeCloseTo(i === j ? 1 : 0, 8);
  });

  it('names the transform and the shapes in errors', () => {
    const x = correlated(30, 6, 2);
    expect(() => new data.PCAWhitening(7).fit(x)).toThrow(/PCAWhitening.fit: k = 7 components but x float64\[30,6\] has only 6 features/);
    expect(() => new data.ZCAWhitening().fit(L.zeros([1, 4]))).toThrow(/ZCAWhitening.fit: need at least 2 samples/);
    const zca = new data.ZCAWhitening().fit(x);
    expect(() => zca.apply(L.zeros([3, 5]))).toThrow(/ZCAWhitening.apply: x float32\[3,5\] must be \[N, \.\.\.\] with 6 features/);
    expect(() => new data.ZCAWhitening().apply(x)).toThrow(/call fit/);
    expect(() => new data.ZCAWhitening({ eps: -1 })).toThrow(/eps must be a finite number >= 0/);
  });
});
