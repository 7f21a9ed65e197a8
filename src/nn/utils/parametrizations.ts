/**
 * Weight and spectral normalisation built on nn.utils.parametrize, as
 * torch.nn.utils.parametrizations.weight_norm and spectral_norm (PyTorch's new style, with its
 * state-dict keys). The old style, nn.utils.weightNorm and nn.utils.spectralNorm (`weight_g`,
 * `weight_v`, `weight_orig`), stays as it is.
 *
 * - weightNorm: W = g · V / ‖V‖ (the norm over every dim but `dim`); g and V are
 *   `parametrizations.weight.original0` and `original1`.
 * - spectralNorm: W = W₀ / σ(W₀), σ estimated by power iteration on the matrix [W.shape[dim], rest]
 *   (one step per training-mode read, none in eval mode); W₀ is `parametrizations.weight.original`,
 *   the singular-vector estimates are the buffers `parametrizations.weight.0._u` and `_v`.
 */
import { noGrad } from '../../autograd/api';
import { getDefaultGenerator, type PhiloxStream } from '../../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtValue } from '../../errors';
import { add, div, mul, sub } from '../../ops/binary';
import { eye, randn, tensor, zeros } from '../../ops/creation';
import { trunc } from '../../ops/elementwise-extra';
import { matrixExp, qr, solve } from '../../ops/linalg';
import { diagonal } from '../../ops/linalg-basic';
import { tril } from '../../ops/rearrange';
import { cat, expand, narrow, transpose, unsqueeze } from '../../ops/shape';
import { sign } from '../../ops/unary';
import { copy_ } from '../../ops/inplace';
import { matmul } from '../../ops/matmul';
import { norm, sum } from '../../ops/reduce';
import { permute, reshape } from '../../ops/shape';
import type { Tensor } from '../../tensor/tensor';
import { normalize } from '../functional-common';
import { type AnyModule, Module } from '../module';
import { type Parametrized, registerParametrization } from './parametrize';
import { weightNormDim } from './weight-norm';

/** ‖v‖ over every dim but `dim` (kept as size-1 dims), or over everything (torch's norm_except_dim). */
function normExceptDim(v: Tensor, dim: number | null): Tensor {
  if (dim === null) return norm(v);
  const dims = v.shape.map((_, i) => i).filter((i) => i !== dim);
  return dims.length === 0 ? v.abs() : norm(v, 2, dims, { keepdim: true });
}

/** The weight-norm parametrization: forward(g, v) = g · v / ‖v‖; rightInverse(W) = [‖W‖, W] (torch's _WeightNorm). */
class WeightNormParametrization extends Module<[Tensor, Tensor], Tensor> {
  /** The dim kept by the norm, or null for one norm over the whole weight. */
  readonly dim: number | null;

  constructor(dim: number | null) {
    super();
    this.dim = dim;
  }

  forward(g: Tensor, v: Tensor): Tensor {
    return mul(v, div(g, normExceptDim(v, this.dim)));
  }

  rightInverse(weight: Tensor): Tensor[] {
    return [normExceptDim(weight, this.dim), weight];
  }
}

/** weightNorm's options. @example `{ name: 'weight', dim: 0 }` */
export interface ParametrizedWeightNormOptions {
  /** The parameter to normalise (default 'weight'). */
  name?: string;
  /** The dim that indexes output units (default 0); null (or -1, as PyTorch) for one norm over the whole weight. */
  dim?: number | null;
}

/**
 * Weight normalisation as a parametrization (torch.nn.utils.parametrizations.weight_norm): the
 * weight becomes g · V / ‖V‖ with g = `parametrizations.<name>.original0` (shaped like the weight
 * with 1 outside `dim`) and V = `original1` (starting as the weight). Build the optimizer after
 * this call; remove it with parametrize.removeParametrizations(module, name).
 * @example
 * const fc = nn.utils.parametrizations.weightNorm(new nn.Linear(20, 40));
 * Object.keys(fc.stateDict());   // ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
 */
export function weightNorm<M extends AnyModule>(module: M, opts: ParametrizedWeightNormOptions = {}): M & Parametrized {
  const op = 'parametrizations.weightNorm';
  if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be an nn.Module, got ${fmtArg(module)}`);
  const name = opts.name ?? 'weight';
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a string, got ${fmtArg(name)}`);
  const w = module.getParameter(name);
  if (!w) throw new ArgumentError(`${op}: ${module.typeName} has no parameter '${name}'`);
  const dim = weightNormDim(op, module, name, w, opts.dim);
  return registerParametrization(module, name, new WeightNormParametrization(dim), { unsafe: true });
}

/** The spectral-norm parametrization (torch's _SpectralNorm): W / σ(W), with u and v as buffers `_u`, `_v`. */
class SpectralNormParametrization extends Module {
  readonly dim: number;
  readonly eps: number;
  readonly nPowerIterations: number;

