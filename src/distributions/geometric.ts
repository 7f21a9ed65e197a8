/** The geometric distribution, as torch.distributions.Geometric. */
import { noGrad } from '../autograd/api';
import { add, div, eq, gt, le, logicalAnd, mul, sub, where } from '../ops/binary';
import { rand, zerosLike } from '../ops/creation';
import { expand as expandOp } from '../ops/shape';
import { clamp, floor, log, log1p } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { BinaryProbs } from './binary-probs';
import { Distribution, type DistributionOptions } from './distribution';
import { type ProbsOrLogits, probsOrLogits } from './probs-logits';
import { broadcastParams, finfo, type FloatDType, type Param, softplusExact } from './utils';

/** (0, 1]: PyTorch checks unitInterval and, separately, that probs are positive. */
const successProbability: Constraint = {
  name: 'interval (0, 1]', eventDim: 0, isDiscrete: false,
  check: (v) => logicalAnd(gt(v, 0), le(v, 1)),
};

/**
 * Geometric(probs | logits): the number of failures before the first success in Bernoulli(probs)
 * trials, P(k) = (1 - p)^k p on k = 0, 1, ... (torch.distributions.Geometric; not Tensor.geometric_,
 * which counts the trials). sample is floor(log u / log(1 - p)), u ~ U[tiny, 1) on the default
 * Philox generator.
 * @example
 * const d = new Geometric(tensor([0.2, 0.9]));
 * d.mean;                      // [4, 0.1111]
 * d.logProb(tensor([3, 0]));
 */
export class Geometric extends Distribution {
  private readonly success: BinaryProbs;

  constructor(params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const given = probsOrLogits('Geometric', params);
    const p = broadcastParams('Geometric', [[given.kind, given.value]]);
    super(p.shape, [], opts);
    this.success = new BinaryProbs(given.kind, p.tensors[0]);
    this.checkArgs({ [given.kind]: p.tensors[0] });
  }

  /** The success probability, of shape batchShape (sigmoid(logits) when logits were given). */
  get probs(): Tensor { return this.success.probs; }
  /** The log-odds, of shape batchShape (from probs clamped to [eps, 1 - eps] when probs were given). */
  get logits(): Tensor { return this.success.logits; }

  override get distName(): string { return 'Geometric'; }
  get argConstraints(): Record<string, Constraint> { return { probs: successProbability, logits: constraints.real }; }
  get support(): Constraint { return constraints.nonnegativeInteger; }
  protected override get dtype(): FloatDType { return this.success.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.success.param.device; }

  override get mean(): Tensor { return sub(div(1, this.probs), 1); }
  override get mode(): Tensor { return zerosLike(this.probs); }
  override get variance(): Tensor { return div(sub(div(1, this.probs), 1), this.probs); }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => {
      const u = clamp(rand(shape, { dtype: this.dtype, device: this.device }), { min: finfo(this.dtype).tiny });
      return floor(div(log(u), log1p(mul(expandOp(this.probs, shape), -1))));
    });
  }

  /** k log(1 - p) + log p (0 log 0 taken as 0 where p = 1 and k = 0). */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const p = this.probs;
    const pFailure = where(logicalAnd(eq(p, 1), eq(v, 0)), 0, p);
    return add(mul(v, log1p(mul(pFailure, -1))), log(p));
  }

  /** The binary cross-entropy of probs with itself over p: (softplus(logits) - p logits) / p. */
  override entropy(): Tensor {
    const l = this.logits, p = this.probs;
    return div(sub(softplusExact(l), mul(p, l)), p);
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { success: this.success.expand(batchShape) });
  }

  override toString(): string { return `Geometric(${this.success.describe()})`; }
}
