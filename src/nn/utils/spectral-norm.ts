/**
 * Spectral normalisation (Miyato et al. 2018), as torch.nn.utils.spectral_norm:
 * the layer's weight W is replaced by W / σ(W), where σ(W) is the largest
 * singular value of W viewed as a matrix [W.shape[dim], rest], estimated by
 * power iteration:
 *
 *   v ← normalise(Wᵀ u),  u ← normalise(W v)   (nPowerIterations times, no grad)
 *   σ = uᵀ W v                                  (differentiable in W)
 *
 * The trained parameter becomes `weight_orig`; the singular-vector estimates
 * `weight_u` [h] and `weight_v` [w] are buffers, so they are saved and loaded
 * with the state dict (PyTorch's key names) and the estimate carries over from
 * step to step (one iteration per forward is enough once it has converged).
 * In eval mode the vectors are not updated, as in PyTorch.
 */
import { noGrad } from '../../autograd/api';
import { getDefaultGenerator, type PhiloxStream } from '../../backend/philox';
import { ArgumentError, fmtArg } from '../../errors';
import { div } from '../../ops/binary';
import { tensor } from '../../ops/creation';
import { copy_ } from '../../ops/inplace';
import { matmul } from '../../ops/matmul';
import { norm } from '../../ops/reduce';
import { permute, reshape } from '../../ops/shape';
import { Tensor } from '../../tensor/tensor';
import { tidy } from '../../tensor/tidy';
import type { AnyModule } from '../module';
import { Parameter } from '../parameter';
import { installReparam, type Reparam, reparamOf, uninstallReparam } from './reparametrize';

export interface SpectralNormOptions {
  /** Power-iteration steps per training forward (default 1). */
  nPowerIterations?: number;
  /** Added to norms before dividing (default 1e-12). */
  eps?: number;
  /** The dim of the weight that indexes output units (default 0; 1 for ConvTranspose). */
  dim?: number;
  /** The generator for the initial u and v (default: the global one). */
  generator?: PhiloxStream;
}

/** What spectralNorm keeps on the module (reparametrize.ts) to run its iterations and to undo itself. */
interface SpectralNormState extends Reparam {
  dim: number;
  eps: number;
  nPowerIterations: number;
}

/** W as the matrix [W.shape[dim], rest] (dim moved to the front). */
function weightMatrix(w: Tensor, dim: number): Tensor {
  if (dim !== 0) {
    const order = [dim, ...w.shape.map((_, i) => i).filter((i) => i !== dim)];
    w = permute(w, order);
  }
  return reshape(w, [w.shape[0], -1]);
}

function normalise(x: Tensor, eps: number): Tensor {
  return div(x, norm(x).add(eps));
}

/** Runs `iterations` steps of power iteration on mat, updating the u and v buffers in place. */
function powerIterate(mat: Tensor, u: Tensor, v: Tensor, iterations: number, eps: number): void {
  noGrad(() => tidy(() => {
    let uu = u, vv = v;
    for (let i = 0; i < iterations; i++) {
      vv = normalise(matmul(uu, mat), eps);
      uu = normalise(matmul(mat, vv), eps);
    }
    copy_(u, uu);
    copy_(v, vv);
  }));
}

/** The normalised weight W / σ with σ = uᵀ W v; u and v are copies, so later in-place updates cannot touch this graph. */
function normalisedWeight(module: AnyModule, r: Reparam): Tensor {
  const state = r as SpectralNormState;
  const w = module.getParameter(`${state.name}_orig`)!;
  const u = module.getBuffer(`${state.name}_u`)!, v = module.getBuffer(`${state.name}_v`)!;
  const mat = weightMatrix(w, state.dim);
  if (module.training && state.nPowerIterations > 0) powerIterate(mat, u, v, state.nPowerIterations, state.eps);
  const sigma = matmul(u.clone(), matmul(mat, v.clone()));
  return div(w, sigma);
}

/**
 * Applies spectral normalisation to `module[name]` (a Linear or conv weight) and
 * returns the module. The parameter is re-registered as `${name}_orig` with
 * buffers `${name}_u` and `${name}_v`; every forward recomputes
 * `module[name] = weight_orig / σ`. Optimisers must be built after this call
 * (they see `weight_orig`).
 * @example `const d1 = nn.utils.spectralNorm(new nn.Linear(2, 128))`
 */
export function spectralNorm<M extends AnyModule>(module: M, opts: SpectralNormOptions & { name?: string } = {}): M {
  const op = 'spectralNorm';
  const name = opts.name ?? 'weight';
  if (reparamOf(module, name)?.kind === op) throw new ArgumentError(`${op}: ${module.typeName} already has spectral normalisation`);
  const w = module.getParameter(name);
  if (!w) throw new ArgumentError(`${op}: ${module.typeName} has no parameter '${name}'`);
  if (w.ndim < 2) throw new ArgumentError(`${op}: ${module.typeName}.${name} is ${w.describe()}; it needs at least 2 dims`);
  const dim = opts.dim ?? 0;
  if (!Number.isInteger(dim) || dim < 0 || dim >= w.ndim) throw new ArgumentError(`${op}: dim must be an integer in [0, ${w.ndim}), got ${fmtArg(dim)}`);
  const nPowerIterations = opts.nPowerIterations ?? 1;
  if (!Number.isInteger(nPowerIterations) || nPowerIterations < 0) throw new ArgumentError(`${op}: nPowerIterations must be an integer >= 0, got ${fmtArg(nPowerIterations)}`);
  const eps = opts.eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ArgumentError(`${op}: eps must be a positive number, got ${fmtArg(eps)}`);

  const h = w.shape[dim], rest = w.size / h;
  const g = opts.generator ?? getDefaultGenerator();
  const draw = (n: number): Tensor => noGrad(() => {
    const x = tensor(g.normal(n, w.dtype === 'float64' ? 'float64' : 'float32'), { dtype: w.dtype });
    return normalise(x, eps);
  });
  const u = draw(h), v = draw(rest);
  module.registerParameter(name, null);
  module.registerParameter(`${name}_orig`, w);
  module.registerBuffer(`${name}_u`, u);
  module.registerBuffer(`${name}_v`, v);
  // As PyTorch: converge the vectors once up front so the first forward already uses a good σ.
  powerIterate(weightMatrix(w, dim), u, v, 15, eps);
  const state: SpectralNormState = { kind: op, name, compute: normalisedWeight, dim, eps, nPowerIterations };
  installReparam(module, state);
  return module;
}

/**
 * Removes spectral normalisation: `module[name]` becomes a Parameter again,
 * holding the current W / σ. Returns the module.
 * @example `nn.utils.removeSpectralNorm(layer)`
 */
export function removeSpectralNorm<M extends AnyModule>(module: M, opts: { name?: string } = {}): M {
  const state = reparamOf(module, opts.name ?? 'weight');
  if (state?.kind !== 'spectralNorm') throw new ArgumentError(`removeSpectralNorm: ${module.typeName} has no spectral normalisation`);
  const weight = noGrad(() => normalisedWeight(module, state));
  uninstallReparam(module, state.name);
  module.registerParameter(`${state.name}_orig`, null);
  module.registerBuffer(`${state.name}_u`, null);
  module.registerBuffer(`${state.name}_v`, null);
  (module as unknown as Record<string, unknown>)[state.name] = module.registerParameter(state.name, new Parameter(weight));
  return module;
}
