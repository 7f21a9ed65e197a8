/**
 * Sampling: 100,000 seeded draws of every distribution have the mean and variance the
 * distribution states (within 4 standard errors, estimated from the sample's own moments);
 * draws are reproducible with manualSeed and identical on the native and reference backends;
 * shapes follow sampleShape + batchShape + eventShape.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import { hasNative, onBackend } from '../helpers/backends';

const N = 100_000;

/** Column j's values of an [N, k] sample (k = 1 for a flat one). */
function column(x: L.Tensor, j: number, k: number): Float64Array {
  const v = x.values, out = new Float64Array(v.length / k);
  for (let i = 0; i < out.length; i++) out[i] = v[i * k + j];
  return out;
}

/** Asserts the sample's mean and variance are within 4 standard errors of the stated ones. */
function expectMoments(xs: Float64Array, mean: number, variance: number, what: string): void {
  const n = xs.length;
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let m2 = 0, m4 = 0;
  for (const x of xs) { const d = x - m; m2 += d * d; m4 += d ** 4; }
  m2 /= n - 1;
  m4 /= n;
  const seMean = Math.sqrt(variance / n);
  const seVar = Math.sqrt(Math.max(m4 - m2 * m2, 0) / n);
  expect(Math.abs(m - mean), `${what}: mean ${m} vs ${mean} (se ${seMean})`).toBeLessThan(4 * seMean);
  // Plus the second-order term (m - mean)^2 ~ variance / n: it is all there is where the variance is
  // stationary in the mean (a Bernoulli at 1/2, whose sample variance has a zero first-order error).
  expect(Math.abs(m2 - variance), `${what}: variance ${m2} vs ${variance} (se ${seVar})`).toBeLessThan(4 * seVar + 16 * variance / n);
}

/** Checks each of the k components of an [N, k] sample against the distribution's mean and variance. */
function checkAll(d: D.Distribution, seed: number, what: string): void {
  L.manualSeed(seed);
  const x = d.sample([N]);
  expect(x.shape).toEqual([N, ...d.batchShape, ...d.eventShape]);
  const mean = d.mean.values, variance = d.variance.values;
  const k = mean.length;
  for (let j = 0; j < k; j++) expectMoments(column(x, j, k), mean[j], variance[j], `${what}[${j}]`);
}

describe('sampling statistics over 100k seeded draws', () => {
  it('Normal (broadcast loc [2,1], scale [3])', () => checkAll(new D.Normal(L.tensor([[0.5], [-2]]), L.tensor([1, 0.1, 3])), 1, 'Normal'));
  it('Normal in float64', () => checkAll(new D.Normal(L.tensor([1.5], { dtype: 'float64' }), 2), 2, 'Normal f64'));
  it('Uniform', () => checkAll(new D.Uniform(L.tensor([-1, 2]), L.tensor([1, 2.5])), 3, 'Uniform'));
  it('Laplace', () => checkAll(new D.Laplace(L.tensor([0, 3]), L.tensor([1, 0.5])), 4, 'Laplace'));
  it('Exponential', () => checkAll(new D.Exponential(L.tensor([0.5, 4])), 5, 'Exponential'));
  it('Gumbel', () => checkAll(new D.Gumbel(L.tensor([0, -1]), L.tensor([1, 2])), 6, 'Gumbel'));
  it('LogNormal', () => checkAll(new D.LogNormal(L.tensor([0, 0.5]), L.tensor([0.25, 0.5])), 7, 'LogNormal'));
  it('Bernoulli (probs and logits)', () => {
    checkAll(new D.Bernoulli(L.tensor([0.05, 0.5, 0.9])), 8, 'Bernoulli probs');
    checkAll(new D.Bernoulli({ logits: L.tensor([-2, 1]) }), 9, 'Bernoulli logits');
  });
  it('OneHotCategorical (mean = probs, variance = p(1 - p) per category)', () => {
    checkAll(new D.OneHotCategorical(L.tensor([0.1, 0.2, 0.3, 0.4])), 10, 'OneHotCategorical');
  });
  it('Categorical: category frequencies are the probabilities', () => {
    const probs = [0.05, 0.15, 0.3, 0.5];
    const c = new D.Categorical({ logits: L.tensor(probs.map(Math.log)) });
    L.manualSeed(11);
    const x = c.sample([N]);
    expect(x.dtype).toBe('int32');
    const counts = [0, 0, 0, 0];
    for (const v of x.values) counts[v]++;
    probs.forEach((p, k) => {
      const se = Math.sqrt(p * (1 - p) / N);
      expect(Math.abs(counts[k] / N - p), `category ${k}`).toBeLessThan(4 * se);
    });
  });
  it('Categorical never draws a zero-probability category', () => {
    L.manualSeed(12);
    const x = new D.Categorical(L.tensor([[0.5, 0, 0.5], [0, 0, 1]])).sample([20_000]);
    const v = x.values;
    for (let i = 0; i < v.length; i += 2) {
      expect(v[i]).not.toBe(1);
      expect(v[i + 1]).toBe(2);
    }
  });
  it('Independent(Normal) samples as its base', () => checkAll(new D.Independent(new D.Normal(L.tensor([1, 2]), L.tensor([0.5, 2])), 1), 13, 'Independent'));
  it('MultivariateNormal: mean and the full covariance', () => {
    const cov = [[2, 0.6, -0.4], [0.6, 1, 0.3], [-0.4, 0.3, 0.5]];
    const loc = [1, -1, 0.5];
    const d = new D.MultivariateNormal(L.tensor(loc), { covarianceMatrix: L.tensor(cov) });
    checkAll(d, 14, 'MultivariateNormal');
    L.manualSeed(15);
    const x = d.sample([N]);
    const cols = [0, 1, 2].map((j) => column(x, j, 3));
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let s = 0, s2 = 0;
        for (let i = 0; i < N; i++) { const p = (cols[a][i] - loc[a]) * (cols[b][i] - loc[b]); s += p; s2 += p * p; }
        const c = s / N, se = Math.sqrt((s2 / N - c * c) / N);
        expect(Math.abs(c - cov[a][b]), `cov[${a}][${b}] ${c}`).toBeLessThan(4 * se);
      }
    }
  });
  it('RelaxedBernoulli: samples in (0, 1), above 1/2 with probability probs at any temperature', () => {
    for (const [t, seed] of [[0.3, 16], [2, 17]]) {
      L.manualSeed(seed);
      const x = new D.RelaxedBernoulli(t, L.tensor([0.2, 0.7])).sample([N]);
      const v = x.values;
      const above = [0, 0];
      let outside = 0;
      for (let i = 0; i < v.length; i++) {
        if (!(v[i] > 0 && v[i] < 1)) outside++;
        if (v[i] > 0.5) above[i % 2]++;
      }
      expect(outside).toBe(0);
      [0.2, 0.7].forEach((p, k) => expect(Math.abs(above[k] / N - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / N)));
    }
  });
});

