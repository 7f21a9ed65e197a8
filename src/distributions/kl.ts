/**
 * KL divergences: a registry of closed forms keyed by the pair of distribution classes, as
 * torch.distributions.kl (kl_divergence, register_kl). Dispatch picks the most specific
 * registered pair for the arguments' classes.
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { abs, erf, exp, log, neg, square } from '../ops/unary';
import { lgamma } from '../ops/special';
import { add, div, eq, gt, logicalOr, lt, mul, sub, where } from '../ops/binary';
import { full } from '../ops/creation';
import { sum } from '../ops/reduce';
import { expand as expandOp } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';
import { Bernoulli } from './bernoulli';
import { Categorical } from './categorical';
import { Distribution, NotImplementedError } from './distribution';
import { Exponential } from './exponential';
import { EULER_GAMMA, Gumbel } from './gumbel';
import { Independent } from './independent';
import { Laplace } from './laplace';
import { batchMahalanobis, diagonal, solveLowerTriangular } from './linalg';
import { MultivariateNormal } from './multivariate-normal';
import { Normal } from './normal';
import { OneHotCategorical } from './one-hot-categorical';
import { TransformedDistribution } from './transformed';
import { Uniform } from './uniform';
import { broadcastParamShapes, softplusExact, sumRightmost } from './utils';

/** A distribution class (for registerKl): any constructor of a Distribution subclass. @example `const cls: DistributionClass<Normal> = Normal;` */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DistributionClass<T extends Distribution = Distribution> = abstract new (...args: any[]) => T;

/** A closed form KL(p || q) of shape the broadcast of the batch shapes. @example `const f: KlFunction<Exponential, Exponential> = (p, q) => q.rate.div(p.rate).log().neg().add(q.rate.div(p.rate)).sub(1);` */
export type KlFunction<P extends Distribution = Distribution, Q extends Distribution = Distribution> = (p: P, q: Q) => Tensor;

const registry: { p: DistributionClass; q: DistributionClass; fn: KlFunction }[] = [];
const memo = new Map<DistributionClass, Map<DistributionClass, KlFunction | null>>();

/**
 * Registers the closed form of KL(p || q) for p an instance of typeP and q of typeQ (subclasses
 * included; the most specific registered pair wins). Registering a pair again replaces it.
 * @example
 * registerKl(MyDist, Normal, (p, q) => ...);
 * klDivergence(new MyDist(...), new Normal(0, 1));
 */
export function registerKl<P extends Distribution, Q extends Distribution>(typeP: DistributionClass<P>, typeQ: DistributionClass<Q>, fn: KlFunction<P, Q>): void {
  for (const [name, t] of [['typeP', typeP], ['typeQ', typeQ]] as const) {
    if (typeof t !== 'function' || !(t.prototype instanceof Distribution || t === (Distribution as unknown))) {
      throw new ArgumentError(`registerKl: ${name} must be a Distribution class, got ${typeof t === 'function' ? t.name || 'a function' : typeof t}`);
    }
  }
  if (typeof fn !== 'function') throw new ArgumentError(`registerKl: fn must be a function (p, q) => Tensor, got ${typeof fn}`);
  const at = registry.findIndex((e) => e.p === typeP && e.q === typeQ);
  const entry = { p: typeP as DistributionClass, q: typeQ as DistributionClass, fn: fn as KlFunction };
  if (at >= 0) registry[at] = entry;
  else registry.push(entry);
  memo.clear();
}

/** Steps up the prototype chain from cls to ancestor, or -1 if ancestor is not one. */
function depth(cls: DistributionClass, ancestor: DistributionClass): number {
  let proto: unknown = cls.prototype;
  for (let d = 0; proto; d++, proto = Object.getPrototypeOf(proto)) if (proto === ancestor.prototype) return d;
  return -1;
}

function dispatch(typeP: DistributionClass, typeQ: DistributionClass): KlFunction | null {
  let row = memo.get(typeP);
  if (!row) memo.set(typeP, (row = new Map()));
  if (row.has(typeQ)) return row.get(typeQ)!;
  // PyTorch's rule: the most specific match in p's class first, then in q's.
  let best: { dp: number; dq: number; fn: KlFunction } | null = null;
  for (const e of registry) {
    const dp = depth(typeP, e.p), dq = depth(typeQ, e.q);
    if (dp < 0 || dq < 0) continue;
    if (!best || dp < best.dp || (dp === best.dp && dq < best.dq)) best = { dp, dq, fn: e.fn };
  }
  row.set(typeQ, best?.fn ?? null);
  return best?.fn ?? null;
}

