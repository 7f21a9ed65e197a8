/**
 * The modified Bessel functions of the first kind of torch.special, i0, i0e, i1 and i1e, each its
 * own unary kernel (Cephes' Chebyshev expansions of exp(-|x|) I(x) on [0, 8] and of
 * exp(-|x|) sqrt|x| I(x) beyond, as PyTorch's calc_i0/calc_i0e/calc_i1/calc_i1e: see
 * src/backend/reference/special-math.ts). Gradients (written with ops): i0' = i1,
 * i0e' = i1e - sgn(x) i0e, i1' = i0 - i1 / x, i1e' = i0e - i1e (sgn(x) + 1 / x), the last two 1/2
 * at 0; the scaled ones' in float64 (they cancel for large |x|).
 */
import type { Tensor } from '../tensor/tensor';
import { add, div, eq, mul, sub, where } from './binary';
import { reciprocal, sign } from './unary';
import { specialKernel } from './special-util';

/**
 * The modified Bessel function of the first kind of order 0, I0(x) (torch.i0); overflows to inf
 * beyond |x| ~ 713. Gradient i1(x).
 * @example `i0(tensor([0, 1])) // [1, 1.2661]`
 */
export const i0: (x: Tensor) => Tensor = specialKernel('i0', (g, x) => mul(g, i1(x)));

/**
 * The exponentially scaled I0: exp(-|x|) I0(x) (torch.special.i0e), finite for every x.
 * Gradient i1e(x) - sgn(x) i0e(x).
 * @example `i0e(tensor([0, 100])) // [1, 0.03994]`
 */
export const i0e: (x: Tensor) => Tensor = specialKernel('i0e',
  (g, x) => mul(g, sub(i1e(x), mul(sign(x), i0e(x)))), { gradIn64: true });

/**
 * The modified Bessel function of the first kind of order 1, I1(x) (torch.special.i1), odd in x.
 * Gradient i0(x) - i1(x) / x (1/2 at 0).
 * @example `i1(tensor([0, 1])) // [0, 0.5652]`
 */
export const i1: (x: Tensor) => Tensor = specialKernel('i1',
  (g, x, y) => mul(g, where(eq(x, 0), 0.5, sub(i0(x), div(y, x)))));

/**
 * The exponentially scaled I1: exp(-|x|) I1(x) (torch.special.i1e). Gradient
 * i0e(x) - i1e(x) (sgn(x) + 1/x) (1/2 at 0).
 * @example `i1e(tensor([0, 100])) // [0, 0.03974]`
 */
export const i1e: (x: Tensor) => Tensor = specialKernel('i1e',
  (g, x) => mul(g, where(eq(x, 0), 0.5, sub(i0e(x), mul(i1e(x), add(sign(x), reciprocal(x)))))), { gradIn64: true });
