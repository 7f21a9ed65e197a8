/**
 * Bad arguments into the distributions: each throws the project's error class with a message that
 * names the distribution (or function), the argument, and the shapes or values involved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';

const t = (v: number[] | number[][], dtype: 'float32' | 'float64' = 'float32'): L.Tensor => L.tensor(v, { dtype });

/** fn throws an instance of cls whose message contains every fragment. */
function throwsWith(fn: () => unknown, cls: new (...a: never[]) => Error, ...fragments: string[]): void {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  expect(caught, 'it throws').toBeInstanceOf(cls);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

describe('parameter constraints (validateArgs)', () => {
  afterEach(() => D.Distribution.setDefaultValidateArgs(true));

  it('name the distribution, the parameter, its shape, the constraint and the bad element', () => {
    throwsWith(() => new D.Normal(0, t([1, -1, 2])), L.ArgumentError, 'Normal', 'scale', 'float32[3]', 'positive', 'element [1]', '-1');
    throwsWith(() => new D.Normal(NaN, 1), L.ArgumentError, 'Normal', 'loc', 'real');
    throwsWith(() => new D.Laplace(0, 0), L.ArgumentError, 'Laplace', 'scale', 'positive');
    throwsWith(() => new D.Gumbel(0, -2), L.ArgumentError, 'Gumbel', 'scale');
    throwsWith(() => new D.LogNormal(0, t([[1, 0]])), L.ArgumentError, 'LogNormal', 'scale', 'element [0,1]');
    throwsWith(() => new D.Exponential(t([1, 0])), L.ArgumentError, 'Exponential', 'rate', 'positive');
    throwsWith(() => new D.Bernoulli(t([0.5, 1.5])), L.ArgumentError, 'Bernoulli', 'probs', 'unitInterval', '1.5');
    throwsWith(() => new D.Categorical(t([0.5, -0.1, 0.6])), L.ArgumentError, 'Categorical', 'probs', 'simplex');
    throwsWith(() => new D.Categorical(t([0, 0])), L.ArgumentError, 'Categorical', 'probs', 'simplex');
    throwsWith(() => new D.OneHotCategorical(t([-1, 2])), L.ArgumentError, 'OneHotCategorical', 'probs');
    throwsWith(() => new D.RelaxedBernoulli(0, t([0.5])), L.ArgumentError, 'RelaxedBernoulli', 'temperature', 'positive');
    throwsWith(() => new D.Uniform(t([0, 2]), t([1, 1])), L.ArgumentError, 'Uniform', 'low', 'high', 'element 1', 'low is 2');
  });

  it('validateArgs: false skips the checks; setDefaultValidateArgs changes the default', () => {
    const e = new D.Exponential(2, { validateArgs: false });
    expect(e.validateArgs).toBe(false);
    expect(e.logProb(-1).item()).toBeCloseTo(Math.log(2) + 2, 6);
    expect(() => new D.Normal(0, -1, { validateArgs: false })).not.toThrow();
    D.Distribution.setDefaultValidateArgs(false);
    expect(D.Distribution.getDefaultValidateArgs()).toBe(false);
    expect(new D.Normal(0, -1).validateArgs).toBe(false);
    expect(new D.Normal(0, 1, { validateArgs: true }).validateArgs).toBe(true);
    D.Distribution.setDefaultValidateArgs(true);
    throwsWith(() => new D.Normal(0, -1), L.ArgumentError, 'scale');
    throwsWith(() => D.Distribution.setDefaultValidateArgs('yes' as unknown as boolean), L.ArgumentError, 'setDefaultValidateArgs', 'boolean');
    throwsWith(() => new D.Normal(0, 1, { validateArgs: 1 as unknown as boolean }), L.ArgumentError, 'Normal', 'validateArgs');
  });
});

describe('parameter types and shapes', () => {
  it('non-float tensors, non-numbers, disposed tensors, unbroadcastable shapes', () => {
    throwsWith(() => new D.Normal(L.tensor([1, 2], { dtype: 'int32' }), 1), L.DTypeError, 'Normal', 'loc', 'int32[2]');
    throwsWith(() => new D.Normal('0' as unknown as number, 1), L.ArgumentError, 'Normal', 'loc', 'string');
    throwsWith(() => new D.Uniform(0, null as unknown as number), L.ArgumentError, 'Uniform', 'high', 'null');
    const gone = t([1]);
    gone.dispose();
    throwsWith(() => new D.Exponential(gone), L.ArgumentError, 'Exponential', 'rate', 'disposed');
    throwsWith(() => new D.Normal(t([0, 1]), t([1, 2, 3])), L.ShapeError, 'Normal', 'loc float32[2]', 'scale float32[3]', 'broadcast');
    throwsWith(() => new D.Categorical(t([[1, 2]]).sum()), L.ShapeError, 'Categorical', 'probs', 'at least one dim');
  });

  it('probs or logits: exactly one', () => {
    throwsWith(() => new D.Bernoulli({}), L.ArgumentError, 'Bernoulli', 'exactly one of probs and logits', 'neither');
    throwsWith(() => new D.Categorical({ probs: t([0.5, 0.5]), logits: t([0, 0]) }), L.ArgumentError, 'Categorical', 'both');
    throwsWith(() => new D.Bernoulli('p' as unknown as number), L.ArgumentError, 'Bernoulli');
  });

  it('MultivariateNormal: one matrix, square, matching loc, positive-definite, symmetric, a Cholesky factor', () => {
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), {}), L.ArgumentError, 'MultivariateNormal', 'exactly one', 'none');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: L.eye(2), scaleTril: L.eye(2) }), L.ArgumentError, 'covarianceMatrix and scaleTril');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: L.ones([2, 3]) }), L.ShapeError, 'square', 'float32[2,3]');
    throwsWith(() => new D.MultivariateNormal(L.zeros([3]), { covarianceMatrix: L.eye(2) }), L.ShapeError, '2x2', 'loc float32[3]');
    throwsWith(() => new D.MultivariateNormal(L.zeros([]), { covarianceMatrix: L.eye(1) }), L.ShapeError, 'loc', 'at least one dim');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: t([[1, 2], [2, 1]]) }), L.ArgumentError, 'covarianceMatrix', 'not positive-definite', 'leading minor of order 2');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { precisionMatrix: t([[-1, 0], [0, 1]]) }), L.ArgumentError, 'precisionMatrix', 'not positive-definite');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: t([[1, 0.5], [0, 1]]) }), L.ArgumentError, 'covarianceMatrix', 'symmetric');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { scaleTril: t([[1, 0], [0.5, -1]]) }), L.ArgumentError, 'scaleTril', 'lowerCholesky');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { scaleTril: t([[1, 0.3], [0.5, 1]]) }), L.ArgumentError, 'scaleTril', 'lowerCholesky');
    throwsWith(() => new D.MultivariateNormal(L.zeros([3, 2]), { covarianceMatrix: L.eye(2).expand([4, 2, 2]) }), L.ShapeError, 'batch dims of loc', 'batch dims of covarianceMatrix');
  });

  it('Independent: a distribution and at most its batch dims', () => {
    throwsWith(() => new D.Independent({} as D.Distribution, 1), L.ArgumentError, 'Independent', 'baseDistribution');
    throwsWith(() => new D.Independent(new D.Normal(L.zeros([2]), 1), 2), L.ShapeError, 'Independent', 'reinterpretedBatchNdims 2', 'batch shape [2]');
    throwsWith(() => new D.Independent(new D.Normal(0, 1), -1), L.ArgumentError, 'reinterpretedBatchNdims');
  });

  it('transforms', () => {
    throwsWith(() => new D.AffineTransform('a' as unknown as number, 1), L.ArgumentError, 'AffineTransform', 'loc');
    throwsWith(() => new D.AffineTransform(0, 1, { eventDim: -1 }), L.ArgumentError, 'eventDim');
    throwsWith(() => new D.TransformedDistribution(new D.Normal(0, 1), ['exp' as unknown as D.Transform]), L.ArgumentError, 'TransformedDistribution', 'transforms');
    throwsWith(() => new D.TransformedDistribution(new D.Normal(0, 1), [new D.AffineTransform(0, 2, { eventDim: 1 })]), L.ShapeError, 'fewer dims');
  });
});

