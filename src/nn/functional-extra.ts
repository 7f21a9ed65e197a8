/**
 * More of torch.nn.functional: pixelShuffle / pixelUnshuffle, channelShuffle, bilinear,
 * cosineSimilarity, pairwiseDistance, dropout1d and convTranspose1d, composed from existing ops
 * (reshape, permute, matmul, norm, convTranspose2d, the elementwise ops), so autograd
 * differentiates them, twice too. Each follows PyTorch 2.x's formula, defaults and argument
 * checks; the modules in nn/layers/misc.ts, channel.ts and conv-transpose1d.ts wrap them.
 *
 * The `…Named` forms take the name errors should carry (the module's, when a module calls).
 */
import { detach } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape } from '../errors';
import { add, div, ge, mul, sub, where } from '../ops/binary';
import { castTo } from '../ops/cast';
import { convTranspose2d } from '../ops/conv';
import { rand } from '../ops/creation';
import { matmul } from '../ops/matmul';
import { norm, sum } from '../ops/reduce';
import { expand, permute, reshape } from '../ops/shape';
import { assertFloatTensor, assertTensor } from '../ops/util';
import { broadcastShapes, normalizeDim, shapesEqual, sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { DropoutOptions } from './functional';


function sameDtype(op: string, a: [string, Tensor], b: [string, Tensor]): void {
  if (a[1].dtype !== b[1].dtype) throw new DTypeError(`${op}: ${a[0]} is ${a[1].describe()} but ${b[0]} is ${b[1].describe()}; convert one (e.g. ${b[0]}.to('${a[1].dtype}'))`);
}

function factorArg(op: string, name: string, r: unknown): number {
  if (typeof r !== 'number' || !Number.isInteger(r) || r <= 0) throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${fmtArg(r)}`);
  return r;
}

// ---------------------------------------------------------------- pixel shuffle

/** @internal pixelShuffle with the name errors carry. */
export function pixelShuffleNamed(op: string, x: Tensor, upscaleFactor: number): Tensor {
  assertTensor(op, 'x', x);
  const r = factorArg(op, 'upscaleFactor', upscaleFactor);
  if (x.ndim < 3) throw new ShapeError(`${op}: x must be [*, C, H, W] (at least 3 dims), got ${x.describe()}`);
  const [c, h, w] = x.shape.slice(-3);
  if (c % (r * r) !== 0) {
    throw new ShapeError(`${op}: the channel dim of ${x.describe()} is ${c}, which is not divisible by upscaleFactor² = ${r * r}`);
  }
  const lead = x.shape.slice(0, -3), oc = c / (r * r);
  // [B, C/r², r, r, H, W] -> [B, C/r², H, r, W, r]: output pixel (h·r + i, w·r + j) reads channel (c·r + i)·r + j.
  const y = permute(reshape(x, [sizeOf(lead), oc, r, r, h, w]), [0, 1, 4, 2, 5, 3]);
  return reshape(y, [...lead, oc, h * r, w * r]);
}

/**
 * Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (sub-pixel convolution, Shi et al. 2016):
 * output pixel (h·r + i, w·r + j) of channel c is input channel c·r² + i·r + j at (h, w).
 * Any number of leading dims (batched [N, C, H, W] or unbatched [C, H, W]), any dtype.
 * @example `pixelShuffle(conv.call(x), 2)` maps [N, 4·C, H, W] to [N, C, 2H, 2W]
 */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  return pixelShuffleNamed('pixelShuffle', x, upscaleFactor);
}

/** @internal pixelUnshuffle with the name errors carry. */
export function pixelUnshuffleNamed(op: string, x: Tensor, downscaleFactor: number): Tensor {
  assertTensor(op, 'x', x);
  const r = factorArg(op, 'downscaleFactor', downscaleFactor);
  if (x.ndim < 3) throw new ShapeError(`${op}: x must be [*, C, H, W] (at least 3 dims), got ${x.describe()}`);
  const [c, h, w] = x.shape.slice(-3);
  if (h % r !== 0 || w % r !== 0) {
    throw new ShapeError(`${op}: the height ${h} and width ${w} of ${x.describe()} must both be divisible by downscaleFactor ${r}`);
  }
  const lead = x.shape.slice(0, -3), oh = h / r, ow = w / r;
  const y = permute(reshape(x, [sizeOf(lead), c, oh, r, ow, r]), [0, 1, 3, 5, 2, 4]);
  return reshape(y, [...lead, c * r * r, oh, ow]);
}

/**
 * The inverse of pixelShuffle: [*, C, H·r, W·r] into [*, C·r², H, W].
 * @example `pixelUnshuffle(x, 2)` maps [N, 3, 64, 64] to [N, 12, 32, 32]
 */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  return pixelUnshuffleNamed('pixelUnshuffle', x, downscaleFactor);
}

/** @internal channelShuffle with the name errors carry. */
export function channelShuffleNamed(op: string, x: Tensor, groups: number): Tensor {
  assertTensor(op, 'x', x);
  const g = factorArg(op, 'groups', groups);
  if (x.ndim < 3) throw new ShapeError(`${op}: x must be [N, C, *] (more than 2 dims), got ${x.describe()}`);
  const [n, c] = x.shape;
  if (c % g !== 0) throw new ShapeError(`${op}: the channel dim of ${x.describe()} is ${c}, which is not divisible by groups ${g}`);
  // [N, g, C/g, rest] -> [N, C/g, g, rest]: output channel j·g + i is input channel i·(C/g) + j.
  const rest = sizeOf(x.shape.slice(2));
  const y = permute(reshape(x, [n, g, c / g, rest]), [0, 2, 1, 3]);
  return reshape(y, x.shape);
}

/**
 * Splits the C channels of x [N, C, *] into `groups` groups and interleaves them (ShuffleNet,
 * Zhang et al. 2018): the channels [g0c0, g0c1, …, g1c0, …] become [g0c0, g1c0, …, g0c1, …].
 * Dim 1 is the channel dim, as in PyTorch; x needs more than 2 dims; any dtype.
 * @example `channelShuffle(x, 2)` maps channels [0, 1, 2, 3] to [0, 2, 1, 3]
 */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  return channelShuffleNamed('channelShuffle', x, groups);
}

// ---------------------------------------------------------------- bilinear

/** @internal bilinear with the name errors carry. */
export function bilinearNamed(op: string, x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertFloatTensor(op, 'x1', x1);
  assertFloatTensor(op, 'x2', x2);
  assertFloatTensor(op, 'weight', weight);
  sameDtype(op, ['x1', x1], ['x2', x2]);
  sameDtype(op, ['x1', x1], ['weight', weight]);
  if (weight.ndim !== 3) throw new ShapeError(`${op}: weight must be [out, in1, in2], got ${weight.describe()}`);
  const [out, in1, in2] = weight.shape;
  if (bias !== undefined && bias !== null) {
    assertFloatTensor(op, 'bias', bias);
    sameDtype(op, ['weight', weight], ['bias', bias]);
    if (bias.ndim !== 1 || bias.shape[0] !== out) throw new ShapeError(`${op}: bias must be [${out}] for weight ${weight.describe()}, got ${bias.describe()}`);
  }
  if (x1.ndim === 0 || x1.ndim !== x2.ndim) throw new ShapeError(`${op}: x1 and x2 must have the same number of dims (at least 1), got ${x1.describe()} and ${x2.describe()}`);
  const lead = x1.shape.slice(0, -1);
  if (!shapesEqual(lead, x2.shape.slice(0, -1))) throw new ShapeError(`${op}: the batch dims of x1 ${fmtShape(x1.shape)} and x2 ${fmtShape(x2.shape)} differ`);
  if (x1.shape[x1.ndim - 1] !== in1) throw new ShapeError(`${op}: x1 is ${x1.describe()} but weight ${weight.describe()} needs its last dim to be in1 = ${in1}`);
  if (x2.shape[x2.ndim - 1] !== in2) throw new ShapeError(`${op}: x2 is ${x2.describe()} but weight ${weight.describe()} needs its last dim to be in2 = ${in2}`);
  const rows = sizeOf(lead);
  // y[b, o] = Σ_j (Σ_i x1[b, i] W[o, i, j]) x2[b, j]: one GEMM [rows, in1] x [in1, out·in2], then a product with x2 summed over in2.
  const w = reshape(permute(weight, [1, 0, 2]), [in1, out * in2]);
  const t = reshape(matmul(reshape(x1, [rows, in1]), w), [rows, out, in2]);
  let y = sum(mul(t, reshape(x2, [rows, 1, in2])), 2);
  if (bias) y = add(y, bias);
  return reshape(y, [...lead, out]);
}

/**
 * Bilinear map y = x1ᵀ A x2 + b per output feature: y[…, o] = Σ_ij x1[…, i] W[o, i, j] x2[…, j] + b[o].
 * x1 is [*, in1], x2 [*, in2] with the same leading dims; weight [out, in1, in2], bias [out].
 * @example `bilinear(x1, x2, weight, bias)` maps [N, 3] and [N, 4] with weight [5, 3, 4] to [N, 5]
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return bilinearNamed('bilinear', x1, x2, weight, bias);
}

// ---------------------------------------------------------------- cosine similarity, pairwise distance

/** Options of `cosineSimilarity`. @example `{ dim: -1, eps: 1e-6 }` */
export interface CosineSimilarityOptions {
  /** The dim holding the vectors (default 1). */
  dim?: number;
  /** Each norm is clamped to at least eps (default 1e-8). */
  eps?: number;
}

/** Options of `pairwiseDistance`. @example `{ p: 1, keepdim: true }` */
export interface PairwiseDistanceOptions {
  /** The norm's order (default 2); any p > 0, or Infinity. */
  p?: number;
  /** Added to the difference before the norm (default 1e-6), as PyTorch. */
  eps?: number;
  /** Keep the reduced last dim as size 1 (default false). */
  keepdim?: boolean;
}

function nonNegativeEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number >= 0, got ${fmtArg(eps)}`);
  return eps;
}

