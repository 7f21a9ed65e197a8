/**
 * Pooling (NCHW, or any [..., H, W]): maxPool2d, avgPool2d, adaptiveAvgPool2d and
 * their 1-d forms, with PyTorch's arguments, output sizes and rules.
 *
 * Every pooling here is linear in x once the max positions are fixed, so each
 * backward is an op of its own whose gradient is the forward map again:
 *   maxPool2dBackward(gy) scatters gy to the argmax positions; its adjoint gathers.
 *   avgPool2dBackward is the adjoint of avgPool2d, whose adjoint is avgPool2d.
 * That keeps second derivatives exact.
 */
import { backendFor } from '../backend/device';
import { MAX_POOL_TAP_BLOCKED, maxPool2x2TapOffset, type PoolGeometry } from '../backend/backend';
import { ArgumentError, ShapeError, fmtShape, fmtValue, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { sizeOf } from '../tensor/shape';
import { isGradEnabled } from '../tensor/graph';
import { Tensor } from '../tensor/tensor';
import { rand, tensor } from './creation';
import { gather } from './indexing';
import { record } from './record';
import { registerOp, type SampleDType } from './registry';
import { copyOf, reshape } from './shape';
import { where } from './binary';
import { relu } from './unary';
import { assertFloat, assertTensor, checkOutputSize, empty, emptyForOverwrite } from './util';

type Pair = number | [number, number];

/** Stride, padding, dilation and ceilMode of `maxPool2d`. @example `maxPool2d(x, 2, { stride: 2 })` */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Pair | null;
  /** Implicit -inf padding on each side, at most half the kernel (default 0). */
  padding?: Pair;
  /** Spacing between window taps (default 1). */
  dilation?: Pair;
  /** Round the output size up, letting a last partial window start inside the input (default false). */
  ceilMode?: boolean;
}

/** Stride, padding, ceilMode and countIncludePad of `avgPool2d`. @example `avgPool2d(x, 3, { stride: 1, padding: 1 })` */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  padding?: Pair;
  ceilMode?: boolean;
  /** Count padding zeros in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}

/** Options of `maxPool1d`. @example `maxPool1d(x, 2)` */
export interface MaxPool1dOptions { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean }
/** Options of `avgPool1d`. @example `avgPool1d(x, 3, { padding: 1 })` */
export interface AvgPool1dOptions { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean }

function pairArg(op: string, name: string, v: Pair | null | undefined, fallback: [number, number], min: number): [number, number] {
  const p: unknown[] = v === undefined || v === null ? fallback : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((e) => Number.isInteger(e) && (e as number) >= min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    throw new ArgumentError(`${op}: ${name} must be a ${what} integer or a pair of them, got ${fmtValue(v)}`);
  }
  return p as [number, number];
}

/**
 * PyTorch's pooled size: floor (or ceil) of (size + 2 pad - dilation (k - 1) - 1) / stride, + 1;
 * in ceil mode the last window must start inside the input or its left padding.
 */
