/**
 * The KL divergences PyTorch registers (torch/distributions/kl.py) for the distributions added with
 * the gamma family (Gamma and its Chi2, Beta, Dirichlet, Poisson, Binomial, Geometric, HalfNormal,
 * Cauchy), among themselves and with the earlier families: closed forms written with ops, and +inf
 * where q puts no mass on part of p's support. Imported for its registrations by the index.
 */
import { ShapeError, fmtShape } from '../errors';
import { add, div, gt, logicalOr, lt, mul, pow, sub, where } from '../ops/binary';
import { xlogy } from '../ops/elementwise-extra';
import { sum } from '../ops/reduce';
import { unsqueeze } from '../ops/shape';
import { digamma, lgamma } from '../ops/special';
import { hostValues } from '../ops/util';
import { exp, log, log1p, neg, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { Bernoulli } from './bernoulli';
import { Beta } from './beta';
import { Binomial } from './binomial';
import { Cauchy } from './cauchy';
import { Dirichlet } from './dirichlet';
import { type Distribution, NotImplementedError } from './distribution';
import { Exponential } from './exponential';
import { Gamma } from './gamma';
import { Geometric } from './geometric';
import { EULER_GAMMA, Gumbel } from './gumbel';
import { HalfNormal } from './half-normal';
import { type DistributionClass, infinite, klDivergence, registerKl } from './kl';
import { Laplace } from './laplace';
import { Normal } from './normal';
import { Poisson } from './poisson';
import { Uniform } from './uniform';

/** x log x, 0 at 0. */
const xLogX = (x: Tensor): Tensor => xlogy(x, x);
/** a / (a + b), the Beta's mean. */
const betaMean = (p: Beta): Tensor => div(p.concentration1, add(p.concentration1, p.concentration0));

// ------------------------------------------------------------------ same family

registerKl(Gamma, Gamma, (p, q) => {
  const t1 = mul(q.concentration, log(div(p.rate, q.rate)));
  const t2 = sub(lgamma(q.concentration), lgamma(p.concentration));
  const t3 = mul(sub(p.concentration, q.concentration), digamma(p.concentration));
  const t4 = mul(sub(q.rate, p.rate), div(p.concentration, p.rate));
  return add(add(add(t1, t2), t3), t4);
});

registerKl(Beta, Beta, (p, q) => {
  const sumP = add(p.concentration1, p.concentration0), sumQ = add(q.concentration1, q.concentration0);
  const t1 = add(add(lgamma(q.concentration1), lgamma(q.concentration0)), lgamma(sumP));
  const t2 = add(add(lgamma(p.concentration1), lgamma(p.concentration0)), lgamma(sumQ));
  const t3 = mul(sub(p.concentration1, q.concentration1), digamma(p.concentration1));
  const t4 = mul(sub(p.concentration0, q.concentration0), digamma(p.concentration0));
  const t5 = mul(sub(sumQ, sumP), digamma(sumP));
  return add(add(add(sub(t1, t2), t3), t4), t5);
});

registerKl(Dirichlet, Dirichlet, (p, q) => {
  if (p.eventShape[0] !== q.eventShape[0]) {
    throw new ShapeError(`klDivergence: p and q are Dirichlets over ${p.eventShape[0]} and ${q.eventShape[0]} categories (${fmtShape(p.concentration.shape)} vs ${fmtShape(q.concentration.shape)})`);
  }
  const sumP = sum(p.concentration, -1), sumQ = sum(q.concentration, -1);
  const t1 = sub(lgamma(sumP), lgamma(sumQ));
  const t2 = sum(sub(lgamma(p.concentration), lgamma(q.concentration)), -1);
  const t3 = sub(p.concentration, q.concentration);
  const t4 = sub(digamma(p.concentration), unsqueeze(digamma(sumP), -1));
  return add(sub(t1, t2), sum(mul(t3, t4), -1));
});

registerKl(Poisson, Poisson, (p, q) => sub(mul(p.rate, sub(log(p.rate), log(q.rate))), sub(p.rate, q.rate)));

registerKl(Binomial, Binomial, (p, q) => {
  // PyTorch refuses any q.totalCount > p.totalCount (broadcast against each other).
  if (anyLess(p.totalCount, q.totalCount)) {
    throw new NotImplementedError('klDivergence: KL(p || q) between Binomials where q.totalCount > p.totalCount is not implemented (as in PyTorch)');
  }
  const kl = mul(p.totalCount, add(mul(p.probs, sub(p.logits, q.logits)), sub(log1p(neg(p.probs)), log1p(neg(q.probs)))));
  return where(gt(p.totalCount, q.totalCount), Infinity, kl);
});

/** Whether any element of a is below b's (broadcast). */
function anyLess(a: Tensor, b: Tensor): boolean {
  return Array.from(hostValues(lt(a, b))).some(Boolean);
}

registerKl(Geometric, Geometric, (p, q) => sub(sub(neg(p.entropy()), div(log1p(neg(q.probs)), p.probs)), q.logits));

registerKl(HalfNormal, HalfNormal, (p, q) => klDivergence(p.baseDist, q.baseDist));

registerKl(Cauchy, Cauchy, (p, q) => {
  const t1 = log(add(square(add(p.scale, q.scale)), square(sub(p.loc, q.loc))));
  const t2 = log(mul(mul(p.scale, q.scale), 4));
  return sub(t1, t2);
});

// ------------------------------------------------------------------ across families

registerKl(Bernoulli, Poisson, (p, q) => sub(neg(p.entropy()), sub(mul(p.probs, log(q.rate)), q.rate)));

registerKl(Beta, Exponential, (p, q) => add(sub(neg(p.entropy()), log(q.rate)), mul(q.rate, betaMean(p))));

registerKl(Beta, Gamma, (p, q) => {
  const t2 = sub(lgamma(q.concentration), mul(q.concentration, log(q.rate)));
  const t3 = mul(sub(q.concentration, 1), sub(digamma(p.concentration1), digamma(add(p.concentration1, p.concentration0))));
  const t4 = mul(q.rate, betaMean(p));
  return add(sub(add(neg(p.entropy()), t2), t3), t4);
});

registerKl(Beta, Normal, (p, q) => {
  const mean = betaMean(p);
  const varNormal = square(q.scale);
  const t2 = mul(log(mul(varNormal, 2 * Math.PI)), 0.5);
  const t3 = mul(add(div(mul(mean, sub(1, mean)), add(add(p.concentration1, p.concentration0), 1)), square(mean)), 0.5);
  const t4 = mul(q.loc, mean);
  const t5 = mul(square(q.loc), 0.5);
  return add(add(neg(p.entropy()), t2), div(add(sub(t3, t4), t5), varNormal));
});

registerKl(Beta, Uniform, (p, q) => {
  const result = add(neg(p.entropy()), log(sub(q.high, q.low)));
  return where(logicalOr(gt(q.low, 0), lt(q.high, 1)), Infinity, result);
});

registerKl(Exponential, Gamma, (p, q) => {
  const ratio = div(q.rate, p.rate);
  const t1 = neg(mul(q.concentration, log(ratio)));
  return sub(add(add(add(t1, ratio), lgamma(q.concentration)), mul(q.concentration, EULER_GAMMA)), 1 + EULER_GAMMA);
});

registerKl(Gamma, Exponential, (p, q) => add(sub(neg(p.entropy()), log(q.rate)), div(mul(q.rate, p.concentration), p.rate)));

registerKl(Gamma, Gumbel, (p, q) => {
  const betaScale = mul(p.rate, q.scale);
  const locScale = div(q.loc, q.scale);
  const t1 = sub(sub(mul(sub(p.concentration, 1), digamma(p.concentration)), lgamma(p.concentration)), p.concentration);
  const t2 = add(log(betaScale), div(p.concentration, betaScale));
  const t3 = sub(mul(exp(locScale), pow(add(div(1, betaScale), 1), neg(p.concentration))), locScale);
  return add(add(t1, t2), t3);
});

registerKl(Gamma, Normal, (p, q) => {
  const varNormal = square(q.scale);
  const betaSqr = square(p.rate);
  const t1 = sub(sub(mul(log(mul(mul(betaSqr, varNormal), 2 * Math.PI)), 0.5), p.concentration), lgamma(p.concentration));
  const t2 = div(mul(add(square(p.concentration), p.concentration), 0.5), betaSqr);
  const t3 = div(mul(q.loc, p.concentration), p.rate);
  const t4 = mul(square(q.loc), 0.5);
  return add(add(t1, mul(sub(p.concentration, 1), digamma(p.concentration))), div(add(sub(t2, t3), t4), varNormal));
});

registerKl(Uniform, Beta, (p, q) => {
  const common = sub(p.high, p.low);
  const t1 = log(common);
  const t2 = div(mul(sub(q.concentration1, 1), sub(sub(xLogX(p.high), xLogX(p.low)), common)), common);
  const t3 = div(mul(sub(q.concentration0, 1), add(sub(xLogX(sub(1, p.high)), xLogX(sub(1, p.low))), common)), common);
  const t4 = sub(add(lgamma(q.concentration1), lgamma(q.concentration0)), lgamma(add(q.concentration1, q.concentration0)));
  const result = sub(sub(add(t3, t4), t1), t2);
  return where(logicalOr(gt(p.high, 1), lt(p.low, 0)), Infinity, result);
});

registerKl(Uniform, Gamma, (p, q) => {
  const common = sub(p.high, p.low);
  const t2 = sub(lgamma(q.concentration), mul(q.concentration, log(q.rate)));
  const t3 = div(mul(sub(1, q.concentration), sub(sub(xLogX(p.high), xLogX(p.low)), common)), common);
  const t4 = div(mul(q.rate, add(p.high, p.low)), 2);
  const result = add(add(add(neg(log(common)), t2), t3), t4);
  return where(lt(p.low, 0), Infinity, result);
});

// q has no mass on part of p's support: [0, 1] or [0, inf) cannot cover a wider support.
const firstParam = (d: Distribution): Tensor => {
  const name = Object.keys(d.argConstraints)[0];
  return (d as unknown as Record<string, Tensor>)[name];
};
const infinitePairs: [DistributionClass, DistributionClass][] = [
  [Exponential, Beta], [Gamma, Beta], [Gamma, Uniform], [Gumbel, Beta], [Gumbel, Gamma], [Laplace, Beta], [Laplace, Gamma],
  [Normal, Beta], [Normal, Gamma], [Poisson, Bernoulli], [Poisson, Binomial],
];
for (const [P, Q] of infinitePairs) registerKl(P, Q, (p, q) => infinite(p, q, firstParam(p)));
