/**
 * The error-function family of torch.special: erfc, erfcx, erfinv, ndtri and logNdtr are each
 * their own unary kernel (algorithms in src/backend/reference/special-math.ts and
 * native/kernels/special_math.h), ndtr a composite of erf as PyTorch's. Each records a node whose
 * backward is written with ops.
 *
 * The core is erfcx(x) = exp(x^2) erfc(x) for x >= 0: in y = 4 / (4 + x) (S. G. Johnson's change
 * of variable, PyTorch's erfcx) a piecewise polynomial (4 pieces of degree 16, fitted in
 * test/fixtures/generators/special_coefficients.py, ~3e-16 relative) up to x = 50, and PyTorch's
 * continued fraction beyond. erfc is erfcx(|x|) exp(-x^2) (2 minus that below 0), with exp(-x^2)
 * taken as exp(-h^2) exp(-(2h + l) l) for x = h + l, h of 12 fraction bits, so that the exponent
 * carries no rounding error.
 */
import { add, div, mul, sub } from './binary';
import { erf, exp, neg, square } from './unary';
import type { Tensor } from '../tensor/tensor';
import { specialKernel, unarySpecial } from './special-util';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * The complementary error function 1 - erf(x), accurate in the right tail (where 1 - erf
 * cancels), elementwise; int32/bool compute in float32. Gradient -2/sqrt(pi) exp(-x^2).
 * @example `erfc(tensor([0, 1, 10])) // [1, 0.1573, 2.088e-45]`
 */
export const erfc: (x: Tensor) => Tensor = specialKernel('erfc',
  (g, x) => mul(g, mul(exp(neg(square(x))), -TWO_OVER_SQRT_PI)));

/**
 * The scaled complementary error function exp(x^2) erfc(x) (torch.special.erfcx), finite where
 * erfc underflows: ~1/(x sqrt(pi)) for large x; +inf below -26.7. Gradient 2x erfcx(x) - 2/sqrt(pi).
 * @example `erfcx(tensor([0, 30])) // [1, 0.01880]`
 */
export const erfcx: (x: Tensor) => Tensor = specialKernel('erfcx',
  (g, x) => mul(g, sub(mul(mul(x, erfcx(x)), 2), TWO_OVER_SQRT_PI)), { gradIn64: true });

/**
 * The inverse error function on [-1, 1] (+-inf at +-1, NaN outside), as PyTorch computes it (a
 * rational start refined by two Newton steps). Gradient sqrt(pi)/2 exp(erfinv(y)^2).
 * @example `erfinv(tensor([0, 0.5])) // [0, 0.4769]`
 */
export const erfinv: (y: Tensor) => Tensor = specialKernel('erfinv',
  (g, _y, x) => mul(g, div(exp(square(x)), TWO_OVER_SQRT_PI)), { arg: 'y' });

/**
 * The standard normal cdf (1 + erf(x / sqrt 2)) / 2, as torch.special.ndtr computes it (so 0, not
 * 7.6e-24, at -10: use logNdtr in the left tail). Gradient exp(-x^2/2) / sqrt(2 pi).
 * @example `ndtr(tensor([0, 1.96])) // [0.5, 0.9750]`
 */
export const ndtr: (x: Tensor) => Tensor = unarySpecial('ndtr',
  (x) => mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5),
  (g, x) => mul(g, mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI)), { inDtype: true });

/**
 * The standard normal quantile (inverse of ndtr) on [0, 1]: -inf at 0, inf at 1, NaN outside
 * (Cephes' ndtri, as PyTorch). Gradient sqrt(2 pi) exp(ndtri(p)^2 / 2).
 * @example `ndtri(tensor([0.5, 0.975])) // [0, 1.9600]`
 */
export const ndtri: (p: Tensor) => Tensor = specialKernel('ndtri',
  (g, _p, x) => mul(g, mul(exp(mul(square(x), 0.5)), SQRT_2PI)), { arg: 'p' });

/**
 * log of the standard normal cdf, accurate in both tails (log ndtr(-40) = -804.6; PyTorch's
 * calc_log_ndtr). Gradient exp(-x^2/2 - logNdtr(x)) / sqrt(2 pi).
 * @example `logNdtr(tensor([-40, 0])) // [-804.608, -0.6931]`
 */
export const logNdtr: (x: Tensor) => Tensor = specialKernel('logNdtr',
  (g, x, y) => mul(g, mul(exp(neg(add(y, mul(square(x), 0.5)))), INV_SQRT_2PI)));
