/** The log-normal distribution, as torch.distributions.LogNormal (a Normal through exp). */
import { add, mul, sub } from '../ops/binary';
import { exp, expm1, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import type { DistributionOptions } from './distribution';
import { Normal } from './normal';
import { ExpTransform } from './transforms';
import { TransformedDistribution } from './transformed';
import { broadcastParams, type Param } from './utils';

/**
 * exp(X) for X ~ N(loc, scale^2): a TransformedDistribution of Normal(loc, scale) by exp, with
 * the closed-form moments and entropy.
 * @example
 * const d = new LogNormal(0, 0.5);
 * d.mean.item();   // exp(0.125)
 * d.logProb(tensor([1, 2]));
 */
export class LogNormal extends TransformedDistribution {
  protected static readonly label: string = 'LogNormal';

  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    const p = broadcastParams('LogNormal', [['loc', loc], ['scale', scale]]);
    super(new Normal(p.tensors[0], p.tensors[1], { validateArgs: false }), [new ExpTransform()], opts);
    this.checkArgs({ loc: this.loc, scale: this.scale });
  }

  override get distName(): string { return 'LogNormal'; }
  /** The mean of log(X). */
  get loc(): Tensor { return (this.baseDist as Normal).loc; }
  /** The standard deviation of log(X). */
  get scale(): Tensor { return (this.baseDist as Normal).scale; }
  override get argConstraints(): Record<string, Constraint> { return { loc: constraints.real, scale: constraints.positive }; }
  override get support(): Constraint { return constraints.positive; }

  override get mean(): Tensor { return exp(add(this.loc, mul(square(this.scale), 0.5))); }
  override get mode(): Tensor { return exp(sub(this.loc, square(this.scale))); }
  override get variance(): Tensor {
    const s2 = square(this.scale);
    return mul(expm1(s2), exp(add(mul(this.loc, 2), s2)));
  }

  /** The Normal's entropy plus loc. */
  override entropy(): Tensor {
    return add(this.baseDist.entropy(), this.loc);
  }

  override expand(batchShape: number[]): LogNormal {
    return super.expand(batchShape) as LogNormal;
  }

  override toString(): string {
    return `LogNormal(loc: ${describe(this.loc)}, scale: ${describe(this.scale)})`;
  }
}

const describe = (t: Tensor): string => (t.numel() === 1 ? String(t.item()) : t.describe());
