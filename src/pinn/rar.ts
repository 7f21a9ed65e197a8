/**
 * Residual-based adaptive refinement (RAR, Lu, Meng, Mao and Karniadakis 2021,
 * "DeepXDE"): evaluate the PDE residual on a dense candidate set and add the
 * points where it is largest to the collocation points, then train on.
 */
import { ArgumentError } from '../errors';
import { indexSelect } from '../ops/indexing';
import { cat } from '../ops/shape';
import { Tensor } from '../tensor/tensor';
import { keep, tidy } from '../tensor/tidy';
import type { Field, ResidualTerm } from './conditions';

/** Options of `pinn.rar` (residual-based adaptive refinement, Lu et al. 2021, DeepXDE): how many candidates with the largest residual to add (default 10). @example `pinn.rar(pde, net, candidates, { add: 20 })` */
export interface RarOptions {
  /** How many candidate points to add (default 10). */
  add?: number;
}

/**
 * Adds to term.points the `add` candidates with the largest residual magnitude
 * (summed over the term's residuals); returns the mean |residual| over the candidates
 * (the quantity Lu et al. refine until it falls below a threshold) and the added points.
 * @example `const { meanResidual } = pinn.rar(pde, net, domain.sampleInterior(100000, { seed: 9 }), { add: 10 })`
 */
export function rar(term: ResidualTerm, model: Field, candidates: Tensor, opts: RarOptions = {}): { meanResidual: number; added: Tensor } {
  const add = opts.add ?? 10;
  if (!(candidates instanceof Tensor) || candidates.ndim !== 2 || candidates.shape[1] !== term.points.shape[1]) {
    throw new ArgumentError(`pinn.rar: candidates must be [M, ${term.points.shape[1]}] like the term's points, got ${candidates instanceof Tensor ? candidates.describe() : String(candidates)}`);
  }
  const m = candidates.shape[0];
  if (!Number.isInteger(add) || add < 1 || add > m) throw new ArgumentError(`pinn.rar: add must be an integer in [1, ${m}] (the candidate count), got ${add}`);
  const magnitude = tidy(() => {
    const rs = term.residuals(model, candidates);
    const out = new Float64Array(m);
    for (const r of rs) {
      if (r.size !== m) throw new ArgumentError(`pinn.rar: a residual has ${r.size} values for ${m} candidates`);
      const v = r.values;
      for (let i = 0; i < m; i++) out[i] += Math.abs(v[i]);
    }
    return out;
  });
  let sum = 0;
  for (let i = 0; i < m; i++) sum += magnitude[i];
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => magnitude[b] - magnitude[a] || a - b);
  const index = Tensor.fromData(Int32Array.from(order.slice(0, add)), [add], 'int32');
  const added = keep(indexSelect(candidates.detach(), 0, index).to(term.points.dtype));
  const grown = keep(cat([term.points.detach(), added], 0));
  grown.requiresGrad = true;
  term.points = grown;
  return { meanResidual: sum / m, added };
}