function pooledSize(size: number, k: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

interface Spec { kernel: Pair; stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean }

/** Validates x ([..., H, W] with rank 3 or 4) and the window, and computes the geometry. */
function poolGeometry(op: string, x: Tensor, s: Spec, oneD: boolean): PoolGeometry {
  assertTensor(op, 'x', x);
  assertFloat(op, 'x', x);
  const rank = oneD ? 2 : 3;
  if (x.ndim !== rank && x.ndim !== rank + 1) {
    throw new ShapeError(`${op}: x must be ${oneD ? '[N,C,L] or [C,L]' : '[N,C,H,W] or [C,H,W]'}, got ${x.describe()}`);
  }
  const [kh, kw] = pairArg(op, 'kernelSize', s.kernel, [1, 1], 1);
  const [strideH, strideW] = pairArg(op, 'stride', s.stride, [kh, kw], 1);
  const [padH, padW] = pairArg(op, 'padding', s.padding, [0, 0], 0);
  const [dilationH, dilationW] = pairArg(op, 'dilation', s.dilation, [1, 1], 1);
  const show = (a: number, b: number): string => (oneD ? `${b}` : `${a}x${b}`);
  if (2 * padH > kh || 2 * padW > kw) {
    throw new ArgumentError(`${op}: padding ${show(padH, padW)} must be at most half of the kernel size ${show(kh, kw)}`);
  }
  const h = oneD ? 1 : x.shape[x.ndim - 2], w = x.shape[x.ndim - 1];
  const ceil = s.ceilMode ?? false;
  const oh = pooledSize(h, kh, padH, strideH, dilationH, ceil);
  const ow = pooledSize(w, kw, padW, strideW, dilationW, ceil);
  if (oh < 1 || ow < 1 || h === 0 || w === 0) {
    throw new ShapeError(`${op}: input ${x.describe()} is too small for kernel ${show(kh, kw)} (dilation ${show(dilationH, dilationW)}, padding ${show(padH, padW)}): the output would be ${show(oh, ow)}`);
  }
  const planes = sizeOf(x.shape.slice(0, x.ndim - (oneD ? 1 : 2)));
  return { planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW };
}

/** x's shape with the spatial dims replaced by the pooled ones. */
function pooledShape(x: Tensor, g: PoolGeometry, oneD: boolean): number[] {
  return oneD ? [...x.shape.slice(0, -1), g.ow] : [...x.shape.slice(0, -2), g.oh, g.ow];
}

const vals = (t: Tensor): FloatArray => t.deviceValues as FloatArray;

// ---------------------------------------------------------------- max

function maxPoolOp(x: Tensor, g: PoolGeometry, outShape: number[]): Tensor;
function maxPoolOp(x: Tensor, g: PoolGeometry, outShape: number[], returnIndices: true): [Tensor, Tensor];
function maxPoolOp(x: Tensor, g: PoolGeometry, outShape: number[], returnIndices = false): Tensor | [Tensor, Tensor] {
  // The 2x2 fast path is a CPU kernel; other devices keep the index path.
  if (!returnIndices && isTwoByTwo(g) && x.device === 'cpu') return maxPool2x2Op(x, g, outShape, false);
  // Pooled buffers avoid fresh-page faults (a new 1 MB array costs ~10 ms here); the kernel
  // writes every output and index, so neither needs zeroing.
  const out = emptyForOverwrite(outShape, x.dtype, x.device);
  const index = emptyForOverwrite(outShape, 'int32', x.device);
  backendFor(x.device).maxPool2d(vals(x), vals(out), index.deviceValues as Int32Array, g);
  record(out, 'maxPool2d', [x], (gy) => [maxPoolBackwardOp(gy, index, g, x.shape)], [x]);
  // The caller gets its own copy: disposing it must not break backward, which reads `index`.
  const returned = returnIndices ? copyOf(index) : null;
  // Without a gradient to come, nothing reads the indices again: give the buffer back now
  // (left to the garbage collector, the next call paid fresh-page faults: 1.4 MB, ~8 ms).
  if (!out.requiresGrad) index.dispose();
  return returned ? [out, returned] : out;
}

/** Scatters gy to the recorded max positions; its adjoint gathers gg at them. */
function maxPoolBackwardOp(gy: Tensor, index: Tensor, g: PoolGeometry, inShape: number[]): Tensor {
  const gx = empty(inShape, gy.dtype, gy.device);
  backendFor(gy.device).maxPool2dBackward(vals(gy), index.deviceValues as Int32Array, vals(gx), g);
  return record(gx, 'maxPool2dBackward', [gy], (gg) => [gatherAtMax(gg, index, g, gy.shape)]);
}

/** The adjoint of the scatter to the max positions: gg read at them. */
function gatherAtMax(gg: Tensor, index: Tensor, g: PoolGeometry, outShape: number[]): Tensor {
  return reshape(gather(reshape(gg, [g.planes, g.h * g.w]), 1, reshape(index, [g.planes, g.oh * g.ow])), outShape);
}

/**
 * The common 2x2 window with stride 2 (no padding, dilation or ceil-mode overhang): the
 * forward stores no indices but, when a gradient is to come, one byte per window naming its
 * max's tap (or relu's block), and the backward writes the whole input gradient from those in
 * one pass: no zero fill, no scatter through an index tensor, and no second read of x.
 */
function isTwoByTwo(g: PoolGeometry): boolean {
  return g.kh === 2 && g.kw === 2 && g.strideH === 2 && g.strideW === 2 && g.padH === 0 && g.padW === 0
    && g.dilationH === 1 && g.dilationW === 1 && 2 * g.oh <= g.h && 2 * g.ow <= g.w;
}

/** maxPool2d (relu(maxPool2d) if withRelu) of a 2x2 stride-2 geometry on the CPU. */
function maxPool2x2Op(x: Tensor, g: PoolGeometry, outShape: number[], withRelu: boolean): Tensor {
  const out = emptyForOverwrite(outShape, x.dtype, x.device);
  // The tap codes, internal to the graph: a 'bool' tensor only for its byte storage, pooled and freed with the step.
  const taps = x.requiresGrad && isGradEnabled() ? emptyForOverwrite(outShape, 'bool', x.device) : null;
  backendFor(x.device).maxPool2d(vals(x), vals(out), null, g, withRelu, taps ? (taps.values as Uint8Array) : null);
  if (!taps) return out;
  const inShape = x.shape.slice();
  return record(out, withRelu ? 'maxPool2dRelu' : 'maxPool2d', [x], (gy) => [maxPool2x2BackwardOp(gy, taps, g, inShape, withRelu)], [taps]);
}

/** withRelu: the gradient of relu(maxPool2d(x)) (the windows whose max is not > 0 carry relu's block in `taps`). */
function maxPool2x2BackwardOp(gy: Tensor, taps: Tensor, g: PoolGeometry, inShape: number[], withRelu: boolean): Tensor {
  const gx = emptyForOverwrite(inShape, gy.dtype, gy.device);
  backendFor(gy.device).maxPool2x2Backward(taps.values as Uint8Array, vals(gy), vals(gx), g);
  return record(gx, withRelu ? 'maxPool2dReluBackward' : 'maxPool2dBackward', [gy], (gg) => {
    // Only a second derivative gets here: gg read at each window's max, 0 where relu blocked it.
    const codes = taps.values as Uint8Array;
    const index = new Int32Array(codes.length), open = new Uint8Array(codes.length);
    for (let o = 0; o < codes.length; o++) {
      const blocked = codes[o] === MAX_POOL_TAP_BLOCKED;
      // A blocked window reads tap 0 (any in-plane position would do): `open` zeroes it after the gather.
      index[o] = maxPool2x2TapOffset(blocked ? 0 : codes[o], Math.floor(o / g.ow) % g.oh, o % g.ow, g.w);
      open[o] = blocked ? 0 : 1;
    }
    const gathered = gatherAtMax(gg, Tensor.fromData(index, [codes.length], 'int32'), g, gy.shape);
    return [withRelu ? where(Tensor.fromData(open, gy.shape.slice(), 'bool'), gathered, 0) : gathered];
  }, [taps]);
}

/**
 * relu(maxPool2d(x, kernelSize, opts)) with the ReLU inside the pooling kernel, forward and
 * backward (the 2x2 stride-2 window on the CPU; elsewhere the two ops one after the other).
 * Same values and gradients as `relu(maxPool2d(...))`, which equals `maxPool2d(relu(...))`
 * (ReLU is non-decreasing: the max of the rectified window is the rectified max): so a
 * Conv2d-ReLU-MaxPool2d block can run the convolution without its ReLU and rectify the
 * 4x smaller pooled tensor, and its backward needs no masking pass over the conv output.
 * @example `const h = maxPool2dRelu(conv2d(x, w, b), 2)`
 */
export function maxPool2dRelu(x: Tensor, kernelSize: Pair, opts?: MaxPool2dOptions): Tensor {
  const g = poolGeometry('maxPool2dRelu', x, { kernel: kernelSize, ...opts }, false);
  const outShape = pooledShape(x, g, false);
  if (!isTwoByTwo(g) || x.device !== 'cpu') return relu(maxPoolOp(x, g, outShape));
  return maxPool2x2Op(x, g, outShape, true);
}

/**
 * 2-D max pooling over the last two dims of x [N, C, H, W] (or [C, H, W]).
 * A NaN in a window propagates, as in PyTorch. With `returnIndices: true` it returns
 * the pair of output and indices, int32, each the flat position h·W + w of its max within
 * its plane (PyTorch's layout, what maxUnpool2d takes).
 * @example `maxPool2d(x, 2)` or `const [y, idx] = maxPool2d(x, 2, { returnIndices: true })`
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: Pair, opts?: MaxPool2dOptions & { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  const { returnIndices, ...rest } = opts ?? {};
  if (returnIndices !== undefined && typeof returnIndices !== 'boolean') throw new ArgumentError(`maxPool2d: returnIndices must be a boolean, got ${fmtValue(returnIndices)}`);
  const g = poolGeometry('maxPool2d', x, { kernel: kernelSize, ...rest }, false);
  return returnIndices ? maxPoolOp(x, g, pooledShape(x, g, false), true) : maxPoolOp(x, g, pooledShape(x, g, false));
}

/**
 * 1-D max pooling over the last dim of x [N, C, L] (or [C, L]).
 * @example `maxPool1d(x, 2)`
 */
export function maxPool1d(x: Tensor, kernelSize: number, opts?: MaxPool1dOptions): Tensor {
  const spec: Spec = {
    kernel: [1, kernelSize], stride: opts?.stride == null ? undefined : [1, opts.stride],
    padding: [0, opts?.padding ?? 0], dilation: [1, opts?.dilation ?? 1], ceilMode: opts?.ceilMode,
  };
  if (typeof kernelSize !== 'number') throw new ArgumentError(`maxPool1d: kernelSize must be a number, got ${fmtValue(kernelSize)}`);
  const g = poolGeometry('maxPool1d', x, spec, true);
  return maxPoolOp(x, g, pooledShape(x, g, true));
}

// ---------------------------------------------------------------- average

interface AvgRule { countIncludePad: boolean; divisor: number }

function avgPoolOp(x: Tensor, g: PoolGeometry, rule: AvgRule, outShape: number[]): Tensor {
  const out = empty(outShape, x.dtype, x.device);
  backendFor(x.device).avgPool2d(vals(x), vals(out), g, rule.countIncludePad, rule.divisor);
  return record(out, 'avgPool2d', [x], (gy) => [avgPoolBackwardOp(gy, g, rule, x.shape)]);
}

function avgPoolBackwardOp(gy: Tensor, g: PoolGeometry, rule: AvgRule, inShape: number[]): Tensor {
  const gx = empty(inShape, gy.dtype, gy.device);
  backendFor(gy.device).avgPool2dBackward(vals(gy), vals(gx), g, rule.countIncludePad, rule.divisor);
  return record(gx, 'avgPool2dBackward', [gy], (gg) => [avgPoolOp(gg, g, rule, gy.shape)]);
}

function avgRule(op: string, countIncludePad: boolean | undefined, divisorOverride: number | null | undefined): AvgRule {
  if (divisorOverride !== undefined && divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride < 1)) {
    throw new ArgumentError(`${op}: divisorOverride must be a positive integer, got ${fmtArg(divisorOverride)}`);
  }
  return { countIncludePad: countIncludePad ?? true, divisor: divisorOverride ?? 0 };
}

