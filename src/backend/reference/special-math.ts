/**
 * The special functions of torch.special as scalar float64 functions: the reference kernels'
 * definitions of the `lgamma` ... `i1e` unary opcodes, and the algorithms (Cephes' and PyTorch's,
 * same branches) that native/kernels/special_math.h follows step by step. Float32 computes
 * through them and rounds once.
 */
import { erf } from './math';
import {
  DIGAMMA_ASYMPTOTIC, ERFCX_PIECES, ERFINV_A, ERFINV_B, ERFINV_C, ERFINV_D, I0E_A, I0E_B, I1E_A, I1E_B, LGAMMA2_TAYLOR,
  LGAMMA_STIRLING, NDTRI_P0, NDTRI_P1, NDTRI_P2, NDTRI_Q0, NDTRI_Q1, NDTRI_Q2, PSI_10, ZETA_EULER_MACLAURIN,
} from './special-coefficients';

const MACHEP = 1.11022302462515654042e-16;
const LOG_SQRT_2PI = 0.91893853320467274178;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** -2^20: zeta's sum needs |q| terms below 0; beyond this it is refused (NaN). */
export const ZETA_MIN_Q = -1048576;

/** Cephes' polevl: c[0] x^n + ... + c[n]. @example `polevl(2, [1, -2, 3]) // 3` */
export function polevl(x: number, c: readonly number[]): number {
  let r = x * c[0] + c[1];
  for (let i = 2; i < c.length; i++) r = r * x + c[i];
  return r;
}

/** c[0] + c[1] x + ... + c[n] x^n. @example `polyAscending(2, [3, -2, 1]) // 3` */
export function polyAscending(x: number, c: readonly number[]): number {
  let r = x * c[c.length - 1] + c[c.length - 2];
  for (let i = c.length - 3; i >= 0; i--) r = r * x + c[i];
  return r;
}

/** Cephes' chbevl: the Chebyshev series by Clenshaw's recurrence. */
function chbevl(x: number, c: readonly number[]): number {
  let b0 = c[0], b1 = 0, b2 = 0;
  for (let i = 1; i < c.length; i++) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + c[i];
  }
  return (b0 - b2) * 0.5;
}

// ---- the gamma family

/** lgamma(2 + e) for |e| <= 0.5 from its Taylor series. */
const lgammaAround2 = (e: number): number => e * polyAscending(e, LGAMMA2_TAYLOR);

/** lgamma(z) for z >= 0.5: the recurrence to [1.5, 2.5) below 13 (exact factors), Cephes' Stirling series from 13. */
function lgammaAtLeastHalf(z: number): number {
  if (z === Infinity) return Infinity;
  if (z < 13) {
    const n = Math.min(Math.max(Math.floor(z - 1.5), -1), 11);
    const e = z - (n + 2);
    let product = 1;
    for (let k = 1; k <= 11; k++) if (n >= k) product *= z - k;
    return lgammaAround2(e) + (n < 0 ? -Math.log(z) : Math.log(product));
  }
  const p = 1 / (z * z);
  const correction = z >= 1000
    ? (p * 7.9365079365079365079365e-4 - 2.7777777777777777777778e-3) * p + 0.0833333333333333333333
    : polevl(p, LGAMMA_STIRLING);
  return ((z - 0.5) * Math.log(z) - z) + (LOG_SQRT_2PI + correction / z);
}

/**
 * log|Gamma(x)|: around lgamma(2 + e)'s Taylor series below 2.5 (exact arguments, accurate near
 * the zeros at 1 and 2), the recurrence below 13, Stirling beyond, reflection below -0.5; +inf at
 * 0, the negative integers and +-inf.
 * @example `lgamma(0.5) // 0.5723649429247001`
 */
export function lgamma(x: number): number {
  if (x !== x) return x;
  if (x === -Infinity) return Infinity;
  if (Math.abs(x) < 0.5) return (lgammaAround2(x) - Math.log1p(x)) - Math.log(Math.abs(x));
  if (x <= -0.5) {
    const f = x - Math.floor(x);
    const absSinPi = Math.sin(Math.min(f, 1 - f) * Math.PI);
    return Math.log(Math.PI / absSinPi) - lgammaAtLeastHalf(1 - x);
  }
  return lgammaAtLeastHalf(x);
}

/** digamma for x > 0: the recurrence up to x >= 10, then the asymptotic series (PyTorch's loop). */
function digammaPositive(x0: number): number {
  let x = x0, result = 0;
  for (let i = 0; i < 10 && x < 10; i++) {
    result -= 1 / x;
    x += 1;
  }
  if (x === 10) return result + PSI_10;
  const z = 1 / (x * x);
  const y = x < 1e17 ? z * polevl(z, DIGAMMA_ASYMPTOTIC) : 0;
  return ((result + Math.log(x)) - 0.5 / x) - y;
}

