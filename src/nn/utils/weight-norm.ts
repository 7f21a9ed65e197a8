/**
 * Weight normalisation (Salimans and Kingma, 2016), as torch.nn.utils.weight_norm: the layer's
 * weight W is re-expressed as a direction V and a magnitude g,
 *
 *   W = g · V / ‖V‖          (the norm over every dim but `dim`, per slice of `dim`)
 *
 * so that gradient descent on (g, V) decouples the length of each unit's weight vector from its
 * direction, which conditions the optimisation better and does not depend on the batch as
 * BatchNorm does (recurrent nets, GAN generators, small batches). The trained parameters are
 * `weight_g` (shaped like W with 1 outside `dim`) and `weight_v`, PyTorch's names; W is recomputed
 * before every forward.
 */
import { noGrad } from '../../autograd/api';
import { ArgumentError, fmtArg } from '../../errors';
import { div, mul } from '../../ops/binary';
import { norm } from '../../ops/reduce';
import type { Tensor } from '../../tensor/tensor';
import type { AnyModule } from '../module';
import { Parameter } from '../parameter';
import { installReparam, type Reparam, reparamOf, uninstallReparam } from './reparametrize';

/** weightNorm's options. @example `{ name: 'weight', dim: 0 }` */
export interface WeightNormOptions {
  /** The parameter to normalise (default 'weight'). */
  name?: string;
  /** The dim that indexes output units (default 0); null (or -1, as PyTorch) for one norm over the whole weight. */
  dim?: number | null;
}

interface WeightNormState extends Reparam {
  /** The dim kept by the norm, or null for the whole tensor. */
  dim: number | null;
}

/** ‖v‖ over every dim but `dim` (kept as size-1 dims), or over everything. */
function normExceptDim(v: Tensor, dim: number | null): Tensor {
  if (dim === null) return norm(v);
  const dims = v.shape.map((_, i) => i).filter((i) => i !== dim);
  return dims.length === 0 ? v.abs() : norm(v, 2, dims, { keepdim: true });
}

function normalisedWeight(module: AnyModule, r: Reparam): Tensor {
  const state = r as WeightNormState;
  const g = module.getParameter(`${state.name}_g`)!, v = module.getParameter(`${state.name}_v`)!;
  return mul(v, div(g, normExceptDim(v, state.dim)));
}

/**
 * @internal The dim weight norm keeps (PyTorch's rule: default 0, -1 or null for the whole tensor,
 * negative dims counted from the end), checked against the weight; shared by both weight norms.
 */
export function weightNormDim(op: string, module: AnyModule, name: string, w: Tensor, given: number | null | undefined): number | null {
  let dim = given === undefined ? 0 : given;
  if (dim === -1) dim = null;  // PyTorch's sentinel for "the whole tensor"
  if (dim !== null && (!Number.isInteger(dim) || dim < -w.ndim || dim >= w.ndim)) {
    throw new ArgumentError(`${op}: dim must be an integer in [${-w.ndim}, ${w.ndim}) or null, got ${fmtArg(given)} for ${module.typeName}.${name} ${w.describe()}`);
  }
  return dim !== null && dim < 0 ? dim + w.ndim : dim;
}

/**
 * Applies weight normalisation to `module[name]` and returns the module: the parameter is replaced
 * by `${name}_g` and `${name}_v`, from which every forward recomputes it. Build the optimizer
 * after this call (it must see the new parameters).
 * @example `const fc = nn.utils.weightNorm(new nn.Linear(20, 40))`
 */
export function weightNorm<M extends AnyModule>(module: M, opts: WeightNormOptions = {}): M {
  const op = 'weightNorm';
  const name = opts.name ?? 'weight';
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a string, got ${fmtArg(name)}`);
  if (reparamOf(module, name)) throw new ArgumentError(`${op}: ${module.typeName}.${name} already has ${reparamOf(module, name)!.kind}`);
  const w = module.getParameter(name);
  if (!w) throw new ArgumentError(`${op}: ${module.typeName} has no parameter '${name}'`);
  const keptDim = weightNormDim(op, module, name, w, opts.dim);
  const [g, v] = noGrad(() => [normExceptDim(w, keptDim), w.clone()]);
  module.registerParameter(name, null);
  module.registerParameter(`${name}_g`, new Parameter(g));
  module.registerParameter(`${name}_v`, new Parameter(v));
  const state: WeightNormState = { kind: op, name, compute: normalisedWeight, dim: keptDim };
  installReparam(module, state);
  return module;
}

/**
 * Removes weight normalisation: `module[name]` becomes a Parameter again, holding the current g · V / ‖V‖.
 * @example `nn.utils.removeWeightNorm(fc)`
 */
export function removeWeightNorm<M extends AnyModule>(module: M, opts: { name?: string } = {}): M {
  const state = reparamOf(module, opts.name ?? 'weight');
  if (state?.kind !== 'weightNorm') throw new ArgumentError(`removeWeightNorm: ${module.typeName} has no weight normalisation on '${opts.name ?? 'weight'}'`);
  const weight = noGrad(() => normalisedWeight(module, state));
  uninstallReparam(module, state.name);
  module.registerParameter(`${state.name}_g`, null);
  module.registerParameter(`${state.name}_v`, null);
  (module as unknown as Record<string, unknown>)[state.name] = module.registerParameter(state.name, new Parameter(weight));
  return module;
}
