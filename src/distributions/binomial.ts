/** The binomial distribution, as torch.distributions.Binomial. */
import { noGrad } from '../autograd/api';
import { add, div, ge, gt, le, logicalAnd, logicalOr, minimum, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { arange, rand, zeros } from '../ops/creation';
import { sum } from '../ops/reduce';
import { expand as expandOp, reshape } from '../ops/shape';
import { lgamma } from '../ops/special';
import { anyTrue } from '../ops/special-util';
import { hostValues } from '../ops/util';
import { abs, ceil, clamp, exp, floor, log, log1p, logicalNot, sqrt } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { Distribution, type DistributionOptions, NotImplementedError, expandParam } from './distribution';
import { type ProbsOrLogits, probsOrLogits } from './probs-logits';
import { BinaryProbs } from './binary-probs';
import { broadcastParams, type FloatDType, type Param } from './utils';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The Stirling remainder lgamma(k + 1) - [(k + 1/2) log(k + 1) - (k + 1) + log sqrt(2 pi)], BTRS's f_c(k). */
const stirlingTail = (k: Tensor): Tensor => sub(lgamma(add(k, 1)), add(sub(mul(add(k, 0.5), log(add(k, 1))), add(k, 1)), HALF_LOG_2PI));

/**
 * Binomial draws (float64, no gradient) as PyTorch's sample_binomial, on q = min(p, 1 - p) (the
 * count flipped back where p > 1/2): Hörmann's BTRS rejection (1993) where n q >= 10, else the
 * inversion by geometric jumps (count the Geometric(q) waiting times that fit in n trials).
 * Every pending element redraws each round.
 */
function drawBinomial(count: Tensor, prob: Tensor): Tensor {
  const n = to(count, 'float64'), p = to(prob, 'float64');
  const shape = n.shape, device = n.device;
  const uniform = (): Tensor => rand(shape, { dtype: 'float64', device });
  const q = where(le(p, 0.5), p, sub(1, p));
  const trivial = logicalOr(le(n, 0), logicalOr(le(p, 0), ge(p, 1)));
  const btrs = logicalAnd(logicalNot(trivial), ge(mul(n, q), 10));
  let k = zeros(shape, { dtype: 'float64', device });
  // Inversion: waiting times ceil(log U / log(1 - q)) summed until they pass n.
  const logQ = log1p(mul(q, -1));
  let waited = zeros(shape, { dtype: 'float64', device });
  let pending = logicalAnd(logicalNot(trivial), logicalNot(btrs));
  while (anyTrue(pending)) {
    waited = where(pending, add(waited, ceil(div(log(uniform()), logQ))), waited);
    const fits = logicalAnd(pending, le(waited, n));
    k = where(fits, add(k, 1), k);
    pending = fits;
  }
  // BTRS.
  const std = sqrt(mul(mul(n, q), sub(1, q)));
  const b = add(mul(std, 2.53), 1.15);
  const a = add(add(mul(b, 0.0248), mul(q, 0.01)), -0.0873);
  const c = add(mul(n, q), 0.5);
  const vr = sub(0.92, div(4.2, b));
  const r = div(q, sub(1, q));
  const alpha = mul(add(div(5.1, b), 2.83), std);
  const m = floor(mul(add(n, 1), q));
  // The acceptance bound's part that does not depend on the proposal k.
  const nm1 = add(sub(n, m), 1);
  const bound = add(add(mul(add(m, 0.5), log(div(add(m, 1), mul(r, nm1)))), mul(add(n, 1), log(nm1))),
    add(stirlingTail(m), stirlingTail(sub(n, m))));
  pending = btrs;
  for (let round = 0; anyTrue(pending); round++) {
    if (round > 10000) throw new Error('Binomial.sample: no acceptance after 10000 rounds');
    const u = sub(uniform(), 0.5), v = uniform();
    const us = sub(0.5, abs(u));
    const kk = floor(add(mul(add(div(mul(a, 2), us), b), u), c));
    const valid = logicalAnd(ge(kk, 0), le(kk, n));
    const quick = logicalAnd(ge(us, 0.07), le(v, vr));
    const logV = log(div(mul(v, alpha), add(div(a, mul(us, us)), b)));
    const nk1 = add(sub(n, kk), 1);
    const upper = sub(add(sub(bound, mul(add(n, 1), log(nk1))), mul(add(kk, 0.5), log(div(mul(r, nk1), add(kk, 1))))),
      add(stirlingTail(kk), stirlingTail(sub(n, kk))));
    const accept = logicalAnd(logicalAnd(pending, valid), logicalOr(quick, le(logV, upper)));
    k = where(accept, kk, k);
    pending = logicalAnd(pending, logicalNot(accept));
  }
  const flipped = where(gt(p, 0.5), sub(n, k), k);
  return where(trivial, where(ge(p, 1), n, 0), flipped);
}

/**
 * Binomial(totalCount, probs | logits): successes in totalCount independent trials, as PyTorch's
 * Binomial(total_count, probs=None, logits=None). totalCount broadcasts with the probabilities;
 * values are float counts. sample uses PyTorch's algorithms on the default Philox generator.
 * entropy and enumerateSupport need one totalCount for the whole batch (as PyTorch).
 * @example
 * const d = new Binomial(10, { probs: tensor([0.1, 0.5]) });
 * d.mean;                          // [1, 5]
 * d.logProb(tensor([1, 5]));
 * new Binomial(tensor([5, 20]), { logits: tensor([0, 2]) }).sample([3]);
 */
export class Binomial extends Distribution {
  /** The number of trials (a nonnegative integer, as a float tensor), of shape batchShape. */
  readonly totalCount: Tensor;
  private readonly success: BinaryProbs;

  constructor(totalCount: Param, params: Param | ProbsOrLogits, opts?: DistributionOptions) {
    const given = probsOrLogits('Binomial', params);
    const p = broadcastParams('Binomial', [['totalCount', totalCount], [given.kind, given.value]]);
    super(p.shape, [], opts);
    this.totalCount = p.tensors[0];
    this.success = new BinaryProbs(given.kind, p.tensors[1]);
    this.checkArgs({ totalCount: this.totalCount, [given.kind]: p.tensors[1] });
  }

  /** The success probability, of shape batchShape (sigmoid(logits) when logits were given). */
  get probs(): Tensor { return this.success.probs; }
  /** The log-odds, of shape batchShape (from probs clamped to [eps, 1 - eps] when probs were given). */
  get logits(): Tensor { return this.success.logits; }

  override get distName(): string { return 'Binomial'; }
  get argConstraints(): Record<string, Constraint> {
    return { totalCount: constraints.nonnegativeInteger, probs: constraints.unitInterval, logits: constraints.real };
  }
  get support(): Constraint { return constraints.integerInterval(0, this.totalCount); }
  override get hasEnumerateSupport(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.success.param.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.success.param.device; }

  override get mean(): Tensor { return mul(this.totalCount, this.probs); }
  /** floor((n + 1) p), at most n. */
  override get mode(): Tensor { return minimum(floor(mul(add(this.totalCount, 1), this.probs)), this.totalCount); }
  override get variance(): Tensor { return mul(mul(this.totalCount, this.probs), sub(1, this.probs)); }

  override sample(sampleShape: number[] = []): Tensor {
    const shape = this.extendedShape('sample', sampleShape);
    return noGrad(() => to(drawBinomial(expandOp(this.totalCount, shape), expandOp(this.probs, shape)), this.dtype));
  }

  /** k logits - lgamma(k + 1) - lgamma(n - k + 1) + lgamma(n + 1) - n softplus(logits), softplus split as PyTorch's. */
  override logProb(value: Tensor | number): Tensor {
    const v = this.validateSample('logProb', value);
    const n = this.totalCount, l = this.logits;
    // PyTorch's _clamp_by_zero: max(l, 0) with gradient 1/2 at 0.
    const clampByZero = div(sub(add(clamp(l, { min: 0 }), l), clamp(l, { max: 0 })), 2);
    const normalize = sub(add(mul(n, clampByZero), mul(n, log1p(exp(mul(abs(l), -1))))), lgamma(add(n, 1)));
    return sub(sub(sub(mul(v, l), lgamma(add(v, 1))), lgamma(add(sub(n, v), 1))), normalize);
  }

  /** -sum_k P(k) log P(k) over k = 0..n (one n for the whole batch). */
  override entropy(): Tensor {
    const values = this.enumerateSupport(false);
    const lp = this.logProb(values);
    return mul(sum(mul(exp(lp), lp), 0), -1);
  }

  /** 0..n along a new first dim (one n for the whole batch, as PyTorch). @example `new Binomial(3, { probs: 0.5 }).enumerateSupport() // [0, 1, 2, 3]` */
  override enumerateSupport(expand = true): Tensor {
    const counts = hostValues(this.totalCount);
    const n = counts.length ? Math.max(...Array.from(counts, Number)) : 0;
    if (Array.from(counts, Number).some((c) => c !== n)) {
      throw new NotImplementedError(`${this.distName}.enumerateSupport: totalCount ${this.totalCount.describe()} is not the same for the whole batch (PyTorch does not support an inhomogeneous totalCount here either)`);
    }
    const values = reshape(arange(0, n + 1, 1, { dtype: this.dtype, device: this.device }), [n + 1, ...this.batchShape.map(() => 1)]);
    return expand ? expandOp(values, [n + 1, ...this.batchShape]) : values;
  }

  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { totalCount: expandParam(this.totalCount, batchShape), success: this.success.expand(batchShape) });
  }

  override toString(): string {
    const n = this.totalCount;
    return `Binomial(totalCount: ${n.numel() === 1 ? n.item() : n.describe()}, ${this.success.describe()})`;
  }
}
