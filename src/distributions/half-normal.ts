/** The half-normal distribution, as torch.distributions.HalfNormal. */
import { mul } from '../ops/binary';
import { square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { FoldedDistribution } from './folded';
import { Normal } from './normal';
import { broadcastParams, type Param } from './utils';

/**
 * HalfNormal(scale): |X| for X ~ N(0, scale^2), on x >= 0 (mean scale sqrt(2/pi)). rsample is
 * |scale eps|, eps ~ N(0, 1), differentiable in scale.
 * @example
 * const d = new HalfNormal(tensor([1, 2]));
 * d.mean;              // [0.7979, 1.5958]
 * d.icdf(0.5);         // the medians, 0.6745 scale
 */
export class HalfNormal extends FoldedDistribution<Normal> {
  constructor(scale: Param, opts?: DistributionOptions) {
    super(new Normal(0, broadcastParams('HalfNormal', [['scale', scale]]).tensors[0], { validateArgs: false }), opts);
  }

  override get distName(): string { return 'HalfNormal'; }
  override get mean(): Tensor { return mul(this.scale, Math.sqrt(2 / Math.PI)); }
  override get variance(): Tensor { return mul(square(this.scale), 1 - 2 / Math.PI); }
}
