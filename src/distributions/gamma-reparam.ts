/**
 * Reparameterised gamma and Dirichlet samples, as PyTorch's _standard_gamma and _Dirichlet: the draw
 * (gamma-sampling.ts) is a node whose backward is the implicit-reparameterisation gradient
 * dx/dalpha = -(dF(x; alpha)/dalpha) / f(x; alpha) at the drawn x (F the cdf, f the density), so
 * no gradient passes through the rejection loop. The formulas are PyTorch's approximations
 * (ATen/native/Distributions.h: standard_gamma_grad_one and dirichlet_grad_one, after Jankowiak and
 * Obermeyer, "Pathwise derivatives beyond the reparameterization trick", 2018), evaluated in
 * float64. The gradient itself is not differentiated again (PyTorch's is once-differentiable too).
 */
import { noGrad } from '../autograd/api';
import { customOp } from '../autograd/custom';
import { add, div, ge, gt, le, logicalAnd, lt, mul, pow, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { onesLike } from '../ops/creation';
import { isnan } from '../ops/elementwise-extra';
import { sum } from '../ops/reduce';
import { expand } from '../ops/shape';
import { digammaForward } from '../ops/special-gamma';
import { clamp, exp, log, sqrt, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { drawDirichlet, drawStandardGamma } from './gamma-sampling';
import { finfo, type FloatDType } from './utils';

/** NaN results (0/0 at the series' edges) as 0, PyTorch's `isnan(result) ? 0 : result`. */
const nanToZero = (t: Tensor): Tensor => where(isnan(t), 0, t);

// The bivariate rational approximation's coefficients, coef[i][j]: row i multiplies u^i.
const GAMMA_GRAD_UV = [
  [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
  [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
  [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07],
];

/**
 * dx/dalpha for x ~ Gamma(alpha, 1) at x (PyTorch's standard_gamma_grad_one), float64 in and out:
 * a Taylor series of the cdf for x < 0.8; Rice's saddle-point expansion for alpha > 8; a bivariate
 * rational approximation in log(x / alpha) and log(alpha) otherwise.
 * @example `standardGammaGrad(tensor([2.5], { dtype: 'float64' }), tensor([1.7], { dtype: 'float64' }))`
 */
export function standardGammaGrad(alpha: Tensor, x: Tensor): Tensor {
  // x < 0.8: -(d/dalpha cdf) / pdf with cdf = x^alpha sum_i (-x)^i / (i! (alpha + i)).
  let numer: Tensor | number = 1;
  let denom = alpha;
  let series1 = div(1, alpha), series2 = div(1, square(alpha));
  for (let i = 1; i <= 5; i++) {
    numer = mul(numer, div(x, -i));
    denom = add(denom, 1);
    series1 = add(series1, div(numer, denom));
    series2 = add(series2, div(numer, square(denom)));
  }
  const powXAlpha = pow(x, alpha);
  const pdf = mul(pow(x, sub(alpha, 1)), exp(mul(x, -1)));
  const cdf = mul(powXAlpha, series1);
  const cdfAlpha = sub(mul(sub(log(x), digammaForward(alpha)), cdf), mul(powXAlpha, series2));
  const small = nanToZero(div(mul(cdfAlpha, -1), pdf));
  // alpha > 8: Rice's saddle point expansion; near x = alpha its Taylor polynomial.
  const a2 = square(alpha);
  const nearNumer = mul(add(mul(mul(alpha, 24), add(mul(alpha, 12), 1)), 1),
    add(sub(add(mul(a2, 1440), mul(mul(x, 6), sub(53, mul(x, 120)))), div(mul(square(x), 65), alpha)), mul(alpha, add(mul(x, 3600), 107))));
  const near = div(nearNumer, mul(square(a2), 1244160));
  const saddleDenom = sqrt(mul(alpha, 8));
  const term2 = div(saddleDenom, sub(alpha, x));
  const term3 = pow(sub(sub(x, alpha), mul(alpha, log(div(x, alpha)))), -1.5);
  const term23 = where(lt(x, alpha), sub(term2, term3), add(term2, term3));
  const term1 = sub(mul(log(div(x, alpha)), term23), div(mul(sqrt(div(2, alpha)), add(alpha, x)), square(sub(alpha, x))));
  const stirling = add(mul(div(1, mul(alpha, 12)), add(div(1, mul(alpha, 24)), 1)), 1);
  const far = div(mul(mul(stirling, mul(x, term1)), -1), saddleDenom);
  const saddle = where(logicalAnd(le(mul(alpha, 0.9), x), le(x, mul(alpha, 1.1))), near, far);
  // Otherwise exp(p(v) / q(v)) with v = log(alpha), the coefficients quadratic in u = log(x / alpha).
  const u = log(div(x, alpha));
  const v = log(alpha);
  const coef = GAMMA_GRAD_UV[0].map((_, j) => add(mul(u, add(mul(u, GAMMA_GRAD_UV[2][j]), GAMMA_GRAD_UV[1][j])), GAMMA_GRAD_UV[0][j]));
  const cubic = (c: Tensor[]): Tensor => add(c[0], mul(v, add(c[1], mul(v, add(c[2], mul(v, c[3]))))));
  const rational = exp(div(cubic(coef.slice(0, 4)), cubic(coef.slice(4))));
  return where(lt(x, 0.8), small, where(gt(alpha, 8), saddle, rational));
}

/** dx/dalpha for x ~ Beta(alpha, beta) near x = 0, a Taylor expansion (PyTorch's _beta_grad_alpha_small). */
function betaGradAlphaSmall(x: Tensor, alpha: Tensor, beta: Tensor): Tensor {
  const factor = sub(sub(digammaForward(alpha), digammaForward(add(alpha, beta))), log(x));
  let numer: Tensor | number = 1;
  let series = mul(div(1, alpha), add(factor, div(1, alpha)));
  for (let i = 1; i <= 10; i++) {
    numer = mul(numer, div(mul(sub(i, beta), x), i));
    const denom = add(alpha, i);
    series = add(series, mul(div(numer, denom), add(factor, div(1, denom))));
  }
  return nanToZero(mul(mul(x, pow(sub(1, x), mul(beta, -1))), series));
}

/** dx/dbeta for x ~ Beta(alpha, beta) near x = 0 (PyTorch's _beta_grad_beta_small). */
function betaGradBetaSmall(x: Tensor, alpha: Tensor, beta: Tensor): Tensor {
  const factor = sub(digammaForward(add(alpha, beta)), digammaForward(beta));
  let numer: Tensor | number = 1, betas: Tensor | number = 1, dbetas: Tensor | number = 0;
  let series = div(factor, alpha);
  for (let i = 1; i <= 8; i++) {
    numer = mul(numer, div(x, -i));
    dbetas = add(mul(dbetas, sub(beta, i)), betas);
    betas = mul(betas, sub(beta, i));
    series = add(series, mul(div(numer, add(alpha, i)), add(dbetas, mul(factor, betas))));
  }
  return nanToZero(mul(mul(pow(sub(1, x), sub(1, beta)), series), -1));
}

/** dx/dalpha for x ~ Beta(alpha, beta) with alpha and beta both large: Rice's saddle-point expansion (PyTorch's _beta_grad_alpha_mid). */
function betaGradAlphaMid(x: Tensor, alpha: Tensor, beta: Tensor): Tensor {
  const total = add(alpha, beta);
  const mean = div(alpha, total);
  const std = div(sqrt(div(mul(alpha, beta), add(total, 1))), total);
  const b2 = square(beta);
  // Near the mean, the expansion's polynomial (its singularity at x = mean avoided).
  const oneMinusX = sub(1, x);
  let poly = mul(mul(oneMinusX, 8), sub(mul(beta, 135), 11));
  poly = add(mul(sub(add(mul(mul(beta, 1620), oneMinusX), 453), mul(x, 455)), beta), mul(alpha, poly));
  poly = add(mul(mul(sub(add(mul(beta, 180), 59), mul(x, 90)), 3), b2), mul(alpha, poly));
  poly = add(mul(mul(add(mul(mul(add(mul(beta, 27), 16), 20), x), 43), b2), beta), mul(alpha, poly));
  poly = add(mul(mul(mul(x, 47), b2), b2), mul(alpha, poly));
  const prefactorNum = div(mul(add(mul(alpha, 12), 1), add(mul(beta, 12), 1)), square(total));
  const prefactorDen = mul(mul(mul(mul(square(alpha), alpha), 12960), b2), add(mul(total, 12), 1));
  const near = div(mul(div(prefactorNum, oneMinusX), poly), prefactorDen);
  const prefactor = div(mul(x, -1), sqrt(div(mul(mul(alpha, beta), 2), total)));
  const corr = (t: Tensor): Tensor => add(add(div(1, mul(t, 12)), div(1, mul(square(t), 288))), 1);
  const stirling = div(mul(corr(alpha), corr(beta)), corr(total));
  const term1Num = sub(add(mul(mul(square(alpha), 2), sub(x, 1)), mul(mul(alpha, beta), sub(x, 1))), mul(x, b2));
  const axbx = add(mul(alpha, sub(x, 1)), mul(beta, x));
  const term1Den = mul(mul(sqrt(div(mul(alpha, 2), beta)), pow(total, 1.5)), square(axbx));
  const term1 = div(term1Num, term1Den);
  const term2 = mul(log(div(alpha, mul(total, x))), 0.5);
  const term3 = div(sqrt(div(mul(mul(alpha, beta), 8), total)), add(mul(beta, x), mul(alpha, sub(x, 1))));
  const term4Base = add(mul(beta, log(div(beta, mul(total, oneMinusX)))), mul(alpha, log(div(alpha, mul(total, x)))));
  const term4 = pow(term4Base, -1.5);
  const term1234 = add(term1, mul(term2, add(term3, where(lt(x, mean), term4, mul(term4, -1)))));
  const far = mul(mul(stirling, prefactor), term1234);
  return where(logicalAnd(le(sub(mean, mul(std, 0.1)), x), le(x, add(mean, mul(std, 0.1)))), near, far);
}

// The rational correction's coefficients c[k][i][j][m]: k numerator/denominator, i the power of
// u = log x, j of a = log alpha - u, m of b = log total - a.
const DIRICHLET_GRAD_C = [
  [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
    [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
    [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
  [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
    [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
    [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
  [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
    [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
    [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
  [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
    [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
    [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
  [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
    [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
    [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
  [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
    [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
    [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]],
];

/**
 * The scaled reparameterisation gradient -(dF/dalpha) / f / (1 - x) of x ~ Beta(alpha, total -
 * alpha) (PyTorch's dirichlet_grad_one), float64 in and out: Taylor expansions near x = 0 and
 * x = 1, Rice's expansion when both parameters exceed 6, else a rational correction to
 * x (psi(total) - psi(alpha)) / beta.
 * @example `dirichletGrad(x, alpha, alpha.sum(-1, { keepdim: true }).expand(alpha.shape))`
 */
export function dirichletGrad(x: Tensor, alpha: Tensor, total: Tensor): Tensor {
  const beta = sub(total, alpha);
  const boundary = mul(mul(total, x), sub(1, x));
  const nearZero = logicalAnd(le(x, 0.5), lt(boundary, 2.5));
  const nearOne = logicalAnd(ge(x, 0.5), lt(boundary, 0.75));
  const bothLarge = logicalAnd(gt(alpha, 6), gt(beta, 6));
  const u = log(x);
  const a = sub(log(alpha), u);
  const b = sub(log(total), a);
  const powers = (t: Tensor): Tensor[] => [onesLike(t), t, square(t)];
  const [pu, pa] = [powers(u), powers(a)];
  const sumOf = (k: number): Tensor => {
    let acc: Tensor | number = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const c = DIRICHLET_GRAD_C[k][i][j];
        const inB = add(mul(b, add(mul(b, add(mul(b, c[3]), c[2])), c[1])), c[0]);
        acc = add(acc, mul(mul(pu[i], pa[j]), inB));
      }
    }
    return acc as Tensor;
  };
  const approx = div(mul(x, sub(digammaForward(total), digammaForward(alpha))), beta);
  const rational = mul(div(sumOf(0), sumOf(1)), approx);
  return where(nearZero, betaGradAlphaSmall(x, alpha, beta),
    where(nearOne, mul(betaGradBetaSmall(sub(1, x), beta, alpha), -1),
      where(bothLarge, betaGradAlphaMid(x, alpha, beta), rational)));
}

/** The gamma draw as a node: forward returns the given draw x, backward g dx/dalpha (in float64, cast back). */
const standardGammaNode = customOp({
  name: 'standardGamma',
  forward: (_alpha, x) => x,
  backward: (g, [alpha, x]) => {
    const grad = noGrad(() => to(standardGammaGrad(to(alpha, 'float64'), to(x, 'float64')), alpha.dtype));
    return [mul(g, grad), null];
  },
});

/**
 * X ~ Gamma(alpha, 1) elementwise, reparameterised (PyTorch's torch._standard_gamma): the draw of
 * drawStandardGamma in alpha's dtype, at least its smallest normal number; gradient
 * standardGammaGrad(alpha, x).
 * @example `const x = standardGamma(alpha); x.sum().backward(); // alpha.grad = dx/dalpha`
 */
export function standardGamma(alpha: Tensor): Tensor {
  const dtype = alpha.dtype as FloatDType;
  const x = noGrad(() => clamp(to(drawStandardGamma(alpha), dtype), { min: finfo(dtype).tiny }));
  return standardGammaNode(alpha, x);
}

/** The Dirichlet draw as a node: backward dirichletGrad(x, alpha, total) (g - sum(x g)), PyTorch's _Dirichlet_backward. */
const dirichletNode = customOp({
  name: 'dirichlet',
  forward: (_alpha, x) => x,
  backward: (g, [alpha, x]) => {
    const grad = noGrad(() => {
      const a64 = to(alpha, 'float64');
      const total = expand(sum(a64, -1, { keepdim: true }), a64.shape);
      return to(dirichletGrad(to(x, 'float64'), a64, total), alpha.dtype);
    });
    return [mul(grad, sub(g, sum(mul(x, g), -1, { keepdim: true }))), null];
  },
});

/**
 * X ~ Dirichlet(alpha) over the last dim, reparameterised (PyTorch's _Dirichlet): the draw of
 * drawDirichlet; gradient through dirichletGrad.
 * @example `const x = dirichletSample(concentration.expand([16, 3])); // rows on the simplex`
 */
export function dirichletSample(alpha: Tensor): Tensor {
  const x = noGrad(() => drawDirichlet(alpha, alpha.dtype as FloatDType));
  return dirichletNode(alpha, x);
}

/**
 * x clamped below at min in the forward only: the gradient passes unchanged, as PyTorch's
 * `value.detach().clamp_(min=tiny)` after a reparameterised draw.
 * @example `clampMinForward(div(z, rate), full([], finfo('float32').tiny))`
 */
export const clampMinForward: (x: Tensor, min: Tensor) => Tensor = customOp({
  name: 'clampMin',
  forward: (x, min) => where(lt(x, min), min, x),
  backward: (g) => [g, null],
});
