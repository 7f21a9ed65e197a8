/**
 * The gamma-function family of torch.special, written with elementwise ops in float64: lgamma,
 * digamma, polygamma (with trigamma and the Hurwitz zeta), mvlgamma and zeta. Each records a node
 * whose backward is written with ops (lgamma' = digamma, polygamma(n)' = polygamma(n + 1)), so
 * derivatives of every order exist.
 *
 * lgamma: for |x| < 2.5 around lgamma(2 + e)'s Taylor series (exact arguments e = x - 1 or x - 2,
 * so it stays accurate near the zeros at 1 and 2, as glibc's, which PyTorch calls); for 2.5 <= x <
 * 13 the recurrence down to [1.5, 2.5) as a product of exact factors (x - 1)...(x - n); Cephes'
 * Stirling series from 13; the reflection formula below -0.5. digamma, trigamma and zeta follow
 * PyTorch's kernels step by step (Cephes' psi and zeta), early exits included.
 */
import { ArgumentError, fmtArg } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { add, div, eq, ge, gt, le, logicalAnd, logicalOr, lt, minimum, mul, ne, pow, sub, where } from './binary';
import { arange, full, zerosLike } from './creation';
import { isnan } from './elementwise-extra';
import { sum } from './reduce';
import { unsqueeze } from './shape';
import { abs, ceil, clamp, cos, floor, log, log1p, logicalNot, neg, reciprocal, sin, square } from './unary';
import { assertTensor, hostValues } from './util';
import { DIGAMMA_ASYMPTOTIC, LGAMMA2_TAYLOR, LGAMMA_STIRLING, PSI_10, ZETA_EULER_MACLAURIN } from './special-coefficients';
import { binarySpecial, floatInput, polevl, polyAscending, unarySpecial, whileAny } from './special-util';

const LOG_SQRT_2PI = 0.91893853320467274178;
const MACHEP = 1.11022302462515654042e-16;

/** lgamma(2 + e) for |e| <= 0.5 from its Taylor series. */
const lgammaAround2 = (e: Tensor): Tensor => mul(e, polyAscending(e, LGAMMA2_TAYLOR));

/** Truncation toward zero, unrecorded. */
const truncate = (x: Tensor): Tensor => where(ge(x, 0), floor(x), ceil(x));

/** lgamma(z) for z >= 0.5 (or +inf) in float64. */
function lgammaAtLeastHalf(z: Tensor): Tensor {
  // [0.5, 13): z = e + n + 2 with e in [-0.5, 0.5), n = floor(z - 1.5) in [-1, 11] (both exact);
  // Gamma(z) = Gamma(2 + e) (z - 1)(z - 2)...(z - n), and Gamma(z) = Gamma(1 + z) / z for n = -1.
  const n = clamp(floor(sub(z, 1.5)), { min: -1, max: 11 });
  const e = sub(z, add(n, 2));
  let product: Tensor | number = 1;
  for (let k = 1; k <= 11; k++) product = where(ge(n, k), mul(product, sub(z, k)), product);
  const shift = where(lt(n, 0), neg(log(z)), log(product as Tensor));
  const small = add(lgammaAround2(e), shift);
  // [13, inf): (z - 1/2) log z - z + log sqrt(2 pi) + the Stirling correction in 1/z^2.
  const p = reciprocal(square(z));
  const correction = where(ge(z, 1000),
    add(mul(sub(mul(p, 7.9365079365079365079365e-4), 2.7777777777777777777778e-3), p), 0.0833333333333333333333),
    polevl(p, LGAMMA_STIRLING));
  const large = add(sub(mul(sub(z, 0.5), log(z)), z), add(LOG_SQRT_2PI, div(correction, z)));
  return where(eq(z, Infinity), Infinity, where(lt(z, 13), small, large));
}

/** |sin(pi x)| with the argument reduced exactly: f = x - floor(x), sin(pi min(f, 1 - f)). */
function absSinPi(x: Tensor): Tensor {
  const f = sub(x, floor(x));
  return sin(mul(minimum(f, sub(1, f)), Math.PI));
}

/** log|Gamma(x)| in float64 for every x: +inf at 0, the negative integers and +-inf; NaN for NaN. */
function lgammaForward(x: Tensor): Tensor {
  const nearZero = lt(abs(x), 0.5);
  const reflected = le(x, -0.5);
  const z = where(reflected, sub(1, x), where(nearZero, 1, x));
  const positive = lgammaAtLeastHalf(z);
  // |x| < 0.5: Gamma(x) = Gamma(2 + x) / (x (1 + x)).
  const aroundZero = sub(sub(lgammaAround2(x), log1p(x)), log(abs(x)));
  // x <= -0.5: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
  const reflection = sub(log(div(Math.PI, absSinPi(x))), positive);
  const value = where(nearZero, aroundZero, where(reflected, reflection, positive));
  return where(isnan(x), x, where(eq(x, -Infinity), Infinity, value));
}

