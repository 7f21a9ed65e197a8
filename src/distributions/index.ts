/**
 * Probability distributions and KL divergences, as torch.distributions: sampling (reproducible
 * with manualSeed), reparameterised sampling for gradients, log-probabilities, moments, cdf/icdf,
 * entropy and klDivergence with a registry of closed forms. Written with ops, so autograd
 * differentiates every method in the parameters.
 * @example
 * import { distributions as D, manualSeed, tensor } from 'lattice-ml';
 * manualSeed(0);
 * const q = new D.Normal(tensor([0.5, -1]), tensor([1, 0.3]));
 * const z = q.rsample([16]);                       // [16, 2], differentiable in loc and scale
 * const kl = D.klDivergence(q, new D.Normal(0, 1)); // [2]
 */
export { Distribution, NotImplementedError, type DistributionOptions } from './distribution';
export { constraints, type Constraint } from './constraints';
export { Normal } from './normal';
export { Uniform } from './uniform';
export { Bernoulli } from './bernoulli';
export { Categorical } from './categorical';
export { OneHotCategorical, OneHotCategoricalStraightThrough } from './one-hot-categorical';
export { Laplace } from './laplace';
export { Exponential } from './exponential';
export { Gumbel } from './gumbel';
export { LogNormal } from './log-normal';
export { RelaxedBernoulli, LogitRelaxedBernoulli } from './relaxed-bernoulli';
export { Independent } from './independent';
export { MultivariateNormal, type MultivariateNormalOptions } from './multivariate-normal';
export { TransformedDistribution } from './transformed';
export {
  Transform, InverseTransform, ExpTransform, AffineTransform, SigmoidTransform, TanhTransform, type AffineTransformOptions,
} from './transforms';
export { Gamma } from './gamma';
export { Chi2 } from './chi2';
export { Beta } from './beta';
export { Dirichlet } from './dirichlet';
export { StudentT } from './student-t';
export { Poisson } from './poisson';
export { Binomial } from './binomial';
export { Geometric } from './geometric';
export { Cauchy } from './cauchy';
export { FoldedDistribution } from './folded';
export { HalfNormal } from './half-normal';
export { HalfCauchy } from './half-cauchy';
export { VonMises } from './von-mises';
export { klDivergence, registerKl, type DistributionClass, type KlFunction } from './kl';
import './kl-gamma';
export type { ProbsOrLogits } from './probs-logits';
export type { Param } from './utils';
