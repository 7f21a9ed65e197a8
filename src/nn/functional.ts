/**
 * nn.functional: the stateless forms of the layers. The dropout family is defined
 * here; the rest are re-exported from their op files. Dropout masks are drawn with
 * `rand` from the Philox stream, so a seed gives the same mask on the native and
 * the reference backend.
 */
import type { PhiloxStream } from '../backend/philox';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { ge, mul } from '../ops/binary';
import { castTo } from '../ops/cast';
import { rand } from '../ops/creation';
import { reshape } from '../ops/shape';
import { assertFloatTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

export { layerNorm, batchNorm, groupNorm, type LayerNormOptions, type BatchNormOptions } from '../ops/norm';
export { instanceNorm, rmsNorm, localResponseNorm, type InstanceNormOptions, type LocalResponseNormOptions } from './norm-extra';
// The functional forms of the other layers live with their ops; nn.functional gathers them as torch.nn.functional does.
export { relu, leakyRelu, elu, gelu, silu, tanh, sigmoid, softplus } from '../ops/unary';
export { softmax, logSoftmax } from '../ops/softmax';
export { conv1d, conv2d, convTranspose2d } from '../ops/conv';
export { pad, type PadMode, type PadOptions } from '../ops/pad';
export { interpolate, type InterpolateMode, type InterpolateOptions } from '../ops/interpolate';
export { affineGrid, gridSample, type GridSampleOptions } from '../ops/grid-sample';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/pool';
export { maxUnpool2d, adaptiveMaxPool2d } from '../ops/pool-max-extra';
export { conv3d, convTranspose3d } from '../ops/conv3d';
export { maxPool3d, avgPool3d, adaptiveAvgPool3d, adaptiveMaxPool3d } from '../ops/pool3d';
export { scaledDotProductAttention, causalMask, type ScaledDotProductAttentionOptions } from './attention';
export { selu, celu, mish, hardswish, hardsigmoid, hardtanh, softsign, logSigmoid, tanhshrink, softshrink, hardshrink, threshold, glu, softmin, prelu, alphaDropout } from './activations-extra';
export { pixelShuffle, pixelUnshuffle, bilinear, cosineSimilarity, pairwiseDistance, dropout1d, type CosineSimilarityOptions, type PairwiseDistanceOptions } from './functional-extra';
export { channelShuffle, convTranspose1d, type ConvTranspose1dOptions } from './functional-extra';
export { adaptiveMaxPool1d, lpPool1d, lpPool2d, type LPPool1dOptions, type LPPool2dOptions } from './pool-extra';
export { embeddingBag, type EmbeddingBagOptions, type EmbeddingBagMode } from './embedding-bag';
export { unfold, fold, type FoldOptions, type Pair2d } from './fold';
export * from './functional-common';

/** Training flag and generator of the dropout functions. @example `dropout(x, 0.1, { training: true })` */
export interface DropoutOptions {
  /** Apply the dropout (default true); false returns x unchanged, as in eval mode. */
  training?: boolean;
  /** Draw the mask from this stream instead of the global one. */
  generator?: PhiloxStream;
}

function checkP(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: p must be a probability in [0, 1], got ${fmtArg(p)}`);
  return p;
}

function checkFloatInput(op: string, x: Tensor): void {
  assertFloatTensor(op, 'x', x);
}

/** Masks up to this many values are made in one loop (maskedScale); larger ones by ops. */
const SMALL_MASK = 4096;

/**
 * x · m / (1 - p) with m ~ Bernoulli(1 - p) drawn for a tensor of `maskShape`
 * (broadcast over x): kept values are scaled so that E[output] = x.
 */
function maskedScale(x: Tensor, p: number, maskShape: number[], generator: PhiloxStream | undefined): Tensor {
  if (p === 1) return mul(x, 0);
  // Drawn on x's device: on cuda the device's Philox kernel gives the cpu's numbers.
  const u = rand(maskShape, { dtype: x.dtype as 'float32' | 'float64', generator, device: x.device });
  const n = u.size;
  if (x.device === 'cpu' && n <= SMALL_MASK) {
    // A small mask (stochastic depth's one value per sample) is made in one loop over u's own
    // buffer: the four ops below cost ~20 us per call in dispatch and temporaries, for a few
    // hundred values. The values are theirs: p and 1/(1-p) rounded to x's dtype as a scalar
    // operand is, kept where u >= p.
    const round = x.dtype === 'float32' ? Math.fround : (v: number): number => v;
    const threshold = round(p), scale = round(1 / (1 - p));
    const m = u.values as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) m[i] = m[i] >= threshold ? scale : 0;
    return mul(x, u);
  }
  // Keep where u >= p, which happens with probability 1 - p.
  const mask = mul(castTo(ge(u, p), x.dtype), 1 / (1 - p));
  return mul(x, mask);
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) (identity when not training).
 * @example `nn.functional.dropout(x, 0.1, { training: model.training })`
 */
export function dropout(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  checkFloatInput('dropout', x);
  checkP('dropout', p);
  if (opts?.training === false || p === 0) return x;
  return maskedScale(x, p, x.shape, opts?.generator);
}

/**
 * Zeroes whole channels: x is [N, C, H, W] (or unbatched [C, H, W]); each (n, c) plane is
 * dropped with probability p, the rest scaled by 1/(1-p).
 * @example `nn.functional.dropout2d(features, 0.2)`
 */
export function dropout2d(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  checkFloatInput('dropout2d', x);
  checkP('dropout2d', p);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: x must be [N, C, H, W] or [C, H, W], got ${x.describe()}`);
  if (opts?.training === false || p === 0) return x;
  return maskedScale(x, p, [...x.shape.slice(0, x.ndim - 2), 1, 1], opts?.generator);
}

