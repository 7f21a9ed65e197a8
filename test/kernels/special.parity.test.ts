/**
 * The special-function unary kernels (lgamma, digamma, polygamma, erfc, erfcx, erfinv, ndtri,
 * logNdtr, i0, i0e, i1, i1e: native/kernels/special_math.h) against their reference definitions
 * (src/backend/reference/special-math.ts) on every ISA, in float32 and float64, over wide ranges:
 * negatives, the poles and zeros, every branch boundary of the algorithms, tiny and huge
 * arguments, +-0, +-inf and NaN. Both compute in double (float32 rounds once), so they differ only
 * by the libm calls (exp, log, sin, pow, erf) of V8 and of the C library.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { digamma, erfc, erfcx, erfinv, i0, i0e, i1, i1e, lgamma, logNdtr, ndtri, polygamma, zeta } from '../../src/ops/special';
import { availableIsas, closeness, hasNative, onBackend, withIsa } from '../helpers/backends';

type Dt = 'float32' | 'float64';

/** Every branch boundary and edge of the real-line functions, and their neighbours. */
const EDGES = [
  -Infinity, -1e300, -1e17, -1e10, -1000.5, -171.3, -50.25, -26.8, -26.7, -26.6, -13, -10.5, -8.0000001, -8, -6.2, -6.1, -6,
  -3, -2.5, -2.4570247, -2.0000001, -2, -1.9999999, -1.5, -1, -0.5, -0.4999999, -0.1, -1e-8, -1e-300, -5e-324, -0, 0, 5e-324,
  1e-300, 1e-8, 0.1, 0.4999999, 0.5, 0.9999999, 1, 1.0000001, 1.4616321, 1.5, 2, 2.5, 3, 7.9999999, 8, 8.0000001, 9.5, 10,
  12.9999999, 13, 13.0000001, 26.7, 49.9999, 50, 50.0001, 100, 999.99, 1000, 1e5, 5e7, 5.0000001e7, 1e10, 1e17, 1e300,
  Infinity, NaN,
];
/** Inside [-1, 1] and just outside (erfinv): the central/tail boundary 0.7 and the ill-conditioned ends. */
const UNIT_EDGES = [-Infinity, -1.5, -1.0000001, -1, -(1 - 1e-15), -0.9999999, -0.99, -0.7000001, -0.7, -0.5, -1e-300, -0, 0,
  1e-300, 0.3, 0.7, 0.7000001, 0.99, 0.9999999, 1 - 1e-15, 1, 1.0000001, 2, Infinity, NaN];
/** [0, 1] and outside (ndtri): exp(-2), 1 - exp(-2), the z = 8 switch (y = exp(-32)), tiny and subnormal. */
const PROB_EDGES = [-Infinity, -0.1, -0, 0, 5e-324, 1e-300, 1e-30, 1.2664165549094176e-14, 1.27e-14, 1e-10, 0.1353352832366127,
  0.13533528, 0.1353353, 0.3, 0.5, 0.7, 0.8646647, 0.8646647167633873, 0.86466472, 0.999, 1 - 1e-15, 1, 1.0000001, Infinity, NaN];

/** Fixed edges, then seeded random values: normal at three scales and log-uniform magnitudes of both signs. */
function reals(edges: number[], seed: number): number[] {
  L.manualSeed(seed);
  const out = [...edges];
  for (const scale of [1, 10, 200]) out.push(...Array.from(L.randn([300], { dtype: 'float64' }).mul(scale).values));
  const u = L.rand([600], { dtype: 'float64' }).values;
  for (let i = 0; i < u.length; i++) out.push((i % 2 ? -1 : 1) * 10 ** (u[i] * 60 - 30));
  return out;
}

/** Uniform on [lo, hi] plus the edges. */
function uniform(edges: number[], lo: number, hi: number, seed: number): number[] {
  L.manualSeed(seed);
  return [...edges, ...Array.from(L.rand([1500], { dtype: 'float64' }).values, (v) => lo + (hi - lo) * v)];
}

