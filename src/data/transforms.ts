/**
 * Input transforms fitted on (or given for) a training set: per-channel
 * normalisation, standardisation, and ZCA / PCA whitening. Statistics are
 * computed in float64; applying keeps the input's dtype.
 *
 * Whitening needs the eigendecomposition of the D x D covariance; it is
 * computed in float64 TypeScript by Householder tridiagonalisation + implicit
 * QL (src/data/symmetric-eigen.ts, ~5 D³ flops: a few seconds for D = 784),
 * while the covariance itself, Xcᵀ Xc, is one float64 matmul on the backend.
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { sub, div } from '../ops/binary';
import { castTo } from '../ops/cast';
import { matmul, matmulT } from '../ops/matmul';
import { reshape } from '../ops/shape';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { symmetricEigen } from './symmetric-eigen';

function assertFloatTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new ArgumentError(`${op}: ${name} (${x.describe()}) was disposed`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${x.describe()}`);
}

function numbersOf(op: string, name: string, v: number | ArrayLike<number>, c: number): Float64Array {
  const out = typeof v === 'number' ? new Float64Array(c).fill(v) : Float64Array.from(v ?? []);
  if (out.length !== c) throw new ShapeError(`${op}: ${name} has ${out.length} values for ${c} channels`);
  for (let i = 0; i < c; i++) if (!Number.isFinite(out[i])) throw new ArgumentError(`${op}: ${name}[${i}] must be finite, got ${out[i]}`);
  return out;
}

/** A per-channel [C, 1, ..., 1] tensor that broadcasts against channel dim `dim` of a rank-`rank` tensor. */
function channelTensor(values: Float64Array, rank: number, dim: number, like: Tensor): Tensor {
  const data = like.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return Tensor.fromData(data, [values.length, ...new Array<number>(rank - dim - 1).fill(1)], like.dtype);
}

/** The channel dim of `normalize`. @example `normalize(x, [0.5], [0.5], { dim: 1 })` */
export interface NormalizeOptions {
  /** The channel dim (default -3, as images [..., C, H, W]). */
  dim?: number;
}

/**
 * Per-channel (x - mean[c]) / std[c] (torchvision's Normalize), differentiable;
 * mean and std are one number or one per channel.
 * @example const xn = normalize(images, [0.2860], [0.3530])
 */
export function normalize(x: Tensor, mean: number | ArrayLike<number>, std: number | ArrayLike<number>, opts: NormalizeOptions = {}): Tensor {
  const op = 'normalize';
  assertFloatTensor(op, 'x', x);
  const rawDim = opts.dim ?? -3;
  if (!Number.isInteger(rawDim) || rawDim < -x.ndim || rawDim >= x.ndim) {
    throw new ArgumentError(`${op}: dim ${rawDim} is out of range for x ${x.describe()}`);
  }
  const dim = rawDim < 0 ? rawDim + x.ndim : rawDim;
  const c = x.shape[dim];
  const m = numbersOf(op, 'mean', mean, c), s = numbersOf(op, 'std', std, c);
  s.forEach((v, i) => {
    if (v === 0) throw new ArgumentError(`${op}: std[${i}] is 0; every std must be non-zero`);
  });
  return div(sub(x, channelTensor(m, x.ndim, dim, x)), channelTensor(s, x.ndim, dim, x));
}

/**
 * Per-channel standardisation fitted on a training set: channel = dim 1 of
 * x [N, C, ...]; mean and (population) std over every other dim, in float64.
 * A constant channel gets std 1 (it is only centred), as scikit-learn does.
 * @example const st = new Standardize().fit(train.images); const xb = st.apply(batch)
 */
export class Standardize {
  mean: Float64Array | null = null;
  std: Float64Array | null = null;