/**
 * PyTorch's calc_digamma: -inf at +0, +inf at -0, NaN at the negative integers; reflection
 * psi(x) = psi(1 - x) - pi / tan(pi r) below 0.
 * @example `digamma(1) // -0.5772156649015329`
 */
export function digamma(x: number): number {
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x < 0) {
    const r = x - Math.trunc(x);
    if (r === 0) return NaN;
    return digammaPositive(1 - x) - Math.cos(r * Math.PI) * Math.PI / Math.sin(r * Math.PI);
  }
  return digammaPositive(x);
}

/** PyTorch's trigamma: reflection below 1/2, six recurrence steps, the asymptotic series. */
function trigamma(x0: number): number {
  const reflect = x0 < 0.5;
  let x = x0, result = 0;
  if (reflect) {
    const s = Math.sin(x * Math.PI);
    result = -(Math.PI * Math.PI / (s * s));
    x = 1 - x;
  }
  for (let i = 0; i < 6; i++) {
    result += 1 / (x * x);
    x += 1;
  }
  const ixx = 1 / (x * x);
  result += (1 / (x * 2) + 1 + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x;
  return reflect ? -result : result;
}

/**
 * Cephes' Hurwitz zeta sum_k (q + k)^-x as PyTorch runs it: the sum term by term (at least 9
 * terms, until q + k > 9, or until a term is below machine precision), then the Euler-Maclaurin
 * tail. inf at x = 1 and at q a non-positive integer; NaN for x < 1, for q < 0 with x not an
 * integer, and for a non-integer q below -2^20 (whose sum would need |q| terms).
 * @example `zeta(2, 1) // 1.6449340668482264`
 */
export function zeta(x: number, q: number): number {
  if (x === 1) return Infinity;
  if (x < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return Infinity;
    // Below -2^20 the sum would run |q| terms (hours near -1e15, where Cephes and PyTorch do run them): NaN.
    if (x !== Math.floor(x) || q < ZETA_MIN_Q) return NaN;
  }
  let s = q ** -x, a = q, b = 0;
  for (let i = 1; i <= 9 || a <= 9; i++) {
    a += 1;
    b = a ** -x;
    s += b;
    if (-s * MACHEP < b && b < s * MACHEP) return s;
  }
  const w = a;
  s = (s + b * w / (x - 1)) - b * 0.5;
  let fac = 1, k = 0;
  for (const divisor of ZETA_EULER_MACLAURIN) {
    fac *= x + k;
    b /= w;
    const t = fac * b / divisor;
    s += t;
    if (Math.abs(t / s) < MACHEP) break;
    k += 1;
    fac *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/**
 * polygamma(n, x): digamma (n = 0), trigamma (n = 1), (-1)^(n+1) n! zeta(n + 1, x) from n = 2.
 * @example `polygamma(1, 1) // 1.6449340668482264`
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (n === 1) return trigamma(x);
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  return zeta(n + 1, x) * ((n % 2 ? 1 : -1) * factorial);
}

// ---- the error-function family

/** exp(s x^2) without the rounding of x^2 in the exponent: x = h + l, h of 12 fraction bits (h^2 exact). */
function expSignedSquare(x: number, s: 1 | -1): number {
  if (x === Infinity || x === -Infinity) return s > 0 ? Infinity : 0;
  const h = Math.floor(x * 4096) / 4096;
  const l = x - h;
  return Math.exp(h * h * s) * Math.exp((h * 2 + l) * l * s);
}

/** erfcx(x) for x >= 0: the fitted pieces in y = 4 / (4 + x) up to 50, PyTorch's continued fraction beyond. */
function erfcxNonNegative(x: number): number {
  if (x !== x) return x;
  if (x <= 50) {
    const y = 4 / (x + 4);
    const k = Math.min(Math.floor(y * 4), ERFCX_PIECES.length - 1);
    const t = (y * 8 - k * 2) - 1;
    const c = ERFCX_PIECES[k];
    let r = c[c.length - 1];
    for (let j = c.length - 2; j >= 0; j--) r = r * t + c[j];
    return r;
  }
  if (x > 5e7) return INV_SQRT_PI / x;
  const x2 = x * x;
  return ((x2 * (x2 + 4.5) + 2) * INV_SQRT_PI) / (x * (x2 * (x2 + 5) + 3.75));
}

/**
 * PyTorch's calc_erfcx, exp(x^2) erfc(x): 2 exp(x^2) - erfcx(-x) below 0, inf below -26.7.
 * @example `erfcx(0) // 1`
 */
export function erfcx(x: number): number {
  if (x < 0) {
    if (x < -26.7) return Infinity;
    const twiceExp = expSignedSquare(x, 1) * 2;
    return x < -6.1 ? twiceExp : twiceExp - erfcxNonNegative(Math.abs(x));
  }
  return erfcxNonNegative(x);
}

/**
 * erfc = erfcx(|x|) exp(-x^2), and 2 minus that below 0.
 * @example `erfc(0) // 1`
 */
export function erfc(x: number): number {
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  const a = Math.abs(x);
  const upper = erfcxNonNegative(a) * expSignedSquare(a, -1);
  return x < 0 ? 2 - upper : upper;
}

/**
 * PyTorch's calc_erfinv: a rational start (G. L. Pavlis) and two Newton steps on erf(x) = y;
 * +-inf at +-1, NaN outside [-1, 1].
 * @example `erfinv(0.5) // 0.4769362762044699`
 */
export function erfinv(y: number): number {
  if (y !== y) return y;
  const ay = Math.abs(y);
  if (ay === 1) return y * Infinity;
  if (ay > 1) return NaN;
  let x: number;
  if (ay <= 0.7) {
    const z2 = y * y;
    x = y * polyAscending(z2, ERFINV_A) / (polyAscending(z2, ERFINV_B) * z2 + 1);
  } else {
    const z = Math.sqrt(-Math.log((1 - ay) / 2));
    const d = (z * ERFINV_D[1] + ERFINV_D[0]) * z + 1;
    x = Math.sign(y) * polyAscending(z, ERFINV_C) / d;
  }
  for (let step = 0; step < 2; step++) x = x - (erf(x) - y) / (Math.exp(-(x * x)) * TWO_OVER_SQRT_PI);
  return x;
}

/**
 * Cephes' ndtri, the standard normal quantile: -inf at 0, inf at 1, NaN outside [0, 1].
 * @example `ndtri(0.975) // 1.959963984540054`
 */
export function ndtri(y0: number): number {
  const EXP_M2 = 0.13533528323661269189;  // exp(-2)
  if (y0 === 0) return -Infinity;
  if (y0 === 1) return Infinity;
  if (!(y0 >= 0 && y0 <= 1)) return NaN;
  const upperTail = y0 > 1 - EXP_M2;
  const y = upperTail ? 1 - y0 : y0;
  if (y > EXP_M2) {
    const u = y - 0.5;
    const u2 = u * u;
    return (u + u * (u2 * polevl(u2, NDTRI_P0) / polevl(u2, NDTRI_Q0))) * SQRT_2PI;
  }
  const z = Math.sqrt(Math.log(y) * -2);
  const inv = 1 / z;
  const tail = z < 8 ? inv * polevl(inv, NDTRI_P1) / polevl(inv, NDTRI_Q1) : inv * polevl(inv, NDTRI_P2) / polevl(inv, NDTRI_Q2);
  const x = (z - Math.log(z) / z) - tail;
  return upperTail ? x : -x;
}

/**
 * PyTorch's calc_log_ndtr: log(erfcx(-t) / 2) - t^2 below x = -1 (t = x / sqrt 2), else
 * log1p(-erfc(t) / 2).
 * @example `logNdtr(0) // -0.6931471805599453`
 */
export function logNdtr(x: number): number {
  const t = x * Math.SQRT1_2;
  if (x < -1) return Math.log(erfcx(-t) / 2) - t * t;
  return Math.log1p(erfc(t) / -2);
}

// ---- the modified Bessel functions (Cephes' Chebyshev expansions)

/** exp(-|x|) I(|x|) from the Chebyshev series on [0, 8] in |x|/2 - 2 (times |x| for I1) and beyond in 32/|x| - 2 over sqrt|x|. */
function scaledBessel(x: number, near: readonly number[], far: readonly number[], timesX: boolean): number {
  const a = Math.abs(x);
  if (a <= 8) {
    const v = chbevl(a / 2 - 2, near);
    return timesX ? v * a : v;
  }
  return chbevl(32 / a - 2, far) / Math.sqrt(a);
}

/** exp(-|x|) I0(x). @example `i0e(0) // 1` */
export const i0e = (x: number): number => scaledBessel(x, I0E_A, I0E_B, false);
/** exp(-|x|) I1(x), odd. @example `i1e(0) // 0` */
export function i1e(x: number): number {
  const v = scaledBessel(x, I1E_A, I1E_B, true);
  return x < 0 ? -v : v;
}
/** I0(x) (NaN at +-inf, as PyTorch's). @example `i0(1) // 1.2660658777520082` */
export const i0 = (x: number): number => Math.exp(Math.abs(x)) * i0e(x);
/** I1(x) (NaN at +-inf, as PyTorch's). @example `i1(1) // 0.565159103992485` */
export const i1 = (x: number): number => Math.exp(Math.abs(x)) * i1e(x);