interface Case { name: string; call: (x: L.Tensor) => L.Tensor; inputs: number[]; slack?: (x: number, y: number) => number }

/**
 * erfinv's two Newton steps carry the backends' erf difference (V8's series loses up to ~1e-13
 * below |x| = 2.5) times 1/erf'(x) = sqrt(pi)/2 exp(x^2): an ill-conditioned problem near +-1.
 */
const erfinvSlack = (_y: number, x: number): number => 1e-13 * Math.exp(x * x);

/**
 * polygamma(n >= 2) at a negative x sums terms n! |x + k|^-(n+1) of both signs (the largest at
 * the nearest pole) to a result that can be far smaller (polygamma(2, -1048575.5) = -9.1e-13 from
 * terms of size 16): the backends' pow differences count against the terms' scale, not the result's.
 */
const polygammaSlack = (n: number) => (x: number): number => {
  if (!(x < 0)) return 0;
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  return 1e-13 * factorial * (Math.abs(x - Math.round(x)) ** -(n + 1) + 3);
};

const CASES: Case[] = [
  { name: 'lgamma', call: lgamma, inputs: reals(EDGES, 1) },
  { name: 'digamma', call: digamma, inputs: reals(EDGES, 2) },
  // Hurwitz zeta's sum runs |x| terms at a negative non-integer x: random ones stay above -1e4; the
  // edges probe the -2^20 cut (a million terms just above it, NaN below).
  ...[1, 2, 3, 6].map((n): Case => ({
    name: `polygamma(${n})`, call: (x) => polygamma(n, x),
    inputs: [...reals(EDGES, 3 + n).filter((v) => !(v < -1e4) || Number.isInteger(v)), -1048575.5, -1048576.5, -1e12 + 0.5],
    slack: n >= 2 ? polygammaSlack(n) : undefined,
  })),
  { name: 'erfc', call: erfc, inputs: reals(EDGES, 10) },
  { name: 'erfcx', call: erfcx, inputs: reals(EDGES, 11) },
  { name: 'logNdtr', call: logNdtr, inputs: reals(EDGES, 12) },
  { name: 'i0', call: i0, inputs: reals(EDGES, 13) },
  { name: 'i0e', call: i0e, inputs: reals(EDGES, 14) },
  { name: 'i1', call: i1, inputs: reals(EDGES, 15) },
  { name: 'i1e', call: i1e, inputs: reals(EDGES, 16) },
  { name: 'erfinv', call: erfinv, inputs: uniform(UNIT_EDGES, -1.05, 1.05, 17), slack: erfinvSlack },
  { name: 'ndtri', call: ndtri, inputs: uniform(PROB_EDGES, -0.05, 1.05, 18) },
];

/** Relative tolerance per dtype: float64 a few ulp of the libm calls; float32 one ulp of the rounding (both round a double). */
const TOL: Record<Dt, { rtol: number; atol: number }> = { float64: { rtol: 1e-13, atol: 1e-300 }, float32: { rtol: 1.2e-7, atol: 1e-44 } };

/** Elementwise comparison with an extra absolute slack per element (conditioning); NaN must match NaN, infinities exactly. */
function expectClose(x: ArrayLike<number>, nat: ArrayLike<number>, ref: ArrayLike<number>, dt: Dt, what: string, slack?: (x: number, y: number) => number): void {
  const { rtol, atol } = TOL[dt];
  if (!slack) {
    expect(closeness(nat, ref, atol, rtol), what).toBeLessThanOrEqual(1);
    return;
  }
  for (let i = 0; i < ref.length; i++) {
    const a = nat[i], b = ref[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) { expect(a, `${what}[${i}] at ${x[i]}`).toBe(b); continue; }
    expect(Math.abs(a - b), `${what}[${i}] at ${x[i]}: ${a} vs ${b}`).toBeLessThanOrEqual(atol + rtol * Math.abs(b) + slack(x[i], b));
  }
}

