/** The gamma distribution, as torch.distributions.Gamma. */
import { add, div, mul, sub } from '../ops/binary';
import { full } from '../ops/creation';
import { xlogy } from '../ops/elementwise-extra';
import { expand as expandOp } from '../ops/shape';
import { digamma, gammainc, lgamma } from '../ops/special';
import { clamp, log, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { clampMinForward, standardGamma } from './gamma-reparam';
import { broadcastParams, finfo, type FloatDType, type Param } from './utils';

/**
 * Gamma(concentration, rate): density rate^c x^(c-1) e^(-rate x) / Gamma(c) on x >= 0 (mean c / rate).
 * rsample draws standard gammas by Marsaglia and Tsang's method from the default Philox generator
 * (manualSeed reproduces them) and divides by rate; its gradient w.r.t. concentration is the
 * implicit reparameterisation gradient of PyTorch's _standard_gamma (see gamma-reparam.ts), w.r.t.
 * rate that of the division. Samples are at least the dtype's smallest normal number.
 * @example
 * const q = new Gamma(tensor([2, 0.5]), tensor([1, 3]));
 * const z = q.rsample([64]);         // [64, 2], differentiable in both parameters
 * q.cdf(tensor([1, 1]));              // gammainc(c, rate x)
 */
export class Gamma extends Distribution {
  /** The shape parameter c (> 0), of shape batchShape. */
  readonly concentration: Tensor;
  /** The rate (inverse scale, > 0), of shape batchShape. */
  readonly rate: Tensor;

  constructor(concentration: Param, rate: Param, opts?: DistributionOptions) {
    const p = broadcastParams('Gamma', [['concentration', concentration], ['rate', rate]]);
    super(p.shape, [], opts);
    [this.concentration, this.rate] = p.tensors;
    this.checkGammaArgs();
  }

  /** The constructor's argument check (Chi2 checks df instead). */
  protected checkGammaArgs(): void {
    this.checkArgs({ concentration: this.concentration, rate: this.rate });
  }

  override get distName(): string { return 'Gamma'; }
  get argConstraints(): Record<string, typeof constraints.positive> { return { concentration: constraints.positive, rate: constraints.positive }; }
  get support(): typeof constraints.nonnegative { return constraints.nonnegative; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.rate.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.rate.device; }

  override get mean(): Tensor { return div(this.concentration, this.rate); }
  /** (c - 1) / rate, or 0 where c < 1. */
  override get mode(): Tensor { return clamp(div(sub(this.concentration, 1), this.rate), { min: 0 }); }
  override get variance(): Tensor { return div(this.concentration, square(this.rate)); }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const value = div(standardGamma(expandOp(this.concentration, shape)), expandOp(this.rate, shape));
    return clampMinForward(value, full([], finfo(this.dtype).tiny, { dtype: this.dtype, device: this.device }));
  }

  /** xlogy(c, rate) + xlogy(c - 1, x) - rate x - lgamma(c). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const c = this.concentration;
    return sub(sub(add(xlogy(c, this.rate), xlogy(sub(c, 1), v)), mul(this.rate, v)), lgamma(c));
  }

  /**
   * gammainc(c, rate x). Differentiable in rate and x only (PyTorch has no gradient of gammainc
   * in its first argument: a concentration that requires grad throws).
   * @example `new Gamma(2, 1).cdf(1).item() // 0.2642`
   */
  override cdf(value: Tensor | number): Tensor {
    const v = this.validateSample('cdf', value);
    return gammainc(this.concentration, mul(this.rate, v));
  }

  /** c - log(rate) + lgamma(c) + (1 - c) digamma(c). @example `new Gamma(1, 1).entropy().item() // 1` */
  override entropy(): Tensor {
    const c = this.concentration;
    return add(add(sub(c, log(this.rate)), lgamma(c)), mul(sub(1, c), digamma(c)));
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { concentration: expandParam(this.concentration, batchShape), rate: expandParam(this.rate, batchShape) });
  }
}
