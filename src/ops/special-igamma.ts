/**
 * The regularized incomplete gamma functions of torch.special, gammainc P(a, x) and gammaincc
 * Q(a, x) = 1 - P(a, x), written with elementwise ops in float64 as PyTorch computes them (SciPy's
 * igam/igamc): Temme's uniform asymptotic expansion where a > 20 and x is near a; else the power
 * series for P, the continued fraction for Q (x > 1.1), or the series for Q at small x, the other
 * function by subtraction where that is the accurate side. The series and continued fraction stop
 * per element as the scalar loops do (whileAny); each method runs only on the elements that use it.
 * Gradient w.r.t. x only, as PyTorch's: dP/dx = x^(a-1) e^-x / Gamma(a).
 */
import type { Tensor } from '../tensor/tensor';
import { add, div, eq, gt, le, logicalAnd, logicalOr, lt, mul, ne, pow, sub, where } from './binary';
import { full, onesLike, zerosLike } from './creation';
import { isinf, isnan } from './elementwise-extra';
import { abs, exp, expm1, log, log1p, logicalNot, neg, sqrt, square } from './unary';
import {
  IGAM_ASYMPTOTIC_D, LANCZOS_G, LANCZOS_SUM_EXPG_SCALED_DENOM, LANCZOS_SUM_EXPG_SCALED_NUM,
} from '../backend/reference/special-coefficients';
import { erfc } from './special-erf';
import { lgamma, lgammaForward } from './special-gamma';
import { binarySpecial, polevl, whileAny } from './special-util';

const MACHEP = 1.11022302462515654042e-16;
const MAXLOG = 7.09782712893383996843e2;
const MAXITER = 2000;
const BIG = 4.503599627370496e15;
const BIGINV = 2.22044604925031308085e-16;
// PyTorch's asymptotic series divides by sqrt(2 pi a) with pi as a float32 constant; kept for parity (~1e-8 of that term).
const PI_FLOAT32 = Math.fround(Math.PI);

/** a and x where mask holds, 1 elsewhere: the methods run on every element, and a 1 keeps the others finite. */
const onMask = (mask: Tensor, t: Tensor): Tensor => where(mask, t, 1);

/** Boost's Lanczos sum scaled by exp(-g) (SciPy's ratevl): evaluated in 1/a above 1 so that nothing overflows. */
function lanczosSumExpgScaled(a: Tensor): Tensor {
  const num = LANCZOS_SUM_EXPG_SCALED_NUM, den = LANCZOS_SUM_EXPG_SCALED_DENOM;
  const inA = div(polevl(a, num), polevl(a, den));
  const inv = div(1, a);
  const inInv = div(polevl(inv, [...num].reverse()), polevl(inv, [...den].reverse()));
  return where(gt(abs(a), 1), inInv, inA);
}

/** x^a e^-x / Gamma(a), directly in logs away from x ~ a, else by Lanczos' approximation (SciPy's igam_fac). */
function igamFac(a: Tensor, x: Tensor): Tensor {
  const direct = sub(sub(mul(a, log(x)), x), lgammaForward(a));
  const viaLogs = where(lt(direct, -MAXLOG), 0, exp(direct));
  const fac = add(a, LANCZOS_G - 0.5);
  const res = div(sqrt(div(fac, Math.E)), lanczosSumExpgScaled(a));
  const moderate = mul(exp(sub(a, x)), pow(div(x, fac), a));
  const numfac = div(add(sub(x, a), 0.5 - LANCZOS_G), fac);
  const large = exp(add(mul(a, sub(log1p(numfac), numfac)), div(mul(x, 0.5 - LANCZOS_G), fac)));
  const lanczos = mul(res, where(logicalAnd(lt(a, 200), lt(x, 200)), moderate, large));
  return where(gt(abs(sub(a, x)), mul(abs(a), 0.4)), viaLogs, lanczos);
}

/** P(a, x) by its power series (DLMF 8.11.4) where mask holds. */
function igamSeries(a0: Tensor, x0: Tensor, mask: Tensor): Tensor {
  const a = onMask(mask, a0), x = onMask(mask, x0);
  const ax = igamFac(a, x);
  let r = a;
  let c: Tensor = onesLike(a);
  let ans = c;
  whileAny(logicalAnd(mask, ne(ax, 0)), MAXITER, (active) => {
    r = add(r, 1);
    c = where(active, mul(c, div(x, r)), c);
    ans = where(active, add(ans, c), ans);
    return logicalAnd(active, gt(c, mul(ans, MACHEP)));
  });
  return where(eq(ax, 0), 0, div(mul(ans, ax), a));
}

