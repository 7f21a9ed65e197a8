/** The Cauchy distribution, as torch.distributions.Cauchy. */
import { add, div, mul, sub } from '../ops/binary';
import { full, rand } from '../ops/creation';
import { atan } from '../ops/special';
import { cos, log, log1p, sin, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import type { DistributionOptions } from './distribution';
import { LocScaleDistribution } from './loc-scale';
import type { Param } from './utils';

/** tan(pi (p - 1/2)): the standard Cauchy quantile of p. */
const standardQuantile = (p: Tensor): Tensor => {
  const angle = mul(sub(p, 0.5), Math.PI);
  return div(sin(angle), cos(angle));
};

/**
 * Cauchy(loc, scale) (Lorentz): density 1 / (pi scale (1 + ((x - loc)/scale)^2)); no mean or
 * variance (NaN and inf, as PyTorch). rsample is loc + scale tan(pi (u - 1/2)), u ~ U[0, 1) on the
 * default Philox generator.
 * @example
 * const d = new Cauchy(0, tensor([1, 2]));
 * d.cdf(tensor([1, 1]));      // [0.75, 0.6476]
 * d.icdf(0.75);               // [1, 2]
 */
export class Cauchy extends LocScaleDistribution {
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    super('Cauchy', loc, scale, opts);
  }

  override get distName(): string { return 'Cauchy'; }

  override get mean(): Tensor { return full(this.batchShape, NaN, { dtype: this.dtype, device: this.device }); }
  override get variance(): Tensor { return full(this.batchShape, Infinity, { dtype: this.dtype, device: this.device }); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const eps = standardQuantile(rand(shape, { dtype: this.dtype, device: this.device }));
    return add(this.loc, mul(eps, this.scale));
  }

  /** -log(pi) - log(scale) - log1p(((x - loc) / scale)^2). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return sub(sub(-Math.log(Math.PI), log(this.scale)), log1p(square(div(sub(v, this.loc), this.scale))));
  }

  /** atan((x - loc) / scale) / pi + 1/2. @example `new Cauchy(0, 1).cdf(1).item() // 0.75` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return add(div(atan(div(sub(v, this.loc), this.scale)), Math.PI), 0.5);
  }

  /** loc + scale tan(pi (p - 1/2)). @example `new Cauchy(0, 1).icdf(0.75).item() // 1` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return add(mul(standardQuantile(p), this.scale), this.loc);
  }

  /** log(4 pi scale). @example `new Cauchy(0, 1).entropy().item() // 2.5310` */
  override entropy(): Tensor {
    return add(log(this.scale), Math.log(4 * Math.PI));
  }
}
