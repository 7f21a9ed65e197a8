/**
 * nn.utils: helpers that modify existing layers (spectral and weight normalisation), fine-tuning helpers
 * (replaceHead, layer-wise learning-rate groups), a module's deep copy, parameters as one vector,
 * activation checkpointing of a chain of modules (checkpointSequential), and
 * variable-length sequences for the recurrent layers (`nn.utils.rnn`: padSequence, packPaddedSequence, ...),
 * parametrizations (`nn.utils.parametrize`: registerParametrization, removeParametrizations, cached) and
 * weight and spectral normalisation built on them (`nn.utils.parametrizations`).
 * @example
 * import { nn } from 'lattice-ml';
 * const critic = new nn.Sequential(nn.utils.spectralNorm(new nn.Linear(2, 64)), new nn.LeakyReLU(0.2));
 */
export { spectralNorm, removeSpectralNorm, type SpectralNormOptions } from './spectral-norm';
export { weightNorm, removeWeightNorm, type WeightNormOptions } from './weight-norm';
export { replaceHead, layerwiseLrGroups, type LrParamGroup, type LayerwiseLrOptions } from './fine-tune';
export { deepCopy } from './deep-copy';
export { parametersToVector, vectorToParameters } from './param-vector';
export { checkpointSequential, type CheckpointSequentialOptions, type SequentialStep } from './checkpoint-sequential';
export * as rnn from './rnn';
export * as prune from './prune';
export * as parametrize from './parametrize';
export * as parametrizations from './parametrizations';
