/** The continuous uniform distribution on [low, high), as torch.distributions.Uniform. */
import { ArgumentError } from '../errors';
import { add, div, gt, le, logicalAnd, lt, mul, sub } from '../ops/binary';
import { to } from '../ops/cast';
import { rand } from '../ops/creation';
import { clamp, log, square } from '../ops/unary';
import { hostValues } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { broadcastParams, type FloatDType, type Param } from './utils';

/**
 * Uniform on [low, high), batched over the broadcast shape of low and high (low < high is checked
 * when validateArgs). logProb(x) = -log(high - low) inside, -inf outside; rsample is
 * low + u (high - low) with u ~ U[0, 1) from the default Philox generator.
 * @example
 * const u = new Uniform(tensor([0, -1]), tensor([1, 3]));
 * u.sample([5]);   // [5, 2]
 * u.entropy();     // log([1, 4])
 */
export class Uniform extends Distribution {
  /** The lower bound (inclusive), broadcast to batchShape. */
  readonly low: Tensor;
  /** The upper bound (exclusive), broadcast to batchShape. */
  readonly high: Tensor;

  constructor(low: Param, high: Param, opts?: DistributionOptions) {
    const p = broadcastParams('Uniform', [['low', low], ['high', high]]);
    super(p.shape, [], opts);
    [this.low, this.high] = p.tensors;
    this.checkArgs({ low: this.low, high: this.high });
    if (this.validateArgs) {
      const ok = hostValues(lt(this.low, this.high));
      const lo = hostValues(this.low), hi = hostValues(this.high);
      for (let i = 0; i < ok.length; i++) {
        if (!ok[i]) throw new ArgumentError(`Uniform: low must be < high elementwise; at element ${i} of batch shape [${this.batchShape.join(',')}] low is ${lo[i]} and high is ${hi[i]}`);
      }
    }
  }

  override get distName(): string { return 'Uniform'; }
  get argConstraints(): Record<string, Constraint> { return { low: constraints.real, high: constraints.real }; }
  /** [low, high] (PyTorch's interval support: high itself passes the check and has log-probability -inf). */
  get support(): Constraint { return constraints.interval(this.low, this.high, 'interval [low, high]'); }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.low.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.low.device; }

  override get mean(): Tensor { return div(add(this.high, this.low), 2); }
  /** NaN: every point of the interval is a mode (PyTorch's convention). */
  override get mode(): Tensor { return mul(this.high, NaN); }
  override get stddev(): Tensor { return div(sub(this.high, this.low), Math.sqrt(12)); }
  override get variance(): Tensor { return div(square(sub(this.high, this.low)), 12); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const u = rand(shape, { dtype: this.dtype, device: this.device });
    return add(this.low, mul(u, sub(this.high, this.low)));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const inside = to(logicalAnd(le(this.low, v), gt(this.high, v)), this.dtype);
    return sub(log(inside), log(sub(this.high, this.low)));
  }

  /** (x - low) / (high - low), clamped to [0, 1]. @example `new Uniform(0, 4).cdf(1).item() // 0.25` */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return clamp(div(sub(v, this.low), sub(this.high, this.low)), { min: 0, max: 1 });
  }

  /** low + p (high - low). @example `new Uniform(0, 4).icdf(0.25).item() // 1` */
  override icdf(value: Tensor | number): Tensor {
    const p = this.validateProbability('icdf', value);
    return add(mul(p, sub(this.high, this.low)), this.low);
  }

  /** log(high - low). @example `new Uniform(0, 4).entropy().item() // log 4` */
  override entropy(): Tensor {
    return log(sub(this.high, this.low));
  }

  override expand(batchShape: number[]): Uniform {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { low: expandParam(this.low, batchShape), high: expandParam(this.high, batchShape) });
  }
}