  /** Computes the per-channel mean and std of x [N, C, ...]. */
  fit(x: Tensor): this {
    const op = 'Standardize.fit';
    assertFloatTensor(op, 'x', x);
    if (x.ndim < 2 || x.shape[0] === 0) throw new ShapeError(`${op}: x must be [N, C, ...] with N > 0, got ${x.describe()}`);
    const n = x.shape[0], c = x.shape[1], inner = x.size / (n * c || 1);
    const v = x.values as FloatArray;
    const mean = new Float64Array(c), std = new Float64Array(c);
    const count = n * inner;
    // Two passes (mean, then squared deviations) for accuracy.
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * inner;
        let s = 0;
        for (let k = 0; k < inner; k++) s += v[base + k];
        mean[ch] += s;
      }
    }
    for (let ch = 0; ch < c; ch++) mean[ch] /= count || 1;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * inner, mu = mean[ch];
        let s = 0;
        for (let k = 0; k < inner; k++) s += (v[base + k] - mu) ** 2;
        std[ch] += s;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      if (!Number.isFinite(mean[ch]) || !Number.isFinite(std[ch])) throw new ArgumentError(`${op}: channel ${ch} of x has non-finite values`);
      std[ch] = Math.sqrt(std[ch] / (count || 1)) || 1;
    }
    this.mean = mean;
    this.std = std;
    return this;
  }

  /** (x - mean) / std per channel (dim 1) of x [N, C, ...]. */
  apply(x: Tensor): Tensor {
    const op = 'Standardize.apply';
    if (!this.mean || !this.std) throw new ArgumentError(`${op}: call fit(trainingData) first`);
    assertFloatTensor(op, 'x', x);
    if (x.ndim < 2 || x.shape[1] !== this.mean.length) {
      throw new ShapeError(`${op}: x ${x.describe()} must be [N, ${this.mean.length}, ...] like the data it was fitted on`);
    }
    return normalize(x, this.mean, this.std, { dim: 1 });
  }
}

/** Regularisation and covariance estimate of the whitening transforms. @example `{ eps: 1e-5, unbiased: true }` */
export interface WhiteningOptions {
  /** Added to every eigenvalue before the inverse square root (default 1e-6, as Keras and kornia). */
  eps?: number;
  /** Covariance divides by N - 1 (default true) or by N. */
  unbiased?: boolean;
}

interface Fitted {
  /** Feature means [D]. */
  mean: Float64Array;
  /** Eigenvalues, descending [D]. */
  values: Float64Array;
  /** Eigenvectors as rows, in the order of values, sign-fixed [D, D]. */
  vectors: Float64Array;
  d: number;
}

/**
 * Mean, covariance and its eigendecomposition of x [N, ...] flattened to D
 * features. Eigenvalues come sorted descending; each eigenvector's largest
 * entry is made positive so the result does not depend on the solver's signs.
 */
function fitCovariance(op: string, x: Tensor, unbiased: boolean): Fitted {
  assertFloatTensor(op, 'x', x);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must be [N, ...features], got ${x.describe()}`);
  const n = x.shape[0], d = x.size / n;
  if (n < 2) throw new ShapeError(`${op}: need at least 2 samples to estimate a covariance, x is ${x.describe()}`);
  const src = x.values as FloatArray;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += src[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred[i * d + j] = src[i * d + j] - mean[j];
  for (let j = 0; j < d; j++) if (!Number.isFinite(mean[j])) throw new ArgumentError(`${op}: feature ${j} of x has non-finite values`);
  // C = Xcᵀ Xc / (N - 1): one float64 GEMM with a transposed operand.
  const xc = Tensor.fromData(centred, [n, d], 'float64');
  const covariance = matmulT(xc, xc, true, false);
  const cov = covariance.values as Float64Array;
  const scale = 1 / (unbiased ? n - 1 : n);
  for (let k = 0; k < cov.length; k++) cov[k] *= scale;
  xc.dispose();
  const eig = symmetricEigen(cov, d);
  covariance.dispose();
  const values = new Float64Array(d), vectors = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    const col = d - 1 - r;
    // Covariances are positive semi-definite; round-off negatives are clamped to 0.
    values[r] = Math.max(0, eig.values[col]);
    let big = 0;
    for (let k = 0; k < d; k++) if (Math.abs(eig.vectors[k * d + col]) > Math.abs(big)) big = eig.vectors[k * d + col];
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < d; k++) vectors[r * d + k] = sign * eig.vectors[k * d + col];
  }
  return { mean, values, vectors, d };
}

function checkEps(op: string, eps: number): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number >= 0, got ${fmtArg(eps)}`);
  return eps;
}

