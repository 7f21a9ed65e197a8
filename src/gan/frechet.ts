/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the
 * formula behind FID, Heusel et al. 2017):
 *
 *   d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2})
 *
 * Tr((Σ₁Σ₂)^{1/2}) is computed as Tr((S Σ₂ S)^{1/2}) with S = Σ₁^{1/2}: S Σ₂ S
 * is symmetric positive semi-definite and similar to Σ₁Σ₂'s square, so its
 * eigenvalues' square roots sum to the same trace, and two symmetric
 * eigendecompositions replace a general matrix square root.
 * Which features it is computed on matters: FID uses Inception-v3; the
 * examples here use the penultimate layer of a Fashion-MNIST classifier and
 * call the result "FMNIST-FID" so it is never mistaken for FID.
 */
import { symmetricEigen } from '../data/symmetric-eigen';
import { ArgumentError, ShapeError } from '../errors';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

/** The Gaussian fitted to a feature set by `featureStatistics`: feature dimension, mean [dim] and unbiased covariance [dim, dim] row-major; `frechetDistance` compares two of them (FID's formula, Heusel et al. 2017). @example `const d2 = gan.frechetDistance(gan.featureStatistics(realFeats), gan.featureStatistics(fakeFeats))` */
export interface FeatureStatistics {
  /** Feature dimension. */
  dim: number;
  mean: Float64Array;
  /** [dim, dim] row-major, unbiased (n − 1). */
  cov: Float64Array;
}

/**
 * Mean and covariance of features [n, d] (n >= 2).
 * @example `const real = gan.featureStatistics(features)`
 */
export function featureStatistics(features: Tensor): FeatureStatistics {
  assertTensor('featureStatistics', 'features', features);
  if (features.ndim !== 2 || features.shape[0] < 2) throw new ShapeError(`featureStatistics: features must be [n, d] with n >= 2, got ${features.describe()}`);
  const [n, d] = features.shape;
  const v = features.values;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += v[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = v[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= n - 1;
      cov[b * d + a] = cov[a * d + b];
    }
  }
  return { dim: d, mean, cov };
}

/** The symmetric PSD square root V diag(√max(λ, 0)) Vᵀ. */
function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * s;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

/** Row-major d x d product. */
function matmulSquare(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}

/**
 * The squared Fréchet distance between Gaussians with these statistics.
 * @example `const fmnistFid = gan.frechetDistance(gan.featureStatistics(realFeatures), gan.featureStatistics(fakeFeatures))`
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics): number {
  if (!a || !b || a.dim !== b.dim) throw new ArgumentError(`frechetDistance: the statistics must have the same dim, got ${a?.dim} and ${b?.dim}`);
  const d = a.dim;
  let meanTerm = 0, trace = 0;
  for (let j = 0; j < d; j++) {
    meanTerm += (a.mean[j] - b.mean[j]) ** 2;
    trace += a.cov[j * d + j] + b.cov[j * d + j];
  }
  const s = sqrtPsd(a.cov, d);
  const middle = matmulSquare(matmulSquare(s, b.cov, d), s, d);
  // Symmetrise against rounding before the eigendecomposition.
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) middle[i * d + j] = middle[j * d + i] = (middle[i * d + j] + middle[j * d + i]) / 2;
  const { values } = symmetricEigen(middle, d);
  let crossTrace = 0;
  for (const l of values) crossTrace += Math.sqrt(Math.max(0, l));
  return meanTerm + trace - 2 * crossTrace;
}