describe('reproducibility', () => {
  const makers: [string, () => D.Distribution][] = [
    ['Normal', () => new D.Normal(L.tensor([0, 1]), 2)],
    ['Uniform', () => new D.Uniform(0, L.tensor([1, 3]))],
    ['Bernoulli', () => new D.Bernoulli(L.tensor([0.3, 0.6]))],
    ['Categorical', () => new D.Categorical(L.tensor([0.2, 0.3, 0.5]))],
    ['Laplace', () => new D.Laplace(0, 1)],
    ['Exponential', () => new D.Exponential(L.tensor([1, 2]))],
    ['Gumbel', () => new D.Gumbel(0, 1)],
    ['MultivariateNormal', () => new D.MultivariateNormal(L.zeros([2]), { scaleTril: L.tensor([[1, 0], [0.5, 2]]) })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: manualSeed replays the draw${hasNative() ? ', and both backends draw the same' : ''}`, () => {
      L.manualSeed(123);
      const a = Array.from(make().sample([50]).values);
      L.manualSeed(123);
      const b = Array.from(make().sample([50]).values);
      expect(b).toEqual(a);
      const c = Array.from(make().sample([50]).values);
      expect(c).not.toEqual(a);
      if (hasNative()) {
        const ref = onBackend('reference', () => { L.manualSeed(123); return Array.from(make().sample([50]).values); });
        expect(ref.length).toBe(a.length);
        ref.forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
      }
    });
  }

  it('sample has no gradient; rsample has one', () => {
    const loc = L.tensor([0.5], { requiresGrad: true });
    const d = new D.Normal(loc, 1);
    expect(d.sample([3]).requiresGrad).toBe(false);
    const z = d.rsample([3]);
    expect(z.requiresGrad).toBe(true);
    z.sum().backward();
    expect(Array.from(loc.grad!.values)).toEqual([3]);
  });

  it('shapes: sampleShape + batchShape + eventShape', () => {
    expect(new D.Normal(L.zeros([2, 3]), 1).sample().shape).toEqual([2, 3]);
    expect(new D.Normal(L.zeros([2, 3]), 1).sample([4, 5]).shape).toEqual([4, 5, 2, 3]);
    expect(new D.Normal(0, 1).sample().shape).toEqual([]);
    expect(new D.OneHotCategorical(L.ones([2, 5])).sample([3]).shape).toEqual([3, 2, 5]);
    expect(new D.Categorical(L.ones([2, 5])).sample([3]).shape).toEqual([3, 2]);
    expect(new D.MultivariateNormal(L.zeros([4, 3]), { covarianceMatrix: L.eye(3) }).rsample([2]).shape).toEqual([2, 4, 3]);
    expect(new D.Independent(new D.Normal(L.zeros([2, 3]), 1), 2).sample([7]).shape).toEqual([7, 2, 3]);
  });
});
