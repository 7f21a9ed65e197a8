/**
 * privacy: differentially private training. Accountants (RDP and PRV) that turn DP-SGD
 * steps into (ε, δ), per-sample gradients, ghost clipping and makePrivate.
 * @example
 * import { privacy } from 'lattice-ml';
 * const acc = new privacy.RdpAccountant();
 * acc.step({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 });
 * acc.getEpsilon(1e-5); // ≈ 2.59 (Opacus's conversion)
 */
export { computeRdp, rdpToEpsilon, DEFAULT_ORDERS, type RdpConversion } from './rdp';
export { prvEpsilon, type MechanismPhase } from './prv';
export { RdpAccountant, PrvAccountant, createAccountant, noiseForTarget, type Accountant } from './accountant';
export { perSampleGrads, GradSampleHooks, type LayerCall } from './grad-sample';
export { clipAndSum, type ClipOptions, type ClipResult, type NormMode } from './clip';
export { makePrivate, DPOptimizer, type MakePrivateOptions, type PrivateTraining } from './engine';
export { PoissonDataLoader, type PoissonOptions } from './poisson';
export { NoiseSource } from './noise';
export { measureModes } from './modes';
export { PrivacyCallback } from './callback';
