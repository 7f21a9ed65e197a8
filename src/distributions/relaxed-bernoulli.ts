/** The relaxed (Concrete / Gumbel-softmax) Bernoulli, as torch.distributions.RelaxedBernoulli and LogitRelaxedBernoulli. */
import { add, div, mul, sub } from '../ops/binary';
import { rand } from '../ops/creation';
import { to } from '../ops/cast';
import { expand as expandOp } from '../ops/shape';
import { log, log1p, neg, sigmoid } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { type ProbsOrLogits, probsOrLogits } from './probs-logits';
import { SigmoidTransform } from './transforms';
import { TransformedDistribution } from './transformed';
import { broadcastParams, clampProbs, derived, type FloatDType, type Param, probsToLogits, softplusExact } from './utils';

/**
 * The logit of a RelaxedBernoulli sample: (logit(u) + logits) / temperature with u ~ U(0, 1).
 * logProb(x) = log(t) + d - 2 softplus(d), d = logits - t x.
 * @example `new LogitRelaxedBernoulli(0.5, { logits }).rsample()`
 */
export class LogitRelaxedBernoulli extends Distribution {
  /** The temperature (> 0). */
  readonly temperature: Tensor;
  private probsValue: Tensor | null = null;
  private logitsValue: Tensor | null = null;
  private readonly given: 'probs' | 'logits';

  constructor(temperature: Param, params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const name = (new.target as unknown as { label?: string }).label ?? 'LogitRelaxedBernoulli';
    const given = probsOrLogits(name, params);
    const p = broadcastParams(name, [[given.kind, given.value]]);
    const t = broadcastParams(name, [['temperature', temperature]]).tensors[0];
    super(p.shape, [], opts);
    this.temperature = to(t, p.dtype);
    this.given = given.kind;
    if (given.kind === 'probs') this.probsValue = p.tensors[0];
    else this.logitsValue = p.tensors[0];
    this.checkArgs({ [given.kind]: p.tensors[0], temperature: this.temperature });
  }

  /** The probability of the underlying Bernoulli, batchShape. */
  get probs(): Tensor { return derived(this.probsValue, this.logitsValue!, sigmoid, (t) => { this.probsValue = t; }); }
  /** Its log-odds, batchShape. */
  get logits(): Tensor { return derived(this.logitsValue, this.probsValue!, (p) => probsToLogits(p, true), (t) => { this.logitsValue = t; }); }
  private get param(): Tensor { return this.given === 'probs' ? this.probsValue! : this.logitsValue!; }

  override get distName(): string { return 'LogitRelaxedBernoulli'; }
  get argConstraints(): Record<string, Constraint> {
    return { probs: constraints.unitInterval, logits: constraints.real, temperature: constraints.positive };
  }
  get support(): Constraint { return constraints.real; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.param.device; }

  override rsample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('rsample', sampleShape);
    const probs = clampProbs(expandOp(this.probs, shape));
    const u = clampProbs(rand(shape, { dtype: this.dtype, device: this.device }));
    return div(add(sub(log(u), log1p(neg(u))), sub(log(probs), log1p(neg(probs)))), this.temperature);
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const diff = sub(this.logits, mul(v, this.temperature));
    return sub(add(log(this.temperature), diff), mul(softplusExact(diff), 2));
  }

  override expand(batchShape: number[]): LogitRelaxedBernoulli {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, {
      given: this.given,
      temperature: this.temperature,
      probsValue: this.probsValue && expandParam(this.probsValue, batchShape),
      logitsValue: this.logitsValue && expandParam(this.logitsValue, batchShape),
    });
  }
}

/** The LogitRelaxedBernoulli inside a RelaxedBernoulli: its errors name the relaxed distribution. */
class InnerLogitRelaxedBernoulli extends LogitRelaxedBernoulli {
  protected static readonly label: string = 'RelaxedBernoulli';
  override get distName(): string { return 'RelaxedBernoulli'; }
}

/**
 * A relaxed Bernoulli on (0, 1) (the binary Concrete distribution, Maddison et al. 2017):
 * sigmoid of a LogitRelaxedBernoulli. As the temperature falls, samples approach 0/1 while
 * rsample stays differentiable in probs/logits.
 * @example
 * const y = new RelaxedBernoulli(0.5, { logits: gateLogits }).rsample();   // soft gates in (0, 1)
 */
export class RelaxedBernoulli extends TransformedDistribution {
  protected static readonly label: string = 'RelaxedBernoulli';

  constructor(temperature: Param, params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    super(new InnerLogitRelaxedBernoulli(temperature, params, opts), [new SigmoidTransform()], opts);
  }

  override get distName(): string { return 'RelaxedBernoulli'; }
  private get inner(): LogitRelaxedBernoulli { return this.baseDist as LogitRelaxedBernoulli; }
  /** The temperature. */
  get temperature(): Tensor { return this.inner.temperature; }
  /** The probability of the underlying Bernoulli. */
  get probs(): Tensor { return this.inner.probs; }
  /** Its log-odds. */
  get logits(): Tensor { return this.inner.logits; }
  override get argConstraints(): Record<string, Constraint> { return this.inner.argConstraints; }
  override get support(): Constraint { return constraints.unitInterval; }

  override expand(batchShape: number[]): RelaxedBernoulli {
    return super.expand(batchShape) as RelaxedBernoulli;
  }

  override toString(): string {
    return `RelaxedBernoulli(temperature: ${this.temperature.numel() === 1 ? this.temperature.item() : this.temperature.describe()})`;
  }
}
