/**
 * Sampling statistics of the gamma family and its companions over 100,000 seeded draws: each
 * component's sample mean and variance lie within 4 standard errors of the distribution's mean and
 * variance (the standard error of the variance from the sample's fourth central moment); VonMises
 * by its circular moments (E cos(x - loc) = I1/I0, E sin(x - loc) = 0); Cauchy and HalfCauchy,
 * which have no moments, by the fraction of draws below their quartiles. Covers both branches of
 * every sampler (gamma shape below and above 1, Poisson rate below and above 10, Binomial by
 * inversion and by BTRS, with p above 1/2).
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';

const N = 100_000;
const f64 = (v: number[] | number[][]): L.Tensor => L.tensor(v as number[], { dtype: 'float64' });

/** Component j of every event of an [N, ...] sample with k components per draw. */
function component(x: L.Tensor, j: number, k: number): number[] {
  return Array.from({ length: x.numel() / k }, (_, i) => x.values[i * k + j]);
}

/** |sample mean - mean| < 4 se and |sample variance - variance| < 4 se (+ the O(1/n) bias term). */
function expectMeanAndVariance(xs: number[], mean: number, variance: number, what: string): void {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const central = xs.map((x) => x - m);
  const m2 = central.reduce((a, d) => a + d * d, 0) / (n - 1);
  const m4 = central.reduce((a, d) => a + d ** 4, 0) / n;
  expect(Math.abs(m - mean), `${what}: mean ${m} vs ${mean}`).toBeLessThan(4 * Math.sqrt(variance / n));
  expect(Math.abs(m2 - variance), `${what}: variance ${m2} vs ${variance}`).toBeLessThan(4 * Math.sqrt(Math.max(m4 - m2 * m2, 0) / n) + 16 * variance / n);
}

/** Every component of d's sample against d.mean and d.variance. */
function expectMoments(d: D.Distribution, seed: number): void {
  L.manualSeed(seed);
  const x = d.sample([N]);
  expect(x.shape).toEqual([N, ...d.batchShape, ...d.eventShape]);
  const mean = d.mean.values, variance = d.variance.values;
  for (let j = 0; j < mean.length; j++) expectMeanAndVariance(component(x, j, mean.length), mean[j], variance[j], `${d}[${j}]`);
}

/** The fraction of draws at or below the distribution's q-quantile is q, within 4 binomial standard errors. */
function expectQuantiles(d: D.Distribution, seed: number): void {
  L.manualSeed(seed);
  const x = d.sample([N]);
  const k = x.numel() / N;
  for (const q of [0.25, 0.5, 0.75]) {
    const at = d.icdf(q).values;
    for (let j = 0; j < k; j++) {
      const below = component(x, j, k).filter((v) => v <= at[j]).length / N;
      expect(Math.abs(below - q), `${d}[${j}] below its ${q}-quantile: ${below}`).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / N));
    }
  }
}

describe('gamma family: sampling statistics over 100k seeded draws', () => {
  it('Gamma (shape below and above 1) and Chi2', () => {
    expectMoments(new D.Gamma(f64([0.2, 0.9, 3, 40]), f64([1, 2, 0.5, 4])), 1);
    expectMoments(new D.Chi2(f64([1, 7])), 2);
  });

  it('Beta and Dirichlet', () => {
    expectMoments(new D.Beta(f64([0.3, 2, 30]), f64([0.6, 5, 12])), 3);
    expectMoments(new D.Dirichlet(f64([[0.4, 1.2, 3], [6, 2, 0.8]])), 4);
  });

  it('StudentT (variance needs df > 4 for its standard error)', () => {
    expectMoments(new D.StudentT(f64([9, 30]), f64([1, -2]), f64([2, 0.3])), 5);
  });

  it('Poisson (product of uniforms below rate 10, PTRS above)', () => {
    expectMoments(new D.Poisson(f64([0.05, 3, 9.5, 10, 250])), 6);
  });

  it('Binomial (inversion below n q = 10, BTRS above; p above 1/2 flipped)', () => {
    expectMoments(new D.Binomial(f64([12, 30, 200, 2000, 15]), { probs: f64([0.3, 0.9, 0.04, 0.45, 0.5]) }), 7);
    expectMoments(new D.Binomial(f64([50]), { logits: f64([1.5]) }), 8);
  });

  it('Geometric and HalfNormal', () => {
    expectMoments(new D.Geometric(f64([0.1, 0.6])), 9);
    expectMoments(new D.HalfNormal(f64([0.5, 3])), 10);
  });

  it('Cauchy and HalfCauchy by their quartiles', () => {
    expectQuantiles(new D.Cauchy(f64([0, 3]), f64([1, 0.2])), 11);
    expectQuantiles(new D.HalfCauchy(f64([1, 4])), 12);
  });

  it('VonMises by its circular moments, wrapped into [-pi, pi)', () => {
    const loc = [0.5, -2.8, 3], kappa = [4, 0.5, 30];
    const d = new D.VonMises(f64(loc), f64(kappa));
    L.manualSeed(13);
    const x = d.sample([N]);
    expect(Array.from(x.values).every((v) => v >= -Math.PI && v < Math.PI)).toBe(true);
    const meanCos = d.variance.neg().add(1).values;  // 1 - circular variance = I1/I0
    loc.forEach((mu, j) => {
      const xs = component(x, j, loc.length);
      const cos = xs.map((v) => Math.cos(v - mu)), sin = xs.map((v) => Math.sin(v - mu));
      const varCos = cos.reduce((a, c) => a + (c - meanCos[j]) ** 2, 0) / N;
      // PyTorch's log I0/I1 polynomials are good to ~1e-7, far inside the standard error.
      expect(Math.abs(cos.reduce((a, b) => a + b, 0) / N - meanCos[j]), `E cos, kappa ${kappa[j]}`).toBeLessThan(4 * Math.sqrt(varCos / N) + 1e-6);
      expect(Math.abs(sin.reduce((a, b) => a + b, 0) / N), `E sin, kappa ${kappa[j]}`).toBeLessThan(4 * Math.sqrt(0.5 / N));
    });
  });
});
