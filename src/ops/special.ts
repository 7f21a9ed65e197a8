/**
 * Special functions, as torch.special and their torch.* twins: the gamma family (lgamma, digamma,
 * polygamma, mvlgamma, zeta, gammainc, gammaincc), the error-function family (erfc, erfcx, erfinv,
 * ndtr, ndtri, logNdtr), the modified Bessel functions (i0, i0e, i1, i1e), and xlog1py, sinc, entr
 * and atan here. lgamma, digamma, polygamma, erfc, erfcx, erfinv, ndtri, logNdtr, i0, i0e, i1 and
 * i1e are unary kernels of their own (cpu only: src/backend/reference/special-math.ts and
 * native/kernels/special_math.h, computed in double); the rest are composites of the elementwise
 * ops, computed in float64 where the algorithm needs it (Cephes' and PyTorch's algorithms; see
 * each file). Results come back in the input's dtype; int32 and bool inputs compute in float32.
 * Each records one node whose backward is written with ops, so they differentiate again.
 *
 * `special` collects them under torch.special's names (camelCase), with the aliases it has
 * (gammaln, psi, multigammaln, expit, ...).
 */
import type { Tensor } from '../tensor/tensor';
import { add, div, eq, gt, le, logicalAnd, lt, mul, sub, where, type TensorLike } from './binary';
import { to } from './cast';
import { isnan, logit, xlogy } from './elementwise-extra';
import { logsumexp } from './reduce';
import { logSoftmax, softmax } from './softmax';
import { abs, cos, erf, expm1, log, log1p, neg, round, sigmoid, sin, sqrt, square } from './unary';
import { ATAN_P, ATAN_Q } from '../backend/reference/special-coefficients';
import { i0, i0e, i1, i1e } from './special-bessel';
import { erfc, erfcx, erfinv, logNdtr, ndtr, ndtri } from './special-erf';
import { digamma, lgamma, mvlgamma, polygamma, zeta } from './special-gamma';
import { gammainc, gammaincc } from './special-igamma';
import { binarySpecial, p1evl, polevl, unarySpecial } from './special-util';

export { digamma, erfc, erfcx, erfinv, gammainc, gammaincc, i0, i0e, i1, i1e, lgamma, logNdtr, mvlgamma, ndtr, ndtri, polygamma, zeta };

const T3P8 = 2.41421356237309504880;  // tan(3 pi / 8)
const MOREBITS = 6.123233995736765886130e-17;  // pi/2 - fl(pi/2)

/** Cephes atan in float64: reduced to |x| <= 0.66 by atan(x) = pi/2 - atan(1/x) or pi/4 + atan((x-1)/(x+1)), then x + x^3 P(x^2)/Q(x^2). */
function atanForward(x0: Tensor): Tensor {
  const x = abs(x0);
  const far = gt(x, T3P8), middle = logicalAnd(gt(x, 0.66), le(x, T3P8));
  // 2, 1 or 0 quarter turns (a float64 count: where of two numbers would make float32).
  const quarters = to(where(far, 2, where(middle, 1, 0)), 'float64');
  const base = mul(quarters, Math.PI / 4);
  const u = where(far, div(-1, x), where(middle, div(sub(x, 1), add(x, 1)), x));
  const z = square(u);
  const correction = mul(quarters, 0.5 * MOREBITS);
  const small = add(add(mul(u, div(mul(z, polevl(z, ATAN_P)), p1evl(z, ATAN_Q))), u), correction);
  const value = add(base, small);
  return where(lt(x0, 0), neg(value), where(isnan(x0), x0, value));
}

/**
 * The arctangent, elementwise, in (-pi/2, pi/2) (torch.atan; Cephes' algorithm). Gradient 1 / (1 + x^2).
 * @example `atan(tensor([0, 1, Infinity])) // [0, 0.7854, 1.5708]`
 */
export const atan: (x: Tensor) => Tensor = unarySpecial('atan', atanForward, (g, x) => div(g, add(square(x), 1)));

/** acos(x) = 2 atan(sqrt((1 - x) / (1 + x))) on [-1, 1], in float64, unrecorded (the von Mises sampler's). @example `acosUnrecorded(tensor([-1, 0, 1], { dtype: 'float64' })) // [pi, pi/2, 0]` */
export function acosUnrecorded(x: Tensor): Tensor {
  return mul(atanForward(sqrt(div(sub(1, x), add(x, 1)))), 2);
}

