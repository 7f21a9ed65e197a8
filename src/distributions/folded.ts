/** The shared part of HalfNormal and HalfCauchy: |X| for X a zero-centred location-scale distribution. */
import { add, div, ge, mul, sub, where } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { abs } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import type { LocScaleDistribution } from './loc-scale';
import type { FloatDType } from './utils';

const LOG_2 = Math.log(2);

/**
 * |X| with X ~ base(0, scale), base symmetric about 0 (PyTorch builds HalfNormal and HalfCauchy as
 * a TransformedDistribution with AbsTransform; the formulas are the same): density twice the base's
 * on x >= 0, cdf 2 F(x) - 1, icdf F^-1((p + 1) / 2), entropy the base's minus log 2, rsample
 * |base.rsample()|. Subclasses give the base and the moments.
 * @example `class HalfLaplace extends FoldedDistribution { ... }`
 */
export abstract class FoldedDistribution<B extends LocScaleDistribution> extends Distribution {
  /** The zero-centred distribution folded at 0 (arguments unchecked: this one checks scale). */
  readonly baseDist: B;

  protected constructor(baseDist: B, opts?: DistributionOptions) {
    super(baseDist.batchShape, [], opts);
    this.baseDist = baseDist;
    this.checkArgs({ scale: this.scale });
  }

  /** The base's scale (> 0), of shape batchShape. */
  get scale(): Tensor { return this.baseDist.scale; }

  get argConstraints(): { scale: typeof constraints.positive } { return { scale: constraints.positive }; }
  get support(): typeof constraints.nonnegative { return constraints.nonnegative; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.scale.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.scale.device; }

  override get mode(): Tensor { return zerosLike(this.scale); }

  override rsample(sampleShape: number[] = []): Tensor {
    this.extendedShape('rsample', sampleShape);
    return abs(this.baseDist.rsample(sampleShape));
  }

  /** The base's log density + log 2 on x >= 0, -inf below. */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return where(ge(v, 0), add(this.baseDist.logProb(v), LOG_2), -Infinity);
  }

  /** 2 F(x) - 1 with F the base's cdf. */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return sub(mul(this.baseDist.cdf(v), 2), 1);
  }

  /** F^-1((p + 1) / 2) with F the base's cdf. */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return this.baseDist.icdf(div(add(p, 1), 2));
  }

  /** The base's entropy - log 2. */
  override entropy(): Tensor { return sub(this.baseDist.entropy(), LOG_2); }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { baseDist: this.baseDist.expand(batchShape) });
  }
}
