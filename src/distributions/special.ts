/**
 * Special functions the distributions need and the op set lacks, written with ops:
 * erfinv (Normal.icdf) and lgamma (the Gumbel KL divergences).
 */
import { customOp } from '../autograd/custom';
import { abs, erf, exp, log, neg, sign, sqrt, square } from '../ops/unary';
import { add, div, eq, ge, le, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import type { Tensor } from '../tensor/tensor';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// The rational starting point of PyTorch's calc_erfinv (aten/src/ATen/native/Math.h): for |y| <= 0.7
// y a(y^2) / b(y^2), else sign(y) c(z) / d(z) with z = sqrt(-log((1 - |y|) / 2)); a few digits
// everywhere, which two Newton steps on erf(x) = y take to double precision.
const A = [0.886226899, -1.645349621, 0.914624893, -0.140543331];
const B = [-2.118377725, 1.442710462, -0.329097515, 0.012229801];
const C = [-1.970840454, -1.624906493, 3.429567803, 1.641345311];
const DD = [3.5438892, 1.6370678];

/** c[0] + c[1] z + ... by Horner's rule. */
function poly(c: number[], z: Tensor): Tensor {
  let p: Tensor | number = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) p = add(mul(p, z), c[i]);
  return p as Tensor;
}

/**
 * erfinv in float64, as PyTorch computes it (the same start and the same two Newton steps, so the
 * same answer where the problem is ill-conditioned, |y| near 1). +-1 give +-inf; |y| > 1 and NaN, NaN.
 */
function erfinvForward(y: Tensor): Tensor {
  const y64 = to(y, 'float64');
  const ay = abs(y64);
  const z2 = square(y64);
  const central = div(mul(y64, poly(A, z2)), add(mul(poly(B, z2), z2), 1));
  const z = sqrt(neg(log(div(sub(1, ay), 2))));
  const tail = div(mul(sign(y64), poly(C, z)), poly([1, ...DD], z));
  let x = where(le(ay, 0.7), central, tail);
  for (let step = 0; step < 2; step++) {
    x = sub(x, div(sub(erf(x), y64), mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));
  }
  x = where(eq(ay, 1), mul(sign(y64), Infinity), where(ge(ay, 1), NaN, x));
  return to(x, y.dtype);
}

/**
 * The inverse error function, elementwise on a float tensor; differentiable once:
 * d erfinv(y)/dy = sqrt(pi)/2 exp(erfinv(y)^2).
 * @example `erfinv(tensor([0, 0.5])) // [0, 0.4769]`
 */
export const erfinv: (y: Tensor) => Tensor = customOp({
  name: 'erfinv',
  forward: erfinvForward,
  backward: (g, _inputs, out) => [mul(g, div(exp(square(out)), TWO_OVER_SQRT_PI))],
});

// Lanczos approximation, g = 7, n = 9 (the Numerical Recipes / Boost set): relative error
// below 1e-15 for x >= 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Gamma(x) for x >= 0.5 (what the Gumbel KL divergences ask: lgamma(1 + ratio)), by Lanczos'
 * approximation written with ops, so differentiable:
 *   lgamma(x) = 0.5 log(2 pi) + (x - 0.5) log(t) - t + log(A(x)),  t = x + g - 0.5,
 *   A(x) = c0 + sum_k c_k / (x - 1 + k).
 * @example `lgammaPositive(tensor([1, 2, 4.5]))`
 */
export function lgammaPositive(x: Tensor): Tensor {
  const xm1 = sub(x, 1);
  let a: Tensor | number = LANCZOS[0];
  for (let k = 1; k < LANCZOS.length; k++) a = add(a, div(LANCZOS[k], add(xm1, k)));
  const t = add(xm1, LANCZOS_G + 0.5);
  return add(sub(add(mul(add(xm1, 0.5), log(t)), HALF_LOG_2PI), t), log(a as Tensor));
}