/**
 * n clamped to at least eps in value, with the gradient of n itself: PyTorch clamps the norms
 * in place under no_grad, so the gradient still flows through a norm below eps (and is 0 at a
 * zero vector, where the norm's own gradient is). n - detach(n) is exactly 0, so the value is
 * exactly eps.
 */
function clampKeepingGradient(n: Tensor, eps: number): Tensor {
  return where(ge(n, eps), n, add(sub(n, detach(n)), eps));
}

/** @internal cosineSimilarity with the name errors carry. */
export function cosineSimilarityNamed(op: string, x1: Tensor, x2: Tensor, opts?: CosineSimilarityOptions): Tensor {
  assertFloatTensor(op, 'x1', x1);
  assertFloatTensor(op, 'x2', x2);
  sameDtype(op, ['x1', x1], ['x2', x2]);
  const eps = nonNegativeEps(op, opts?.eps ?? 1e-8);
  const shape = broadcastShapes(op, x1.shape, x2.shape);
  if (shape.length === 0) throw new ShapeError(`${op}: x1 and x2 need a dim holding the vectors, got ${x1.describe()} and ${x2.describe()}`);
  const d = normalizeDim(op, opts?.dim ?? 1, shape.length);
  const a = shapesEqual(x1.shape, shape) ? x1 : expand(x1, shape);
  const b = shapesEqual(x2.shape, shape) ? x2 : expand(x2, shape);
  // PyTorch 2.x: each vector is divided by its own norm (clamped to eps) before the dot product.
  const na = clampKeepingGradient(norm(a, 2, d, { keepdim: true }), eps);
  const nb = clampKeepingGradient(norm(b, 2, d, { keepdim: true }), eps);
  return sum(mul(div(a, na), div(b, nb)), d);
}

