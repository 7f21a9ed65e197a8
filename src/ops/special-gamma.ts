/**
 * The gamma-function family of torch.special: lgamma, digamma and polygamma are unary kernels
 * (algorithms in src/backend/reference/special-math.ts and native/kernels/special_math.h), zeta and
 * mvlgamma composites. Each records a node whose backward is written with ops (lgamma' = digamma,
 * polygamma(n)' = polygamma(n + 1)), so derivatives of every order exist.
 *
 * lgamma: for |x| < 2.5 around lgamma(2 + e)'s Taylor series (exact arguments e = x - 1 or x - 2,
 * so it stays accurate near the zeros at 1 and 2, as glibc's, which PyTorch calls); for 2.5 <= x <
 * 13 the recurrence down to [1.5, 2.5) as a product of exact factors (x - 1)...(x - n); Cephes'
 * Stirling series from 13; the reflection formula below -0.5. digamma, trigamma and zeta follow
 * PyTorch's kernels step by step (Cephes' psi and zeta), early exits included.
 */
import { ArgumentError, fmtArg } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { ZETA_EULER_MACLAURIN } from '../backend/reference/special-coefficients';
import { ZETA_MIN_Q } from '../backend/reference/special-math';
import { add, div, eq, le, logicalAnd, logicalOr, lt, mul, ne, pow, sub, where } from './binary';
import { arange, zerosLike } from './creation';
import { sum } from './reduce';
import { unsqueeze } from './shape';
import { abs, floor, logicalNot, neg } from './unary';
import { assertTensor, hostValues } from './util';
import { assertOnCpu, binarySpecial, floatInput, specialKernel, unrecorded, whileAny } from './special-util';

const MACHEP = 1.11022302462515654042e-16;

/**
 * The Hurwitz zeta function sum_k (q + k)^-x in float64, Cephes' zeta as PyTorch runs it: the sum
 * term by term (at least 9 terms, until q + k > 9, or until a term is below machine precision),
 * then the Euler-Maclaurin tail with at most 12 Bernoulli terms. inf at x = 1 and at q a
 * non-positive integer; NaN for x < 1, for q < 0 with x not an integer, and for a non-integer q
 * below -2^20 (the sum would need |q| terms), as the kernel's (special-math.ts).
 */
function zetaForward(x: Tensor, q: Tensor): Tensor {
  const qInteger = eq(q, floor(q));
  const special = where(eq(x, 1), Infinity, where(lt(x, 1), NaN,
    where(logicalAnd(le(q, 0), qInteger), Infinity, NaN)));
  const isSpecial = logicalOr(logicalOr(le(x, 1), logicalAnd(le(q, 0), logicalOr(qInteger, ne(x, floor(x))))), lt(q, ZETA_MIN_Q));
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

/**
 * log|Gamma(x)| elementwise (torch.lgamma), for all real x: +inf at 0, at the negative integers
 * and at +-inf. int32/bool compute in float32. Gradient digamma(x).
 * @example `lgamma(tensor([0.5, 1, 10])) // [0.5724, 0, 12.8018]`
 */
export const lgamma: (x: Tensor) => Tensor = specialKernel('lgamma', (g, x) => mul(g, digamma(x)));

/**
 * The digamma function psi(x) = d/dx lgamma(x) (torch.digamma): -inf at +0, +inf at -0, NaN at
 * the negative integers. Gradient polygamma(1, x).
 * @example `digamma(tensor([1, 0.5])) // [-0.5772, -1.9635]`
 */
export const digamma: (x: Tensor) => Tensor = specialKernel('digamma', (g, x) => mul(g, polygamma(1, x)));

const polygammaOps = new Map<number, (x: Tensor, n: number) => Tensor>();
/** The polygamma kernel of order n >= 1 (n rides in the opcode's p0), with its gradient polygamma(n + 1). */
function polygammaOf(n: number): (x: Tensor, n: number) => Tensor {
  let op = polygammaOps.get(n);
  if (!op) {
    op = specialKernel('polygamma', (g, x) => mul(g, polygamma(n + 1, x)));
    polygammaOps.set(n, op);
  }
  return op;
}

/**
 * The n-th derivative of digamma (torch.polygamma(n, x)): n = 0 is digamma, n = 1 trigamma
 * (PyTorch's series), n >= 2 is (-1)^(n+1) n! zeta(n + 1, x); one kernel, n its parameter.
 * Gradient polygamma(n + 1, x).
 * @example `polygamma(1, tensor([1, 2])) // [1.6449, 0.6449]`
 */
export function polygamma(n: number, x: Tensor): Tensor {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ArgumentError(`polygamma: n must be an integer >= 0, got ${fmtArg(n)}`);
  }
  assertTensor('polygamma', 'x', x);
  if (n === 0) return digamma(x);
  return polygammaOf(n)(x, n);
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
  assertOnCpu('mvlgamma', 'x', x);
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

/** lgamma's values without a tape node (for composites with their own derivative formulas). @example `lgammaForward(a)` */
export const lgammaForward = unrecorded(lgamma);
/** digamma's values without a tape node (for composites with their own derivative formulas). @example `digammaForward(alpha)` */
export const digammaForward = unrecorded(digamma);
