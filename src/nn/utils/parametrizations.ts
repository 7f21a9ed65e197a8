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
import { ArgumentError, fmtArg } from '../../errors';
import { div, mul } from '../../ops/binary';
import { tensor } from '../../ops/creation';
import { copy_ } from '../../ops/inplace';
import { matmul } from '../../ops/matmul';
import { norm } from '../../ops/reduce';
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
