/**
 * The functional forms of instance, RMS and local response normalisation (torch.nn.functional's
 * instance_norm, rms_norm and local_response_norm), composed from existing ops so autograd
 * differentiates them (twice, too).
 *
 * instanceNorm is PyTorch's own construction: x [N, C, *] is viewed as [1, N·C, *] and batch-
 * normalised (the fused batchNorm op) with the affine parameters and running statistics repeated
 * N times; the running statistics then take the mean of their N updated copies. So the values,
 * the gradients and the running-statistics update (momentum, unbiased variance) are PyTorch's.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape, fmtValue } from '../errors';
import { add, div, mul, pow } from '../ops/binary';
import { zeros } from '../ops/creation';
import { copy_ } from '../ops/inplace';
import { batchNorm } from '../ops/norm';
import { avgPool2d } from '../ops/pool';
import { mean } from '../ops/reduce';
import { cat, expand, reshape } from '../ops/shape';
import { rsqrt, square } from '../ops/unary';
import { assertFloatTensor, assertTensor } from '../ops/util';
import { shapesEqual, sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { finiteOption } from './layers/common';

type Float = 'float32' | 'float64';

function checkFloatInput(op: string, x: Tensor): Float {
  assertFloatTensor(op, 'x', x);
  return x.dtype as Float;
}


/** A per-channel tensor argument: [C], float; with `dtype`, of that dtype. */
function perChannel(op: string, name: string, t: Tensor | null | undefined, C: number, x: Tensor, dtype?: Float): Tensor | null {
  if (t === undefined || t === null) return null;
  assertTensor(op, name, t);
  if (!shapesEqual(t.shape, [C])) throw new ShapeError(`${op}: ${name} is ${t.describe()} but x ${x.describe()} has ${C} channels (dim 1); it must be ${fmtShape([C])}`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.describe()}`);
  if (dtype && t.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${t.describe()} but x is ${dtype}; use one dtype`);
  return t;
}

// ---------------------------------------------------------------- InstanceNorm

/**
 * Statistics, affine parameters and mode of `instanceNorm` (torch.nn.functional.instance_norm).
 * @example `instanceNorm(x, { weight: gamma, bias: beta, eps: 1e-3 })`
 */
export interface InstanceNormOptions {
  /** Running mean [C]: updated in place when useInputStats, read instead of the input's statistics otherwise. */
  runningMean?: Tensor | null;
  /** Running (unbiased) variance [C], with runningMean. */
  runningVar?: Tensor | null;
  /** Per-channel scale [C]. */
  weight?: Tensor | null;
  /** Per-channel shift [C]. */
  bias?: Tensor | null;
  /** Normalise with each instance's own statistics (default true); false: with runningMean and runningVar. */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Instance normalisation of x [N, C, *]: each sample's channel is normalised over its spatial
 * dims with its own mean and biased variance, then the per-channel affine is applied. With
 * `runningMean`/`runningVar` and useInputStats, these are updated in place as PyTorch does:
 * running = (1 - momentum) · running + momentum · (statistic averaged over the batch), the
 * variance being the unbiased one (L / (L - 1), L the spatial size). With useInputStats false,
 * x is normalised with the running statistics instead.
 * @example
 * const y = instanceNorm(x, { weight: gamma, bias: beta }); // x [N, C, H, W]
 */
export function instanceNorm(x: Tensor, opts?: InstanceNormOptions): Tensor {
  const op = 'instanceNorm';
  const dtype = checkFloatInput(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must be [N, C, *], got ${x.describe()}`);
  const N = x.shape[0], C = x.shape[1], spatial = x.shape.slice(2);
  const useInputStats = opts?.useInputStats ?? true;
  if (typeof useInputStats !== 'boolean') throw new ArgumentError(`${op}: useInputStats must be a boolean, got ${fmtArg(useInputStats)}`);
  const momentum = opts?.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new ArgumentError(`${op}: momentum must be in [0, 1], got ${fmtArg(momentum)}`);
  const eps = finiteOption(op, 'eps', opts?.eps ?? 1e-5, 0);
  const rm = perChannel(op, 'runningMean', opts?.runningMean, C, x);
  const rv = perChannel(op, 'runningVar', opts?.runningVar, C, x);
  if ((rm === null) !== (rv === null)) throw new ArgumentError(`${op}: give both runningMean and runningVar, or neither`);
  if (!useInputStats && !rm) throw new ArgumentError(`${op}: useInputStats false needs runningMean and runningVar`);
  const w = perChannel(op, 'weight', opts?.weight, C, x, dtype);
  const b = perChannel(op, 'bias', opts?.bias, C, x, dtype);
  if (useInputStats && sizeOf(spatial) <= 1) {
    throw new ShapeError(`${op}: expected more than 1 spatial element when using the input's statistics, got x ${x.describe()}`);
  }
  // Each (sample, channel) pair a channel of one batch: [1, N·C, *].
  const repeat = (t: Tensor | null): Tensor | null => (t ? reshape(expand(reshape(t, [1, C]), [N, C]), [N * C]) : null);
  const rmN = noGrad(() => repeat(rm)), rvN = noGrad(() => repeat(rv));
  const y = batchNorm(reshape(x, [1, N * C, ...spatial]), rmN, rvN, repeat(w), repeat(b), { training: useInputStats, momentum, eps });
  if (useInputStats && rm && rv && N > 0) {
    noGrad(() => {
      copy_(rm, mean(reshape(rmN!, [N, C]), 0));
      copy_(rv, mean(reshape(rvN!, [N, C]), 0));
    });
  }
  return reshape(y, x.shape);
}

// ---------------------------------------------------------------- RMSNorm

/** torch.finfo(dtype).eps: the default eps of rmsNorm. @example `machineEps('float32') // 2 ** -23` */
export function machineEps(dtype: Float): number {
  return dtype === 'float32' ? 2 ** -23 : 2 ** -52;
}

/** normalizedShape as a list of positive sizes (a number is one dim). */
export function normalizedShapeArg(op: string, normalizedShape: unknown): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new ArgumentError(`${op}: normalizedShape must be a positive size or a non-empty list of them, got ${fmtValue(normalizedShape)}`);
  }
  return shape.slice() as number[];
}