/** (x - mean) @ m for x [N, ...] with D features, m [D, K] in x's dtype; returns [N, K]. */
function projectCentred(op: string, x: Tensor, f: Fitted, m: Float64Array, k: number): Tensor {
  assertFloatTensor(op, 'x', x);
  const n = x.ndim >= 1 ? x.shape[0] : 0;
  if (x.ndim < 2 || (n > 0 && x.size / n !== f.d) || (n === 0 && x.shape.slice(1).reduce((a, b) => a * b, 1) !== f.d)) {
    throw new ShapeError(`${op}: x ${x.describe()} must be [N, ...] with ${f.d} features per sample like the data it was fitted on`);
  }
  const flat = reshape(x, [n, f.d]);
  const centred = sub(flat, Tensor.fromData(x.dtype === 'float64' ? Float64Array.from(f.mean) : Float32Array.from(f.mean), [f.d], x.dtype));
  const matrix = Tensor.fromData(x.dtype === 'float64' ? Float64Array.from(m) : Float32Array.from(m), [f.d, k], x.dtype);
  return matmul(centred, matrix);
}

/**
 * ZCA whitening fitted on a training set: with the covariance C = U Λ Uᵀ,
 *   W = U diag(1 / sqrt(λ + eps)) Uᵀ,   apply(x) = (x - mean) W
 * (W is symmetric). The whitened training data has covariance ≈ I while
 * staying as close as possible to the input (Bell & Sejnowski; Krizhevsky 2009).
 * apply keeps x's shape.
 * @example const zca = new ZCAWhitening({ eps: 1e-2 }).fit(train.images); const xw = zca.apply(batch)
 */
export class ZCAWhitening {
  readonly eps: number;
  readonly unbiased: boolean;
  /** Feature means [D] after fit. */
  mean: Float64Array | null = null;
  /** The whitening matrix W [D, D] (row-major, symmetric) after fit. */
  matrix: Float64Array | null = null;
  /** Covariance eigenvalues, descending, after fit. */
  eigenvalues: Float64Array | null = null;
  private fitted: Fitted | null = null;

  constructor(opts: WhiteningOptions = {}) {
    this.eps = checkEps('ZCAWhitening', opts.eps ?? 1e-6);
    this.unbiased = opts.unbiased ?? true;
  }

  /** Fits mean and W on x [N, ...] (flattened to D features). */
  fit(x: Tensor): this {
    const f = fitCovariance('ZCAWhitening.fit', x, this.unbiased);
    const d = f.d;
    // W = Uᵀ' S U' with U' = the eigenvector rows: W = (S^(1/2) U')ᵀ (S^(1/2) U'), one float64 GEMM.
    const scaled = new Float64Array(d * d);
    for (let r = 0; r < d; r++) {
      const s = 1 / Math.sqrt(Math.sqrt(f.values[r] + this.eps));
      if (!Number.isFinite(s)) throw new ArgumentError(`ZCAWhitening.fit: eigenvalue ${f.values[r]} + eps ${this.eps} is 0; use eps > 0`);
      for (let k = 0; k < d; k++) scaled[r * d + k] = s * f.vectors[r * d + k];
    }
    const half = Tensor.fromData(scaled, [d, d], 'float64');
    const w = matmulT(half, half, true, false);
    this.matrix = Float64Array.from(w.values as Float64Array);
    half.dispose();
    w.dispose();
    // Exact symmetry (the GEMM's two triangles round alike, but make it explicit).
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) this.matrix[j * d + i] = this.matrix[i * d + j];
    this.mean = f.mean;
    this.eigenvalues = f.values;
    this.fitted = f;
    return this;
  }

  /** (x - mean) W, in x's dtype and shape. */
  apply(x: Tensor): Tensor {
    const op = 'ZCAWhitening.apply';
    if (!this.fitted || !this.matrix) throw new ArgumentError(`${op}: call fit(trainingData) first`);
    return reshape(projectCentred(op, x, this.fitted, this.matrix, this.fitted.d), [...x.shape]);
  }
}

