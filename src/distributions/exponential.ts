/** The exponential distribution, as torch.distributions.Exponential. */
import { div, mul, sub } from '../ops/binary';
import { rand } from '../ops/creation';
import { exp, log, log1p, neg, reciprocal, square } from '../ops/unary';
import { zerosLike } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { broadcastParams, type FloatDType, type Param } from './utils';

/**
 * Exponential(rate): density rate exp(-rate x) on x >= 0. rsample is -log1p(-u) / rate with
 * u ~ U[0, 1) from the default Philox generator (always finite).
 * @example
 * const d = new Exponential(tensor([0.5, 2]));
 * d.mean;          // [2, 0.5]
 * d.icdf(0.5);     // the medians, log(2) / rate
 */
export class Exponential extends Distribution {
  /** The rate (> 0), of shape batchShape. */
  readonly rate: Tensor;

  constructor(rate: Param, opts?: DistributionOptions) {
    const p = broadcastParams('Exponential', [['rate', rate]]);
    super(p.shape, [], opts);
    [this.rate] = p.tensors;
    this.checkArgs({ rate: this.rate });
  }

  override get distName(): string { return 'Exponential'; }
  get argConstraints(): { rate: typeof constraints.positive } { return { rate: constraints.positive }; }
  get support(): typeof constraints.nonnegative { return constraints.nonnegative; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.rate.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.rate.device; }

  override get mean(): Tensor { return reciprocal(this.rate); }
  override get mode(): Tensor { return zerosLike(this.rate); }
  override get stddev(): Tensor { return reciprocal(this.rate); }
  override get variance(): Tensor { return reciprocal(square(this.rate)); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const u = rand(shape, { dtype: this.dtype, device: this.device });
    return div(neg(log1p(neg(u))), this.rate);
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return sub(log(this.rate), mul(this.rate, v));
  }

  /** 1 - exp(-rate x). @example `new Exponential(1).cdf(1).item() // 0.632` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return sub(1, exp(neg(mul(this.rate, v))));
  }

  /** -log1p(-p) / rate. @example `new Exponential(1).icdf(0.5).item() // 0.693` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return div(neg(log1p(neg(p))), this.rate);
  }

  /** 1 - log(rate). @example `new Exponential(1).entropy().item() // 1` */
  override entropy(): Tensor {
    return sub(1, log(this.rate));
  }

  override expand(batchShape: number[]): Exponential {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { rate: expandParam(this.rate, batchShape) });
  }
}
