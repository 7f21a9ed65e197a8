/**
 * The error-function family of torch.special, written with elementwise ops in float64: erfc,
 * erfcx, erfinv, ndtr, ndtri and logNdtr. Each records a node whose backward is written with ops.
 *
 * The core is erfcx(x) = exp(x^2) erfc(x) for x >= 0: in y = 4 / (4 + x) (S. G. Johnson's change
 * of variable, PyTorch's erfcx) a piecewise polynomial (4 pieces of degree 16, fitted in
 * test/fixtures/generators/special_coefficients.py, ~3e-16 relative) up to x = 50, and PyTorch's
 * continued fraction beyond. erfc is erfcx(|x|) exp(-x^2) (2 minus that below 0), with exp(-x^2)
 * taken as exp(-h^2) exp(-(2h + l) l) for x = h + l, h of 12 fraction bits, so that the exponent
 * carries no rounding error.
 */
import { add, div, eq, ge, gt, le, logicalOr, lt, mul, sub, where } from './binary';
import { to } from './cast';
import { tensor } from './creation';
import { isinf, isnan } from './elementwise-extra';
import { indexSelect } from './indexing';
import { flatten, reshape } from './shape';
import { abs, clamp, erf, exp, floor, log, log1p, neg, sign, sqrt, square } from './unary';
import type { Tensor } from '../tensor/tensor';
import {
  ERFCX_PIECES, ERFINV_A, ERFINV_B, ERFINV_C, ERFINV_D, NDTRI_P0, NDTRI_P1, NDTRI_P2, NDTRI_Q0, NDTRI_Q1, NDTRI_Q2,
} from './special-coefficients';
import { polevl, polyAscending, unarySpecial } from './special-util';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * exp(s x^2), s = 1 or -1, without the rounding of x^2 in the exponent (relative error ~x^2 ulp
 * otherwise, 8e-14 at x = 27): x = h + l with h = floor(4096 x) / 4096, whose square is exact.
 * Infinite x gives exp(s inf).
 * @example `expSignedSquare(tensor([27], { dtype: 'float64' }), -1) // exp(-729)`
 */
export function expSignedSquare(x: Tensor, s: 1 | -1): Tensor {
  const h = div(floor(mul(x, 4096)), 4096);
  const l = sub(x, h);
  const value = mul(exp(mul(mul(h, h), s)), exp(mul(mul(add(mul(h, 2), l), l), s)));
  return where(isinf(x), s > 0 ? Infinity : 0, value);
}

/** The fitted erfcx for y = 4 / (4 + x) in (0, 1]: piece k = floor(4y) (y = 1 in the last), t = 8y - 2k - 1. */
function erfcxPieces(y: Tensor): Tensor {
  const k = clamp(floor(mul(y, 4)), { max: ERFCX_PIECES.length - 1 });
  const t = sub(sub(mul(y, 8), mul(k, 2)), 1);
  const index = to(flatten(k), 'int32');
  const degree = ERFCX_PIECES[0].length - 1;
  // Horner's rule with each element's coefficients picked from its piece's column.
  const coef = (j: number): Tensor => reshape(
    indexSelect(tensor(ERFCX_PIECES.map((row) => row[j]), { dtype: 'float64', device: y.device }), 0, index), y.shape);
  let r: Tensor = coef(degree);
  for (let j = degree - 1; j >= 0; j--) r = add(mul(r, t), coef(j));
  return r;
}

/** erfcx(x) for x >= 0 (float64; NaN for NaN): the pieces up to 50, PyTorch's continued fraction beyond. */
function erfcxNonNegative(x: Tensor): Tensor {
  const inTable = le(x, 50);
  const y = where(inTable, div(4, add(x, 4)), 0.5);
  // ispi / (x + 0.5/(x + 1/(x + 1.5/(x + 2/x)))), simplified; 1/(x sqrt(pi)) beyond 5e7 (x^4 overflows later).
  const x2 = square(x);
  const fraction = div(mul(add(mul(x2, add(x2, 4.5)), 2), INV_SQRT_PI), mul(x, add(mul(x2, add(x2, 5)), 3.75)));
  const far = where(gt(x, 5e7), div(INV_SQRT_PI, x), fraction);
  return where(isnan(x), x, where(inTable, erfcxPieces(y), far));
}

