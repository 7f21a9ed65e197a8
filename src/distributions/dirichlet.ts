/** The Dirichlet distribution, as torch.distributions.Dirichlet. */
import { add, div, eq, lt, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { arange } from '../ops/creation';
import { xlogy } from '../ops/elementwise-extra';
import { amax, sum } from '../ops/reduce';
import { expand as expandOp } from '../ops/shape';
import { digamma, lgamma } from '../ops/special';
import { clamp, square } from '../ops/unary';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { dirichletSample } from './gamma-reparam';
import { broadcastParams, type FloatDType } from './utils';

/**
 * Dirichlet(concentration) on the probability simplex of the last dim (K categories; the other
 * dims are the batch). rsample draws K standard gammas per event (Marsaglia and Tsang, default
 * Philox generator) and normalises them; its gradient is PyTorch's implicit reparameterisation of
 * the Beta marginals (see gamma-reparam.ts).
 * @example
 * const d = new Dirichlet(tensor([[1, 2, 3], [0.5, 0.5, 0.5]]));
 * d.batchShape; d.eventShape;   // [2], [3]
 * d.rsample([10]);               // [10, 2, 3], rows summing to 1
 */
export class Dirichlet extends Distribution {
  /** The concentrations (> 0), batchShape + [K]. */
  readonly concentration: Tensor;

  constructor(concentration: Tensor, opts?: DistributionOptions) {
    const [c] = broadcastParams('Dirichlet', [['concentration', concentration]]).tensors;
    if (c.ndim < 1) throw new ShapeError(`Dirichlet: concentration must have at least one dim (the categories), got ${c.describe()}`);
    super(c.shape.slice(0, -1), c.shape.slice(-1), opts);
    this.concentration = c;
    this.checkArgs({ concentration: c });
  }

  override get distName(): string { return 'Dirichlet'; }
  get argConstraints(): Record<string, Constraint> { return { concentration: constraints.independent(constraints.positive, 1) }; }
  get support(): Constraint { return constraints.simplex; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.concentration.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.concentration.device; }

  override get mean(): Tensor { return div(this.concentration, sum(this.concentration, -1, { keepdim: true })); }

  /**
   * (c - 1) / sum(c - 1) with c - 1 clamped at 0; where every c < 1, PyTorch's one-hot of the
   * first category.
   */
  override get mode(): Tensor {
    const cm1 = clamp(sub(this.concentration, 1), { min: 0 });
    const mode = div(cm1, sum(cm1, -1, { keepdim: true }));
    const first = to(eq(arange(0, this.eventShape[0], 1, { device: this.device }), 0), this.dtype);
    return where(lt(amax(this.concentration, -1, { keepdim: true }), 1), first, mode);
  }

  override get variance(): Tensor {
    const c = this.concentration;
    const c0 = sum(c, -1, { keepdim: true });
    return div(mul(c, sub(c0, c)), mul(square(c0), add(c0, 1)));
  }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    return dirichletSample(expandOp(this.concentration, shape));
  }

  /** sum xlogy(c - 1, x) + lgamma(sum c) - sum lgamma(c). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const c = this.concentration;
    return sub(add(sum(xlogy(sub(c, 1), v), -1), lgamma(sum(c, -1))), sum(lgamma(c), -1));
  }

  /** sum lgamma(c) - lgamma(c0) - (K - c0) psi(c0) - sum (c - 1) psi(c), c0 = sum c. */
  override entropy(): Tensor {
    const c = this.concentration;
    const k = this.eventShape[0];
    const c0 = sum(c, -1);
    return sub(sub(sub(sum(lgamma(c), -1), lgamma(c0)), mul(sub(k, c0), digamma(c0))), sum(mul(sub(c, 1), digamma(c)), -1));
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { concentration: expandParam(this.concentration, batchShape, 1) });
  }
}