/**
 * 2-D average pooling over the last two dims of x [N, C, H, W] (or [C, H, W]).
 * @example `avgPool2d(x, 2)` or `avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false })`
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts?: AvgPool2dOptions): Tensor {
  const rule = avgRule('avgPool2d', opts?.countIncludePad, opts?.divisorOverride);
  const g = poolGeometry('avgPool2d', x, { kernel: kernelSize, stride: opts?.stride, padding: opts?.padding, ceilMode: opts?.ceilMode }, false);
  return avgPoolOp(x, g, rule, pooledShape(x, g, false));
}

/**
 * 1-D average pooling over the last dim of x [N, C, L] (or [C, L]).
 * @example `avgPool1d(x, 3, { stride: 2 })`
 */
export function avgPool1d(x: Tensor, kernelSize: number, opts?: AvgPool1dOptions): Tensor {
  if (typeof kernelSize !== 'number') throw new ArgumentError(`avgPool1d: kernelSize must be a number, got ${fmtValue(kernelSize)}`);
  const rule = avgRule('avgPool1d', opts?.countIncludePad, undefined);
  const spec: Spec = {
    kernel: [1, kernelSize], stride: opts?.stride == null ? undefined : [1, opts.stride],
    padding: [0, opts?.padding ?? 0], ceilMode: opts?.ceilMode,
  };
  const g = poolGeometry('avgPool1d', x, spec, true);
  return avgPoolOp(x, g, rule, pooledShape(x, g, true));
}