/**
 * Root mean square normalisation (torch.nn.functional.rms_norm, Zhang & Sennrich 2019) over the
 * last dims given by `normalizedShape`: y = x / √(mean(x²) + eps) · weight. No centring, no bias.
 * eps null or omitted is the machine epsilon of x's dtype (torch.finfo(dtype).eps: 2⁻²³ for
 * float32, 2⁻⁵² for float64), as PyTorch.
 * @example
 * const y = rmsNorm(x, [512], gamma);      // x [B, T, 512]
 * const z = rmsNorm(x, [512], null, 1e-6);
 */
export function rmsNorm(x: Tensor, normalizedShape: number | number[], weight?: Tensor | null, eps?: number | null): Tensor {
  const op = 'rmsNorm';
  const dtype = checkFloatInput(op, x);
  const shape = normalizedShapeArg(op, normalizedShape);
  const k = shape.length;
  if (x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape)) {
    throw new ShapeError(`${op}: normalizedShape ${fmtShape(shape)} does not match the last ${k} dim(s) of x ${x.describe()}`);
  }
  const e = eps === undefined || eps === null ? machineEps(dtype) : finiteOption(op, 'eps', eps, 0);
  let w: Tensor | null = null;
  if (weight !== undefined && weight !== null) {
    assertTensor(op, 'weight', weight);
    if (!shapesEqual(weight.shape, shape)) throw new ShapeError(`${op}: weight is ${weight.describe()} but must be normalizedShape ${fmtShape(shape)}`);
    if (weight.dtype !== dtype) throw new DTypeError(`${op}: weight is ${weight.describe()} but x is ${dtype}; use one dtype`);
    w = weight;
  }
  const dims = shape.map((_, i) => x.ndim - k + i);
  const y = mul(x, rsqrt(add(mean(square(x), dims, { keepdim: true }), e)));
  return w ? mul(y, w) : y;
}

// ---------------------------------------------------------------- LocalResponseNorm

/** alpha, beta and k of `localResponseNorm`. @example `localResponseNorm(x, 5, { alpha: 1e-4, beta: 0.75, k: 2 })` */
export interface LocalResponseNormOptions {
  /** Scale of the windowed mean of squares (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Additive constant (default 1). */
  k?: number;
}

/**
 * Local response normalisation across channels (torch.nn.functional.local_response_norm,
 * AlexNet's): x [N, C, *] with at least 3 dims,
 * y_c = x_c / (k + alpha · mean of x_j² over the window of `size` channels around c)^beta.
 * As PyTorch, the window of channel c is [c - ⌊size/2⌋, c + ⌊(size-1)/2⌋], zero-padded at the
 * ends and always divided by `size` (an average pool over the padded squares).
 * @example
 * const y = localResponseNorm(x, 5, { alpha: 1e-4, beta: 0.75, k: 2 }); // x [N, C, H, W]
 */
export function localResponseNorm(x: Tensor, size: number, opts?: LocalResponseNormOptions): Tensor {
  const op = 'localResponseNorm';
  const dtype = checkFloatInput(op, x);
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) throw new ArgumentError(`${op}: size must be a positive integer, got ${fmtArg(size)}`);
  const alpha = finiteOption(op, 'alpha', opts?.alpha ?? 1e-4);
  const beta = finiteOption(op, 'beta', opts?.beta ?? 0.75);
  const k = finiteOption(op, 'k', opts?.k ?? 1);
  if (x.ndim < 3) throw new ShapeError(`${op}: x must be [N, C, *] with 3 or more dims, got ${x.describe()}`);
  if (x.size === 0) return x;
  const N = x.shape[0], C = x.shape[1], S = x.size / (N * C);
  // The squares as [N, 1, C, S], zero-padded along C, then averaged over windows of size channels.
  let sq = reshape(square(x), [N, 1, C, S]);
  const before = Math.floor(size / 2), after = Math.floor((size - 1) / 2);
  const zerosOf = (n: number): Tensor[] => (n > 0 ? [zeros([N, 1, n, S], { dtype, device: x.device })] : []);
  if (before + after > 0) sq = cat([...zerosOf(before), sq, ...zerosOf(after)], 2);
  const avg = avgPool2d(sq, [size, 1], { stride: 1 });
  const denom = pow(add(mul(avg, alpha), k), beta);
  return div(x, reshape(denom, x.shape));
}
