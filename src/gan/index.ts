/**
 * gan: adversarial training. The min-max loop with separate optimizers and
 * step ratios (GanTrainer), the losses (minimax, non-saturating, hinge,
 * Wasserstein), the critic regularisers (WGAN-GP gradient penalty, R1, weight
 * clipping; spectral normalisation is `nn.utils.spectralNorm`), a monitor of
 * both players, and the evaluation helpers (mode coverage on Gaussian
 * mixtures, the Fréchet distance on features).
 * @example
 * import { gan, nn, optim, randn } from 'lattice-ml';
 * const G = new nn.Sequential(new nn.Linear(2, 64), new nn.ReLU(), new nn.Linear(64, 2));
 * const D = new nn.Sequential(new nn.Linear(2, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 1));
 * const trainer = new gan.GanTrainer({ generator: G, discriminator: D, batchSize: 128,
 *   gOptimizer: new optim.Adam(G.parameters(), { lr: 1e-4 }), dOptimizer: new optim.Adam(D.parameters(), { lr: 4e-4 }),
 *   sampleReal: (n) => gan.ringOfGaussians(n), sampleLatent: (n) => randn([n, 2]) });
 * trainer.fit(1000);
 */
export { discriminatorLoss, generatorLoss, GAN_LOSS_KINDS, type GanLossKind } from './losses';
export { gradientPenalty, r1Penalty, clipWeights, type Critic, type GradientPenaltyOptions } from './penalties';
export { GanTrainer, type GanTrainerOptions, type GanStepLogs } from './trainer';
export { GanMonitor, type GanMonitorOptions } from './monitor';
export { ringCenters, ringOfGaussians, modeCoverage, type RingOptions, type ModeCoverageOptions, type ModeCoverage } from './mode-coverage';
export { featureStatistics, frechetDistance, type FeatureStatistics } from './frechet';
