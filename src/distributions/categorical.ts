/** The categorical distribution over {0, ..., K-1}, as torch.distributions.Categorical. */
import { noGrad } from '../autograd/api';
import { add, div, mul, sub } from '../ops/binary';
import { to } from '../ops/cast';
import { arange, full, rand } from '../ops/creation';
import { gather } from '../ops/indexing';
import { argmax, logsumexp, sum } from '../ops/reduce';
import { expand as expandOp, reshape, squeeze, unsqueeze } from '../ops/shape';
import { softmax } from '../ops/softmax';
import { clamp, log, neg } from '../ops/unary';
import { ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { type ProbsOrLogits, probsOrLogits } from './probs-logits';
import { broadcastParams, broadcastParamShapes, derived, finfo, type FloatDType, type Param, probsToLogits } from './utils';

/**
 * Categorical over {0, ..., K-1}, K the last dim of probs or logits (the other dims are the batch):
 * probs are normalised to sum to 1; logits are normalised to logits - logsumexp(logits).
 * Values are int32 indices. sample uses the Gumbel-max trick on the default Philox generator
 * (argmax of log probs + Gumbel noise), an exact draw.
 * @example
 * const c = new Categorical({ logits: scores });   // scores [B, K]
 * const a = c.sample();                              // int32 [B]
 * const loss = c.logProb(a).mul(advantage).mean().neg();
 */
export class Categorical extends Distribution {
  private probsValue: Tensor | null = null;
  private logitsValue: Tensor | null = null;
  private readonly given: 'probs' | 'logits';

  /** The name constructor errors use (a wrapping distribution's, such as OneHotCategorical's). */
  protected static readonly label: string = 'Categorical';

  constructor(params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const name = (new.target as unknown as { label: string }).label;
    const given = probsOrLogits(name, params);
    const p = broadcastParams(name, [[given.kind, given.value]]);
    const t = p.tensors[0];
    if (t.ndim < 1) throw new ShapeError(`${name}: ${given.kind} must have at least one dim (the categories), got ${t.describe()}`);
    if (t.shape[t.ndim - 1] < 1) throw new ShapeError(`${name}: ${given.kind} ${t.describe()} has no categories (its last dim is 0)`);
    super(t.shape.slice(0, -1), [], opts);
    this.given = given.kind;
    if (given.kind === 'probs') this.probsValue = div(t, sum(t, -1, { keepdim: true }));
    else this.logitsValue = sub(t, logsumexp(t, -1, { keepdim: true }));
    this.checkArgs(given.kind === 'probs' ? { probs: this.probsValue! } : { logits: this.logitsValue! });
  }

  /** Normalised probabilities, batchShape + [K]. */
  get probs(): Tensor {
    return derived(this.probsValue, this.logitsValue!, (l) => softmax(l, -1), (t) => { this.probsValue = t; });
  }

  /** Normalised log-probabilities, batchShape + [K] (from probs: log of probs clamped to [eps, 1 - eps]). */
  get logits(): Tensor {
    return derived(this.logitsValue, this.probsValue!, (p) => probsToLogits(p, false), (t) => { this.logitsValue = t; });
  }

  /** The number of categories K. */
  get numEvents(): number {
    return this.param.shape[this.param.ndim - 1];
  }

  /** probs or logits as given (normalised), batchShape + [K]. */
  get param(): Tensor {
    return this.given === 'probs' ? this.probsValue! : this.logitsValue!;
  }

  override get distName(): string { return 'Categorical'; }
  get argConstraints(): Record<string, Constraint> {
    return { probs: constraints.simplex, logits: constraints.realVector };
  }
  get support(): Constraint { return constraints.integerInterval(0, this.numEvents - 1); }
  override get hasEnumerateSupport(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.param.device; }

  /** NaN: the mean of category indices is not defined (PyTorch's convention). */
  override get mean(): Tensor { return full(this.batchShape, NaN, { dtype: this.dtype, device: this.device }); }
  /** The most likely category, int32 of batchShape. */
  override get mode(): Tensor { return argmax(this.probs, -1); }
  /** NaN, as the mean. */
  override get variance(): Tensor { return full(this.batchShape, NaN, { dtype: this.dtype, device: this.device }); }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => {
      // Gumbel-max: argmax_k (log p_k + G_k), G_k = -log(-log u_k), picks k with probability p_k.
      // float64 noise: u = 0 gives G = -inf (never picked), a bias below 2^-53.
      const logp = to(log(this.probs), 'float64');
      const u = rand([...shape, this.numEvents], { dtype: 'float64', device: this.device });
      return argmax(add(logp, neg(log(neg(log(u))))), -1);
    });
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const idx = v.dtype === 'int32' ? v : to(v, 'int32');
    // Broadcast the indices against the batch, then pick each one's log-probability.
    const batch = broadcastParamShapes('Categorical.logProb', idx.shape, `value ${idx.describe()}`, this.batchShape, 'the batch shape');
    const index = expandParam(unsqueeze(idx, -1), batch, 1);
    const table = expandParam(this.logits, batch, 1);
    return squeeze(gather(table, -1, index), -1);
  }

  /** -sum_k p_k log p_k (log-probabilities clamped below at the dtype's most negative value). */
  override entropy(): Tensor {
    const l = clamp(this.logits, { min: -finfo(this.dtype).max });
    return neg(sum(mul(l, this.probs), -1));
  }

  override enumerateSupport(expand = true): Tensor {
    const K = this.numEvents;
    const values = reshape(arange(0, K, 1, { dtype: 'int32' }), [K, ...this.batchShape.map(() => 1)]);
    return expand ? expandOp(values, [K, ...this.batchShape]) : values;
  }

  override expand(batchShape: number[]): Categorical {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, {
      given: this.given,
      probsValue: this.probsValue && expandParam(this.probsValue, batchShape, 1),
      logitsValue: this.logitsValue && expandParam(this.logitsValue, batchShape, 1),
    });
  }

  override toString(): string {
    return `${this.distName}(${this.given}: ${this.param.describe()})`;
  }

  /** Indices: int32 stays int32, bool and integer numbers become int32; float values are checked for integrality by the support. */
  protected override asValue(op: string, value: Tensor | number, what = 'value'): Tensor {
    if (typeof value === 'number') return full([], value, { dtype: Number.isInteger(value) ? 'int32' : this.dtype, device: this.device });
    if (value instanceof Tensor && !value.isDisposed && (value.dtype === 'int32' || value.dtype === 'bool')) return to(value, 'int32');
    return super.asValue(op, value, what);
  }
}
