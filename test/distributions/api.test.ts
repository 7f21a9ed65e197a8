/**
 * The distributions' API beyond the PyTorch fixtures: parameter broadcasting and dtypes, expand,
 * enumerateSupport, perplexity, the NaN moments, toString, KL dispatch and registerKl, the
 * straight-through one-hot sample, gradcheck of the pieces written here (erfinv, lgamma, the
 * Cholesky factorisation and triangular solve, the exact softplus), and Normal.icdf in the tails.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import { cholesky, choleskyByOps, solveLowerTriangular, solveLowerTriangularByOps } from '../../src/distributions/linalg';
import { erfinv, lgamma } from '../../src/ops/special';
import { softplusExact } from '../../src/distributions/utils';

const f64 = (v: number[] | number[][] | number, requiresGrad = false): L.Tensor => L.tensor(v as number[], { dtype: 'float64', requiresGrad });
const vals = (x: L.Tensor): number[] => Array.from(x.values, Number);

describe('parameters', () => {
  it('broadcast as PyTorch (loc [3,1], scale [4] -> batch [3,4]) and keep a tensor that already fits', () => {
    const loc = L.tensor([[0], [1], [2]]), scale = L.tensor([1, 2, 3, 4]);
    const d = new D.Normal(loc, scale);
    expect(d.batchShape).toEqual([3, 4]);
    expect(d.loc.shape).toEqual([3, 4]);
    expect(vals(d.scale.narrow(0, 2, 1))).toEqual([1, 2, 3, 4]);
    const same = L.tensor([1, 2]);
    expect(new D.Normal(same, L.tensor([3, 4])).loc).toBe(same);
  });

  it('numbers take the tensors\' dtype; float64 wins over float32; numbers alone give float32 0-d', () => {
    expect(new D.Normal(0, 1).loc.dtype).toBe('float32');
    expect(new D.Normal(0, 1).batchShape).toEqual([]);
    expect(new D.Normal(0, f64([1, 2])).loc.dtype).toBe('float64');
    expect(new D.Normal(L.tensor([0]), f64([1])).loc.dtype).toBe('float64');
    expect(new D.Exponential(2).logProb(1).dtype).toBe('float32');
  });

  it('gradients reach the caller\'s tensors through broadcasting', () => {
    const loc = f64([[0.5], [-1]], true), scale = f64([1, 2, 3], true);
    new D.Normal(loc, scale).logProb(f64(0.25)).sum().backward();
    expect(loc.grad!.shape).toEqual([2, 1]);
    expect(scale.grad!.shape).toEqual([3]);
    // d/dloc of sum_j logN(x; loc, s_j) = sum_j (x - loc) / s_j^2
    const expected = [0.25 - 0.5, 0.25 + 1].map((dx) => dx * (1 + 1 / 4 + 1 / 9));
    vals(loc.grad!).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
  });

  it('Bernoulli and Categorical derive logits from probs and probs from logits', () => {
    const b = new D.Bernoulli({ logits: f64([0, 2]) });
    vals(b.probs).forEach((p, i) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-[0, 2][i])), 14));
    const c = new D.Categorical(f64([1, 1, 2]));
    expect(vals(c.probs)).toEqual([0.25, 0.25, 0.5]);
    vals(c.logits).forEach((l, i) => expect(l).toBeCloseTo(Math.log([0.25, 0.25, 0.5][i]), 14));
    const c2 = new D.Categorical({ logits: f64([0, 0, Math.log(2)]) });
    vals(c2.probs).forEach((p, i) => expect(p).toBeCloseTo([0.25, 0.25, 0.5][i], 14));
    expect(c2.numEvents).toBe(3);
  });
});

describe('expand', () => {
  it('gives the same log-probabilities over a larger batch, for every family', () => {
    const cases: [D.Distribution, L.Tensor | number][] = [
      [new D.Normal(f64([0, 1]), 2), f64([0.3, -0.2])],
      [new D.Uniform(0, f64([1, 2])), f64([0.5, 1.5])],
      [new D.Laplace(f64([0, 1]), 1), f64([0.1, 0.2])],
      [new D.Exponential(f64([1, 3])), f64([0.4, 0.1])],
      [new D.Gumbel(f64([0, 1]), 1), f64([0.2, 0.5])],
      [new D.Bernoulli(f64([0.2, 0.7])), f64([1, 0])],
      [new D.Categorical(f64([[0.2, 0.8], [0.5, 0.5]])), L.tensor([1, 0], { dtype: 'int32' })],
      [new D.OneHotCategorical(f64([[0.2, 0.8], [0.5, 0.5]])), f64([[0, 1], [1, 0]])],
      [new D.LogNormal(f64([0, 1]), 1), f64([0.5, 2])],
      [new D.RelaxedBernoulli(0.5, f64([0.3, 0.6])), f64([0.2, 0.9])],
      [new D.Independent(new D.Normal(f64([[0, 1]]), 1), 1), f64([0.3, -0.2])],
      [new D.MultivariateNormal(f64([[0, 1], [1, 0]]), { covarianceMatrix: f64([[2, 0.5], [0.5, 1]]) }), f64([[0.3, -0.2], [0.1, 0.1]])],
    ];
    for (const [d, v] of cases) {
      const big = [3, ...d.batchShape.map((s) => s)];
      const e = d.expand(big);
      expect(e).toBeInstanceOf(d.constructor);
      expect(e.batchShape, `${d.distName} batch`).toEqual(big);
      expect(e.eventShape, `${d.distName} event`).toEqual(d.eventShape);
      const want = vals(d.logProb(v));
      const got = vals(e.logProb(v));
      expect(got.length).toBe(3 * want.length);
      got.forEach((g, i) => expect(g, `${d.distName}[${i}]`).toBeCloseTo(want[i % want.length], 12));
      expect(e.sample([2]).shape).toEqual([2, ...big, ...d.eventShape]);
    }
    expect(new D.Normal(f64([[1], [2]]), f64([1, 2, 3])).expand([4, 2, 3]).batchShape).toEqual([4, 2, 3]);
    expect(new D.Normal(f64([[1]]), 1).expand([2, 5]).batchShape).toEqual([2, 5]);
  });
});

describe('MultivariateNormal matrices', () => {
  const close = (a: L.Tensor, b: L.Tensor, tol: number): void => {
    expect(a.shape).toEqual(b.shape);
    vals(L.sub(a, b).abs()).forEach((d) => expect(d).toBeLessThan(tol));
  };
  it('covarianceMatrix, precisionMatrix and scaleTril agree whichever was given', () => {
    const cov = f64([[2, 0.6, -0.4], [0.6, 1, 0.3], [-0.4, 0.3, 0.5]]);
    const I = L.eye(3, 3, { dtype: 'float64' });
    const a = new D.MultivariateNormal(f64([[0, 0, 0], [1, 1, 1]]), { covarianceMatrix: cov });
    expect(a.batchShape).toEqual([2]);
    expect(a.covarianceMatrix.shape).toEqual([2, 3, 3]);
    close(L.matmul(a.precisionMatrix, a.covarianceMatrix), I.expand([2, 3, 3]), 1e-12);
    close(L.matmul(a.scaleTril, a.scaleTril.transpose(-1, -2)), a.covarianceMatrix, 1e-12);
    const b = new D.MultivariateNormal(f64([0, 0, 0]), { precisionMatrix: a.precisionMatrix.narrow(0, 0, 1).reshape([3, 3]) });
    close(b.covarianceMatrix, cov, 1e-12);
    const c = new D.MultivariateNormal(f64([0, 0, 0]), { scaleTril: a.scaleTril.narrow(0, 0, 1).reshape([3, 3]) });
    close(c.covarianceMatrix, cov, 1e-12);
    close(c.variance, f64([2, 1, 0.5]), 1e-12);
    close(b.logProb(f64([0.3, -0.2, 0.1])), c.logProb(f64([0.3, -0.2, 0.1])), 1e-12);
    close(b.entropy(), c.entropy(), 1e-12);
  });
});

describe('discrete extras and conventions', () => {
  it('enumerateSupport', () => {
    const b = new D.Bernoulli(f64([0.1, 0.9]));
    expect(b.hasEnumerateSupport).toBe(true);
    expect(b.enumerateSupport().toArray()).toEqual([[0, 0], [1, 1]]);
    expect(b.enumerateSupport(false).shape).toEqual([2, 1]);
    const c = new D.Categorical(L.ones([2, 3]));
    expect(c.enumerateSupport().toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(new D.OneHotCategorical(L.ones([3])).enumerateSupport().toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(new D.OneHotCategorical(L.ones([2, 3])).enumerateSupport(false).shape).toEqual([3, 1, 3]);
    // Every supported value, scored: the probabilities sum to 1.
    const lp = c.logProb(c.enumerateSupport());
    expect(vals(L.exp(lp).sum(0))).toEqual([1, 1].map((x) => expect.closeTo(x, 6) as unknown as number));
  });

  it('perplexity, and the NaN moments PyTorch uses', () => {
    expect(new D.Categorical(f64([1, 1, 1, 1])).perplexity().item()).toBeCloseTo(4, 12);
    expect(vals(new D.Bernoulli(f64([0.5, 0.2, 0.8])).mode)).toEqual([NaN, 0, 1]);
    expect(new D.Uniform(0, 1).mode.item()).toBeNaN();
    expect(vals(new D.Categorical(L.ones([2, 3])).mean)).toEqual([NaN, NaN]);
    expect(vals(new D.Categorical(f64([[0.1, 0.9], [0.6, 0.4]])).mode)).toEqual([1, 0]);
    expect(new D.Exponential(2).mode.item()).toBe(0);
  });

  it('Categorical.logProb takes int32, bool, integer numbers and integral floats, broadcast against the batch', () => {
    const c = new D.Categorical(f64([[0.2, 0.8], [0.6, 0.4]]));
    expect(vals(c.logProb(L.tensor([1, 0], { dtype: 'int32' })))).toEqual([Math.log(0.8), Math.log(0.6)].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(vals(c.logProb(1))).toEqual([Math.log(0.8), Math.log(0.4)].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(vals(c.logProb(f64([1, 0])))).toEqual(vals(c.logProb(L.tensor([true, false]))));
    expect(c.logProb(L.zeros([5, 1], { dtype: 'int32' })).shape).toEqual([5, 2]);
  });

  it('OneHotCategoricalStraightThrough: a one-hot forward value, the gradient of probs', () => {
    L.manualSeed(3);
    const logits = f64([0.3, -0.5, 1.2], true);
    const d = new D.OneHotCategoricalStraightThrough({ logits });
    expect(d.hasRsample).toBe(true);
    const y = d.rsample();
    expect(vals(y).filter((v) => v === 1).length).toBe(1);
    expect(vals(y).filter((v) => v === 0).length).toBe(2);
    const r = f64([1, 2, 3]);
    L.mul(y, r).sum().backward();
    const viaProbs = f64([0.3, -0.5, 1.2], true);
    L.mul(L.softmax(viaProbs, -1), r).sum().backward();
    vals(logits.grad!).forEach((g, i) => expect(g).toBeCloseTo(vals(viaProbs.grad!)[i], 12));
  });

  it('toString names the distribution and its parameters', () => {
    expect(String(new D.Normal(0, 1))).toBe('Normal(loc: 0, scale: 1)');
    expect(String(new D.Normal(L.zeros([3]), 1))).toBe('Normal(loc: float32[3], scale: float32[3])');
    expect(String(new D.Bernoulli({ logits: L.zeros([2]) }))).toBe('Bernoulli(logits: float32[2])');
    expect(String(new D.OneHotCategorical(L.ones([4])))).toBe('OneHotCategorical(probs: float32[4])');
    expect(String(new D.LogNormal(0, 1))).toBe('LogNormal(loc: 0, scale: 1)');
    expect(String(new D.Independent(new D.Normal(L.zeros([2]), 1), 1))).toBe('Independent(Normal(loc: float32[2], scale: float32[2]), 1)');
  });

  it('flags', () => {
    expect(new D.Normal(0, 1).hasRsample).toBe(true);
    expect(new D.Bernoulli(0.5).hasRsample).toBe(false);
    expect(new D.Categorical(L.ones([2])).hasRsample).toBe(false);
    expect(new D.LogNormal(0, 1).hasRsample).toBe(true);
    expect(new D.Independent(new D.Bernoulli(L.ones([2]).mul(0.5)), 1).hasRsample).toBe(false);
    expect(new D.Normal(0, 1).support.name).toBe('real');
    expect(new D.Exponential(1).support.name).toBe('nonnegative');
    expect(new D.Independent(new D.Normal(L.zeros([2]), 1), 1).support.eventDim).toBe(1);
  });
});

describe('klDivergence dispatch and registerKl', () => {
  class WideNormal extends D.Normal {}

  it('a subclass uses its parent\'s closed form until it has its own; the most specific pair wins', () => {
    const p = new WideNormal(f64([0]), f64([1])), q = new D.Normal(f64([1]), f64([2]));
    const base = D.klDivergence(p, q).item();
    expect(base).toBeCloseTo(D.klDivergence(new D.Normal(f64([0]), f64([1])), q).item(), 15);
    D.registerKl(WideNormal, D.Normal, (a, b) => D.klDivergence(new D.Normal(a.loc, a.scale), b).mul(2));
    expect(D.klDivergence(p, q).item()).toBeCloseTo(2 * base, 14);
    // Normal-Normal itself is untouched; q's side still dispatches on its own class.
    expect(D.klDivergence(new D.Normal(f64([0]), f64([1])), q).item()).toBeCloseTo(base, 15);
    expect(D.klDivergence(q, p).item()).toBeCloseTo(D.klDivergence(q, new D.Normal(f64([0]), f64([1]))).item(), 15);
  });

  it('closed forms agree with Monte Carlo estimates of E_p[log p - log q]', () => {
    const pairs: [D.Distribution, D.Distribution][] = [
      [new D.Normal(f64(0.3), f64(1.2)), new D.Laplace(f64(-0.2), f64(0.8))],
      [new D.Gumbel(f64(0.5), f64(1.5)), new D.Gumbel(f64(0), f64(2))],
      [new D.MultivariateNormal(f64([0.2, -0.1]), { covarianceMatrix: f64([[1, 0.3], [0.3, 0.5]]) }),
        new D.MultivariateNormal(f64([0, 0]), { precisionMatrix: f64([[2, -0.4], [-0.4, 1]]) })],
    ];
    L.manualSeed(5);
    for (const [p, q] of pairs) {
      const x = p.sample([200_000]);
      const mc = L.sub(p.logProb(x), q.logProb(x));
      const est = mc.mean().item(), se = mc.std().item() / Math.sqrt(200_000);
      expect(Math.abs(D.klDivergence(p, q).item() - est), `${p.distName}-${q.distName}`).toBeLessThan(4 * se);
    }
  });

  it('infinite where q cannot cover p, shaped by both batches', () => {
    const kl = D.klDivergence(new D.Normal(L.zeros([2]), 1), new D.Exponential(L.ones([3, 1])));
    expect(kl.shape).toEqual([3, 2]);
    expect(vals(kl).every((v) => v === Infinity)).toBe(true);
  });
});

describe('the pieces written with ops', () => {
  it('Normal.icdf in the tails (float64) matches torch 2.13', () => {
    // torch.distributions.Normal(0., 1.).icdf in float64 at these p (torch 2.13, computed once).
    const p = f64([1e-10, 1e-6, 0.5, 1 - 1e-6, 0.975]);
    const want = [-6.361340889697423, -4.753424308828307, 0, 4.753424308817088, 1.959963984540054];
    // Near p = 0 the answer is ill-conditioned in 2p - 1 (d icdf / d(2p-1) ~ 5e8 at 1e-10), and both
    // libraries refine erfinv by Newton steps on erf(x) - y, whose rounding (~1e-16) that factor
    // turns into ~1e-8: the bound follows the conditioning.
    const tol = [2e-8, 1e-11, 0, 1e-11, 1e-14];
    vals(new D.Normal(f64(0), f64(1)).icdf(p)).forEach((v, i) => expect(Math.abs(v - want[i]), `p = ${vals(p)[i]}`).toBeLessThanOrEqual(tol[i]));
    expect(vals(new D.Normal(0, 1).icdf(L.tensor([0, 1])))).toEqual([-Infinity, Infinity]);
    // torch.special.erfinv at these y; at 1 - 1e-13 the same conditioning allows ~1e-4.
    const e = [-4.320005388105362, 0.2724627147267543, 5.261483331372676];
    const etol = [2e-8, 1e-15, 1e-4];
    vals(erfinv(f64([-0.999999999, 0.3, 0.9999999999999]))).forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(etol[i]));
    expect(vals(erfinv(f64([1, -1, 1.5, NaN])))).toEqual([Infinity, -Infinity, NaN, NaN]);
  });

  it('lgamma matches torch.lgamma to 1e-13', () => {
    const want = [0.5723649429247001, 0, -0.09580769740706588, 12.801827480081469, 361.4355404677776];
    vals(lgamma(f64([0.5, 1, 1.7, 10, 100.5]))).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-13 * Math.max(1, Math.abs(want[i]))));
  });

  it('cholesky and solveLowerTriangular: L L^T = A and L X = B, batched', () => {
    L.manualSeed(9);
    const a = L.randn([2, 5, 5], { dtype: 'float64' });
    const spd = L.add(L.matmul(a, a.transpose(-1, -2)), L.eye(5, 5, { dtype: 'float64' }));
    const l = cholesky('test', spd);
    const back = L.matmul(l, l.transpose(-1, -2));
    vals(L.sub(back, spd).abs()).forEach((d) => expect(d).toBeLessThan(1e-12));
    const upper = vals(l).filter((_, i) => (i % 5) > Math.floor((i % 25) / 5));
    expect(upper.every((v) => v === 0)).toBe(true);
    const b = L.randn([2, 5, 3], { dtype: 'float64' });
    const x = solveLowerTriangular(l, b);
    vals(L.sub(L.matmul(l, x), b).abs()).forEach((d) => expect(d).toBeLessThan(1e-12));
  });

  it('the ops-written cholesky and solve (the path for devices without linalg kernels) equal linalg\'s, values and gradients', () => {
    L.manualSeed(10);
    const a = L.randn([3, 4, 4], { dtype: 'float64' });
    const spd = L.add(L.matmul(a, a.transpose(-1, -2)), L.eye(4, 4, { dtype: 'float64' })).requiresGrad_();
    const b = L.randn([3, 4, 2], { dtype: 'float64' });
    const r = L.randn([3, 4, 2], { dtype: 'float64' });
    const run = (chol: typeof cholesky, solve: typeof solveLowerTriangular) => {
      const l = chol('test', spd);
      const x = solve(l, b);
      const [g] = L.grad(x.mul(r).sum(), [spd]);
      // Compared on symmetric perturbations: linalg's gradient is symmetric (PyTorch's), the ops path's lower-triangular.
      return [l, x, g!.add(g!.transpose(-1, -2)).mul(0.5)].map((t) => vals(t));
    };
    const fast = run(cholesky, solveLowerTriangular), byOps = run(choleskyByOps, solveLowerTriangularByOps);
    fast.forEach((v, k) => v.forEach((x, i) => expect(Math.abs(x - byOps[k][i])).toBeLessThan(1e-11)));
    expect(L.gradcheck((m) => choleskyByOps('test', L.matmul(m, m.transpose(-1, -2)).add(L.eye(3, 3, { dtype: 'float64' }))), [L.randn([3, 3], { dtype: 'float64', requiresGrad: true })])).toBe(true);
  });

  it('gradcheck: erfinv, lgamma, softplusExact, and log-probabilities through them', () => {
    expect(L.gradcheck((y) => erfinv(y), [f64([-0.9, -0.3, 0.1, 0.7], true)])).toBe(true);
    expect(L.gradcheck((x) => lgamma(x), [f64([0.6, 1.3, 4, 20], true)])).toBe(true);
    expect(L.gradcheck((x) => softplusExact(x), [f64([-30, -1, 0, 2, 40], true)])).toBe(true);
    expect(L.gradcheck((loc, scale, x) => new D.Normal(loc, scale).logProb(x), [f64([0.1, -0.3], true), f64([0.5, 2], true), f64([0.4, 0.2], true)])).toBe(true);
    expect(L.gradcheck((loc, scale, p) => new D.Normal(loc, scale).icdf(p), [f64([0.1], true), f64([0.5], true), f64([0.2, 0.9], true)])).toBe(true);
    expect(L.gradcheck((l) => new D.Bernoulli({ logits: l }).logProb(f64([1, 0, 1])), [f64([0, 25, -3], true)])).toBe(true);
    // validateArgs off: gradcheck's perturbations make the covariance asymmetric by more than the check allows.
    expect(L.gradcheck((cov, x) => new D.MultivariateNormal(f64([0.1, 0, -0.2]), { covarianceMatrix: cov, validateArgs: false }).logProb(x),
      [f64([[2, 0.3, 0.1], [0.3, 1, -0.2], [0.1, -0.2, 0.7]], true), f64([[0.4, -0.1, 0.3]], true)])).toBe(true);
    expect(L.gradcheck((a, b) => D.klDivergence(new D.Gumbel(a, 1.5), new D.Gumbel(0.2, b)), [f64([0.3, -0.4], true), f64([0.8, 2.5], true)])).toBe(true);
  });

  it('softplusExact is log(1 + e^x) for every x, with gradient sigmoid(x)', () => {
    const x = f64([-800, -30, 0, 30, 800], true);
    const y = softplusExact(x);
    expect(vals(y)).toEqual([0, Math.log1p(Math.exp(-30)), Math.LN2, 30 + Math.log1p(Math.exp(-30)), 800].map((v) => expect.closeTo(v, 14) as unknown as number));
    y.sum().backward();
    expect(vals(x.grad!)[2]).toBe(0.5);
  });
});
