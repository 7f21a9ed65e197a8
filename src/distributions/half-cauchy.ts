/** The half-Cauchy distribution, as torch.distributions.HalfCauchy. */
import { full } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';
import { Cauchy } from './cauchy';
import type { DistributionOptions } from './distribution';
import { FoldedDistribution } from './folded';
import { broadcastParams, type Param } from './utils';

/**
 * HalfCauchy(scale): |X| for X ~ Cauchy(0, scale), on x >= 0; a common prior for scale
 * parameters. Its mean and variance are infinite. rsample is |scale tan(pi (u - 1/2))|.
 * @example
 * const d = new HalfCauchy(tensor([1, 5]));
 * d.cdf(tensor([1, 5]));   // [0.5, 0.5]
 */
export class HalfCauchy extends FoldedDistribution<Cauchy> {
  constructor(scale: Param, opts?: DistributionOptions) {
    super(new Cauchy(0, broadcastParams('HalfCauchy', [['scale', scale]]).tensors[0], { validateArgs: false }), opts);
  }

  override get distName(): string { return 'HalfCauchy'; }
  override get mean(): Tensor { return full(this.batchShape, Infinity, { dtype: this.dtype, device: this.device }); }
  override get variance(): Tensor { return this.baseDist.variance; }
}