/** Q(a, x) by DLMF 8.7.3 for small x (the series of P written to avoid cancellation) where mask holds. */
function igamcSeries(a0: Tensor, x0: Tensor, mask: Tensor): Tensor {
  const a = onMask(mask, a0), x = onMask(mask, x0);
  let fac: Tensor = onesLike(a);
  let total: Tensor = zerosLike(a);
  let n = 0;
  whileAny(mask, MAXITER - 1, (active) => {
    n++;
    fac = mul(fac, div(neg(x), n));
    const term = div(fac, add(a, n));
    total = where(active, add(total, term), total);
    return logicalAnd(active, gt(abs(term), mul(abs(total), MACHEP)));
  });
  const logx = log(x);
  const first = neg(expm1(sub(mul(a, logx), lgammaForward(add(a, 1)))));
  return sub(first, mul(exp(sub(mul(a, logx), lgammaForward(a))), total));
}

/** Q(a, x) by its continued fraction (DLMF 8.9.2) where mask holds. */
function igamcContinuedFraction(a0: Tensor, x0: Tensor, mask: Tensor): Tensor {
  const a = onMask(mask, a0), x = onMask(mask, x0);
  const ax = igamFac(a, x);
  let y = sub(1, a);
  let z = add(add(x, y), 1);
  let pkm2: Tensor = onesLike(a), qkm2 = x, pkm1 = add(x, 1), qkm1 = mul(z, x);
  let ans = div(pkm1, qkm1);
  let c = 0;
  whileAny(logicalAnd(mask, ne(ax, 0)), MAXITER, (active) => {
    c += 1;
    y = add(y, 1);
    z = add(z, 2);
    const yc = mul(y, c);
    const pk = sub(mul(pkm1, z), mul(pkm2, yc));
    const qk = sub(mul(qkm1, z), mul(qkm2, yc));
    const r = div(pk, qk);
    const t = where(ne(qk, 0), abs(div(sub(ans, r), r)), 1);
    ans = where(logicalAnd(active, ne(qk, 0)), r, ans);
    [pkm2, pkm1, qkm2, qkm1] = [pkm1, pk, qkm1, qk];
    const rescale = gt(abs(pk), BIG);
    [pkm2, pkm1, qkm2, qkm1] = [pkm2, pkm1, qkm2, qkm1].map((v) => where(rescale, mul(v, BIGINV), v));
    return logicalAnd(active, gt(t, MACHEP));
  });
  return where(eq(ax, 0), 0, mul(ans, ax));
}

/** P (lower) or Q by Temme's uniform asymptotic expansion (DLMF 8.12.3/8.12.4) where mask holds. */
function igamAsymptotic(a0: Tensor, x0: Tensor, mask: Tensor, lower: boolean): Tensor {
  const a = onMask(mask, a0), x = onMask(mask, x0);
  const sgn = lower ? -1 : 1;
  const sigma = div(sub(x, a), a);
  const lambda = div(x, a);
  const root = sqrt(mul(sub(log1p(sigma), sigma), -2));
  const eta = where(gt(lambda, 1), root, where(lt(lambda, 1), neg(root), 0));
  let total: Tensor = zerosLike(a);
  let afac: Tensor = onesLike(a);
  let absOld: Tensor = full(a.shape, Infinity, { dtype: 'float64', device: a.device });
  let active = mask;
  for (const row of IGAM_ASYMPTOTIC_D) {
    const ck = polevl(eta, [...row].reverse());
    const term = mul(ck, afac);
    const absTerm = abs(term);
    active = logicalAnd(active, le(absTerm, absOld));
    total = where(active, add(total, term), total);
    active = logicalAnd(active, logicalNot(lt(absTerm, mul(abs(total), MACHEP))));
    absOld = where(active, absTerm, absOld);
    afac = div(afac, a);
  }
  const res = mul(erfc(mul(mul(eta, sgn), sqrt(div(a, 2)))), 0.5);
  return add(res, div(mul(mul(exp(mul(mul(a, square(eta)), -0.5)), total), sgn), sqrt(mul(a, 2 * PI_FLOAT32))));
}

/** Where Temme's expansion is used: a in (20, 200) with |x - a| / a < 0.3, or a > 200 with |x - a| / a < 4.5 / sqrt(a). */
function asymptoticRegime(a: Tensor, x: Tensor): Tensor {
  const rel = div(abs(sub(x, a)), a);
  return logicalOr(
    logicalAnd(logicalAnd(gt(a, 20), lt(a, 200)), lt(rel, 0.3)),
    logicalAnd(gt(a, 200), lt(rel, div(4.5, sqrt(a)))));
}