  constructor(weight: Tensor, nPowerIterations: number, dim: number, eps: number, generator: PhiloxStream) {
    super();
    this.dim = dim;
    this.eps = eps;
    this.nPowerIterations = nPowerIterations;
    if (weight.ndim > 1) {
      const mat = this.matrix(weight);
      const [h, w] = mat.shape;
      const draw = (n: number): Tensor => noGrad(() => normalize(tensor(generator.normal(n, weight.dtype === 'float64' ? 'float64' : 'float32'), { dtype: weight.dtype }), { dim: 0, eps }));
      this.registerBuffer('_u', draw(h));
      this.registerBuffer('_v', draw(w));
      // As torch: 15 steps up front, so the first forward already has a good σ.
      this.powerMethod(mat, 15);
    }
  }

  /** W as the matrix [W.shape[dim], rest] (dim moved to the front). */
  private matrix(weight: Tensor): Tensor {
    let w = weight;
    if (this.dim !== 0) w = permute(w, [this.dim, ...w.shape.map((_, i) => i).filter((i) => i !== this.dim)]);
    return reshape(w, [w.shape[0], -1]);
  }

  /** u ← normalise(W v), v ← normalise(Wᵀ u), updating the buffers in place, without grad. */
  private powerMethod(mat: Tensor, iterations: number): void {
    const u = this.getBuffer('_u')!, v = this.getBuffer('_v')!;
    noGrad(() => {
      for (let i = 0; i < iterations; i++) {
        copy_(u, normalize(matmul(mat, v), { dim: 0, eps: this.eps }));
        copy_(v, normalize(matmul(u, mat), { dim: 0, eps: this.eps }));
      }
    });
  }

  forward(weight: Tensor): Tensor {
    if (weight.ndim === 1) return normalize(weight, { dim: 0, eps: this.eps });
    const mat = this.matrix(weight);
    if (this.training) this.powerMethod(mat, this.nPowerIterations);
    // Copies, so that later in-place updates of the buffers cannot touch this graph.
    const u = this.getBuffer('_u')!.clone(), v = this.getBuffer('_v')!.clone();
    const sigma = matmul(u, matmul(mat, v));
    return div(weight, sigma);
  }

  rightInverse(value: Tensor): Tensor {
    return value;
  }
}

/** spectralNorm's options. @example `{ nPowerIterations: 1, dim: 0 }` */
export interface ParametrizedSpectralNormOptions {
  /** The parameter to normalise (default 'weight'). */
  name?: string;
  /** Power-iteration steps per training-mode read (default 1, at least 1). */
  nPowerIterations?: number;
  /** Added to norms before dividing (default 1e-12). */
  eps?: number;
  /** The dim that indexes output units (default 0; 1 for ConvTranspose); negative counts from the end. */
  dim?: number;
  /** The generator for the initial u and v (default: the global one). */
  generator?: PhiloxStream;
}

/**
 * Spectral normalisation as a parametrization (torch.nn.utils.parametrizations.spectral_norm): the
 * weight becomes W / σ(W), W being `parametrizations.<name>.original` and σ the largest singular
 * value of W as a matrix [W.shape[dim], rest], estimated by power iteration with the buffers
 * `parametrizations.<name>.0._u` and `_v` (one step at each read in training mode, none in eval
 * mode). A 1-D weight is divided by its norm.
 * @example
 * const critic = new nn.Sequential(nn.utils.parametrizations.spectralNorm(new nn.Linear(2, 64)), new nn.LeakyReLU(0.2));
 */
export function spectralNorm<M extends AnyModule>(module: M, opts: ParametrizedSpectralNormOptions = {}): M & Parametrized {
  const op = 'parametrizations.spectralNorm';
  if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be an nn.Module, got ${fmtArg(module)}`);
  const name = opts.name ?? 'weight';
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a string, got ${fmtArg(name)}`);
  const w = module.getParameter(name);
  if (!w) throw new ArgumentError(`${op}: ${module.typeName} has no parameter '${name}'`);
  const nPowerIterations = opts.nPowerIterations ?? 1;
  if (!Number.isInteger(nPowerIterations) || nPowerIterations <= 0) throw new ArgumentError(`${op}: nPowerIterations must be a positive integer, got ${fmtArg(opts.nPowerIterations)}`);
  const eps = opts.eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ArgumentError(`${op}: eps must be a positive number, got ${fmtArg(opts.eps)}`);
  let dim = opts.dim ?? 0;
  if (!Number.isInteger(dim) || dim < -w.ndim || dim >= w.ndim) throw new ArgumentError(`${op}: dim must be an integer in [${-w.ndim}, ${w.ndim}), got ${fmtArg(opts.dim)} for ${module.typeName}.${name} ${w.describe()}`);
  if (dim < 0) dim += w.ndim;
  const parametrization = new SpectralNormParametrization(w, nPowerIterations, dim, eps, opts.generator ?? getDefaultGenerator());
  return registerParametrization(module, name, parametrization);
}