/**
 * KL(p || q) = E_p[log p(x) - log q(x)], batched over the broadcast of the batch shapes, from the
 * registered closed forms (registerKl adds more). Differentiable in both distributions' parameters.
 * Registered: Normal, Uniform, Bernoulli, Categorical, OneHotCategorical, Laplace, Exponential,
 * Gumbel, MultivariateNormal, Independent (same reinterpretedBatchNdims) and TransformedDistribution
 * (same transforms; so LogNormal) with themselves; Normal with Laplace and Gumbel; Laplace,
 * Exponential, Gumbel and Uniform with Normal; Exponential with Gumbel; Uniform with Exponential
 * and Gumbel; and the pairs where q cannot cover p's support (infinite).
 * @example
 * const q = new Normal(mu, logVar.mul(0.5).exp());
 * const kl = klDivergence(q, new Normal(0, 1)).sum(-1);   // a VAE's KL term
 */
export function klDivergence(p: Distribution, q: Distribution): Tensor {
  for (const [name, d] of [['p', p], ['q', q]] as const) {
    if (!(d instanceof Distribution)) throw new ArgumentError(`klDivergence: ${name} must be a Distribution, got ${d === null ? 'null' : typeof d}`);
  }
  const fn = dispatch(p.constructor as DistributionClass, q.constructor as DistributionClass);
  if (!fn) {
    throw new NotImplementedError(`klDivergence: no KL(p || q) is registered for p ${p.distName} and q ${q.distName}; `
      + `registerKl(${p.distName}, ${q.distName}, (p, q) => ...) adds one`);
  }
  return fn(p, q);
}

/** +inf over the broadcast batch of p and q: q puts no mass where p does (also for kl-gamma.ts). */
export function infinite(p: Distribution, q: Distribution, like: Tensor): Tensor {
  const shape = broadcastParamShapes('klDivergence', p.batchShape, `p's batch shape`, q.batchShape, `q's batch shape`);
  return full(shape, Infinity, { dtype: like.dtype as 'float32' | 'float64', device: like.device });
}

// ------------------------------------------------------------------ same family

registerKl(Normal, Normal, (p, q) => {
  const varRatio = square(div(p.scale, q.scale));
  const t1 = square(div(sub(p.loc, q.loc), q.scale));
  return mul(sub(sub(add(varRatio, t1), 1), log(varRatio)), 0.5);
});

registerKl(Uniform, Uniform, (p, q) => {
  const result = log(div(sub(q.high, q.low), sub(p.high, p.low)));
  return where(logicalOr(gt(q.low, p.low), lt(q.high, p.high)), Infinity, result);
});

registerKl(Bernoulli, Bernoulli, (p, q) => {
  let t1 = mul(p.probs, sub(softplusExact(neg(q.logits)), softplusExact(neg(p.logits))));
  t1 = where(eq(p.probs, 0), 0, where(eq(q.probs, 0), Infinity, t1));
  let t2 = mul(sub(1, p.probs), sub(softplusExact(q.logits), softplusExact(p.logits)));
  t2 = where(eq(p.probs, 1), 0, where(eq(q.probs, 1), Infinity, t2));
  return add(t1, t2);
});

function klCategorical(p: Categorical, q: Categorical): Tensor {
  if (p.numEvents !== q.numEvents) {
    throw new ShapeError(`klDivergence: p has ${p.numEvents} categories and q has ${q.numEvents} (${p.distName} ${fmtShape([...p.batchShape, p.numEvents])} vs ${fmtShape([...q.batchShape, q.numEvents])})`);
  }
  let t = mul(p.probs, sub(p.logits, q.logits));
  t = where(eq(p.probs, 0), 0, where(eq(q.probs, 0), Infinity, t));
  return sum(t, -1);
}
registerKl(Categorical, Categorical, klCategorical);
registerKl(OneHotCategorical, OneHotCategorical, (p, q) => klCategorical(p.categorical, q.categorical));