/** digamma for x > 0 in float64, PyTorch's loop: psi(x) = psi(x + m) - sum 1/(x + j) up to x + m >= 10, then the asymptotic series. */
function digammaPositive(x0: Tensor): Tensor {
  let x = x0;
  let result: Tensor | number = 0;
  for (let i = 0; i < 10; i++) {
    const below = lt(x, 10);
    result = where(below, sub(result, reciprocal(x)), result);
    x = where(below, add(x, 1), x);
  }
  const z = reciprocal(square(x));
  const y = where(lt(x, 1e17), mul(z, polevl(z, DIGAMMA_ASYMPTOTIC)), 0);
  const asymptotic = sub(sub(add(result, log(x)), div(0.5, x)), y);
  return where(eq(x, 10), add(result, PSI_10), asymptotic);
}

/** PyTorch's calc_digamma in float64 (reflection psi(x) = psi(1 - x) - pi / tan(pi r), r = frac(x), below 0). */
function digammaForward(x: Tensor): Tensor {
  const negative = lt(x, 0);
  const r = sub(x, truncate(x));
  const positive = digammaPositive(where(negative, sub(1, x), where(eq(x, 0), 1, x)));
  const piOverTan = div(mul(cos(mul(r, Math.PI)), Math.PI), sin(mul(r, Math.PI)));
  const value = where(negative, where(eq(r, 0), NaN, sub(positive, piOverTan)), positive);
  // psi(+-0) = -+inf (the sign of zero is read through 1/x).
  return where(eq(x, 0), where(gt(reciprocal(x), 0), -Infinity, Infinity), value);
}

/** PyTorch's trigamma (float64 version): reflection below 1/2, six recurrence steps, the asymptotic series. */
function trigammaForward(x0: Tensor): Tensor {
  const reflect = lt(x0, 0.5);
  const sinPiX = sin(mul(x0, Math.PI));
  let result: Tensor = where(reflect, neg(div(Math.PI * Math.PI, square(sinPiX))), 0);
  let x = where(reflect, sub(1, x0), x0);
  for (let i = 0; i < 6; i++) {
    result = add(result, reciprocal(square(x)));
    x = add(x, 1);
  }
  const ixx = reciprocal(square(x));
  const series = div(add(add(div(1, mul(x, 2)), 1), mul(ixx, sub(1 / 6, mul(ixx, sub(1 / 30, mul(ixx, 1 / 42)))))), x);
  result = add(result, series);
  return where(reflect, neg(result), result);
}

/**
 * The Hurwitz zeta function sum_k (q + k)^-x in float64, Cephes' zeta as PyTorch runs it: the sum
 * term by term (at least 9 terms, until q + k > 9, or until a term is below machine precision),
 * then the Euler-Maclaurin tail with at most 12 Bernoulli terms. inf at x = 1 and at q a
 * non-positive integer; NaN for x < 1, and for q < 0 with x not an integer.
 */
function zetaForward(x: Tensor, q: Tensor): Tensor {
  const qInteger = eq(q, floor(q));
  const special = where(eq(x, 1), Infinity, where(lt(x, 1), NaN,
    where(logicalAnd(le(q, 0), qInteger), Infinity, NaN)));
  const isSpecial = logicalOr(le(x, 1), logicalAnd(le(q, 0), logicalOr(qInteger, ne(x, floor(x)))));
  let s = pow(q, neg(x));
  let a = q;
  let b: Tensor = zerosLike(q);
  let done = isSpecial;
  let count = 0;
  whileAny(logicalNot(isSpecial), Number.MAX_SAFE_INTEGER, (running) => {
    count++;
    const active = count <= 9 ? running : logicalAnd(running, le(a, 9));
    a = where(active, add(a, 1), a);
    b = where(active, pow(a, neg(x)), b);
    s = where(active, add(s, b), s);
    const converged = logicalAnd(active, logicalAnd(lt(mul(s, -MACHEP), b), lt(b, mul(s, MACHEP))));
    done = logicalOr(done, converged);
    return logicalAnd(active, logicalNot(converged));
  });
  // The Euler-Maclaurin tail for the elements the sum did not finish.
  const w = a;
  let active = logicalNot(done);
  s = where(active, sub(add(s, div(mul(b, w), sub(x, 1))), mul(b, 0.5)), s);
  let fac: Tensor | number = 1;
  let k = 0;
  for (let i = 0; i < ZETA_EULER_MACLAURIN.length; i++) {
    fac = mul(fac, add(x, k));
    b = div(b, w);
    const t = div(mul(fac, b), ZETA_EULER_MACLAURIN[i]);
    s = where(active, add(s, t), s);
    active = logicalAnd(active, logicalNot(lt(abs(div(t, s)), MACHEP)));
    k += 1;
    fac = mul(fac, add(x, k));
    b = div(b, w);
    k += 1;
  }
  return where(isSpecial, special, s);
}