describe.runIf(hasNative())('special-function kernels: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dt of ['float64', 'float32'] as const) {
      it(`every function on ${dt} (${isa})`, () => withIsa(isa, () => {
        for (const c of CASES) {
          const x = L.tensor(Float64Array.from(c.inputs), { dtype: 'float64' }).to(dt);
          const ref = onBackend('reference', () => c.call(x));
          const nat = onBackend('native', () => c.call(x));
          expect(nat.dtype, c.name).toBe(dt);
          expect(nat.shape, c.name).toEqual([c.inputs.length]);
          expectClose(x.values, nat.values, ref.values, dt, `${c.name} ${dt} ${isa}`, c.slack);
        }
      }));
    }
  }

  it('the sign of zero and the poles agree exactly (digamma(+-0), lgamma at the non-positive integers, i1e odd)', () => {
    for (const backend of ['native', 'reference'] as const) {
      onBackend(backend, () => {
        const zeros = L.tensor([0, -0, -3, -Infinity, Infinity], { dtype: 'float64' });
        expect(Array.from(digamma(zeros).values), backend).toEqual([-Infinity, Infinity, NaN, NaN, Infinity]);
        expect(Array.from(lgamma(L.tensor([0, -0, -1, -7, -1e20], { dtype: 'float64' })).values), backend).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
        const x = L.tensor([0.3, 7, 9, 300], { dtype: 'float64' });
        expect(Array.from(i1e(x.neg()).values), backend).toEqual(Array.from(i1e(x).values, (v) => -v));
        // trigamma's reflection divides by sin(pi x)^2, not 0 at x = -2 in floating point: PyTorch 2.13 gives 1.6451975368302367e32 too.
        expect(Array.from(polygamma(1, L.tensor([0, -2], { dtype: 'float64' })).values), backend).toEqual([Infinity, 1.6451975368302367e32]);
      });
    }
  });
});

describe('special-function kernels: closed forms on both backends', () => {
  const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
  for (const backend of backends) {
    it(`known values (${backend})`, () => onBackend(backend, () => {
      const at = (f: (t: L.Tensor) => L.Tensor, v: number[]): number[] => Array.from(f(L.tensor(v, { dtype: 'float64' })).values);
      const near = (a: number[], b: number[], tol = 1e-15): void => a.forEach((v, i) => expect(Math.abs(v - b[i]), `${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
      near(at(lgamma, [0.5, 1, 2, 3, 10]), [0.5 * Math.log(Math.PI), 0, 0, Math.LN2, Math.log(362880)]);
      near(at(digamma, [1, 0.5]), [-0.5772156649015329, -0.5772156649015329 - 2 * Math.LN2]);
      // PyTorch's trigamma (six recurrence steps, the series to x^-7) is good to ~1e-9 only; so is this one.
      near(at((t) => polygamma(1, t), [1, 0.5]), [Math.PI ** 2 / 6, Math.PI ** 2 / 2], 1e-9);
      near(at((t) => polygamma(2, t), [1]), [-2 * 1.2020569031595942]);
      // Below -2^20 a non-integer x would need |x| terms: NaN, as the zeta composite gives.
      expect(at((t) => polygamma(2, t), [-1048576.5, -1e15 + 0.5])).toEqual([NaN, NaN]);
      expect(Array.from(zeta(3, L.tensor([-1048576.5], { dtype: 'float64' })).values)).toEqual([NaN]);
      near(at(erfc, [0, Infinity, -Infinity]), [1, 0, 2]);
      near(at(erfcx, [0]), [1]);
      near(at(ndtri, [0.5]), [0]);
      near(at(logNdtr, [0]), [-Math.LN2]);
      near(at(i0, [0]), [1]);
      near(at(i1, [0]), [0]);
      // erfinv inverts erf (to the conditioning of the problem).
      const y = [-0.95, -0.3, 0.1, 0.6, 0.9];
      near(Array.from(L.erf(L.tensor(at(erfinv, y), { dtype: 'float64' })).values), y, 1e-15);
    }));
  }
});