/** The maps from a matrix to an orthogonal one that {@link orthogonal} offers (torch's _OrthMaps). */
export type OrthogonalMap = 'matrix_exp' | 'cayley' | 'householder';

const mTr = (x: Tensor): Tensor => transpose(x, -2, -1);

/** torch's _is_orthogonal: allclose(QᵀQ, I, rtol = 1e-5, atol = 1e-5), checked on the host. */
function isOrthogonal(Q: Tensor): boolean {
  const k = Q.shape[Q.ndim - 1];
  const g = noGrad(() => matmul(mTr(Q), Q)).values;
  for (let i = 0; i < g.length; i++) {
    const r = Math.floor(i / k) % k, c = i % k, want = r === c ? 1 : 0;
    if (!(Math.abs(g[i] - want) <= 1e-5 + 1e-5 * want)) return false;
  }
  return true;
}

/** torch's _make_orthogonal: Q of A = QR with Q's columns signed so that R's diagonal is >= 0. */
function makeOrthogonal(A: Tensor): Tensor {
  const { Q, R } = qr(A);
  return mul(Q, unsqueeze(sign(diagonal(R, 0, -2, -1)), -2));
}

/**
 * Q = H₁ ⋯ H_k applied to the first k columns of I (LAPACK's orgqr, torch's householder_product),
 * H_i = I − τ_i v_i v_iᵀ with v_i column i of A below the diagonal and 1 on it; A [..., n, k], τ [..., k].
 */
function householderProduct(A: Tensor, tau: Tensor): Tensor {
  const n = A.shape[A.ndim - 2], k = A.shape[A.ndim - 1];
  const V = add(tril(A, -1), eye(n, k, { dtype: A.dtype }));
  let Q: Tensor = eye(n, k, { dtype: A.dtype });
  for (let i = k - 1; i >= 0; i--) {
    const v = narrow(V, -1, i, 1);
    const t = unsqueeze(narrow(tau, -1, i, 1), -1);
    Q = sub(Q, mul(t, matmul(v, matmul(mTr(v), Q))));
  }
  return Q;
}

/** The orthogonal parametrization (torch's _Orthogonal), with the buffer `base` when trivialized. */
class OrthogonalParametrization extends Module {
  /** The weight's shape. */
  readonly shape: number[];
  readonly orthogonalMap: OrthogonalMap;
  readonly useTrivialization: boolean;
  /** From an orthogonal matrix back to the original (only with the trivialization, as torch can only do that there for matrix_exp and cayley). */
  rightInverse?: (Q: Tensor) => Tensor;

  constructor(weight: Tensor, orthogonalMap: OrthogonalMap, useTrivialization: boolean) {
    super();
    this.shape = [...weight.shape];
    this.orthogonalMap = orthogonalMap;
    this.useTrivialization = useTrivialization;
    if (useTrivialization) {
      this.registerBuffer('base', null);
      this.rightInverse = (Q: Tensor): Tensor => this.inverse(Q);
    }
  }

  forward(weight: Tensor): Tensor {
    let X = weight;
    let n = X.shape[X.ndim - 2], k = X.shape[X.ndim - 1];
    const transposed = n < k;
    if (transposed) {
      X = mTr(X);
      [n, k] = [k, n];
    }
    let Q: Tensor;
    if (this.orthogonalMap === 'matrix_exp' || this.orthogonalMap === 'cayley') {
      X = tril(X);
      if (n !== k) X = cat([X, expand(zeros([n, n - k], { dtype: X.dtype }), [...X.shape.slice(0, -2), n, n - k])], -1);
      const A = sub(X, mTr(X));
      if (this.orthogonalMap === 'matrix_exp') {
        Q = matrixExp(A);
      } else {
        const I = eye(n, n, { dtype: A.dtype });
        Q = solve(add(I, A.mul(-0.5)), add(I, A.mul(0.5)));
      }
      if (n !== k) Q = narrow(Q, -1, 0, k);
    } else {
      const A = tril(X, -1);
      const tau = div(2, add(1, sum(mul(A, A), -2)));
      Q = householderProduct(A, tau);
      Q = mul(Q, unsqueeze(noGrad(() => trunc(diagonal(X, 0, -2, -1))), -2));
    }
    const base = this.getBuffer('base');
    if (base) Q = matmul(base, Q);
    return transposed ? mTr(Q) : Q;
  }

