/** The normal (Gaussian) distribution, as torch.distributions.Normal. */
import { add, div, mul, sub } from '../ops/binary';
import { randn } from '../ops/creation';
import { erf, log, neg, reciprocal, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { LocScaleDistribution } from './loc-scale';
import { erfinv } from '../ops/special';
import type { Param } from './utils';

const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/**
 * N(loc, scale^2), batched over the broadcast shape of loc and scale:
 *   logProb(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi)).
 * rsample is loc + scale * eps with eps ~ N(0, 1) from the default Philox generator.
 * @example
 * manualSeed(0);
 * const q = new Normal(mu, logVar.mul(0.5).exp());
 * const z = q.rsample();             // differentiable in mu and logVar
 * const lp = q.logProb(z).sum(-1);
 */
export class Normal extends LocScaleDistribution {
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    super('Normal', loc, scale, opts);
  }

  override get distName(): string { return 'Normal'; }

  override get mean(): Tensor { return this.loc; }
  override get stddev(): Tensor { return this.scale; }
  override get variance(): Tensor { return square(this.scale); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const eps = randn(shape, { dtype: this.dtype, device: this.device });
    return add(this.loc, mul(eps, this.scale));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const variance = square(this.scale);
    return sub(sub(neg(div(square(sub(v, this.loc)), mul(variance, 2))), log(this.scale)), LOG_SQRT_2PI);
  }

  /** 0.5 (1 + erf((x - loc) / (scale sqrt 2))). @example `new Normal(0, 1).cdf(1.96).item() // 0.975` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return mul(add(erf(div(mul(sub(v, this.loc), reciprocal(this.scale)), Math.SQRT2)), 1), 0.5);
  }

  /** loc + scale sqrt(2) erfinv(2p - 1). @example `new Normal(0, 1).icdf(0.975).item() // 1.96` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return add(this.loc, mul(mul(this.scale, erfinv(sub(mul(p, 2), 1))), Math.SQRT2));
  }

  /** 0.5 + 0.5 log(2 pi) + log(scale). @example `new Normal(0, 1).entropy().item() // 1.4189` */
  override entropy(): Tensor {
    return add(log(this.scale), 0.5 + 0.5 * Math.log(2 * Math.PI));
  }

}