registerKl(Laplace, Laplace, (p, q) => {
  const scaleRatio = div(p.scale, q.scale);
  const locAbsDiff = abs(sub(p.loc, q.loc));
  const t1 = neg(log(scaleRatio));
  const t2 = div(locAbsDiff, q.scale);
  const t3 = mul(scaleRatio, exp(div(neg(locAbsDiff), p.scale)));
  return sub(add(add(t1, t2), t3), 1);
});

registerKl(Exponential, Exponential, (p, q) => {
  const rateRatio = div(q.rate, p.rate);
  return sub(add(neg(log(rateRatio)), rateRatio), 1);
});

registerKl(Gumbel, Gumbel, (p, q) => {
  const ct1 = div(p.scale, q.scale), ct2 = div(q.loc, q.scale), ct3 = div(p.loc, q.scale);
  const t1 = add(sub(neg(log(ct1)), ct2), ct3);
  const t2 = mul(ct1, EULER_GAMMA);
  const t3 = exp(sub(add(ct2, lgamma(add(ct1, 1))), ct3));
  return sub(add(add(t1, t2), t3), 1 + EULER_GAMMA);
});

registerKl(MultivariateNormal, MultivariateNormal, (p, q) => {
  const n = p.eventShape[0];
  if (q.eventShape[0] !== n) throw new ShapeError(`klDivergence: p and q are MultivariateNormals of different event sizes (${n} and ${q.eventShape[0]})`);
  const pL = p.unbroadcastedScaleTril, qL = q.unbroadcastedScaleTril;
  const halfTerm1 = sub(sum(log(diagonal(qL)), -1), sum(log(diagonal(pL)), -1));
  const batch = broadcastParamShapes('klDivergence', qL.shape.slice(0, -2), `q's scaleTril batch`, pL.shape.slice(0, -2), `p's scaleTril batch`);
  const qLe = expandTo(qL, [...batch, n, n]), pLe = expandTo(pL, [...batch, n, n]);
  const term2 = sum(square(solveLowerTriangular(qLe, pLe)), [-2, -1]);
  const term3 = batchMahalanobis(qL, sub(q.loc, p.loc));
  return add(halfTerm1, mul(sub(add(term2, term3), n), 0.5));
});

const expandTo = (t: Tensor, shape: number[]): Tensor => (t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i]) ? t : expandOp(t, shape));

registerKl(Independent, Independent, (p, q) => {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims) {
    throw new NotImplementedError(`klDivergence: Independent p and q reinterpret ${p.reinterpretedBatchNdims} and ${q.reinterpretedBatchNdims} batch dims; only equal counts are supported`);
  }
  return sumRightmost(klDivergence(p.baseDist, q.baseDist), p.reinterpretedBatchNdims);
});

registerKl(TransformedDistribution, TransformedDistribution, (p, q) => {
  const same = p.transforms.length === q.transforms.length && p.transforms.every((t, i) => t.equals(q.transforms[i]));
  if (!same) throw new NotImplementedError(`klDivergence: ${p.distName} p and ${q.distName} q have different transforms; only the same transforms reduce to the base distributions`);
  if (p.eventShape.length !== q.eventShape.length || p.eventShape.some((s, i) => s !== q.eventShape[i])) {
    throw new NotImplementedError(`klDivergence: ${p.distName} p and ${q.distName} q have different event shapes ${fmtShape(p.eventShape)} and ${fmtShape(q.eventShape)}`);
  }
  return klDivergence(p.baseDist, q.baseDist);
});

// ------------------------------------------------------------------ across families

registerKl(Normal, Laplace, (p, q) => {
  const locDiff = sub(p.loc, q.loc);
  const scaleRatio = div(p.scale, q.scale);
  const locDiffScaleRatio = div(locDiff, p.scale);
  const t1 = log(scaleRatio);
  const t2 = mul(mul(p.scale, Math.sqrt(2 / Math.PI)), exp(mul(square(locDiffScaleRatio), -0.5)));
  const t3 = mul(locDiff, erf(mul(locDiffScaleRatio, Math.SQRT1_2)));
  return sub(add(neg(t1), div(add(t2, t3), q.scale)), 0.5 * (1 + Math.log(0.5 * Math.PI)));
});