/**
 * x log(1 + y), taken as 0 where x = 0 (unless y is NaN), torch.special.xlog1py; broadcasting,
 * numbers allowed for either. Gradients as PyTorch's: log1p(y) for x (0 where x = 0 and y <= -1),
 * x / (1 + y) for y.
 * @example `xlog1py(tensor([0, 2]), tensor([-1, 0.5])) // [0, 0.8109]`
 */
export const xlog1py: (x: TensorLike, y: TensorLike) => Tensor = binarySpecial('xlog1py', ['x', 'y'],
  (x, y) => where(isnan(y), y, where(eq(x, 0), 0, mul(x, log1p(y)))),
  (g, x, y) => [where(logicalAnd(eq(x, 0), le(y, -1)), 0, xlog1py(g, y)), div(mul(g, x), add(y, 1))]);

/**
 * The normalized sinc function sin(pi x) / (pi x), 1 at 0 (torch.sinc), computed in the input's
 * dtype as PyTorch does. Gradient (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0.
 * @example `sinc(tensor([0, 0.5, 1])) // [1, 0.6366, 3.9e-17]`
 */
export const sinc: (x: Tensor) => Tensor = unarySpecial('sinc', (x) => {
  const product = mul(x, Math.PI);
  return where(eq(x, 0), 1, div(sin(product), product));
}, (g, x) => {
  const piX = mul(x, Math.PI);
  const piX2 = mul(mul(x, x), Math.PI);
  return where(eq(piX2, 0), 0, div(mul(g, sub(mul(piX, cos(piX)), sin(piX))), piX2));
}, { inDtype: true });

/**
 * The elementwise entropy term -x log x (torch.special.entr): 0 at 0, -inf below 0. Gradient
 * -(1 + log x).
 * @example `entr(tensor([0, 0.5, 1])) // [0, 0.3466, 0]`
 */
export const entr: (x: Tensor) => Tensor = unarySpecial('entr',
  (x) => where(isnan(x), x, where(gt(x, 0), neg(mul(x, log(x))), where(eq(x, 0), 0, -Infinity))),
  (g, x) => mul(g, neg(add(log(x), 1))), { inDtype: true });

/**
 * torch.special's functions by their names (camelCase), aliases included: gammaln = lgamma, psi =
 * digamma, multigammaln = mvlgamma, expit = sigmoid; and the general ops torch.special re-exports
 * (erf, expm1, log1p, round, logit, xlogy, softmax, logSoftmax, logsumexp).
 * @example
 * import { special, tensor } from 'lattice-ml';
 * special.gammaln(tensor([0.5, 10]));          // [0.5724, 12.8018]
 * special.gammainc(tensor([2]), tensor([1]));  // [0.2642]
 */
export const special = {
  /** log|Gamma(x)|. */
  lgamma,
  /** log|Gamma(x)| (torch.special.gammaln). */
  gammaln: lgamma,
  /** The digamma function. */
  digamma,
  /** The digamma function (torch.special.psi). */
  psi: digamma,
  /** The n-th derivative of digamma: polygamma(n, x). */
  polygamma,
  /** The multivariate log-gamma function: multigammaln(x, p). */
  multigammaln: mvlgamma,
  /** The Hurwitz zeta function zeta(x, q). */
  zeta,
  /** The regularized lower incomplete gamma function P(a, x). */
  gammainc,
  /** The regularized upper incomplete gamma function Q(a, x). */
  gammaincc,
  /** The error function. */
  erf,
  /** The complementary error function. */
  erfc,
  /** The scaled complementary error function exp(x^2) erfc(x). */
  erfcx,
  /** The inverse error function. */
  erfinv,
  /** The standard normal cdf. */
  ndtr,
  /** The standard normal quantile. */
  ndtri,
  /** log of the standard normal cdf. */
  logNdtr,
  /** The modified Bessel function I0. */
  i0,
  /** exp(-|x|) I0(x). */
  i0e,
  /** The modified Bessel function I1. */
  i1,
  /** exp(-|x|) I1(x). */
  i1e,
  /** x log(y), 0 where x = 0. */
  xlogy,
  /** x log(1 + y), 0 where x = 0. */
  xlog1py,
  /** sin(pi x) / (pi x). */
  sinc,
  /** -x log x. */
  entr,
  /** log(p / (1 - p)). */
  logit,
  /** The logistic sigmoid (torch.special.expit). */
  expit: sigmoid,
  /** e^x - 1. */
  expm1,
  /** log(1 + x). */
  log1p,
  /** Round half to even. */
  round,
  /** Softmax along a dim. */
  softmax,
  /** Log-softmax along a dim. */
  logSoftmax,
  /** log(sum(exp(x))) over dims. */
  logsumexp,
} as const;
