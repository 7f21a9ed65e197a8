/**
 * src/ops/special*.ts against torch.special 2.13 (test/fixtures/special_torch.json, written by
 * test/fixtures/generators/special_torch.py): values and first derivatives in float64 and float32
 * on the native and the reference backend, at negatives, near poles and zeros, large arguments,
 * infinities and NaN; gradcheck (and gradgradcheck for the ops whose gradients are ops of the
 * family) in float64; the tensor methods and the `special` namespace; the errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import {
  atan, digamma, entr, erfc, erfcx, erfinv, gammainc, gammaincc, i0, i0e, i1, i1e, lgamma, logNdtr, mvlgamma, ndtr, ndtri,
  polygamma, sinc, special, xlog1py, zeta,
} from '../../src/ops/special';
import { ArgumentError, ShapeError } from '../../src/errors';
import { hasNative, onBackend } from '../helpers/backends';
import { expectBoth, expectGrad } from '../helpers/gradcheck';

type Raw = number | string;
interface Case {
  fn: string; param: number | null; inputs: Raw[][];
  out64: Raw[]; out32: Raw[]; grad64: Record<string, Raw[]>; grad32: Record<string, Raw[]>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/special_torch.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };
const num = (v: Raw): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

type Dt = 'float32' | 'float64';
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

/** The Lattice function of a fixture case, on tensors (and the case's integer parameter). */
const FNS: Record<string, (xs: L.Tensor[], p: number | null) => L.Tensor> = {
  lgamma: ([x]) => lgamma(x), digamma: ([x]) => digamma(x), erfc: ([x]) => erfc(x), erfcx: ([x]) => erfcx(x),
  erfinv: ([x]) => erfinv(x), i0: ([x]) => i0(x), i0e: ([x]) => i0e(x), i1: ([x]) => i1(x), i1e: ([x]) => i1e(x),
  ndtr: ([x]) => ndtr(x), ndtri: ([x]) => ndtri(x), logNdtr: ([x]) => logNdtr(x), sinc: ([x]) => sinc(x),
  entr: ([x]) => entr(x), atan: ([x]) => atan(x), polygamma: ([x], n) => polygamma(n!, x), mvlgamma: ([x], p) => mvlgamma(x, p!),
  gammainc: ([a, x]) => gammainc(a, x), gammaincc: ([a, x]) => gammaincc(a, x), xlog1py: ([x, y]) => xlog1py(x, y),
  zeta: ([x, q]) => zeta(x, q),
};

/**
 * Tolerances. Values: float64 1e-12 relative (1e-300 absolute, for results in the subnormal
 * range); float32 1e-5 relative, of torch's float32 result or, where torch's float32 kernel is
 * itself further than that from the exact value (trigamma's sin(pi_f32 x) near the poles), of its
 * float64 result. Derivatives: the same, except erfcx' = 2x erfcx - 2/sqrt(pi) in float32 (it
 * cancels to ~-1/(sqrt(pi) x^2): PyTorch's float32 kernel loses log10(2x^2) digits), and
 * polygamma's at negative x, where the Hurwitz zeta sum itself cancels (zeta(5, -20.5): terms of
 * size 32 summing to 3e-5), so PyTorch's float64 value carries ~1e-11 of its own.
 */
const VALUE_TOL: Record<Dt, number> = { float64: 1e-12, float32: 1e-5 };
const ATOL: Record<Dt, number> = { float64: 1e-300, float32: 1e-37 };
const GRAD_TOL: Record<string, Partial<Record<Dt, number>>> = { erfcx: { float32: 2e-3 }, polygamma: { float64: 1e-11 } };

const worst: Record<Dt, { rel: number; where: string }> = { float64: { rel: 0, where: '' }, float32: { rel: 0, where: '' } };
afterAll(() => {
  for (const dt of ['float64', 'float32'] as const) console.log(`special: worst ${dt} relative error vs PyTorch ${worst[dt].rel.toExponential(2)} (${worst[dt].where})`);
});

/** Elementwise: NaN for NaN, equal infinities, else |a - b| <= tol |b| + atol for one of the references. */
function expectMatches(actual: L.Tensor, refs: Raw[][], dt: Dt, tol: number, what: string): void {
  const a = Array.from(actual.values, Number);
  expect(a.length, `${what} length`).toBe(refs[0].length);
  for (let i = 0; i < a.length; i++) {
    const wants = refs.map((r) => num(r[i]));
    const want = wants[0];
    if (Number.isNaN(want)) { expect(a[i], `${what}[${i}]`).toBeNaN(); continue; }
    if (!Number.isFinite(want)) { expect(a[i], `${what}[${i}]`).toBe(want); continue; }
    const errs = wants.map((w) => Math.abs(a[i] - w) / (Math.abs(w) + ATOL[dt] / tol));
    const err = Math.min(...errs);
    if (err > worst[dt].rel) worst[dt] = { rel: err, where: `${what}[${i}]` };
    expect(err, `${what}[${i}]: ${a[i]} vs ${wants.join(' / ')}`).toBeLessThanOrEqual(tol);
  }
}

