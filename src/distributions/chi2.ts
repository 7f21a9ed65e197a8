/** The chi-squared distribution, as torch.distributions.Chi2. */
import { mul } from '../ops/binary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import type { DistributionOptions } from './distribution';
import { Gamma } from './gamma';
import { broadcastParams, type Param } from './utils';

/**
 * Chi2(df) = Gamma(df / 2, 1 / 2): the sum of df squared standard normals (df need not be an
 * integer). Everything, rsample's gradient included, is Gamma's.
 * @example
 * const d = new Chi2(tensor([1, 4]));
 * d.mean;     // [1, 4]
 * d.df;       // [1, 4]
 */
export class Chi2 extends Gamma {
  constructor(df: Param, opts?: DistributionOptions) {
    const [t] = broadcastParams('Chi2', [['df', df]]).tensors;
    super(mul(t, 0.5), 0.5, opts);
  }

  /** The degrees of freedom, 2 concentration. */
  get df(): Tensor { return mul(this.concentration, 2); }

  protected override checkGammaArgs(): void {
    this.checkArgs({ df: this.df });
  }

  override get distName(): string { return 'Chi2'; }
  override get argConstraints(): Record<string, typeof constraints.positive> { return { df: constraints.positive }; }
}
