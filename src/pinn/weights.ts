/**
 * Loss weights of the terms: fixed numbers, or the learning-rate annealing of
 * Wang, Teng and Perdikaris (2021, "Understanding and mitigating gradient flow
 * pathologies in physics-informed neural networks", Algorithm 1):
 *
 *   lambdaHat_i = max_theta |grad_theta L_ref| / mean_theta |grad_theta L_i|
 *   lambda_i    = (1 - alpha) lambda_i + alpha lambdaHat_i
 *
 * with L_ref the residual term, so every term's back-propagated gradients reach
 * the scale of the residual's largest. The gradients are those of the
 * unweighted terms. The update runs every `every` Adam steps; L-BFGS keeps the
 * weights fixed (a line search needs one objective).
 */
import { grad } from '../autograd/api';
import { ArgumentError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

/** Options of `AnnealedWeights` (learning-rate annealing, Wang, Teng & Perdikaris 2021, Algorithm 1): the reference term (default 'residual'), the moving-average factor alpha in (0, 1] (default 0.9), the update period in Adam steps (default 10) and the starting weights. @example `new pinn.AnnealedWeights({ reference: 'residual', alpha: 0.9, every: 10, initial: { ic: 10 } })` */
export interface AnnealingOptions {
  /** The term whose gradients set the scale (default 'residual'; its weight stays 1). */
  reference?: string;
  /** Moving-average factor alpha in (0, 1] (default 0.9, as in the paper). */
  alpha?: number;
  /** Update every this many Adam steps (default 10). */
  every?: number;
  /** Starting weights by term name (default 1). */
  initial?: Record<string, number>;
}

/**
 * Learning-rate-annealing weights (Wang, Teng, Perdikaris 2021).
 * @example `pinn.train(net, terms, { weights: new pinn.AnnealedWeights({ alpha: 0.9, every: 10 }), adam: { steps: 5000 } })`
 */
export class AnnealedWeights {
  readonly reference: string;
  readonly alpha: number;
  readonly every: number;
  /** The current weight of each term seen so far. */
  readonly values: Record<string, number>;

  constructor(opts: AnnealingOptions = {}) {
    this.reference = opts.reference ?? 'residual';
    this.alpha = opts.alpha ?? 0.9;
    this.every = opts.every ?? 10;
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new ArgumentError(`pinn.AnnealedWeights: alpha must be in (0, 1], got ${this.alpha}`);
    if (!Number.isInteger(this.every) || this.every < 1) throw new ArgumentError(`pinn.AnnealedWeights: every must be a positive integer, got ${this.every}`);
    this.values = { ...(opts.initial ?? {}) };
  }

  /** The weight of a term (1 until an update sets it). @example `w.weight('dirichlet')` */
  weight(name: string): number {
    return this.values[name] ?? 1;
  }

  /**
   * One annealing update from the unweighted term losses (their graphs are retained for the later backward).
   * @example `w.update(new Map([['residual', lr], ['dirichlet', lb]]), params)`
   */
  update(losses: Map<string, Tensor>, params: Tensor[]): void {
    const ref = losses.get(this.reference);
    if (!ref) throw new ArgumentError(`pinn.AnnealedWeights: no term named '${this.reference}' (terms: ${[...losses.keys()].join(', ')})`);
    const stats = (loss: Tensor): { max: number; mean: number } => tidy(() => {
      const gs = grad(loss, params, { retainGraph: true, allowUnused: true });
      let max = 0, sum = 0, count = 0;
      for (const [i, g] of gs.entries()) {
        count += params[i].size;
        if (!g) continue;
        const v = g.values;
        for (let k = 0; k < v.length; k++) {
          const a = Math.abs(v[k]);
          if (a > max) max = a;
          sum += a;
        }
      }
      return { max, mean: count > 0 ? sum / count : 0 };
    });
    const refMax = stats(ref).max;
    for (const [name, loss] of losses) {
      if (name === this.reference) continue;
      const { mean } = stats(loss);
      if (!(mean > 0) || !Number.isFinite(refMax)) continue;
      this.values[name] = (1 - this.alpha) * this.weight(name) + this.alpha * (refMax / mean);
    }
  }
}

/** Fixed weights by term name (a missing name weighs 1), or annealed ones. */
export type LossWeights = Record<string, number> | AnnealedWeights;

/** The weight of a term under either kind. */
export function weightOf(weights: LossWeights | undefined, name: string): number {
  if (!weights) return 1;
  if (weights instanceof AnnealedWeights) return weights.weight(name);
  return weights[name] ?? 1;
}