describe('special functions vs torch.special', () => {
  fixture.cases.forEach((c, k) => {
    const label = `${c.fn}${c.param !== null ? `(${c.param})` : ''} #${k}`;
    for (const backend of backends) {
      for (const dt of ['float64', 'float32'] as const) {
        it(`${label} (${backend}, ${dt})`, () => onBackend(backend, () => {
          const wrt = Object.keys(dt === 'float64' ? c.grad64 : c.grad32).map(Number);
          const xs = c.inputs.map((v, i) => L.tensor(Float64Array.from(v.map(num)), { dtype: 'float64' }).to(dt).requiresGrad_(wrt.includes(i)));
          const out = FNS[c.fn](xs, c.param);
          expect(out.dtype).toBe(dt);
          const refs = dt === 'float64' ? [c.out64] : [c.out32, c.out64];
          expectMatches(out, refs, dt, VALUE_TOL[dt], `${label} ${dt}`);
          if (!wrt.length) return;
          const grads = L.grad(out.sum(), wrt.map((i) => xs[i]));
          const tol = GRAD_TOL[c.fn]?.[dt] ?? VALUE_TOL[dt];
          wrt.forEach((i, j) => {
            const gRefs = dt === 'float64' ? [c.grad64[i]] : [c.grad32[i], c.grad64[i]];
            expectMatches(grads[j]!, gRefs, dt, tol, `${label} ${dt} d/dinput${i}`);
          });
        }));
      }
    }
  });
});

const f64 = (v: number[], requiresGrad = true): L.Tensor => L.tensor(v, { dtype: 'float64', requiresGrad });

describe('special functions: gradcheck in float64', () => {
  it('the gamma family, twice differentiable (lgamma, digamma, polygamma, mvlgamma)', () => {
    expectBoth((x) => lgamma(x), [f64([-2.5, -0.4, 0.3, 1.7, 6.2, 20])]);
    expectBoth((x) => digamma(x), [f64([-1.5, 0.4, 2.2, 15])]);
    expectBoth((x) => polygamma(2, x), [f64([-0.7, 0.6, 3.3])]);
    expectBoth((x) => mvlgamma(x, 3), [f64([1.4, 2.9, 6])]);
  });

  it('gammainc and gammaincc in x, zeta in q, xlog1py in both', () => {
    const a = f64([0.5, 3, 30, 300], false);
    expectBoth((x) => gammainc(a, x), [f64([0.7, 2.5, 28, 310])]);
    expectGrad((x) => gammaincc(a, x), [f64([0.2, 4.5, 33, 290])]);
    expectBoth((q) => zeta(3, q), [f64([0.4, 1.7, 9])]);
    expectBoth((x, y) => xlog1py(x, y), [f64([0.5, -2, 3]), f64([-0.5, 0.2, 4])]);
  });

  it('the error-function family and the Bessel functions', () => {
    expectBoth((x) => erfc(x), [f64([-1.2, 0.1, 2.5])]);
    expectBoth((x) => erfcx(x), [f64([-1.2, 0.1, 2.5, 60])]);
    expectBoth((y) => erfinv(y), [f64([-0.8, 0.1, 0.6])]);
    expectBoth((x) => ndtr(x), [f64([-2, 0.3, 1.5])]);
    expectBoth((p) => ndtri(p), [f64([0.01, 0.4, 0.9])]);
    expectBoth((x) => logNdtr(x), [f64([-30, -2, 0.3, 4])]);
    for (const f of [i0, i0e, i1, i1e]) expectBoth((x) => f(x), [f64([-9, -2.5, 0.4, 3, 12])]);
  });

  it('sinc, entr and atan', () => {
    expectBoth((x) => sinc(x), [f64([-1.3, 0.2, 2.7])]);
    expectBoth((x) => entr(x), [f64([0.2, 1.5, 4])]);
    expectBoth((x) => atan(x), [f64([-5, -0.3, 0.8, 3])]);
  });
});

