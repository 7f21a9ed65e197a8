/**
 * The gamma family and its companions (Gamma, Chi2, Beta, Dirichlet, StudentT, Poisson, Binomial,
 * Geometric, Cauchy, HalfNormal, HalfCauchy, VonMises) against torch.distributions 2.13
 * (test/fixtures/distributions_gamma_torch.json): logProb, entropy, cdf and icdf with the
 * gradients of sum(out * r) w.r.t. every parameter and the value, the moments, batch and event
 * shapes, klDivergence (with gradients) for the pairs PyTorch registers, and the implicit
 * reparameterisation gradients against torch._standard_gamma_grad and torch._dirichlet_grad; in
 * float64 and float32 on both backends. Then the API and the errors.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import { dirichletGrad, standardGammaGrad } from '../../src/distributions/gamma-reparam';
import { lgamma } from '../../src/ops/special';
import { ArgumentError, ShapeError } from '../../src/errors';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, torchFixtureChecker } from '../helpers/torch-fixture';
import { dec, makeCheck } from './fixture';
import { type Graded, buildGamma, gammaFixture, paramLeaves } from './fixture-gamma';

const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
const dtypes: Dt[] = ['float64', 'float32'];
const DISCRETE = new Set(['Poisson', 'Binomial', 'Geometric']);

describe('gamma family vs torch.distributions', () => {
  const check = makeCheck(torchFixtureChecker({ float64: 1e-11, float32: 2e-5 }));

  /** out against the fixture; then the gradients of sum(out * r) against each fixture gradient. */
  function expectGraded(out: L.Tensor, want: Graded, inputs: Record<string, L.Tensor>, dtype: Dt, what: string): void {
    check(out, want.out, dtype, what);
    const names = Object.keys(want.grads);
    if (!names.length) return;
    const grads = L.grad(L.mul(out, dec(want.r, dtype)).sum(), names.map((n) => inputs[n]), { allowUnused: true });
    names.forEach((n, i) => check(grads[i] ?? L.zerosLike(inputs[n]), want.grads[n], dtype, `${what} d/d${n}`));
  }

  for (const c of gammaFixture.dists) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const continuous = !DISCRETE.has(c.dist);
          const fresh = (frozen: string[] = []): [D.Distribution, Record<string, L.Tensor>] => {
            const leaves = paramLeaves(c, dtype, '', frozen);
            return [buildGamma(c, leaves), leaves];
          };
          let [d, leaves] = fresh();
          expect(d.batchShape, 'batchShape').toEqual(c.batchShape);
          expect(d.eventShape, 'eventShape').toEqual(c.eventShape);
          const value = dec(c.logProb.value!, dtype, continuous);
          expectGraded(d.logProb(value), c.logProb, { ...leaves, value }, dtype, `${c.name} logProb`);
          if (c.entropy) {
            [d, leaves] = fresh();
            expectGraded(d.entropy(), c.entropy, leaves, dtype, `${c.name} entropy`);
          }
          for (const m of ['mean', 'mode', 'variance', 'stddev'] as const) check(fresh()[0][m], c[m], dtype, `${c.name} ${m}`);
          for (const f of ['cdf', 'icdf'] as const) {
            const want = c[f];
            if (!want) continue;
            // PyTorch has no gradient of gammainc in its first argument: Gamma's cdf leaves concentration out.
            [d, leaves] = fresh(f === 'cdf' && (c.dist === 'Gamma' || c.dist === 'Chi2') ? ['concentration', 'df'] : []);
            const v = dec(want.value!, dtype, true);
            expectGraded(d[f](v), want, { ...leaves, value: v }, dtype, `${c.name} ${f}`);
          }
        }));
      }
    }
  }

  for (const c of gammaFixture.kl) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`klDivergence ${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const leaves = { ...paramLeaves(c.p, dtype, 'p.'), ...paramLeaves(c.q, dtype, 'q.') };
          const kl = D.klDivergence(buildGamma(c.p, leaves, 'p.'), buildGamma(c.q, leaves, 'q.'));
          expectGraded(kl, c, leaves, dtype, `kl ${c.name}`);
        }));
      }
    }
  }

  it('standardGammaGrad equals torch._standard_gamma_grad in every regime (series, saddle point, rational)', () => {
    const { alpha, x, grad } = gammaFixture.reparam.gamma;
    check(standardGammaGrad(dec(alpha, 'float64'), dec(x, 'float64')), grad, 'float64', 'standardGammaGrad');
  });

  it('dirichletGrad equals torch._dirichlet_grad in every regime (x near 0 and 1, both large, rational)', () => {
    const { alpha, total, x, grad } = gammaFixture.reparam.dirichlet;
    check(dirichletGrad(dec(x, 'float64'), dec(alpha, 'float64'), dec(total, 'float64')), grad, 'float64', 'dirichletGrad');
  });
});

const f64 = (v: number | number[] | number[][]): L.Tensor => L.tensor(v as number[], { dtype: 'float64' });

describe('gamma family: API', () => {
  it('sample and rsample shapes are sampleShape + batchShape + eventShape; rsample flags as PyTorch', () => {
    L.manualSeed(3);
    const cases: [D.Distribution, boolean][] = [
      [new D.Gamma(f64([1, 2]), 3), true], [new D.Chi2(f64([[1], [2]])), true], [new D.Beta(f64([0.5, 2]), f64([[1], [3], [4]])), true],
      [new D.Dirichlet(f64([[1, 2, 3], [0.5, 0.5, 0.5]])), true], [new D.StudentT(f64([3, 4])), true], [new D.Poisson(f64([1, 20])), false],
      [new D.Binomial(f64([3, 30]), { probs: f64([0.2, 0.7]) }), false], [new D.Geometric({ logits: f64([0, 1]) }), false],
      [new D.Cauchy(0, f64([1, 2])), true], [new D.HalfNormal(f64([1, 2])), true], [new D.HalfCauchy(f64([1, 2])), true],
      [new D.VonMises(f64([0, 1]), f64([1, 5])), false],
    ];
    for (const [d, reparam] of cases) {
      expect(d.hasRsample, d.distName).toBe(reparam);
      const s = d.sample([4, 2]);
      expect(s.shape, d.distName).toEqual([4, 2, ...d.batchShape, ...d.eventShape]);
      expect(s.dtype, d.distName).toBe('float64');
      expect(s.requiresGrad, d.distName).toBe(false);
      if (reparam) expect(d.rsample([3]).shape, d.distName).toEqual([3, ...d.batchShape, ...d.eventShape]);
      else expect(() => d.rsample(), d.distName).toThrow(D.NotImplementedError);
    }
  });

  it('manualSeed reproduces draws; both backends draw the same (discrete ones exactly, continuous ones to rounding)', () => {
    const draw = (): number[][] => {
      L.manualSeed(11);
      return [new D.Poisson(f64([2, 50])), new D.Binomial(40, { probs: f64([0.1, 0.6]) }), new D.Geometric(f64([0.2])),
        new D.Gamma(f64([0.3, 4]), 1), new D.Beta(2, 3), new D.VonMises(0, f64([0.5, 8]))].map((d) => Array.from(d.sample([5]).values));
    };
    const first = draw();
    expect(draw()).toEqual(first);
    if (!hasNative()) return;
    const [ref, nat] = [onBackend('reference', draw), onBackend('native', draw)];
    ref.slice(0, 3).forEach((r, i) => expect(nat[i]).toEqual(r));
    ref.slice(3).forEach((r, i) => r.forEach((v, j) => expect(Math.abs(nat[i + 3][j] - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)))));
  });

  it('Geometric at probs 1: all mass at 0', () => {
    const d = new D.Geometric(f64([1]));
    expect(Array.from(d.logProb(f64([0, 1])).values)).toEqual([0, -Infinity]);
    expect(Array.from(d.sample([3]).values)).toEqual([0, 0, 0]);
  });

  it('expand broadcasts the parameters and keeps the class', () => {
    const cases: D.Distribution[] = [new D.Gamma(f64([1]), 2), new D.Chi2(f64([3])), new D.Beta(f64([2]), 3), new D.Dirichlet(f64([[1, 2, 3]])),
      new D.StudentT(f64([3])), new D.Poisson(f64([1])), new D.Binomial(f64([5]), { logits: f64([0.3]) }), new D.Geometric(f64([0.3])),
      new D.Cauchy(f64([0]), 1), new D.HalfNormal(f64([2])), new D.HalfCauchy(f64([2])), new D.VonMises(f64([0]), 2)];
    for (const d of cases) {
      const e = d.expand([4, 1]);
      expect(e.constructor, d.distName).toBe(d.constructor);
      expect(e.batchShape, d.distName).toEqual([4, 1]);
      expect(e.eventShape, d.distName).toEqual(d.eventShape);
      expect(e.mean.shape, d.distName).toEqual([4, 1, ...d.eventShape]);
      expect(Array.from(e.mean.values).slice(0, d.mean.numel()), d.distName).toEqual(Array.from(d.mean.values));
    }
    expect((new D.Chi2(f64([3])).expand([2]) as D.Chi2).df.values).toEqual(f64([3, 3]).values);
    expect(() => new D.Gamma(f64([1, 2]), 1).expand([3])).toThrow(ShapeError);
  });

  it('Binomial enumerates its support and needs one totalCount for entropy', () => {
    const d = new D.Binomial(3, { probs: f64([0.2, 0.5]) });
    expect(d.enumerateSupport().shape).toEqual([4, 2]);
    expect(Array.from(d.enumerateSupport(false).values)).toEqual([0, 1, 2, 3]);
    const p = d.logProb(d.enumerateSupport()).exp().sum(0);
    Array.from(p.values).forEach((v) => expect(v).toBeCloseTo(1, 12));
    expect(() => new D.Binomial(f64([3, 4]), { probs: 0.5 }).entropy()).toThrow(/Binomial.enumerateSupport: totalCount .* is not the same for the whole batch/);
  });

  it('toString names the parameters', () => {
    expect(String(new D.Gamma(2, 3))).toBe('Gamma(concentration: 2, rate: 3)');
    expect(String(new D.Chi2(4))).toBe('Chi2(df: 4)');
    expect(String(new D.Binomial(5, { logits: 0 }))).toBe('Binomial(totalCount: 5, logits: 0)');
    expect(String(new D.Geometric(0.25))).toBe('Geometric(probs: 0.25)');
    expect(String(new D.HalfNormal(2))).toBe('HalfNormal(scale: 2)');
  });

  it('the implicit reparameterisation gives the exact gradient of E[f(X)] (Gamma, Beta, Dirichlet, StudentT)', () => {
    // The pathwise estimate (mean of the per-sample gradients of f at 200k draws, each draw with its
    // own copy of the parameter) against the derivative of the closed form of E[f], by central
    // differences; within 4 standard errors of the estimate.
    const n = 200_000;
    const expectGradient = (name: string, theta: number, sample: (t: L.Tensor) => L.Tensor, exact: (t: number) => number): void => {
      L.manualSeed(7);
      const leaf = L.full([n], theta, { dtype: 'float64' }).requiresGrad_();
      const [g] = L.grad(sample(leaf).sum(), [leaf]);
      const v = Array.from(g!.values);
      const mean = v.reduce((a, b) => a + b, 0) / n;
      const se = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
      const h = 1e-5;
      const fd = (exact(theta + h) - exact(theta - h)) / (2 * h);
      expect(Math.abs(mean - fd), `${name}: pathwise ${mean} (se ${se}) vs d/dtheta E[f] ${fd}`).toBeLessThan(4 * se);
    };
    const lg = (x: number): number => lgamma(f64([x])).values[0];
    // Gamma(a, 1): E[X^2] = a (a + 1); f = x^2 exercises all three regimes of standardGammaGrad.
    expectGradient('Gamma', 0.6, (a) => new D.Gamma(a, 1).rsample().square(), (a) => a * (a + 1));
    expectGradient('Gamma', 12, (a) => new D.Gamma(a, 1).rsample().square(), (a) => a * (a + 1));
    // Beta(a, 2): E[X (1 - X)] = a 2 / ((a + 2) (a + 3)).
    expectGradient('Beta', 1.7, (a) => { const x = new D.Beta(a, 2).rsample(); return x.mul(x.neg().add(1)); }, (a) => (2 * a) / ((a + 2) * (a + 3)));
    // Dirichlet(a, 1, 3): E[X_0^2] = a (a + 1) / (s (s + 1)), s = a + 4.
    expectGradient('Dirichlet', 2.5, (a) => {
      const c = L.stack([a, L.full([n], 1, { dtype: 'float64' }), L.full([n], 3, { dtype: 'float64' })], -1);
      return new D.Dirichlet(c).rsample().narrow(-1, 0, 1).square();
    }, (a) => (a * (a + 1)) / ((a + 4) * (a + 5)));
    // StudentT(df): E|T| = 2 sqrt(df) Gamma((df + 1)/2) / (sqrt(pi) (df - 1) Gamma(df / 2)).
    expectGradient('StudentT', 4.5, (df) => new D.StudentT(df).rsample().abs(),
      (df) => (2 * Math.sqrt(df) * Math.exp(lg((df + 1) / 2) - lg(df / 2))) / (Math.sqrt(Math.PI) * (df - 1)));
  });
});

describe('gamma family: errors', () => {
  it('parameters outside their constraints name the distribution, the parameter and the element', () => {
    expect(() => new D.Gamma(f64([1, -1]), 1)).toThrow(/Gamma: parameter concentration .* must satisfy the constraint positive; element \[1\] \(-1\) does not/);
    expect(() => new D.Chi2(0)).toThrow(/Chi2: parameter df .* must satisfy the constraint positive/);
    expect(() => new D.Beta(1, f64([0]))).toThrow(/Beta: parameter concentration0/);
    expect(() => new D.Dirichlet(f64([[1, 0, 2]]))).toThrow(/Dirichlet: parameter concentration .* independent\(positive, 1\)/);
    expect(() => new D.StudentT(1, 0, -2)).toThrow(/StudentT: parameter scale/);
    expect(() => new D.Poisson(-0.5)).toThrow(/Poisson: parameter rate .* nonnegative/);
    expect(() => new D.Binomial(f64([2.5]), { probs: 0.5 })).toThrow(/Binomial: parameter totalCount .* nonnegativeInteger/);
    expect(() => new D.Binomial(3, { probs: 1.5 })).toThrow(/Binomial: parameter probs .* unitInterval/);
    expect(() => new D.Geometric(f64([0.5, 0]))).toThrow(/Geometric: parameter probs .* interval \(0, 1\]; element \[1\] \(0\)/);
    expect(() => new D.HalfNormal(-1)).toThrow(/HalfNormal: parameter scale/);
    expect(() => new D.HalfCauchy('1' as unknown as number)).toThrow(/HalfCauchy: scale must be a Tensor or a number/);
    expect(() => new D.VonMises(0, 0)).toThrow(/VonMises: parameter concentration/);
    expect(() => new D.Dirichlet(f64(2) as L.Tensor)).toThrow(ShapeError);
    expect(() => new D.Binomial(3, {})).toThrow(/Binomial: give exactly one of probs and logits/);
    expect(() => new D.Gamma(f64([1, 2]), f64([1, 2, 3]))).toThrow(ShapeError);
  });

  it('values outside the support are refused in logProb and cdf', () => {
    expect(() => new D.Gamma(2, 1).logProb(-1)).toThrow(/Gamma.logProb: value .* must lie in the support \(nonnegative\)/);
    expect(() => new D.Beta(2, 2).logProb(1.5)).toThrow(/Beta.logProb: value .* must lie in the support \(unitInterval/);
    expect(() => new D.Dirichlet(f64([1, 2])).logProb(f64([0.5, 0.6]))).toThrow(/Dirichlet.logProb: value .*\(simplex/);
    expect(() => new D.Poisson(2).logProb(0.5)).toThrow(/Poisson.logProb: value .*\(nonnegativeInteger/);
    expect(() => new D.Binomial(f64([3, 5]), { probs: 0.5 }).logProb(f64([4, 4]))).toThrow(/Binomial.logProb: value .*\(integerInterval \{0, \.\.\., upperBound\}\) of Binomial.*; element \[0\] \(4\) does not/);
    expect(() => new D.Geometric(0.5).logProb(-1)).toThrow(/Geometric.logProb/);
    expect(() => new D.HalfNormal(1).cdf(-0.5)).toThrow(/HalfNormal.cdf: value .*\(nonnegative/);
    expect(() => new D.Cauchy(0, 1).icdf(1.5)).toThrow(/Cauchy.icdf: probability .*\(unitInterval/);
    expect(() => new D.Gamma(2, 1).logProb(f64([[1, 2]]))).not.toThrow();
    expect(() => new D.Dirichlet(f64([1, 2, 3])).logProb(f64([0.5, 0.5]))).toThrow(ShapeError);
  });

  it('what PyTorch does not implement throws NotImplementedError (or a gradient it lacks, ArgumentError)', () => {
    expect(() => new D.Poisson(2).entropy()).toThrow(D.NotImplementedError);
    expect(() => new D.VonMises(0, 1).cdf(0.5)).toThrow(D.NotImplementedError);
    const conc = f64([2]).requiresGrad_();
    expect(() => new D.Gamma(conc, 1).cdf(1)).toThrow(ArgumentError);
    expect(() => D.klDivergence(new D.Binomial(3, { probs: 0.5 }), new D.Binomial(f64([2, 4]), { probs: 0.5 })))
      .toThrow(/KL\(p \|\| q\) between Binomials where q.totalCount > p.totalCount is not implemented/);
    expect(() => D.klDivergence(new D.Dirichlet(f64([1, 2])), new D.Dirichlet(f64([1, 2, 3])))).toThrow(ShapeError);
    expect(() => D.klDivergence(new D.VonMises(0, 1), new D.VonMises(0, 2))).toThrow(D.NotImplementedError);
  });
});
