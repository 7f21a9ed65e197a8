/** Independent: reinterprets batch dims of a distribution as event dims, as torch.distributions.Independent. */
import { ArgumentError, ShapeError, fmtArg, fmtShape } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, NotImplementedError } from './distribution';
import { type FloatDType, sumRightmost } from './utils';

/**
 * The distribution `base` with its last `reinterpretedBatchNdims` batch dims read as event dims:
 * logProb and entropy sum over them. A diagonal Gaussian over vectors is
 * `new Independent(new Normal(mu, sigma), 1)`.
 * @example
 * const q = new Independent(new Normal(mu, sigma), 1);   // mu, sigma [B, D]
 * q.batchShape; q.eventShape;                            // [B], [D]
 * q.logProb(z);                                          // [B]: the sum over D
 */
export class Independent extends Distribution {
  /** The distribution whose batch dims are reinterpreted. */
  readonly baseDist: Distribution;
  /** How many of its trailing batch dims are event dims here. */
  readonly reinterpretedBatchNdims: number;

  constructor(baseDistribution: Distribution, reinterpretedBatchNdims: number, opts?: DistributionOptions) {
    if (!(baseDistribution instanceof Distribution)) {
      throw new ArgumentError(`Independent: baseDistribution must be a Distribution, got ${baseDistribution === null ? 'null' : typeof baseDistribution === 'object' ? fmtArg(baseDistribution) : typeof baseDistribution}`);
    }
    const n = reinterpretedBatchNdims;
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`Independent: reinterpretedBatchNdims must be a non-negative integer, got ${fmtArg(n)}`);
    const batch = baseDistribution.batchShape;
    if (n > batch.length) {
      throw new ShapeError(`Independent: reinterpretedBatchNdims ${n} is more than the ${batch.length} batch dims of ${baseDistribution.distName} (batch shape ${fmtShape(batch)})`);
    }
    const cut = batch.length - n;
    super(batch.slice(0, cut), [...batch.slice(cut), ...baseDistribution.eventShape], opts);
    this.baseDist = baseDistribution;
    this.reinterpretedBatchNdims = n;
  }

  override get distName(): string { return 'Independent'; }
  get argConstraints(): Record<string, Constraint> { return {}; }
  get support(): Constraint { return constraints.independent(this.baseDist.support, this.reinterpretedBatchNdims); }
  override get hasRsample(): boolean { return this.baseDist.hasRsample; }
  override get hasEnumerateSupport(): boolean { return this.reinterpretedBatchNdims === 0 && this.baseDist.hasEnumerateSupport; }
  protected override get dtype(): FloatDType { return (this.baseDist as unknown as { dtype: FloatDType }).dtype; }
  protected override get device(): Tensor['device'] { return (this.baseDist as unknown as { device: Tensor['device'] }).device; }

  override get mean(): Tensor { return this.baseDist.mean; }
  override get mode(): Tensor { return this.baseDist.mode; }
  override get variance(): Tensor { return this.baseDist.variance; }
  override get stddev(): Tensor { return this.baseDist.stddev; }

  override sample(sampleShape: number[] = []): Tensor { return this.baseDist.sample(sampleShape); }
  override rsample(sampleShape: number[] = []): Tensor { return this.baseDist.rsample(sampleShape); }

  override logProb(value: Tensor | number): Tensor {
    return sumRightmost(this.baseDist.logProb(value), this.reinterpretedBatchNdims);
  }

  override entropy(): Tensor {
    return sumRightmost(this.baseDist.entropy(), this.reinterpretedBatchNdims);
  }

  override enumerateSupport(expand = true): Tensor {
    if (this.reinterpretedBatchNdims > 0) throw new NotImplementedError('Independent.enumerateSupport: not available when reinterpretedBatchNdims > 0 (the support is a Cartesian product)');
    return this.baseDist.enumerateSupport(expand);
  }

  override expand(batchShape: number[]): Independent {
    const d = this.expandedInstance('expand', batchShape);
    const n = this.reinterpretedBatchNdims;
    const inner = this.baseDist.batchShape.slice(this.baseDist.batchShape.length - n);
    return Object.assign(d, { baseDist: this.baseDist.expand([...batchShape, ...inner]), reinterpretedBatchNdims: n });
  }

  override toString(): string {
    return `Independent(${this.baseDist}, ${this.reinterpretedBatchNdims})`;
  }
}