describe('special functions: API', () => {
  it('int32 and bool inputs compute in float32, as torch.special', () => {
    const ints = L.tensor([1, 2, 3], { dtype: 'int32' });
    expect(lgamma(ints).dtype).toBe('float32');
    expect(Array.from(lgamma(ints).values)).toEqual([0, 0, Math.fround(Math.log(2))]);
    expect(erfc(L.tensor([true, false])).dtype).toBe('float32');
    expect(gammainc(L.tensor([1], { dtype: 'int32' }), 1).dtype).toBe('float32');
  });

  it('numbers and broadcasting in the binary functions', () => {
    const x = L.tensor([[0.5], [2]], { dtype: 'float64' });
    const p = gammainc(x, L.tensor([1, 3], { dtype: 'float64' }));
    expect(p.shape).toEqual([2, 2]);
    const q = gammaincc(2, L.tensor([1, 3]));
    expect(q.dtype).toBe('float32');
    expect(q.values[0]).toBeCloseTo(0.7357588823428847, 6);
    expect(zeta(L.tensor([2], { dtype: 'float64' }), 1).values[0]).toBeCloseTo(Math.PI ** 2 / 6, 14);
  });

  it('tensor methods where torch has them, and the special namespace with torch.special names', () => {
    const x = L.tensor([0.3, 1.7, 4], { dtype: 'float64' });
    expect(Array.from(x.lgamma().values)).toEqual(Array.from(lgamma(x).values));
    expect(Array.from(x.digamma().values)).toEqual(Array.from(digamma(x).values));
    expect(Array.from(x.polygamma(2).values)).toEqual(Array.from(polygamma(2, x).values));
    expect(Array.from(x.mvlgamma(1).values)).toEqual(Array.from(lgamma(x).values));
    expect(Array.from(x.erfc().values)).toEqual(Array.from(erfc(x).values));
    expect(Array.from(x.div(5).erfinv().values)).toEqual(Array.from(erfinv(x.div(5)).values));
    expect(Array.from(x.i0().values)).toEqual(Array.from(i0(x).values));
    expect(Array.from(x.sinc().values)).toEqual(Array.from(sinc(x).values));
    expect(Array.from(x.atan().values)).toEqual(Array.from(atan(x).values));
    expect(Array.from(x.igamma(2).values)).toEqual(Array.from(gammainc(x, 2).values));
    expect(Array.from(x.igammac(x).values)).toEqual(Array.from(gammaincc(x, x).values));
    expect(special.gammaln).toBe(lgamma);
    expect(special.psi).toBe(digamma);
    expect(special.multigammaln).toBe(mvlgamma);
    expect(Array.from(special.expit(x).values)).toEqual(Array.from(L.sigmoid(x).values));
    expect(Array.from(special.logit(L.tensor([0.25])).values)[0]).toBeCloseTo(Math.log(1 / 3), 6);
  });

  it('polygamma of order 0 is digamma; derivatives of every order chain through polygamma', () => {
    const x = f64([0.7, 3.1]);
    expect(Array.from(polygamma(0, x).values)).toEqual(Array.from(digamma(x).values));
    const [g1] = L.grad(lgamma(x).sum(), [x], { createGraph: true });
    const [g2] = L.grad(g1!.sum(), [x], { createGraph: true });
    const [g3] = L.grad(g2!.sum(), [x]);
    expect(Array.from(g3!.values)).toEqual(Array.from(polygamma(2, x).values));
  });
});

describe('special functions: errors', () => {
  it('names the function and the argument', () => {
    expect(() => lgamma([1, 2] as unknown as L.Tensor)).toThrow(ArgumentError);
    expect(() => lgamma([1, 2] as unknown as L.Tensor)).toThrow(/lgamma: x must be a Tensor/);
    expect(() => polygamma(-1, L.tensor([1]))).toThrow(/polygamma: n must be an integer >= 0, got -1/);
    expect(() => polygamma(1.5, L.tensor([1]))).toThrow(ArgumentError);
    expect(() => mvlgamma(L.tensor([1]), 0)).toThrow(/mvlgamma: p must be an integer >= 1, got 0/);
    expect(() => mvlgamma(L.tensor([2, 0.9]), 3)).toThrow(/mvlgamma: every element of x .* must be greater than \(p - 1\) \/ 2 = 1 for p = 3; element 1 is 0\.8999/);
    expect(() => gammainc(1, 2)).toThrow(/gammainc: at least one of a and x must be a Tensor/);
    expect(() => gammainc(L.tensor([1, 2]), L.tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => xlog1py(L.tensor([1]), 'y' as unknown as number)).toThrow(/xlog1py: y must be a Tensor/);
    expect(() => L.tensor([1]).polygamma(-2)).toThrow(ArgumentError);
  });

  it('a gradient PyTorch does not implement (gammainc in a, zeta in x) throws instead of a silent zero', () => {
    const a = f64([1, 2]);
    expect(() => gammainc(a, f64([1, 1], false))).toThrow(/gammainc: the gradient with respect to a is not implemented/);
    expect(() => gammaincc(a, 1)).toThrow(ArgumentError);
    expect(() => zeta(f64([2]), 1)).toThrow(/zeta: the gradient with respect to x is not implemented/);
    expect(() => L.noGrad(() => gammainc(a, 1))).not.toThrow();
    expect(() => gammainc(a.detach(), f64([1, 1]))).not.toThrow();
  });

  it('a disposed tensor is refused', () => {
    const x = L.tensor([1, 2]);
    x.dispose();
    expect(() => erfc(x)).toThrow(/erfc: x .* was disposed/);
    expect(() => gammainc(x, 1)).toThrow(/gammainc: a .* was disposed/);
  });
});
