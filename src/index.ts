/**
 * Lattice: tensors, autograd and training for Node.js and Electron.
 * @packageDocumentation
 * @example
 * import { tensor, randn, manualSeed, backendInfo } from 'lattice-ml';
 * manualSeed(0);
 * const x = randn([2, 3], { requiresGrad: true });
 * x.square().sum().backward();
 */
import './ops/methods';
import './autograd/methods';

export { Tensor } from './tensor/tensor';
export type { NestedArray, GradHook } from './tensor/tensor';
export type { DType, TypedArray, FloatArray } from './tensor/dtype';
export { memory, emptyCache } from './tensor/storage';
export { tidy, keep, dispose } from './tensor/tidy';
export {
  LatticeError, ShapeError, DTypeError, ArgumentError, BackendError, AnomalyError, AutogradError, DatasetError,
} from './errors';
export { backendInfo, setNumThreads, getNumThreads, setIsa, setGemmPath, type GemmPath } from './backend/index';
export { cudaInfo, cudaMemory, cudaEmptyCache, cudaSynchronize, type CudaStatus } from './backend/cuda/index';
export type { CudaMemoryInfo } from './backend/cuda/binding';
export { setFloat32MatmulPrecision, getFloat32MatmulPrecision, type Float32MatmulPrecision } from './backend/cuda/precision';
export type { Device } from './tensor/device';
export { manualSeed, getDefaultGenerator, initialSeed, PhiloxStream } from './backend/philox';

export {
  tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, randint,
  type CreateOptions, type RandomOptions,
} from './ops/creation';
export {
  neg, abs, sign, exp, expm1, log, log1p, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, erf,
  relu, leakyRelu, elu, gelu, silu, softplus, clamp, floor, ceil, round, logicalNot,
} from './ops/unary';
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, where,
  type TensorLike,
} from './ops/binary';
export {
  sum, mean, prod, logsumexp, max, min, amax, amin, argmax, argmin, variance, variance as var_, std, norm,
  type ReduceOptions, type VarOptions, type ValuesIndices,
} from './ops/reduce';
export { softmax, logSoftmax } from './ops/softmax';
export { matmul } from './ops/matmul';
export { conv1d, conv2d, convTranspose2d, type Conv1dOptions, type Conv2dOptions, type ConvTranspose2dOptions } from './ops/conv';
export { convAlgorithm, conv2dRelu, type ConvAlgorithmChoice, type ConvAlgorithmQuery } from './ops/conv';
export { conv3d, convTranspose3d, type Conv3dOptions, type ConvTranspose3dOptions } from './ops/conv3d';
export { maxPool3d, avgPool3d, adaptiveAvgPool3d, adaptiveMaxPool3d, type MaxPool3dOptions, type AvgPool3dOptions, type AdaptiveSize3d } from './ops/pool3d';
export type { Triple } from './ops/volumetric-args';
export { getConvAlgorithm, setConvAlgorithm, type ConvAlgorithmMode, type ConvAlgorithmName, type ConvAlgorithmReason, type ConvPass } from './ops/conv-algorithm';
export { pad, type PadMode, type PadOptions } from './ops/pad';
export { interpolate, type InterpolateMode, type InterpolateOptions } from './ops/interpolate';
export { affineGrid, gridSample, type GridSampleOptions } from './ops/grid-sample';
export {
  maxPool1d, maxPool2d, maxPool2dRelu, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d,
  type MaxPool1dOptions, type MaxPool2dOptions, type AvgPool1dOptions, type AvgPool2dOptions,
} from './ops/pool';
export { maxUnpool2d, adaptiveMaxPool2d, type MaxUnpool2dOptions } from './ops/pool-max-extra';
export {
  reshape, view, flatten, squeeze, unsqueeze, expand, permute, transpose, narrow, cat, stack, split, chunk, contiguous, clone,
} from './ops/shape';
export { to } from './ops/cast';
export { indexSelect, gather, scatterAdd, indexAdd } from './ops/indexing';
export { add_, sub_, mul_, div_, copy_, fill_, zero_ } from './ops/inplace';
export { cumsum, cumprod, type ScanOptions } from './ops/scan';
export { flip, roll, tril, triu } from './ops/rearrange';
export { sort, argsort, topk, type SortOptions, type TopkOptions } from './ops/order';
export { einsum } from './ops/einsum';
export { outer, kron, tensordot, diagonal, diag, trace, cdist, type CdistOptions, type CdistComputeMode } from './ops/linalg-basic';
export {
  lerp, addcmul, addcdiv, logaddexp, logit, xlogy, trunc, frac, fmod, remainder, floorDivide,
  isnan, isinf, isfinite, nanToNum, maskedFill, isclose, allclose, equal,
  type AddcOptions, type NanToNumOptions, type IscloseOptions,
} from './ops/elementwise-extra';
export { lgamma, digamma, polygamma, mvlgamma, erfc, erfinv, i0, sinc, atan, gammainc as igamma, gammaincc as igammac, special } from './ops/special';
export {
  repeat, tile, repeatInterleave, broadcastShapes, broadcastTo, broadcastTensors, expandAs, meshgrid, movedim, unflatten,
  type MeshgridOptions,
} from './ops/shape-extra';

export { backward, grad, noGrad, enableGrad, isGradEnabled, detach, retainGrad, registerHook } from './autograd/api';
export type { BackwardOptions, GradOptions } from './autograd/api';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './autograd/gradcheck';
export { detectAnomaly } from './autograd/anomaly';
export { customOp, type CustomOpSpec } from './autograd/custom';
export { checkpoint, type CheckpointOptions } from './autograd/checkpoint';
export { vjp, jvp, jacobian, hessian, hvp, vhp } from './autograd/functional';
export type { Tensors, TensorsLike, FunctionalFn, JacobianOf, HessianOf, FunctionalOptions, JacobianOptions, HessianOptions } from './autograd/functional';

export {
  crossEntropy, nllLoss, mseLoss, l1Loss, huberLoss, smoothL1Loss, bceLoss, bceWithLogits, klDiv,
  cosineEmbeddingLoss, marginRankingLoss, softDiceLoss, softIoULoss, ctcLoss, ctcGreedyDecode, ctcBeamSearch,
} from './losses/index';
export * as losses from './losses/index';

export * as nn from './nn/index';
export * as models from './models/index';
export * as optim from './optim/index';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './optim/clip';
export * as data from './data/index';
export * as train from './train/index';
export * as drift from './drift/index';
export * as privacy from './privacy/index';
export * as gan from './gan/index';
export * as ood from './ood/index';
export * as motifs from './motifs/index';
export * as pinn from './pinn/index';
export * as distributions from './distributions/index';
export * as linalg from './ops/linalg';
export * as func from './func/index';
export { fit, evaluate, predict, diagnose, lrFinder, saveSafetensors as save, loadSafetensors as load } from './train/index';