registerKl(Normal, Gumbel, (p, q) => {
  const meanScaleRatio = div(p.loc, q.scale);
  const varScaleSqrRatio = square(div(p.scale, q.scale));
  const locScaleRatio = div(q.loc, q.scale);
  const t1 = mul(log(varScaleSqrRatio), 0.5);
  const t2 = sub(meanScaleRatio, locScaleRatio);
  const t3 = exp(add(add(neg(meanScaleRatio), mul(varScaleSqrRatio, 0.5)), locScaleRatio));
  return sub(add(add(neg(t1), t2), t3), 0.5 * (1 + Math.log(2 * Math.PI)));
});

registerKl(Laplace, Normal, (p, q) => {
  const varNormal = square(q.scale);
  const scaleSqrVarRatio = div(square(p.scale), varNormal);
  const t1 = mul(log(mul(scaleSqrVarRatio, 2 / Math.PI)), 0.5);
  const t2 = mul(square(p.loc), 0.5);
  const t3 = mul(p.loc, q.loc);
  const t4 = mul(square(q.loc), 0.5);
  return sub(add(add(neg(t1), scaleSqrVarRatio), div(add(sub(t2, t3), t4), varNormal)), 1);
});

registerKl(Exponential, Normal, (p, q) => {
  const varNormal = square(q.scale);
  const rateSqr = square(p.rate);
  const t1 = mul(log(mul(mul(rateSqr, varNormal), 2 * Math.PI)), 0.5);
  const t2 = div(1, rateSqr);
  const t3 = div(q.loc, p.rate);
  const t4 = mul(square(q.loc), 0.5);
  return add(sub(t1, 1), div(add(sub(t2, t3), t4), varNormal));
});

registerKl(Exponential, Gumbel, (p, q) => {
  const scaleRateProd = mul(p.rate, q.scale);
  const locScaleRatio = div(q.loc, q.scale);
  const t1 = sub(log(scaleRateProd), 1);
  const t2 = div(mul(exp(locScaleRatio), scaleRateProd), add(scaleRateProd, 1));
  const t3 = div(1, scaleRateProd);
  return add(add(sub(t1, locScaleRatio), t2), t3);
});

registerKl(Gumbel, Normal, (p, q) => {
  const paramRatio = div(p.scale, q.scale);
  const t1 = log(div(paramRatio, Math.sqrt(2 * Math.PI)));
  const t2 = div(square(mul(paramRatio, Math.PI * 0.5)), 3);
  const t3 = mul(square(div(sub(add(p.loc, mul(p.scale, EULER_GAMMA)), q.loc), q.scale)), 0.5);
  return sub(add(add(neg(t1), t2), t3), EULER_GAMMA + 1);
});

registerKl(Uniform, Normal, (p, q) => {
  const commonTerm = sub(p.high, p.low);
  const t1 = log(div(mul(q.scale, Math.sqrt(2 * Math.PI)), commonTerm));
  const t2 = div(square(commonTerm), 12);
  const t3 = square(div(sub(add(p.high, p.low), mul(q.loc, 2)), 2));
  return add(t1, div(mul(add(t2, t3), 0.5), square(q.scale)));
});

registerKl(Uniform, Exponential, (p, q) => {
  const result = sub(div(mul(q.rate, add(p.high, p.low)), 2), log(mul(sub(p.high, p.low), q.rate)));
  return where(lt(p.low, 0), Infinity, result);
});

registerKl(Uniform, Gumbel, (p, q) => {
  const commonTerm = div(q.scale, sub(p.high, p.low));
  const highLocDiff = div(sub(p.high, q.loc), q.scale);
  const lowLocDiff = div(sub(p.low, q.loc), q.scale);
  const t1 = add(log(commonTerm), mul(add(highLocDiff, lowLocDiff), 0.5));
  const t2 = mul(commonTerm, sub(exp(neg(highLocDiff)), exp(neg(lowLocDiff))));
  return sub(t1, t2);
});

// q has no mass on part of p's support: a half-line or a bounded interval cannot cover the real line.
registerKl(Normal, Exponential, (p, q) => infinite(p, q, p.loc));
registerKl(Normal, Uniform, (p, q) => infinite(p, q, p.loc));
registerKl(Laplace, Exponential, (p, q) => infinite(p, q, p.loc));
registerKl(Laplace, Uniform, (p, q) => infinite(p, q, p.loc));
registerKl(Gumbel, Exponential, (p, q) => infinite(p, q, p.loc));
registerKl(Gumbel, Uniform, (p, q) => infinite(p, q, p.loc));
registerKl(Exponential, Uniform, (p, q) => infinite(p, q, p.rate));