/** erfcx in float64 for any x, as PyTorch's calc_erfcx: 2 exp(x^2) - erfcx(-x) below 0, inf below -26.7. */
function erfcxForward(x: Tensor): Tensor {
  const a = abs(x);
  const positive = erfcxNonNegative(a);
  const twiceExp = mul(expSignedSquare(x, 1), 2);
  const negative = where(lt(x, -26.7), Infinity, where(lt(x, -6.1), twiceExp, sub(twiceExp, positive)));
  return where(lt(x, 0), negative, positive);
}

/** erfc in float64: erfcx(|x|) exp(-x^2), and 2 minus that for x < 0. */
function erfcForward(x: Tensor): Tensor {
  const a = abs(x);
  const upper = mul(erfcxNonNegative(a), expSignedSquare(a, -1));
  const value = where(lt(x, 0), sub(2, upper), upper);
  return where(eq(x, Infinity), 0, where(eq(x, -Infinity), 2, value));
}

/**
 * The complementary error function 1 - erf(x), accurate in the right tail (where 1 - erf
 * cancels), elementwise; int32/bool compute in float32. Gradient -2/sqrt(pi) exp(-x^2).
 * @example `erfc(tensor([0, 1, 10])) // [1, 0.1573, 2.088e-45]`
 */
export const erfc: (x: Tensor) => Tensor = unarySpecial('erfc', erfcForward,
  (g, x) => mul(g, mul(exp(neg(square(x))), -TWO_OVER_SQRT_PI)));

/**
 * The scaled complementary error function exp(x^2) erfc(x) (torch.special.erfcx), finite where
 * erfc underflows: ~1/(x sqrt(pi)) for large x; +inf below -26.7. Gradient 2x erfcx(x) - 2/sqrt(pi).
 * @example `erfcx(tensor([0, 30])) // [1, 0.01880]`
 */
export const erfcx: (x: Tensor) => Tensor = unarySpecial('erfcx', erfcxForward,
  (g, x) => mul(g, sub(mul(mul(x, erfcx(x)), 2), TWO_OVER_SQRT_PI)), { gradIn64: true });

/**
 * PyTorch's calc_erfinv in float64: a rational start (G. L. Pavlis) refined by two Newton steps on
 * erf(x) = y, so the same answer where the problem is ill-conditioned (|y| near 1). +-1 give
 * +-inf; |y| > 1 and NaN give NaN.
 */
function erfinvForward(y: Tensor): Tensor {
  const ay = abs(y);
  const z2 = square(y);
  const central = div(mul(y, polyAscending(z2, ERFINV_A)), add(mul(polyAscending(z2, ERFINV_B), z2), 1));
  const z = sqrt(neg(log(div(sub(1, ay), 2))));
  const tail = div(mul(sign(y), polyAscending(z, ERFINV_C)), polyAscending(z, [1, ...ERFINV_D]));
  let x = where(le(ay, 0.7), central, tail);
  for (let step = 0; step < 2; step++) {
    x = sub(x, div(sub(erf(x), y), mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));
  }
  return where(eq(ay, 1), mul(sign(y), Infinity), where(ge(ay, 1), NaN, x));
}

/**
 * The inverse error function on [-1, 1] (+-inf at +-1, NaN outside), as PyTorch computes it.
 * Gradient sqrt(pi)/2 exp(erfinv(y)^2).
 * @example `erfinv(tensor([0, 0.5])) // [0, 0.4769]`
 */
export const erfinv: (y: Tensor) => Tensor = unarySpecial('erfinv', erfinvForward,
  (g, _y, x) => mul(g, div(exp(square(x)), TWO_OVER_SQRT_PI)));