  private inverse(Qin: Tensor): Tensor {
    const op = 'parametrizations.orthogonal';
    if (Qin.shape.length !== this.shape.length || Qin.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`${op}: expected a matrix or batch of matrices of shape [${this.shape.join(', ')}], got ${Qin.describe()}`);
    }
    return noGrad(() => {
      let Q = Qin;
      let n = Q.shape[Q.ndim - 2], k = Q.shape[Q.ndim - 1];
      if (n < k) {
        Q = mTr(Q);
        [n, k] = [k, n];
      }
      let base: Tensor;
      if (n === k) {
        base = isOrthogonal(Q) ? Q.clone() : makeOrthogonal(Q);
      } else {
        const N = randn([...Q.shape.slice(0, -2), n, n - k], { dtype: Q.dtype === 'float64' ? 'float64' : 'float32' });
        base = makeOrthogonal(cat([Q, N], -1));
      }
      this.registerBuffer('base', base);
      // −I (n by k, as the weight): the original that the map sends to the identity.
      return expand(sub(0, eye(Qin.shape[Qin.ndim - 2], Qin.shape[Qin.ndim - 1], { dtype: Qin.dtype })), Qin.shape).clone();
    });
  }
}

/** orthogonal's options. @example `{ orthogonalMap: 'cayley', useTrivialization: true }` */
export interface OrthogonalOptions {
  /** The parameter to make orthogonal (default 'weight'). */
  name?: string;
  /** 'matrix_exp' or 'cayley' (square weights by default: 'matrix_exp'), or 'householder' (the default for rectangular ones), as PyTorch. */
  orthogonalMap?: OrthogonalMap;
  /** Keep the weight as base · map(original) with the buffer `base` (default true, as PyTorch's "dynamic trivialization"). */
  useTrivialization?: boolean;
}

/**
 * Makes a matrix (or batch of matrices) weight orthogonal, as
 * torch.nn.utils.parametrizations.orthogonal: W = base · Q(X), Q a map from the original X
 * (`parametrizations.<name>.original`) to orthogonal matrices: 'matrix_exp' (exp of the
 * skew-symmetric X.tril() − X.tril()ᵀ), 'cayley' ((I − A/2)⁻¹(I + A/2)) or 'householder' (a
 * product of reflections from X's strict lower triangle, each column multiplied by X's diagonal
 * entry truncated to an integer, as torch does). A wide weight (rows < cols) is handled
 * transposed, a tall one as the first columns of a square one. With `useTrivialization` (default)
 * the buffer `parametrizations.<name>.0.base` holds the initial orthogonalised weight and the
 * original starts as −I, as in PyTorch; assigning an orthogonal matrix to the weight resets both.
 * Without it, 'matrix_exp' and 'cayley' keep the weight's values as the original, and
 * 'householder' (whose right inverse needs LAPACK's geqrf) is refused.
 * @example
 * const fc = nn.utils.parametrizations.orthogonal(new nn.Linear(5, 5));
 * fc.weight.transpose(0, 1).matmul(fc.weight); // ≈ I
 * Object.keys(fc.stateDict());    // ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0.base']
 */
export function orthogonal<M extends AnyModule>(module: M, opts: OrthogonalOptions = {}): M & Parametrized {
  const op = 'parametrizations.orthogonal';
  if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be an nn.Module, got ${fmtArg(module)}`);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
  const name = opts.name ?? 'weight';
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a string, got ${fmtArg(name)}`);
  const w = module.getParameter(name) ?? module.getBuffer(name);
  if (!w) throw new ArgumentError(`${op}: ${module.typeName} has no parameter or buffer '${name}'`);
  if (w.ndim < 2) throw new ShapeError(`${op}: ${module.typeName}.${name} must be a matrix or a batch of matrices, got ${w.describe()}`);
  if (w.dtype !== 'float32' && w.dtype !== 'float64') throw new DTypeError(`${op}: ${module.typeName}.${name} must be float32 or float64, got ${w.describe()}`);
  const square = w.shape[w.ndim - 2] === w.shape[w.ndim - 1];
  const map = opts.orthogonalMap ?? (square ? 'matrix_exp' : 'householder');
  if (map !== 'matrix_exp' && map !== 'cayley' && map !== 'householder') {
    throw new ArgumentError(`${op}: orthogonalMap must be one of 'matrix_exp', 'cayley', 'householder', got ${fmtValue(map)}`);
  }
  const useTrivialization = opts.useTrivialization ?? true;
  if (typeof useTrivialization !== 'boolean') throw new ArgumentError(`${op}: useTrivialization must be true or false, got ${fmtArg(opts.useTrivialization)}`);
  if (map === 'householder' && !useTrivialization) {
    throw new ArgumentError(`${op}: orthogonalMap 'householder' with useTrivialization false is not implemented (its right inverse needs LAPACK's geqrf); use useTrivialization true or 'matrix_exp'/'cayley' for ${module.typeName}.${name} ${w.describe()}`);
  }
  return registerParametrization(module, name, new OrthogonalParametrization(w, map, useTrivialization), { unsafe: true });
}