/**
 * Cosine similarity along `dim`: Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps)), PyTorch 2.x's
 * formula (each vector divided by its own clamped norm before the product). x1 and x2 broadcast.
 * As in PyTorch, the clamp does not stop the gradient through the norm.
 * @example `cosineSimilarity(a, b, { dim: -1 })` maps [N, D] and [N, D] to [N]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts?: CosineSimilarityOptions): Tensor {
  return cosineSimilarityNamed('cosineSimilarity', x1, x2, opts);
}

/** @internal pairwiseDistance with the name errors carry. */
export function pairwiseDistanceNamed(op: string, x1: Tensor, x2: Tensor, opts?: PairwiseDistanceOptions): Tensor {
  assertFloatTensor(op, 'x1', x1);
  assertFloatTensor(op, 'x2', x2);
  sameDtype(op, ['x1', x1], ['x2', x2]);
  const p = opts?.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`${op}: p must be a number > 0 or Infinity, got ${fmtArg(p)}`);
  const eps = opts?.eps ?? 1e-6;
  if (typeof eps !== 'number' || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number, got ${fmtArg(eps)}`);
  const keepdim = opts?.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new ArgumentError(`${op}: keepdim must be a boolean, got ${fmtArg(keepdim)}`);
  const shape = broadcastShapes(op, x1.shape, x2.shape);
  // PyTorch: norm(x1 - x2 + eps, p) over the last dim of the broadcast result.
  const diff = add(sub(x1, x2), eps);
  if (shape.length === 0) return reshape(norm(reshape(diff, [1]), p, 0), []);
  return norm(diff, p, shape.length - 1, { keepdim });
}

/**
 * The p-norm distance between the rows of x1 and x2 over the last dim: ‖x1 - x2 + eps‖_p, as
 * PyTorch (eps is added to the difference). x1 and x2 broadcast.
 * @example `pairwiseDistance(anchors, positives, { p: 2 })` maps [N, D] and [N, D] to [N]
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts?: PairwiseDistanceOptions): Tensor {
  return pairwiseDistanceNamed('pairwiseDistance', x1, x2, opts);
}

// ---------------------------------------------------------------- dropout1d

/** @internal dropout1d with the name errors carry. */
export function dropout1dNamed(op: string, x: Tensor, p: number, opts?: DropoutOptions): Tensor {
  assertFloatTensor(op, 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: p must be a probability in [0, 1], got ${fmtArg(p)}`);
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: x must be [N, C, L] or unbatched [C, L], got ${x.describe()}`);
  if (opts?.training === false || p === 0 || x.size === 0) return x;
  if (p === 1) return mul(x, 0);
  // One draw per (n, c), kept where u >= p: the draws (and so the mask) of dropout2d on x.unsqueeze(-1).
  const u = rand([...x.shape.slice(0, -1), 1], { dtype: x.dtype as 'float32' | 'float64', generator: opts?.generator, device: x.device });
  return mul(x, mul(castTo(ge(u, p), x.dtype), 1 / (1 - p)));
}

/**
 * Channel dropout for sequences: x is [N, C, L] (or unbatched [C, L]); each (n, c) channel is
 * zeroed with probability p while training and the rest scaled by 1/(1-p) (identity when
 * `training` is false). The mask is drawn with `rand` from the Philox stream.
 * @example `dropout1d(features, 0.2, { training: model.training })`
 */
export function dropout1d(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  return dropout1dNamed('dropout1d', x, p, opts);
}

// ---------------------------------------------------------------- convTranspose1d

/** Options of `convTranspose1d` (PyTorch's, camelCase). @example `convTranspose1d(x, w, null, { stride: 2, outputPadding: 1 })` */
export interface ConvTranspose1dOptions {
  /** Step of the convolution this is the adjoint of (default 1). */
  stride?: number;
  /** PyTorch's `padding`: dilation·(k − 1) − padding zeros are implied around the input on each side (default 0). */
  padding?: number;
  /** Extra length added to one side of the output, to pick among the lengths a strided conv maps alike (default 0). */
  outputPadding?: number;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
}

function intOption(op: string, name: string, v: unknown, fallback: number, min: number): number {
  const s = v ?? fallback;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < min) throw new ArgumentError(`${op}: ${name} must be an integer >= ${min}, got ${fmtArg(v)}`);
  return s;
}

/** @internal The geometry of a 1-D transposed convolution, checked. */
export interface ConvTranspose1dGeometry { stride: number; padding: number; outputPadding: number; groups: number; dilation: number }

/** @internal Checks convTranspose1d's options (as numbers) and returns them with their defaults. */
export function convTranspose1dGeometry(op: string, opts: ConvTranspose1dOptions | undefined): ConvTranspose1dGeometry {
  const stride = intOption(op, 'stride', opts?.stride, 1, 1);
  const padding = intOption(op, 'padding', opts?.padding, 0, 0);
  const outputPadding = intOption(op, 'outputPadding', opts?.outputPadding, 0, 0);
  const groups = intOption(op, 'groups', opts?.groups, 1, 1);
  const dilation = intOption(op, 'dilation', opts?.dilation, 1, 1);
  if (outputPadding >= stride && outputPadding >= dilation) {
    throw new ArgumentError(`${op}: outputPadding ${outputPadding} must be smaller than either stride ${stride} or dilation ${dilation}`);
  }
  return { stride, padding, outputPadding, groups, dilation };
}

/** @internal convTranspose1d with the name errors carry. */
export function convTranspose1dNamed(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts?: ConvTranspose1dOptions): Tensor {
  assertFloatTensor(op, 'x', x);
  assertFloatTensor(op, 'weight', weight);
  sameDtype(op, ['x', x], ['weight', weight]);
  const g = convTranspose1dGeometry(op, opts);
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: x must be [N, C, L] or unbatched [C, L], got ${x.describe()}`);
  if (weight.ndim !== 3) throw new ShapeError(`${op}: weight must be [C, O/groups, k], got ${weight.describe()}`);
  const unbatched = x.ndim === 2;
  const [c, l] = x.shape.slice(-2);
  const [wc, og, k] = weight.shape;
  if (wc !== c) throw new ShapeError(`${op}: weight ${weight.describe()} expects ${wc} input channels, but x ${x.describe()} has ${c}`);
  if (c % g.groups !== 0) throw new ShapeError(`${op}: the ${c} input channels of x ${x.describe()} are not divisible by groups ${g.groups}`);
  const o = og * g.groups;
  if (bias !== undefined && bias !== null) {
    assertFloatTensor(op, 'bias', bias);
    sameDtype(op, ['x', x], ['bias', bias]);
    if (bias.ndim !== 1 || bias.shape[0] !== o) throw new ShapeError(`${op}: bias must be [${o}] (one per output channel of weight ${weight.describe()} with groups ${g.groups}), got ${bias.describe()}`);
  }
  const outL = (l - 1) * g.stride - 2 * g.padding + g.dilation * (k - 1) + g.outputPadding + 1;
  if (outL < 1) throw new ShapeError(`${op}: the output length would be ${outL} for x ${x.describe()}, weight ${weight.describe()}, stride ${g.stride}, padding ${g.padding} and dilation ${g.dilation}`);
  // A 2-D transposed convolution over a height of 1 (kernel height 1, so the height stays 1).
  const n = unbatched ? 1 : x.shape[0];
  const y = convTranspose2d(reshape(x, [n, c, 1, l]), reshape(weight, [wc, og, 1, k]), bias ?? null, {
    stride: [1, g.stride], padding: [0, g.padding], outputPadding: [0, g.outputPadding], groups: g.groups, dilation: [1, g.dilation],
  });
  return reshape(y, unbatched ? [o, outL] : [n, o, outL]);
}

/**
 * Transposed 1-D convolution (the gradient of conv1d with respect to its input, e.g. for
 * upsampling) of x [N, C, L] (or [C, L]) with weight [C, O/groups, k], plus bias [O]. Output
 * length: (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1. Runs as
 * convTranspose2d over a height of 1.
 * @example `convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 })` maps [N, C, 5] to [N, O, 10] for k = 3
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose1dOptions): Tensor {
  return convTranspose1dNamed('convTranspose1d', x, weight, bias, opts);
}