/**
 * The standard normal cdf (1 + erf(x / sqrt 2)) / 2, as torch.special.ndtr computes it (so 0, not
 * 7.6e-24, at -10: use logNdtr in the left tail). Gradient exp(-x^2/2) / sqrt(2 pi).
 * @example `ndtr(tensor([0, 1.96])) // [0.5, 0.9750]`
 */
export const ndtr: (x: Tensor) => Tensor = unarySpecial('ndtr',
  (x) => mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5),
  (g, x) => mul(g, mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI)), { inDtype: true });

/** Cephes ndtri (PyTorch's calc_ndtri) in float64. */
function ndtriForward(y0: Tensor): Tensor {
  const EXP_M2 = 0.13533528323661269189;  // exp(-2)
  const upperTail = gt(y0, 1 - EXP_M2);
  const y = where(upperTail, sub(1, y0), y0);
  // |y - 1/2| <= 3/8: x = sqrt(2 pi) (u + u^3 P0(u^2) / Q0(u^2)), u = y - 1/2.
  const u = sub(y, 0.5);
  const u2 = square(u);
  const central = mul(add(u, mul(u, div(mul(u2, polevl(u2, NDTRI_P0)), polevl(u2, NDTRI_Q0)))), SQRT_2PI);
  // Tails: z = sqrt(-2 log y), x = z - log(z)/z - P(1/z)/Q(1/z) / z, sign by the tail.
  const safeY = where(gt(y, 0), y, 0.5);
  const z = sqrt(mul(log(safeY), -2));
  const inv = div(1, z);
  const near = div(mul(inv, polevl(inv, NDTRI_P1)), polevl(inv, NDTRI_Q1));
  const far = div(mul(inv, polevl(inv, NDTRI_P2)), polevl(inv, NDTRI_Q2));
  const tailX = sub(sub(z, div(log(z), z)), where(lt(z, 8), near, far));
  const x = where(gt(y, EXP_M2), central, where(upperTail, tailX, neg(tailX)));
  const outside = logicalOr(logicalOr(lt(y0, 0), gt(y0, 1)), isnan(y0));
  return where(eq(y0, 0), -Infinity, where(eq(y0, 1), Infinity, where(outside, NaN, x)));
}

/**
 * The standard normal quantile (inverse of ndtr) on [0, 1]: -inf at 0, inf at 1, NaN outside
 * (Cephes' ndtri, as PyTorch). Gradient sqrt(2 pi) exp(ndtri(p)^2 / 2).
 * @example `ndtri(tensor([0.5, 0.975])) // [0, 1.9600]`
 */
export const ndtri: (p: Tensor) => Tensor = unarySpecial('ndtri', ndtriForward,
  (g, _p, x) => mul(g, mul(exp(mul(square(x), 0.5)), SQRT_2PI)));

/** PyTorch's calc_log_ndtr in float64: log(erfcx(-t) / 2) - t^2 below x = -1 (t = x / sqrt 2), else log1p(-erfc(t) / 2). */
function logNdtrForward(x: Tensor): Tensor {
  const t = mul(x, Math.SQRT1_2);
  const left = sub(log(div(erfcxForward(neg(t)), 2)), square(t));
  const right = log1p(div(erfcForward(t), -2));
  return where(lt(x, -1), left, right);
}

/**
 * log of the standard normal cdf, accurate in both tails (log ndtr(-40) = -804.6). Gradient
 * exp(-x^2/2 - logNdtr(x)) / sqrt(2 pi).
 * @example `logNdtr(tensor([-40, 0])) // [-804.608, -0.6931]`
 */
export const logNdtr: (x: Tensor) => Tensor = unarySpecial('logNdtr', logNdtrForward,
  (g, x, y) => mul(g, mul(exp(neg(add(y, mul(square(x), 0.5)))), INV_SQRT_2PI)));