/** n! as a float (exact through 22!). */
function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/** polygamma of order n >= 2 in float64: (-1)^(n+1) n! zeta(n + 1, x). */
function polygammaHigh(n: number, x: Tensor): Tensor {
  return mul(zetaForward(full(x.shape, n + 1, { dtype: 'float64', device: x.device }), x), (n % 2 ? 1 : -1) * factorial(n));
}

/**
 * log|Gamma(x)| elementwise (torch.lgamma), for all real x: +inf at 0, at the negative integers
 * and at +-inf. int32/bool compute in float32. Gradient digamma(x).
 * @example `lgamma(tensor([0.5, 1, 10])) // [0.5724, 0, 12.8018]`
 */
export const lgamma: (x: Tensor) => Tensor = unarySpecial('lgamma', lgammaForward, (g, x) => mul(g, digamma(x)));

/**
 * The digamma function psi(x) = d/dx lgamma(x) (torch.digamma): -inf at +0, +inf at -0, NaN at
 * the negative integers. Gradient polygamma(1, x).
 * @example `digamma(tensor([1, 0.5])) // [-0.5772, -1.9635]`
 */
export const digamma: (x: Tensor) => Tensor = unarySpecial('digamma', digammaForward, (g, x) => mul(g, polygamma(1, x)));

const polygammaOps = new Map<number, (x: Tensor) => Tensor>();

/**
 * The n-th derivative of digamma (torch.polygamma(n, x)): n = 0 is digamma, n = 1 trigamma
 * (PyTorch's series), n >= 2 is (-1)^(n+1) n! zeta(n + 1, x). Gradient polygamma(n + 1, x).
 * @example `polygamma(1, tensor([1, 2])) // [1.6449, 0.6449]`
 */
export function polygamma(n: number, x: Tensor): Tensor {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ArgumentError(`polygamma: n must be an integer >= 0, got ${fmtArg(n)}`);
  }
  assertTensor('polygamma', 'x', x);
  if (n === 0) return digamma(x);
  let op = polygammaOps.get(n);
  if (!op) {
    op = unarySpecial(`polygamma(${n})`, n === 1 ? trigammaForward : (t) => polygammaHigh(n, t), (g, t) => mul(g, polygamma(n + 1, t)));
    polygammaOps.set(n, op);
  }
  return op(x);
}

/**
 * The Hurwitz zeta function zeta(x, q) = sum_{k >= 0} (q + k)^-x (torch.special.zeta), with
 * broadcasting; numbers are allowed for either. Gradient w.r.t. q: -x zeta(x + 1, q); none w.r.t.
 * x (PyTorch has none either: x requiring grad throws).
 * @example `zeta(2, tensor([1, 2])) // [1.6449, 0.6449]`
 */
export const zeta: (x: Tensor | number, q: Tensor | number) => Tensor = binarySpecial('zeta', ['x', 'q'], zetaForward,
  (g, x, q) => [null, mul(g, mul(neg(x), zeta(add(x, 1), q)))], 0);

/**
 * The multivariate log-gamma function of dimension p (torch.mvlgamma / torch.special.multigammaln):
 * p (p - 1) / 4 log(pi) + sum_{j < p} lgamma(x - j / 2). Every element must exceed (p - 1) / 2.
 * @example `mvlgamma(tensor([2.5, 3]), 2)`
 */
export function mvlgamma(x: Tensor, p: number): Tensor {
  assertTensor('mvlgamma', 'x', x);
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) throw new ArgumentError(`mvlgamma: p must be an integer >= 1, got ${fmtArg(p)}`);
  const input = floatInput(x);
  const bound = (p - 1) / 2;
  const values = hostValues(input);
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] > bound)) {
      throw new ArgumentError(`mvlgamma: every element of x ${input.describe()} must be greater than (p - 1) / 2 = ${bound} for p = ${p}; element ${i} is ${values[i]}`);
    }
  }
  // As PyTorch: lgamma over x - (p - 1)/2, ..., x - 1/2, x along a new last dim, summed.
  const offsets = arange(-(p - 1) / 2, 0.5, 0.5, { dtype: input.dtype as 'float32' | 'float64', device: input.device });
  const terms = lgamma(add(unsqueeze(input, -1), offsets));
  return add(sum(terms, -1), (p * (p - 1)) * Math.log(Math.PI) * 0.25);
}

export { lgammaForward, digammaForward };
