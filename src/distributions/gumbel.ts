/** The Gumbel (type-I extreme value) distribution, as torch.distributions.Gumbel. */
import { add, div, mul, sub } from '../ops/binary';
import { rand } from '../ops/creation';
import { exp, log, neg, square } from '../ops/unary';
import { maximum } from '../ops/binary';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { LocScaleDistribution } from './loc-scale';
import { finfo, type Param } from './utils';

/** The Euler–Mascheroni constant. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Gumbel(loc, scale): cdf exp(-exp(-(x - loc) / scale)). rsample is loc - scale log(-log u) with u
 * uniform on [tiny, 1) from the default Philox generator. (PyTorch builds it as a transformed
 * Uniform; the values and gradients are the same, cdf and icdf are the closed forms.)
 * @example
 * const g = new Gumbel(0, 1);
 * g.mean.item();   // 0.5772 (Euler's constant)
 * g.rsample([4]);
 */
export class Gumbel extends LocScaleDistribution {
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    super('Gumbel', loc, scale, opts);
  }

  override get distName(): string { return 'Gumbel'; }

  override get mean(): Tensor { return add(this.loc, mul(this.scale, EULER_GAMMA)); }
  override get stddev(): Tensor { return mul(this.scale, Math.PI / Math.sqrt(6)); }
  override get variance(): Tensor { return square(this.stddev); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const u = maximum(rand(shape, { dtype: this.dtype, device: this.device }), finfo(this.dtype).tiny);
    return sub(this.loc, mul(this.scale, log(neg(log(u)))));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const z = div(sub(v, this.loc), this.scale);
    return neg(add(add(log(this.scale), z), exp(neg(z))));
  }

  /** exp(-exp(-(x - loc) / scale)). @example `new Gumbel(0, 1).cdf(0).item() // 1/e` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return exp(neg(exp(neg(div(sub(v, this.loc), this.scale)))));
  }

  /** loc - scale log(-log p). @example `new Gumbel(0, 1).icdf(Math.exp(-1)).item() // 0` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return sub(this.loc, mul(this.scale, log(neg(log(p)))));
  }

  /** log(scale) + 1 + Euler's constant. @example `new Gumbel(0, 1).entropy().item() // 1.5772` */
  override entropy(): Tensor {
    return add(log(this.scale), 1 + EULER_GAMMA);
  }

}