describe('values: support, shape, type', () => {
  it('outside the support names the method, the value and the support', () => {
    throwsWith(() => new D.Exponential(1).logProb(t([1, -2])), L.ArgumentError, 'Exponential.logProb', 'nonnegative', 'element [1] (-2)');
    throwsWith(() => new D.Exponential(1).cdf(-1), L.ArgumentError, 'Exponential.cdf', 'support');
    throwsWith(() => new D.Uniform(0, 1).logProb(t([0.5, 1.5])), L.ArgumentError, 'Uniform.logProb', 'interval [low, high]', '1.5');
    throwsWith(() => new D.Bernoulli(0.5).logProb(0.5), L.ArgumentError, 'Bernoulli.logProb', 'boolean');
    throwsWith(() => new D.Categorical(t([0.2, 0.8])).logProb(L.tensor([2], { dtype: 'int32' })), L.ArgumentError, 'Categorical.logProb', 'integerInterval {0, ..., 1}', '(2)');
    throwsWith(() => new D.Categorical(t([0.2, 0.8])).logProb(t([0.5])), L.ArgumentError, 'Categorical.logProb', 'integerInterval');
    throwsWith(() => new D.OneHotCategorical(t([0.2, 0.8])).logProb(t([1, 1])), L.ArgumentError, 'OneHotCategorical.logProb', 'oneHot', '[1, 1]');
    throwsWith(() => new D.LogNormal(0, 1).logProb(t([0])), L.ArgumentError, 'LogNormal.logProb', 'positive');
    throwsWith(() => new D.RelaxedBernoulli(1, t([0.5])).logProb(t([1.5])), L.ArgumentError, 'RelaxedBernoulli.logProb', 'unitInterval');
    throwsWith(() => new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: L.eye(2) }).logProb(t([0, NaN])), L.ArgumentError, 'MultivariateNormal.logProb', 'event', 'NaN');
  });

  it('icdf takes probabilities in [0, 1]', () => {
    throwsWith(() => new D.Normal(0, 1).icdf(1.5), L.ArgumentError, 'Normal.icdf', 'probability', 'unitInterval');
    throwsWith(() => new D.Laplace(0, 1).icdf(t([-0.1])), L.ArgumentError, 'Laplace.icdf', 'probability');
    throwsWith(() => new D.LogNormal(0, 1).icdf(2), L.ArgumentError, 'LogNormal.icdf', 'probability');
  });

  it('shapes that do not fit the event or the batch', () => {
    throwsWith(() => new D.Normal(t([0, 1]), 1).logProb(t([1, 2, 3])), L.ShapeError, 'Normal.logProb', 'float32[3]', 'batchShape + eventShape [2]');
    throwsWith(() => new D.MultivariateNormal(L.zeros([3]), { covarianceMatrix: L.eye(3) }).logProb(L.zeros([2])), L.ShapeError, 'MultivariateNormal.logProb', 'event shape [3]');
    throwsWith(() => new D.OneHotCategorical(t([0.2, 0.8])).logProb(t([1, 0, 0])), L.ShapeError, 'OneHotCategorical.logProb', 'event shape [2]');
    throwsWith(() => new D.Normal(0, 1).logProb('x' as unknown as number), L.ArgumentError, 'Normal.logProb', 'value', 'string');
  });

  it('sampleShape and expand', () => {
    throwsWith(() => new D.Normal(0, 1).sample([-1]), L.ArgumentError, 'Normal.sample', 'sampleShape', '[-1]');
    throwsWith(() => new D.Normal(0, 1).rsample(3 as unknown as number[]), L.ArgumentError, 'Normal.rsample', 'sampleShape');
    throwsWith(() => new D.Categorical(t([1, 1])).sample([1.5]), L.ArgumentError, 'Categorical.sample');
    throwsWith(() => new D.Normal(t([0, 1, 2]), 1).expand([2]), L.ShapeError, 'Normal.expand', '[3]', '[2]');
    throwsWith(() => new D.Normal(t([0, 1, 2]), 1).expand([]), L.ShapeError, 'Normal.expand');
    throwsWith(() => new D.Normal(0, 1).expand([2, -1]), L.ArgumentError, 'Normal.expand', 'batchShape');
  });

  it('methods a distribution does not have', () => {
    throwsWith(() => new D.Bernoulli(0.5).rsample(), D.NotImplementedError, 'Bernoulli.rsample', 'sample()');
    throwsWith(() => new D.Categorical(t([1, 1])).cdf(0), D.NotImplementedError, 'Categorical', 'cdf');
    throwsWith(() => new D.RelaxedBernoulli(1, 0.5).entropy(), D.NotImplementedError, 'RelaxedBernoulli', 'entropy');
    throwsWith(() => new D.Independent(new D.Bernoulli(t([0.5, 0.5])), 1).enumerateSupport(), D.NotImplementedError, 'Independent.enumerateSupport');
    expect(new D.Bernoulli(0.5).rsample).toBeDefined();
    expect(D.NotImplementedError.prototype).toBeInstanceOf(L.LatticeError);
  });
});

