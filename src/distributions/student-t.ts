/** Student's t distribution, as torch.distributions.StudentT. */
import { add, div, gt, le, logicalAnd, mul, sub, where } from '../ops/binary';
import { randn } from '../ops/creation';
import { expand as expandOp } from '../ops/shape';
import { digamma, lgamma } from '../ops/special';
import { log, log1p, rsqrt, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { standardGamma } from './gamma-reparam';
import { broadcastParams, type FloatDType, type Param } from './utils';

const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const LGAMMA_HALF = 0.5 * Math.log(Math.PI);  // lgamma(1/2) = log sqrt(pi)

/**
 * StudentT(df, loc = 0, scale = 1): loc + scale T with T a t variate of df degrees of freedom.
 * rsample is PyTorch's: loc + scale X / sqrt(Z / df) with X ~ N(0, 1) and Z ~ Chi2(df), a
 * reparameterised gamma draw, so gradients reach df, loc and scale.
 * @example
 * const d = new StudentT(tensor([3, 30]), 0, 2);
 * d.variance;              // scale^2 df / (df - 2): [12, 4.2857]
 * d.rsample([8]);          // [8, 2]
 */
export class StudentT extends Distribution {
  /** Degrees of freedom (> 0), of shape batchShape. */
  readonly df: Tensor;
  /** The location, of shape batchShape. */
  readonly loc: Tensor;
  /** The scale (> 0), of shape batchShape. */
  readonly scale: Tensor;

  constructor(df: Param, loc: Param = 0, scale: Param = 1, opts?: DistributionOptions) {
    const p = broadcastParams('StudentT', [['df', df], ['loc', loc], ['scale', scale]]);
    super(p.shape, [], opts);
    [this.df, this.loc, this.scale] = p.tensors;
    this.checkArgs({ df: this.df, loc: this.loc, scale: this.scale });
  }

  override get distName(): string { return 'StudentT'; }
  get argConstraints(): Record<string, typeof constraints.real> { return { df: constraints.positive, loc: constraints.real, scale: constraints.positive }; }
  get support(): typeof constraints.real { return constraints.real; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.df.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.df.device; }

  /** loc where df > 1, else NaN. */
  override get mean(): Tensor { return where(le(this.df, 1), NaN, this.loc); }
  override get mode(): Tensor { return this.loc; }
  /** scale^2 df / (df - 2) where df > 2; inf for 1 < df <= 2; NaN for df <= 1. */
  override get variance(): Tensor {
    const finite = div(mul(square(this.scale), this.df), sub(this.df, 2));
    const infinite = where(logicalAnd(gt(this.df, 1), le(this.df, 2)), Infinity, NaN);
    return where(gt(this.df, 2), finite, infinite);
  }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const x = randn(shape, { dtype: this.dtype, device: this.device });
    // Z ~ Chi2(df) = 2 Gamma(df / 2, 1).
    const z = mul(standardGamma(expandOp(mul(this.df, 0.5), shape)), 2);
    return add(this.loc, mul(this.scale, mul(x, rsqrt(div(z, this.df)))));
  }

  /** -(df + 1)/2 log1p(y^2 / df) - log(scale) - log(df)/2 - log(pi)/2 - lgamma(df/2) + lgamma((df + 1)/2), y = (x - loc)/scale. */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const y = div(sub(v, this.loc), this.scale);
    const z = sub(add(add(add(log(this.scale), mul(log(this.df), 0.5)), HALF_LOG_PI), lgamma(mul(this.df, 0.5))), lgamma(mul(add(this.df, 1), 0.5)));
    return sub(mul(mul(add(this.df, 1), -0.5), log1p(div(square(y), this.df))), z);
  }

  override entropy(): Tensor {
    const half = mul(this.df, 0.5), halfPlus = mul(add(this.df, 1), 0.5);
    const lbeta = sub(add(lgamma(half), LGAMMA_HALF), lgamma(halfPlus));
    return add(add(add(log(this.scale), mul(halfPlus, sub(digamma(halfPlus), digamma(half)))), mul(log(this.df), 0.5)), lbeta);
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { df: expandParam(this.df, batchShape), loc: expandParam(this.loc, batchShape), scale: expandParam(this.scale, batchShape) });
  }
}
