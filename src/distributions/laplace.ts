/** The Laplace (double exponential) distribution, as torch.distributions.Laplace. */
import { add, div, maximum, mul, sub } from '../ops/binary';
import { rand } from '../ops/creation';
import { abs, expm1, log, log1p, neg, sign, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { LocScaleDistribution } from './loc-scale';
import { finfo, type Param } from './utils';

/**
 * Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale).
 * rsample is loc - scale sign(u) log1p(-|u|) with u uniform on (eps - 1, 1), as PyTorch.
 * @example
 * const d = new Laplace(0, tensor([1, 2]));
 * d.logProb(tensor([0.5, -1]));
 * d.cdf(0);   // [0.5, 0.5]
 */
export class Laplace extends LocScaleDistribution {
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    super('Laplace', loc, scale, opts);
  }

  override get distName(): string { return 'Laplace'; }

  override get mean(): Tensor { return this.loc; }
  override get stddev(): Tensor { return mul(this.scale, Math.SQRT2); }
  override get variance(): Tensor { return mul(square(this.scale), 2); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    // u uniform on [-1, 1), moved off -1 to eps - 1 so that log1p(-|u|) stays finite.
    const u = maximum(sub(mul(rand(shape, { dtype: this.dtype, device: this.device }), 2), 1), finfo(this.dtype).eps - 1);
    return sub(this.loc, mul(mul(this.scale, sign(u)), log1p(neg(abs(u)))));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return sub(neg(log(mul(this.scale, 2))), div(abs(sub(v, this.loc)), this.scale));
  }

  /** 0.5 - 0.5 sign(x - loc) expm1(-|x - loc| / scale). @example `new Laplace(0, 1).cdf(0).item() // 0.5` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    const diff = sub(v, this.loc);
    return sub(0.5, mul(mul(sign(diff), 0.5), expm1(div(neg(abs(diff)), this.scale))));
  }

  /** loc - scale sign(p - 0.5) log1p(-2 |p - 0.5|). @example `new Laplace(0, 1).icdf(0.5).item() // 0` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    const term = sub(p, 0.5);
    return sub(this.loc, mul(mul(this.scale, sign(term)), log1p(mul(abs(term), -2))));
  }

  /** 1 + log(2 scale). @example `new Laplace(0, 1).entropy().item() // 1.6931` */
  override entropy(): Tensor {
    return add(log(mul(this.scale, 2)), 1);
  }

}