/** Whitening options plus whether to scale the components. @example `{ whiten: false }` */
export interface PCAWhiteningOptions extends WhiteningOptions {
  /** Divide each component by sqrt(λ + eps) (default true); false gives the plain PCA projection. */
  whiten?: boolean;
}

/**
 * PCA (whitening) fitted on a training set: keeps the k principal components
 * U_k (eigenvectors of the covariance with the largest eigenvalues) and maps
 *   apply(x) = (x - mean) U_k diag(1 / sqrt(λ_k + eps))   [N, k]
 * (without the scaling when whiten is false, so output variances are λ_1 >= ... >= λ_k).
 * @example const pca = new PCAWhitening(50).fit(train.images); const z = pca.apply(batch) // [N, 50]
 */
export class PCAWhitening {
  readonly eps: number;
  readonly unbiased: boolean;
  readonly whiten: boolean;
  mean: Float64Array | null = null;
  /** The k components as rows [k, D] after fit (each with its largest entry positive). */
  components: Float64Array | null = null;
  /** Variance along each kept component (the k largest eigenvalues, descending). */
  explainedVariance: Float64Array | null = null;
  private fitted: Fitted | null = null;
  private projection: Float64Array | null = null;

  constructor(readonly k: number, opts: PCAWhiteningOptions = {}) {
    if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`PCAWhitening: k must be a positive integer, got ${fmtArg(k)}`);
    this.eps = checkEps('PCAWhitening', opts.eps ?? 1e-6);
    this.unbiased = opts.unbiased ?? true;
    this.whiten = opts.whiten ?? true;
  }

  /** Fits mean and the k leading components on x [N, ...] (flattened to D >= k features). */
  fit(x: Tensor): this {
    const op = 'PCAWhitening.fit';
    assertFloatTensor(op, 'x', x);
    if (x.ndim >= 2 && x.shape[0] > 0 && x.size / x.shape[0] < this.k) {
      throw new ShapeError(`${op}: k = ${this.k} components but x ${x.describe()} has only ${x.size / x.shape[0]} features`);
    }
    const f = fitCovariance(op, x, this.unbiased);
    const { d } = f, k = this.k;
    const projection = new Float64Array(d * k);
    for (let r = 0; r < k; r++) {
      const s = this.whiten ? 1 / Math.sqrt(f.values[r] + this.eps) : 1;
      if (!Number.isFinite(s)) throw new ArgumentError(`${op}: eigenvalue ${f.values[r]} + eps ${this.eps} is 0; use eps > 0`);
      for (let j = 0; j < d; j++) projection[j * k + r] = s * f.vectors[r * d + j];
    }
    this.mean = f.mean;
    this.components = f.vectors.slice(0, k * d);
    this.explainedVariance = f.values.slice(0, k);
    this.fitted = f;
    this.projection = projection;
    return this;
  }

  /** The k (whitened) component scores of x [N, ...]: [N, k] in x's dtype. */
  apply(x: Tensor): Tensor {
    const op = 'PCAWhitening.apply';
    if (!this.fitted || !this.projection) throw new ArgumentError(`${op}: call fit(trainingData) first`);
    return projectCentred(op, x, this.fitted, this.projection, this.k);
  }
}
