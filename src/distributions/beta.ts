/** The beta distribution, as torch.distributions.Beta. */
import { add, div, mul, sub } from '../ops/binary';
import { narrow, squeeze, stack } from '../ops/shape';
import { square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { Dirichlet } from './dirichlet';
import { broadcastParams, type FloatDType, type Param } from './utils';

/** The first entry of the last dim, that dim dropped. */
const first = (t: Tensor): Tensor => squeeze(narrow(t, t.ndim - 1, 0, 1), t.ndim - 1);

/**
 * Beta(concentration1, concentration0) on [0, 1]: density x^(a-1) (1-x)^(b-1) / B(a, b) with
 * a = concentration1, b = concentration0. As in PyTorch it is the first coordinate of a
 * Dirichlet([a, b]): rsample normalises two standard gamma draws, X / (X + Y), and its gradient is
 * the implicit reparameterisation gradient of the Beta cdf (PyTorch's _dirichlet_grad).
 * @example
 * const d = new Beta(tensor([2, 0.5]), tensor([5, 0.5]));
 * d.mean;                    // [0.2857, 0.5]
 * d.logProb(tensor([0.3, 0.9]));
 */
export class Beta extends Distribution {
  /** a (> 0), of shape batchShape. */
  readonly concentration1: Tensor;
  /** b (> 0), of shape batchShape. */
  readonly concentration0: Tensor;
  /** The Dirichlet([a, b]) whose first coordinate this is. */
  private readonly dirichlet: Dirichlet;

  constructor(concentration1: Param, concentration0: Param, opts?: DistributionOptions) {
    const p = broadcastParams('Beta', [['concentration1', concentration1], ['concentration0', concentration0]]);
    super(p.shape, [], opts);
    [this.concentration1, this.concentration0] = p.tensors;
    this.checkArgs({ concentration1: this.concentration1, concentration0: this.concentration0 });
    this.dirichlet = new Dirichlet(stack([this.concentration1, this.concentration0], -1), { validateArgs: false });
  }

  override get distName(): string { return 'Beta'; }
  get argConstraints(): Record<string, typeof constraints.positive> { return { concentration1: constraints.positive, concentration0: constraints.positive }; }
  get support(): typeof constraints.unitInterval { return constraints.unitInterval; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.concentration1.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.concentration1.device; }

  override get mean(): Tensor { return div(this.concentration1, add(this.concentration1, this.concentration0)); }
  /** (a - 1) / (a + b - 2) where both exceed 1; at the edges as the Dirichlet's mode (1 where a, b < 1, as PyTorch). */
  override get mode(): Tensor { return first(this.dirichlet.mode); }
  override get variance(): Tensor {
    const total = add(this.concentration1, this.concentration0);
    return div(mul(this.concentration1, this.concentration0), mul(square(total), add(total, 1)));
  }

  override rsample(sampleShape: number[] = []): Tensor {
    this.extendedShape('rsample', sampleShape);
    return first(this.dirichlet.rsample(sampleShape));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return this.dirichlet.logProb(stack([v, sub(1, v)], -1));
  }

  /** lgamma(a) + lgamma(b) - lgamma(a + b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b). */
  override entropy(): Tensor { return this.dirichlet.entropy(); }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, {
      concentration1: expandParam(this.concentration1, batchShape),
      concentration0: expandParam(this.concentration0, batchShape),
      dirichlet: this.dirichlet.expand(batchShape),
    });
  }
}