/** The boundary values of SciPy's igam (lower) or igamc, and where they apply. */
function boundary(a: Tensor, x: Tensor, lower: boolean): { mask: Tensor; value: Tensor } {
  const nan = logicalOr(logicalOr(lt(x, 0), lt(a, 0)), logicalOr(isnan(a), isnan(x)));
  const aZero = eq(a, 0), xZero = eq(x, 0), aInf = isinf(a), xInf = isinf(x);
  const [atAZero, atXZero, atAInf, atXInf] = lower ? [1, 0, 0, 1] : [0, 1, 1, 0];
  const value = where(nan, NaN, where(aZero, where(gt(x, 0), atAZero, NaN), where(xZero, atXZero,
    where(aInf, where(xInf, NaN, atAInf), atXInf))));
  return { mask: logicalOr(logicalOr(nan, aZero), logicalOr(xZero, logicalOr(aInf, xInf))), value };
}

/** P(a, x) in float64 (PyTorch's calc_igamma). */
function igammaForward(a: Tensor, x: Tensor): Tensor {
  const edge = boundary(a, x, true);
  const inside = logicalNot(edge.mask);
  const asym = logicalAnd(inside, asymptoticRegime(a, x));
  const rest = logicalAnd(inside, logicalNot(asym));
  // x > 1 and x > a: 1 - Q, Q by the continued fraction (x > 1.1) or the small-x series.
  const viaQ = logicalAnd(rest, logicalAnd(gt(x, 1), gt(x, a)));
  const byFraction = logicalAnd(viaQ, gt(x, 1.1));
  const q = where(byFraction, igamcContinuedFraction(a, x, byFraction), igamcSeries(a, x, logicalAnd(viaQ, le(x, 1.1))));
  const bySeries = logicalAnd(rest, logicalNot(viaQ));
  const value = where(asym, igamAsymptotic(a, x, asym, true), where(viaQ, sub(1, q), igamSeries(a, x, bySeries)));
  return where(edge.mask, edge.value, value);
}

/** Q(a, x) in float64 (PyTorch's calc_igammac). */
function igammacForward(a: Tensor, x: Tensor): Tensor {
  const edge = boundary(a, x, false);
  const inside = logicalNot(edge.mask);
  const asym = logicalAnd(inside, asymptoticRegime(a, x));
  const rest = logicalAnd(inside, logicalNot(asym));
  // 1 - P where P is the accurate side: x > 1.1 and x < a; x <= 0.5 and a > -0.4 / log x; else 1.1 x < a.
  const viaP = logicalAnd(rest, where(gt(x, 1.1), lt(x, a), where(le(x, 0.5), lt(div(-0.4, log(x)), a), lt(mul(x, 1.1), a))));
  const byFraction = logicalAnd(logicalAnd(rest, logicalNot(viaP)), gt(x, 1.1));
  const bySmallSeries = logicalAnd(logicalAnd(rest, logicalNot(viaP)), le(x, 1.1));
  const value = where(asym, igamAsymptotic(a, x, asym, false), where(viaP, sub(1, igamSeries(a, x, viaP)),
    where(byFraction, igamcContinuedFraction(a, x, byFraction), igamcSeries(a, x, bySmallSeries))));
  return where(edge.mask, edge.value, value);
}

/** dP/dx = exp((a - 1) log x - x - lgamma(a)), written with ops. */
const densityOfX = (a: Tensor, x: Tensor): Tensor => exp(sub(sub(mul(sub(a, 1), log(x)), x), lgamma(a)));

/**
 * The regularized lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a)
 * (torch.special.gammainc), for a, x >= 0 (NaN below), with broadcasting. Differentiable in x
 * only (as PyTorch: a requiring grad throws): dP/dx = x^(a-1) e^-x / Gamma(a).
 * @example `gammainc(tensor([1, 2]), tensor([1, 1])) // [0.6321, 0.2642]`
 */
export const gammainc: (a: Tensor | number, x: Tensor | number) => Tensor = binarySpecial('gammainc', ['a', 'x'], igammaForward,
  (g, a, x) => [null, mul(g, densityOfX(a, x))], 0, { cpuOnly: true });

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (torch.special.gammaincc),
 * accurate where Q is small. Differentiable in x only: dQ/dx = -x^(a-1) e^-x / Gamma(a).
 * @example `gammaincc(tensor([1, 2]), tensor([1, 1])) // [0.3679, 0.7358]`
 */
export const gammaincc: (a: Tensor | number, x: Tensor | number) => Tensor = binarySpecial('gammaincc', ['a', 'x'], igammacForward,
  (g, a, x) => [null, neg(mul(g, densityOfX(a, x)))], 0, { cpuOnly: true });