/**
 * Zeroes whole channels of volumes: x is [N, C, D, H, W] (or unbatched [C, D, H, W]); each
 * (n, c) volume is dropped with probability p, the rest scaled by 1/(1-p). The mask is
 * dropout2d's on x viewed as [N, C, D·H, W] (one draw per channel, the same numbers).
 * @example `nn.functional.dropout3d(clipFeatures, 0.2)`
 */
export function dropout3d(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  checkFloatInput('dropout3d', x);
  checkP('dropout3d', p);
  if (x.ndim !== 4 && x.ndim !== 5) throw new ShapeError(`dropout3d: x must be [N, C, D, H, W] or [C, D, H, W], got ${x.describe()}`);
  if (opts?.training === false || p === 0) return x;
  const [d, h, w] = x.shape.slice(-3);
  return reshape(dropout2d(reshape(x, [...x.shape.slice(0, -3), d * h, w]), p, opts), x.shape);
}

/** Stochastic depth drops each row ('row') or the whole batch ('batch'). @example `stochasticDepth(x, 0.1, 'row')` */
export type StochasticDepthMode = 'row' | 'batch';

/**
 * Stochastic depth (Huang et al. 2016), for residual branches: 'row' drops the whole
 * sample (each of dim 0 independently), 'batch' the whole batch at once, with probability
 * p; survivors are scaled by 1/(1-p).
 * @example `x.add(nn.functional.stochasticDepth(branch, 0.1, 'row'))`
 */
export function stochasticDepth(x: Tensor, p: number, mode: StochasticDepthMode = 'row', opts?: DropoutOptions): Tensor {
  checkFloatInput('stochasticDepth', x);
  checkP('stochasticDepth', p);
  if (mode !== 'row' && mode !== 'batch') throw new ArgumentError(`stochasticDepth: mode must be 'row' or 'batch', got '${fmtArg(mode)}'`);
  if (x.ndim === 0) throw new ShapeError(`stochasticDepth: x needs a batch dim, got ${x.describe()}`);
  if (opts?.training === false || p === 0) return x;
  const shape = x.shape.map((s, i) => (mode === 'row' && i === 0 ? s : 1));
  return maskedScale(x, p, shape, opts?.generator);
}
