/** The Bernoulli distribution, as torch.distributions.Bernoulli. */
import { noGrad } from '../autograd/api';
import { eq, ge, lt, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { arange, rand } from '../ops/creation';
import { reshape, expand as expandOp } from '../ops/shape';
import { sigmoid } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { type ProbsOrLogits, probsOrLogits } from './probs-logits';
import { broadcastParams, derived, type FloatDType, type Param, probsToLogits, softplusExact } from './utils';

/**
 * Bernoulli(probs) over {0, 1}, parameterised by probs or by logits (log-odds):
 *   logProb(x) = x logits - softplus(logits)   (minus binary cross-entropy with logits).
 * Values are float 0/1 (as PyTorch); sample draws u ~ U[0, 1) and returns u < probs.
 * @example
 * const b = new Bernoulli({ logits: net.call(x) });
 * const nll = b.logProb(targets).sum().neg();
 * new Bernoulli(tensor([0.2, 0.9])).sample([3]);   // [3, 2] of 0/1
 */
export class Bernoulli extends Distribution {
  private probsValue: Tensor | null = null;
  private logitsValue: Tensor | null = null;
  private readonly given: 'probs' | 'logits';

  constructor(params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const given = probsOrLogits('Bernoulli', params);
    const p = broadcastParams('Bernoulli', [[given.kind, given.value]]);
    super(p.shape, [], opts);
    this.given = given.kind;
    if (given.kind === 'probs') this.probsValue = p.tensors[0];
    else this.logitsValue = p.tensors[0];
    this.checkArgs({ [given.kind]: p.tensors[0] });
  }

  /** The probability of 1, of shape batchShape (derived from logits by sigmoid when logits were given). */
  get probs(): Tensor {
    return derived(this.probsValue, this.logitsValue!, sigmoid, (t) => { this.probsValue = t; });
  }

  /** The log-odds, of shape batchShape (derived from probs, clamped to [eps, 1 - eps], when probs were given). */
  get logits(): Tensor {
    return derived(this.logitsValue, this.probsValue!, (p) => probsToLogits(p, true), (t) => { this.logitsValue = t; });
  }

  override get distName(): string { return 'Bernoulli'; }
  get argConstraints(): { probs: typeof constraints.unitInterval; logits: typeof constraints.real } {
    return { probs: constraints.unitInterval, logits: constraints.real };
  }
  get support(): typeof constraints.boolean { return constraints.boolean; }
  override get hasEnumerateSupport(): boolean { return true; }
  private get param(): Tensor { return this.given === 'probs' ? this.probsValue! : this.logitsValue!; }
  protected override get dtype(): FloatDType { return this.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.param.device; }

  override get mean(): Tensor { return this.probs; }
  /** 1 where probs > 0.5, 0 where probs < 0.5, NaN where probs is 0.5. */
  override get mode(): Tensor {
    const p = this.probs;
    return where(eq(p, 0.5), NaN, to(ge(p, 0.5), this.dtype));
  }
  override get variance(): Tensor { return mul(this.probs, sub(1, this.probs)); }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => to(lt(rand(shape, { dtype: this.dtype, device: this.device }), this.probs), this.dtype));
  }

  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const l = this.logits;
    return sub(mul(v, l), softplusExact(l));
  }

  /** The binary cross-entropy of probs with itself: softplus(logits) - probs logits. */
  override entropy(): Tensor {
    const l = this.logits;
    return sub(softplusExact(l), mul(this.probs, l));
  }

  override enumerateSupport(expand = true): Tensor {
    const values = reshape(arange(0, 2, 1, { dtype: this.dtype }), [2, ...this.batchShape.map(() => 1)]);
    return expand ? expandOp(values, [2, ...this.batchShape]) : values;
  }

  override expand(batchShape: number[]): Bernoulli {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, {
      given: this.given,
      probsValue: this.probsValue && expandParam(this.probsValue, batchShape),
      logitsValue: this.logitsValue && expandParam(this.logitsValue, batchShape),
    });
  }

  override toString(): string {
    const t = this.param;
    return `Bernoulli(${this.given}: ${t.numel() === 1 ? t.item() : t.describe()})`;
  }
}