// ---------------------------------------------------------------- adaptive average

interface AdaptiveGeometry { planes: number; h: number; w: number; oh: number; ow: number }

function adaptiveOp(x: Tensor, a: AdaptiveGeometry, outShape: number[]): Tensor {
  const out = empty(outShape, x.dtype, x.device);
  backendFor(x.device).adaptiveAvgPool2d(vals(x), vals(out), a.planes, a.h, a.w, a.oh, a.ow);
  return record(out, 'adaptiveAvgPool2d', [x], (gy) => [adaptiveBackwardOp(gy, a, x.shape)]);
}

function adaptiveBackwardOp(gy: Tensor, a: AdaptiveGeometry, inShape: number[]): Tensor {
  const gx = empty(inShape, gy.dtype, gy.device);
  backendFor(gy.device).adaptiveAvgPool2dBackward(vals(gy), vals(gx), a.planes, a.h, a.w, a.oh, a.ow);
  return record(gx, 'adaptiveAvgPool2dBackward', [gy], (gg) => [adaptiveOp(gg, a, gy.shape)]);
}

function adaptiveImpl(op: string, x: Tensor, outputSize: [number | null, number | null], oneD: boolean): Tensor {
  assertTensor(op, 'x', x);
  assertFloat(op, 'x', x);
  const rank = oneD ? 2 : 3;
  if (x.ndim !== rank && x.ndim !== rank + 1) {
    throw new ShapeError(`${op}: x must be ${oneD ? '[N,C,L] or [C,L]' : '[N,C,H,W] or [C,H,W]'}, got ${x.describe()}`);
  }
  const h = oneD ? 1 : x.shape[x.ndim - 2], w = x.shape[x.ndim - 1];
  const oh = outputSize[0] ?? h, ow = outputSize[1] ?? w;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new ArgumentError(`${op}: outputSize must be positive integers, got ${fmtValue(oneD ? outputSize[1] : outputSize)}`);
  }
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${x.describe()} has an empty spatial dim`);
  const planes = sizeOf(x.shape.slice(0, x.ndim - (oneD ? 1 : 2)));
  const shape = oneD ? [...x.shape.slice(0, -1), ow] : [...x.shape.slice(0, -2), oh, ow];
  checkOutputSize(op, shape, x.dtype, () => `x ${x.describe()} and outputSize ${oneD ? ow : fmtShape([oh, ow])}`);
  return adaptiveOp(x, { planes, h, w, oh, ow }, shape);
}

/**
 * Average pooling to a fixed output size (windows [floor(i*H/oh), ceil((i+1)*H/oh))); null keeps a dim.
 * @example `adaptiveAvgPool2d(x, 1)` (global average pooling) or `adaptiveAvgPool2d(x, [7, 7])`
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number | null, number | null]): Tensor {
  const size: [number | null, number | null] = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize];
  if (size.length !== 2) throw new ArgumentError(`adaptiveAvgPool2d: outputSize must be a number or a pair, got ${fmtValue(outputSize)}`);
  return adaptiveImpl('adaptiveAvgPool2d', x, size, false);
}

/**
 * 1-D adaptive average pooling over the last dim of x [N, C, L] (or [C, L]).
 * @example `adaptiveAvgPool1d(x, 1)`
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  return adaptiveImpl('adaptiveAvgPool1d', x, [1, outputSize], true);
}

// ---------------------------------------------------------------- registry

/**
 * Distinct values 0.01 apart in a random order: no window max is near a tie, so
 * the finite differences of max pooling see no kink.
 */
export function spread(shape: number[], dt: SampleDType): Tensor {
  const n = sizeOf(shape);
  const r = rand([n], { dtype: 'float64' }).values;
  const values = new Float64Array(n);
  Array.from(r.keys()).sort((a, b) => r[a] - r[b]).forEach((p, rank) => { values[p] = rank * 0.01 - n * 0.005; });
  return reshape(tensor(values, { dtype: dt }), shape);
}

registerOp({
  name: 'maxPool2d', kernels: ['maxPool2d', 'maxPool2dBackward'], differentiable: true,
  run: (x) => maxPool2d(x, 3, { stride: 2, padding: 1 }),
  samples: [
    { label: '3x3 stride 2 padding 1', inputs: (dt) => [spread([2, 2, 6, 5], dt)] },
    { label: 'unbatched [C,H,W]', inputs: (dt) => [spread([2, 4, 4], dt)] },
  ],
});
registerOp({
  name: 'maxPool2d(2x2 stride 2)', kernels: ['maxPool2d', 'maxPool2x2Backward'], differentiable: true,
  run: (x) => maxPool2d(x, 2),
  samples: [
    { label: 'odd [2,3,7,9]: uncovered last row and column', inputs: (dt) => [spread([2, 3, 7, 9], dt)] },
    { label: 'unbatched [3,4,6]', inputs: (dt) => [spread([3, 4, 6], dt)] },
  ],
});
registerOp({
  name: 'maxPool2dRelu(2x2 stride 2)', kernels: ['maxPool2d', 'maxPool2x2Backward'], differentiable: true,
  run: (x) => maxPool2dRelu(x, 2),
  samples: [
    // An odd count of values keeps 0 (relu's kink) out of spread's; about half the windows are negative.
    { label: 'odd [1,3,7,9], negative windows', inputs: (dt) => [spread([1, 3, 7, 9], dt)] },
    { label: 'unbatched [3,3,5]', inputs: (dt) => [spread([3, 3, 5], dt)] },
  ],
});
registerOp({
  name: 'maxPool2d(dilation,ceilMode)', kernels: ['maxPool2d', 'maxPool2dBackward'], differentiable: true,
  run: (x) => maxPool2d(x, [2, 3], { stride: 2, dilation: [2, 1], ceilMode: true }),
  samples: [{ label: '2x3 dilation [2,1] ceil', inputs: (dt) => [spread([1, 2, 7, 6], dt)] }],
});
registerOp({
  name: 'maxPool1d', kernels: ['maxPool2d', 'maxPool2dBackward'], differentiable: true,
  run: (x) => maxPool1d(x, 3, { stride: 2, padding: 1 }),
  samples: [{ label: 'k 3 stride 2 padding 1', inputs: (dt) => [spread([2, 3, 9], dt)] }],
});
registerOp({
  name: 'avgPool2d', kernels: ['avgPool2d', 'avgPool2dBackward'], differentiable: true,
  run: (x) => avgPool2d(x, 3, { stride: 2, padding: 1 }),
  samples: [{ label: '3x3 stride 2 padding 1', inputs: (dt) => [spread([2, 2, 6, 5], dt)] }],
});
registerOp({
  name: 'avgPool2d(ceilMode,excludePad)', kernels: ['avgPool2d', 'avgPool2dBackward'], differentiable: true,
  run: (x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  samples: [{ label: 'ceil, countIncludePad false', inputs: (dt) => [spread([1, 2, 6, 7], dt)] }],
});
registerOp({
  name: 'avgPool2d(divisorOverride)', kernels: ['avgPool2d', 'avgPool2dBackward'], differentiable: true,
  run: (x) => avgPool2d(x, [2, 3], { divisorOverride: 4 }),
  samples: [{ label: '2x3, divisor 4', inputs: (dt) => [spread([2, 1, 5, 7], dt)] }],
});
registerOp({
  name: 'avgPool1d', kernels: ['avgPool2d', 'avgPool2dBackward'], differentiable: true,
  run: (x) => avgPool1d(x, 4, { stride: 2, padding: 2 }),
  samples: [{ label: 'k 4 stride 2 padding 2', inputs: (dt) => [spread([2, 3, 9], dt)] }],
});
registerOp({
  name: 'adaptiveAvgPool2d', kernels: ['adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward'], differentiable: true,
  run: (x) => adaptiveAvgPool2d(x, [3, 2]),
  samples: [
    { label: '[7,5] -> [3,2] (overlapping windows)', inputs: (dt) => [spread([2, 2, 7, 5], dt)] },
    { label: 'upsampling [2,1] -> [3,2]', inputs: (dt) => [spread([1, 3, 2, 1], dt)] },
  ],
});
registerOp({
  name: 'adaptiveAvgPool1d', kernels: ['adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward'], differentiable: true,
  run: (x) => adaptiveAvgPool1d(x, 4),
  samples: [{ label: '9 -> 4', inputs: (dt) => [spread([2, 2, 9], dt)] }],
});
