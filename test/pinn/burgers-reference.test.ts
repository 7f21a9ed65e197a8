/**
 * The Cole-Hopf Burgers reference: Gauss-Hermite rules, the published shock
 * (Basdevant et al. 1986: max |u_x| = 152.00516 at x = 0, t = 1.6037/pi for
 * nu = 0.01/pi), symmetry, the initial and boundary values, and agreement with
 * an independent trapezoid quadrature of the same integrals.
 */
import { describe, expect, it } from 'vitest';
import { pinn } from '../../src/index';

const NU = 0.01 / Math.PI;

/** The Cole-Hopf ratio by the trapezoid rule in z (spectrally accurate for this smooth, decaying integrand). */
function trapezoid(t: number, x: number): number {
  const c = Math.sqrt(4 * NU * t), k = 1 / (2 * Math.PI * NU), h = 2e-3;
  const e: number[] = [], s: number[] = [];
  let max = -Infinity;
  for (let z = -40; z <= 40; z += h) {
    const y = x - c * z;
    e.push(-z * z - k * Math.cos(Math.PI * y));
    s.push(Math.sin(Math.PI * y));
    max = Math.max(max, e[e.length - 1]);
  }
  let num = 0, den = 0;
  for (let i = 0; i < e.length; i++) {
    const w = Math.exp(e[i] - max);
    num += s[i] * w;
    den += w;
  }
  return -num / den;
}

describe('pinn.gaussHermite', () => {
  it('integrates polynomials times exp(-z^2) exactly (degree <= 2n - 1)', () => {
    for (const n of [1, 5, 20, 200]) {
      const { nodes, weights } = pinn.gaussHermite(n);
      const moment = (p: number) => nodes.reduce((s, z, i) => s + weights[i] * z ** p, 0);
      expect(moment(0)).toBeCloseTo(Math.sqrt(Math.PI), 13);
      if (n >= 2) expect(moment(2)).toBeCloseTo(Math.sqrt(Math.PI) / 2, 13);
      if (n >= 3) expect(moment(4)).toBeCloseTo((3 * Math.sqrt(Math.PI)) / 4, 13);
      if (n >= 2) expect(Math.abs(moment(1))).toBeLessThan(1e-14);
    }
    const { nodes } = pinn.gaussHermite(3);
    expect(Array.from(nodes).map((z) => Number(z.toFixed(12)) + 0)).toEqual([-1.224744871392, 0, 1.224744871392]); // ±sqrt(3/2), 0
  });
});

describe('pinn.burgersReference (Cole-Hopf)', () => {
  it('reproduces the published shock: max |u_x| = 152.00516 at x = 0, t = 1.6037/pi', () => {
    const t = 1.6037 / Math.PI, h = 1e-6;
    const [up, um] = pinn.burgersReference([t, t], [h, -h]);
    const slope = (up - um) / (2 * h);
    expect(slope).toBeLessThan(0);
    expect(Math.abs(Math.abs(slope) - 152.00516)).toBeLessThan(2e-4);
    // And it is the maximum in t: slightly earlier and later are shallower.
    for (const dt of [-0.01, 0.01]) {
      const [a, b] = pinn.burgersReference([t + dt, t + dt], [h, -h]);
      expect(Math.abs((a - b) / (2 * h))).toBeLessThan(Math.abs(slope));
    }
  });

  it('is -sin(pi x) at t = 0, 0 at x = 0 and at x = +-1, and odd in x', () => {
    const xs = [-0.9, -0.5, -0.1, 0.3, 0.77];
    expect(Array.from(pinn.burgersReference(xs.map(() => 0), xs))).toEqual(xs.map((x) => -Math.sin(Math.PI * x)));
    const ts = [0.1, 0.25, 0.5, 0.75, 1];
    for (const t of ts) {
      const [u0, uLeft, uRight] = pinn.burgersReference([t, t, t], [0, -1, 1]);
      expect(Math.abs(u0)).toBeLessThan(1e-12);
      expect(Math.abs(uLeft)).toBeLessThan(1e-12);
      expect(Math.abs(uRight)).toBeLessThan(1e-12);
      const [a, b] = pinn.burgersReference([t, t], [0.37, -0.37]);
      expect(a + b).toBeCloseTo(0, 12);
    }
  });

  it('agrees with an independent trapezoid quadrature to 1e-10, across the shock too', () => {
    const cases = [[0.25, 0.3], [0.5, 0.01], [1, 0.005], [1, -0.5], [0.75, 0.001], [0.1, 0.9], [0.9, -0.02]];
    const got = pinn.burgersReference(cases.map((c) => c[0]), cases.map((c) => c[1]));
    cases.forEach(([t, x], i) => expect(Math.abs(got[i] - trapezoid(t, x))).toBeLessThan(1e-10));
  });

  it('the grid is the paper\'s 256 x 100 layout, t-major', () => {
    const g = pinn.burgersReferenceGrid({ nx: 8, nt: 3 });
    expect(g.x[0]).toBe(-1);
    expect(g.x[7]).toBe(1);
    expect(Array.from(g.t)).toEqual([0, 0.5, 1]);
    expect(g.values.length).toBe(24);
    expect(g.values[8 + 3]).toBe(pinn.burgersReference([0.5], [g.x[3]])[0]);
  });
});
