/** The one-hot categorical distribution, as torch.distributions.OneHotCategorical (and its straight-through variant). */
import { add, eq, mul, sub } from '../ops/binary';
import { noGrad, detach } from '../autograd/api';
import { to } from '../ops/cast';
import { arange, eye } from '../ops/creation';
import { argmax } from '../ops/reduce';
import { expand as expandOp, reshape, unsqueeze } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Categorical } from './categorical';
import { Distribution, type DistributionOptions } from './distribution';
import type { ProbsOrLogits } from './probs-logits';
import type { FloatDType, Param } from './utils';

/** idx (int32) as one-hot float vectors along a new last dim of size K. */
function oneHot(idx: Tensor, K: number, dtype: FloatDType): Tensor {
  return to(eq(unsqueeze(idx, -1), arange(0, K, 1, { dtype: 'int32', device: idx.device })), dtype);
}

/** The Categorical inside a OneHotCategorical: its errors name the one-hot distribution. */
class InnerCategorical extends Categorical {
  protected static override readonly label: string = 'OneHotCategorical';
  override get distName(): string { return 'OneHotCategorical'; }
}

/**
 * A Categorical whose values are one-hot vectors: event shape [K], the last dim of probs or
 * logits. logProb(x) is the Categorical's at argmax(x).
 * @example
 * const d = new OneHotCategorical(tensor([0.2, 0.3, 0.5]));
 * d.sample([2]);                       // [2, 3] of one-hot rows
 * d.logProb(tensor([0, 0, 1])).item(); // log 0.5
 */
export class OneHotCategorical extends Distribution {
  /** The Categorical over the indices. */
  readonly categorical: Categorical;

  constructor(params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const categorical = new InnerCategorical(params, opts);
    super(categorical.batchShape, [categorical.numEvents], opts);
    this.categorical = categorical;
  }

  override get distName(): string { return 'OneHotCategorical'; }
  /** Normalised probabilities, batchShape + [K]. */
  get probs(): Tensor { return this.categorical.probs; }
  /** Normalised log-probabilities, batchShape + [K]. */
  get logits(): Tensor { return this.categorical.logits; }
  get argConstraints(): Record<string, Constraint> { return { probs: constraints.simplex, logits: constraints.realVector }; }
  get support(): Constraint { return constraints.oneHot; }
  override get hasEnumerateSupport(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.categorical.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.categorical.param.device; }

  override get mean(): Tensor { return this.probs; }
  /** The one-hot vector of the most likely category. */
  override get mode(): Tensor { return oneHot(argmax(this.probs, -1), this.eventShape[0], this.dtype); }
  override get variance(): Tensor { return mul(this.probs, sub(1, this.probs)); }

  override sample(sampleShape: number[] = []): Tensor {
    this.extendedShape('sample', sampleShape);
    return noGrad(() => oneHot(this.categorical.sample(sampleShape), this.eventShape[0], this.dtype));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    return this.categorical.logProb(argmax(v, -1));
  }

  override entropy(): Tensor {
    return this.categorical.entropy();
  }

  override enumerateSupport(expand = true): Tensor {
    const K = this.eventShape[0];
    const values = reshape(eye(K, K, { dtype: this.dtype }), [K, ...this.batchShape.map(() => 1), K]);
    return expand ? expandOp(values, [K, ...this.batchShape, K]) : values;
  }

  override expand(batchShape: number[]): OneHotCategorical {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { categorical: this.categorical.expand(batchShape) });
  }

  override toString(): string {
    return `${this.distName}${this.categorical.toString().slice(this.categorical.distName.length)}`;
  }
}

/**
 * OneHotCategorical with a straight-through gradient (torch's OneHotCategoricalStraightThrough):
 * rsample is the one-hot sample plus probs - detach(probs), so the forward value is one-hot and
 * the gradient flows to probs as if the sample were probs.
 * @example `const y = new OneHotCategoricalStraightThrough({ logits }).rsample(); y.matmul(codebook)`
 */
export class OneHotCategoricalStraightThrough extends OneHotCategorical {
  override get distName(): string { return 'OneHotCategoricalStraightThrough'; }
  override get hasRsample(): boolean { return true; }

  override rsample(sampleShape: number[] = []): Tensor {
    const samples = this.sample(sampleShape);
    const probs = this.probs;
    return add(samples, sub(probs, detach(probs)));
  }
}