describe('klDivergence', () => {
  it('an unregistered pair names both distributions and how to register one', () => {
    throwsWith(() => D.klDivergence(new D.Normal(0, 1), new D.Bernoulli(0.5)), D.NotImplementedError,
      'klDivergence', 'p Normal and q Bernoulli', 'registerKl(Normal, Bernoulli');
    throwsWith(() => D.klDivergence(new D.RelaxedBernoulli(1, 0.5), new D.RelaxedBernoulli(1, 0.4)), D.NotImplementedError, 'p RelaxedBernoulli and q RelaxedBernoulli');
  });
  it('mismatched pairs of a registered kind', () => {
    throwsWith(() => D.klDivergence(new D.Independent(new D.Normal(L.zeros([2, 3]), 1), 1), new D.Independent(new D.Normal(L.zeros([2, 3]), 1), 2)),
      D.NotImplementedError, 'reinterpret 1 and 2');
    throwsWith(() => D.klDivergence(new D.Categorical(t([1, 1])), new D.Categorical(t([1, 1, 1]))), L.ShapeError, '2 categories', '3');
    throwsWith(() => D.klDivergence(new D.TransformedDistribution(new D.Normal(0, 1), [new D.ExpTransform()]),
      new D.TransformedDistribution(new D.Normal(0, 1), [new D.TanhTransform()])), D.NotImplementedError, 'different transforms');
    throwsWith(() => D.klDivergence(new D.MultivariateNormal(L.zeros([2]), { covarianceMatrix: L.eye(2) }),
      new D.MultivariateNormal(L.zeros([3]), { covarianceMatrix: L.eye(3) })), L.ShapeError, 'different event sizes');
    throwsWith(() => D.klDivergence(new D.Normal(t([0, 0]), 1), new D.Normal(t([0, 0, 0]), 1)), L.ShapeError);
  });
  it('arguments must be distributions; registerKl takes classes and a function', () => {
    throwsWith(() => D.klDivergence(new D.Normal(0, 1), 3 as unknown as D.Distribution), L.ArgumentError, 'klDivergence', 'q');
    throwsWith(() => D.registerKl(Object as unknown as D.DistributionClass, D.Normal, () => L.zeros([])), L.ArgumentError, 'registerKl', 'typeP');
    throwsWith(() => D.registerKl(D.Normal, D.Normal, 'f' as unknown as D.KlFunction<D.Normal, D.Normal>), L.ArgumentError, 'registerKl', 'fn');
  });
});
