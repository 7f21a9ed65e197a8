/**
 * Mahalanobis OOD score (Lee et al. 2018) on a network's features (usually the
 * penultimate layer): fit one mean per class and one shared ("tied")
 * covariance Σ on in-distribution training features, then score
 *
 *   s(x) = − min_c (f(x) − μ_c)ᵀ Σ⁻¹ (f(x) − μ_c)
 *
 * (higher = more in-distribution). Σ⁻¹ comes from the symmetric
 * eigendecomposition, with `ridge` added to the eigenvalues so that a
 * rank-deficient covariance (dead ReLU units) stays invertible.
 */
import { symmetricEigen } from '../data/symmetric-eigen';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { tensor } from '../ops/creation';
import { assertTensor } from '../ops/util';
import { Tensor } from '../tensor/tensor';

/**
 * @example
 * const det = new ood.MahalanobisDetector().fit(trainFeatures, trainLabels);
 * const scores = det.score(testFeatures);
 */
export class MahalanobisDetector {
  /** Class means [classes, d] (row-major) after fit. */
  means: Float64Array = new Float64Array(0);
  /** Σ⁻¹ [d, d] after fit. */
  precision: Float64Array = new Float64Array(0);
  dim = 0;
  classes = 0;
  private readonly ridge: number;

  /** `ridge` (default 1e-6 times the mean variance) is added to Σ's eigenvalues. */
  constructor(opts: { ridge?: number } = {}) {
    this.ridge = opts.ridge ?? -1;
    if (opts.ridge !== undefined && (typeof opts.ridge !== 'number' || !(opts.ridge >= 0))) throw new ArgumentError(`MahalanobisDetector: ridge must be a number >= 0, got ${fmtArg(opts.ridge)}`);
  }

  /**
   * Fits class means and the tied covariance on features [N, d] with integer labels [N]; returns this.
   * @example `det.fit(features, labels)`
   */
  fit(features: Tensor, labels: Tensor | ArrayLike<number>): this {
    const op = 'MahalanobisDetector.fit';
    assertTensor(op, 'features', features);
    if (features.ndim !== 2) throw new ShapeError(`${op}: features must be [N, d], got ${features.describe()}`);
    const [n, d] = features.shape;
    const y = labels instanceof Tensor ? labels.values : labels;
    if (!y || y.length !== n) throw new ShapeError(`${op}: ${y?.length} labels for ${n} feature rows`);
    const k = Math.max(...Array.from(y)) + 1;
    const f = features.values;
    const means = new Float64Array(k * d), counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      if (!Number.isInteger(c) || c < 0) throw new ArgumentError(`${op}: labels must be integers >= 0, got ${c} at ${i}`);
      counts[c]++;
      for (let j = 0; j < d; j++) means[c * d + j] += f[i * d + j];
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] /= Math.max(1, counts[c]);
    const cov = new Float64Array(d * d), row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      for (let j = 0; j < d; j++) row[j] = f[i * d + j] - means[c * d + j];
      for (let a = 0; a < d; a++) {
        const ra = row[a];
        if (ra === 0) continue;
        for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
      }
    }
    let trace = 0;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= n;
      trace += cov[a * d + a];
    }
    const ridge = this.ridge >= 0 ? this.ridge : 1e-6 * Math.max(trace / d, 1e-12);
    const { values, vectors } = symmetricEigen(cov, d);
    const precision = new Float64Array(d * d);
    for (let e = 0; e < d; e++) {
      const inv = 1 / (Math.max(values[e], 0) + ridge);
      for (let a = 0; a < d; a++) {
        const va = vectors[a * d + e] * inv;
        for (let b = 0; b < d; b++) precision[a * d + b] += va * vectors[b * d + e];
      }
    }
    Object.assign(this, { means, precision, dim: d, classes: k });
    return this;
  }

  /**
   * Scores features [N, d]: minus the smallest Mahalanobis distance² to a class mean. Returns [N] float64.
   * @example `const s = det.score(testFeatures)`
   */
  score(features: Tensor): Tensor {
    const op = 'MahalanobisDetector.score';
    assertTensor(op, 'features', features);
    if (this.dim === 0) throw new ArgumentError(`${op}: call fit() first`);
    if (features.ndim !== 2 || features.shape[1] !== this.dim) throw new ShapeError(`${op}: features must be [N, ${this.dim}], got ${features.describe()}`);
    const [n, d] = features.shape;
    const f = features.values, out = new Float64Array(n), diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let c = 0; c < this.classes; c++) {
        for (let j = 0; j < d; j++) diff[j] = f[i * d + j] - this.means[c * d + j];
        let q = 0;
        for (let a = 0; a < d; a++) {
          let s = 0;
          const base = a * d;
          for (let b = 0; b < d; b++) s += this.precision[base + b] * diff[b];
          q += diff[a] * s;
        }
        if (q < best) best = q;
      }
      out[i] = -best;
    }
    return tensor(out, { dtype: 'float64' });
  }
}
