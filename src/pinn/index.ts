/**
 * Physics-informed neural networks: derivatives of a network's output with
 * respect to its inputs (cached, any order), domains and collocation sampling,
 * boundary/initial/residual loss terms, loss weighting, input normalisation,
 * the Adam -> L-BFGS schedule, and the Burgers reference solution.
 * @example
 * import { pinn } from 'lattice-ml';
 * const omega = new pinn.Rectangle([0, 0], [1, 1]);
 * const net = pinn.mlp([2, 32, 32, 1], { normalize: omega });
 * const pde = pinn.residual(omega.sampleInterior(2000), (u, x) => pinn.laplacian(u, x).add(f(x)));
 * pinn.train(net, [pde, pinn.dirichlet(omega.sampleBoundary(400).points, 0)], { adam: { steps: 1000 }, lbfgs: { maxIter: 2000 } });
 */
export { Derivatives, derivatives, partial, gradient, jacobian, divergence, laplacian, hessian, type PartialOptions } from './derivatives';
export { uniformPoints, latinHypercube, sobolPoints, unitCubePoints, SOBOL_MAX_DIM, type SampleOptions, type SamplingMethod } from './sampling';
export { Domain, Rectangle, Interval, Disk, TimeSpace, type PointOptions, type BoundarySample } from './domains';
export {
  residual, dirichlet, neumann, periodic, initial, observations, evaluate, ResidualTerm, type Field, type Target, type Term,
} from './conditions';
export { AnnealedWeights, weightOf, type AnnealingOptions, type LossWeights } from './weights';
export { InputNormalization, mlp, type MlpOptions } from './network';
export { train, type TrainOptions, type TrainResult, type TrainLogEntry, type AdamPhase, type LbfgsPhase } from './train';
export { rar, type RarOptions } from './rar';
export { gaussHermite, burgersReference, burgersReferenceGrid, type BurgersReferenceOptions } from './burgers-reference';
export { heatmapSvg, type HeatmapOptions } from './plot';
