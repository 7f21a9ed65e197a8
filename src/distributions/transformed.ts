/** A base distribution pushed through invertible transforms, as torch.distributions.TransformedDistribution. */
import { noGrad } from '../autograd/api';
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { add, mul, sub } from '../ops/binary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { Independent } from './independent';
import { Transform } from './transforms';
import { type FloatDType, sumRightmost } from './utils';

/**
 * The distribution of y = f_n(...f_1(x)) for x ~ base: sample and rsample push base samples
 * forward; logProb(y) = base.logProb(x) - sum_i log |det J_i| (the inverses give x); cdf and icdf
 * go through the inverses (monotone transforms; decreasing ones flip the cdf).
 * @example
 * // LogNormal by hand, and a squashed Gaussian policy
 * const ln = new TransformedDistribution(new Normal(0, 1), [new ExpTransform()]);
 * const pi = new TransformedDistribution(new Normal(mu, sigma), [new TanhTransform()]);
 */
export class TransformedDistribution extends Distribution {
  /** The distribution before the transforms (an Independent of the given one where a transform spans more event dims). */
  readonly baseDist: Distribution;
  /** The transforms, applied in order. */
  readonly transforms: Transform[];

  constructor(baseDistribution: Distribution, transforms: Transform | Transform[], opts?: DistributionOptions) {
    const name = (new.target as unknown as { label?: string }).label ?? 'TransformedDistribution';
    if (!(baseDistribution instanceof Distribution)) throw new ArgumentError(`${name}: baseDistribution must be a Distribution`);
    const list = transforms instanceof Transform ? [transforms] : transforms;
    if (!Array.isArray(list) || list.some((t) => !(t instanceof Transform))) {
      throw new ArgumentError(`${name}: transforms must be a Transform or an array of Transforms`);
    }
    const baseShape = [...baseDistribution.batchShape, ...baseDistribution.eventShape];
    const baseEventDim = baseDistribution.eventShape.length;
    // The transforms here keep their event dims (domain and codomain alike): the composition spans the widest.
    const transformEventDim = list.reduce((m, t) => Math.max(m, t.eventDim), 0);
    if (baseShape.length < transformEventDim) {
      throw new ShapeError(`${name}: the base distribution's shape ${fmtShape(baseShape)} has fewer dims than the transforms' event dims (${transformEventDim})`);
    }
    const forwardShape = list.reduce((s, t) => t.forwardShape(s), baseShape);
    const expandedBaseShape = list.reduceRight((s, t) => t.inverseShape(s), forwardShape);
    let base = baseDistribution;
    if (expandedBaseShape.length !== baseShape.length || expandedBaseShape.some((s, i) => s !== baseShape[i])) {
      base = base.expand(expandedBaseShape.slice(0, expandedBaseShape.length - baseEventDim));
    }
    const reinterpreted = transformEventDim - baseEventDim;
    if (reinterpreted > 0) base = new Independent(base, reinterpreted);
    const eventDim = Math.max(transformEventDim, baseEventDim);
    const cut = forwardShape.length - eventDim;
    super(forwardShape.slice(0, cut), forwardShape.slice(cut), opts);
    this.baseDist = base;
    this.transforms = list.slice();
  }

  override get distName(): string { return 'TransformedDistribution'; }
  get argConstraints(): Record<string, Constraint> { return {}; }
  get support(): Constraint {
    const s = this.transforms.length ? this.transforms[this.transforms.length - 1].codomain : this.baseDist.support;
    return this.eventShape.length > s.eventDim ? constraints.independent(s, this.eventShape.length - s.eventDim) : s;
  }
  override get hasRsample(): boolean { return this.baseDist.hasRsample; }
  protected override get dtype(): FloatDType { return (this.baseDist as unknown as { dtype: FloatDType }).dtype; }
  protected override get device(): Tensor['device'] { return (this.baseDist as unknown as { device: Tensor['device'] }).device; }

  override sample(sampleShape: number[] = []): Tensor {
    return noGrad(() => this.transforms.reduce((x, t) => t.forward(x), this.baseDist.sample(sampleShape)));
  }

  override rsample(sampleShape: number[] = []): Tensor {
    return this.transforms.reduce((x, t) => t.forward(x), this.baseDist.rsample(sampleShape));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    let eventDim = this.eventShape.length;
    let logProb: Tensor | number = 0;
    let y = v;
    for (let i = this.transforms.length - 1; i >= 0; i--) {
      const t = this.transforms[i];
      const x = t.inverse(y);
      // Elementwise transforms return log|det J| per element: sum it over the event dims they do not span.
      logProb = sub(logProb, sumRightmost(t.logAbsDetJacobian(x, y), eventDim - t.eventDim));
      y = x;
    }
    return add(logProb, sumRightmost(this.baseDist.logProb(y), eventDim - this.baseDist.eventShape.length));
  }

  /** The base cdf at the inverse image, flipped (1 - F) if the transforms reverse the order. */
  override cdf(value: Tensor | number): Tensor {
    let v = this.validateSample('cdf', value);
    for (let i = this.transforms.length - 1; i >= 0; i--) v = this.transforms[i].inverse(v);
    return this.monotonize(this.baseDist.cdf(v));
  }

  override icdf(value: Tensor | number): Tensor {
    const p = this.monotonize(this.validateProbability('icdf', value));
    return this.transforms.reduce((x, t) => t.forward(x), this.baseDist.icdf(p));
  }

  override expand(batchShape: number[]): TransformedDistribution {
    const d = this.expandedInstance('expand', batchShape);
    let shape = [...batchShape, ...this.eventShape];
    for (let i = this.transforms.length - 1; i >= 0; i--) shape = this.transforms[i].inverseShape(shape);
    const baseBatch = shape.slice(0, shape.length - this.baseDist.eventShape.length);
    return Object.assign(d, { baseDist: this.baseDist.expand(baseBatch), transforms: this.transforms.slice() });
  }

  override toString(): string {
    return `${this.distName}(${this.baseDist}, [${this.transforms.map((t) => t.name).join(', ')}])`;
  }

  /** value, or 1 - value where the composed transforms decrease (the product of their signs). */
  private monotonize(value: Tensor): Tensor {
    let s: Tensor | number = 1;
    for (const t of this.transforms) s = typeof s === 'number' && typeof t.sign === 'number' ? s * t.sign : mul(s, t.sign);
    if (s === 1) return value;
    return add(mul(s, sub(value, 0.5)), 0.5);
  }
}
