/**
 * Draws from the standard gamma and Dirichlet distributions on the default Philox generator (so
 * manualSeed reproduces them, identically on both backends), written with ops: the draws the
 * reparameterised samplers of gamma-reparam.ts differentiate. Kept apart from those so that a
 * test can hand them fixed draws.
 */
import { add, div, logicalAnd, logicalOr, lt, gt, mul, pow, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { rand, randn, zeros } from '../ops/creation';
import { isnan } from '../ops/elementwise-extra';
import { sum } from '../ops/reduce';
import { clamp, log, logicalNot, sqrt, square } from '../ops/unary';
import { anyTrue } from '../ops/special-util';
import type { Tensor } from '../tensor/tensor';
import { finfo, type FloatDType } from './utils';

/**
 * X ~ Gamma(alpha, 1) for each element of alpha, in float64 and without gradient, by PyTorch's
 * sample_gamma: Marsaglia and Tsang's method (2000). For alpha >= 1, with d = alpha - 1/3 and
 * c = 1 / sqrt(9d): draw x ~ N(0, 1) and u ~ U(0, 1], v = (1 + c x)^3, and accept d v when
 * v > 0 and u < 1 - 0.0331 x^4 or log u < x^2 / 2 + d (1 - v + log v). For alpha < 1 draw
 * Gamma(alpha + 1) and scale it by u^(1/alpha). Every pending element redraws each round (a round
 * accepts ~96% of them), so the draw depends on the seed and the shape only. alpha = 0 gives 0;
 * NaN or negative alpha gives NaN.
 * @example `manualSeed(0); drawStandardGamma(tensor([0.5, 3], { dtype: 'float64' }))`
 */
export function drawStandardGamma(alpha: Tensor): Tensor {
  const a0 = to(alpha, 'float64');
  const shape = a0.shape;
  const boosted = lt(a0, 1);
  const a = where(boosted, add(a0, 1), a0);
  const d = sub(a, 1 / 3);
  const c = div(1, sqrt(mul(d, 9)));
  const scale = where(boosted, pow(sub(1, rand(shape, { dtype: 'float64', device: a0.device })), div(1, a0)), 1);
  let value = zeros(shape, { dtype: 'float64', device: a0.device });
  let pending = gt(a0, 0);
  for (let round = 0; anyTrue(pending); round++) {
    if (round > 10000) throw new Error('drawStandardGamma: no acceptance after 10000 rounds');
    const x = randn(shape, { dtype: 'float64', device: a0.device });
    const u = sub(1, rand(shape, { dtype: 'float64', device: a0.device }));
    const y = add(mul(c, x), 1);
    const v = mul(square(y), y);
    const xx = square(x);
    const squeeze = lt(u, sub(1, mul(square(xx), 0.0331)));
    const logTest = lt(log(u), add(mul(xx, 0.5), mul(d, add(sub(1, v), log(v)))));
    const accept = logicalAnd(logicalAnd(pending, gt(y, 0)), logicalOr(squeeze, logTest));
    value = where(accept, mul(d, v), value);
    pending = logicalAnd(pending, logicalNot(accept));
  }
  const invalid = logicalOr(isnan(a0), lt(a0, 0));
  return where(invalid, NaN, mul(scale, value));
}

/**
 * X ~ Dirichlet(alpha) over the last dim, in dtype and without gradient, as PyTorch's
 * _sample_dirichlet: standard gamma draws (at least the smallest normal float64) normalised by
 * their sum, kept in [tiny, 1 - eps/2] of dtype.
 * @example `drawDirichlet(tensor([[1, 2, 3]]), 'float32')`
 */
export function drawDirichlet(alpha: Tensor, dtype: FloatDType): Tensor {
  const gammas = clamp(drawStandardGamma(alpha), { min: finfo('float64').tiny });
  const x = div(gammas, sum(gammas, -1, { keepdim: true }));
  const { tiny, eps } = finfo(dtype);
  return to(clamp(x, { min: tiny, max: 1 - eps / 2 }), dtype);
}
