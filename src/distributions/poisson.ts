/** The Poisson distribution, as torch.distributions.Poisson. */
import { noGrad } from '../autograd/api';
import { add, div, eq, ge, gt, le, logicalAnd, logicalOr, lt, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { ones, rand, zeros } from '../ops/creation';
import { xlogy } from '../ops/elementwise-extra';
import { expand as expandOp } from '../ops/shape';
import { lgamma } from '../ops/special';
import { anyTrue } from '../ops/special-util';
import { abs, exp, floor, log, logicalNot, sqrt } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { broadcastParams, type FloatDType, type Param } from './utils';

/**
 * Poisson draws for each rate (float64, no gradient), as PyTorch's sample_poisson: for rate >= 10
 * Hörmann's transformed rejection with squeeze (PTRS, 1993), else the product of uniforms until it
 * falls below exp(-rate). Every pending element redraws each round, so the draw depends on the
 * seed and the shape only.
 */
function drawPoisson(rate: Tensor): Tensor {
  const lam = to(rate, 'float64');
  const shape = lam.shape, device = lam.device;
  const uniform = (): Tensor => rand(shape, { dtype: 'float64', device });
  let value = zeros(shape, { dtype: 'float64', device });
  // rate >= 10: PTRS.
  const slam = sqrt(lam), logLam = log(lam);
  const b = add(mul(slam, 2.53), 0.931);
  const a = add(mul(b, 0.02483), -0.059);
  const invAlpha = add(div(1.1328, sub(b, 3.4)), 1.1239);
  const vr = sub(0.9277, div(3.6224, sub(b, 2)));
  let pending = ge(lam, 10);
  for (let round = 0; anyTrue(pending); round++) {
    if (round > 10000) throw new Error('Poisson.sample: no acceptance after 10000 rounds');
    const u = sub(uniform(), 0.5), v = uniform();
    const us = sub(0.5, abs(u));
    const k = floor(add(add(mul(add(div(mul(a, 2), us), b), u), lam), 0.43));
    const quick = logicalAnd(ge(us, 0.07), le(v, vr));
    const reject = logicalOr(lt(k, 0), logicalAnd(lt(us, 0.013), gt(v, us)));
    const lhs = sub(add(log(v), log(invAlpha)), log(add(div(a, mul(us, us)), b)));
    const rhs = sub(add(mul(lam, -1), mul(k, logLam)), lgamma(add(k, 1)));
    const accept = logicalAnd(pending, logicalOr(quick, logicalAnd(logicalNot(reject), le(lhs, rhs))));
    value = where(accept, k, value);
    pending = logicalAnd(pending, logicalNot(accept));
  }
  // 0 < rate < 10: count the uniforms whose running product stays above exp(-rate).
  const limit = exp(mul(lam, -1));
  let product = ones(shape, { dtype: 'float64', device });
  pending = logicalAnd(gt(lam, 0), lt(lam, 10));
  while (anyTrue(pending)) {
    product = where(pending, mul(product, uniform()), product);
    const more = logicalAnd(pending, gt(product, limit));
    value = where(more, add(value, 1), value);
    pending = more;
  }
  return where(eq(lam, lam), value, lam);
}

/**
 * Poisson(rate) over the nonnegative integers: P(k) = rate^k e^-rate / k!. Values are float
 * counts (as PyTorch). sample uses PyTorch's algorithms on the default Philox generator; there is
 * no rsample (the distribution is discrete) and no entropy (PyTorch has none).
 * @example
 * const d = new Poisson(tensor([0.5, 40]));
 * d.sample([1000]).mean(0);      // ~[0.5, 40]
 * d.logProb(tensor([0, 38]));
 */
export class Poisson extends Distribution {
  /** The rate (>= 0), of shape batchShape. */
  readonly rate: Tensor;

  constructor(rate: Param, opts?: DistributionOptions) {
    const p = broadcastParams('Poisson', [['rate', rate]]);
    super(p.shape, [], opts);
    [this.rate] = p.tensors;
    this.checkArgs({ rate: this.rate });
  }

  override get distName(): string { return 'Poisson'; }
  get argConstraints(): Record<string, typeof constraints.nonnegative> { return { rate: constraints.nonnegative }; }
  get support(): typeof constraints.nonnegativeInteger { return constraints.nonnegativeInteger; }
  protected override get dtype(): FloatDType { return this.rate.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.rate.device; }

  override get mean(): Tensor { return this.rate; }
  override get mode(): Tensor { return floor(this.rate); }
  override get variance(): Tensor { return this.rate; }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => to(drawPoisson(expandOp(this.rate, shape)), this.dtype));
  }

  /** xlogy(k, rate) - rate - lgamma(k + 1). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return sub(sub(xlogy(v, this.rate), this.rate), lgamma(add(v, 1)));
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { rate: expandParam(this.rate, batchShape) });
  }
}
