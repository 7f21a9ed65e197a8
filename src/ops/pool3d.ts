/**
 * Volumetric pooling (NCDHW): maxPool3d, avgPool3d, adaptiveAvgPool3d and adaptiveMaxPool3d,
 * with PyTorch's arguments, output sizes and rules.
 *
 * A 3-D window is a box, and every pooling here is separable over a box: the max of a box is
 * the max over its depth of the maxima of its [H, W] windows; a box's sum is the sum over depth
 * of its planes' sums, and each of PyTorch's divisors (the box's size clipped to the padded
 * input, or its count of real elements) is the product of the per-dim ones. So each op is two
 * exact 2-D passes: the 2-D pool over [H, W] of every depth slice, then the same pool with a
 * [k, 1] window over the depth of [N·C, D, oH·oW]. Gradients come from autograd through them.
 */
import { ArgumentError, ShapeError, fmtValue } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { avgPool2d, adaptiveAvgPool2d, maxPool2d, spread, type MaxPool2dOptions } from './pool';
import { adaptiveMaxPool2d } from './pool-max-extra';
import { registerOp } from './registry';
import { reshape } from './shape';
import { hostValues } from './util';
import { composite, fmt3, indexOn, tripleArg, unbatch, volumeInput, type Triple } from './volumetric-args';

/** Stride, padding, dilation and ceilMode of `maxPool3d`. @example `maxPool3d(x, 2, { stride: 2 })` */
export interface MaxPool3dOptions {
  /** Step between windows per dim (default: the kernel size). */
  stride?: Triple | null;
  /** Implicit −inf padding on each side, at most half the kernel (default 0). */
  padding?: Triple;
  /** Spacing between window taps (default 1). */
  dilation?: Triple;
  /** Round the output size up, letting a last partial window start inside the input or its left padding (default false). */
  ceilMode?: boolean;
}

/** Stride, padding, ceilMode, countIncludePad and divisorOverride of `avgPool3d`. @example `avgPool3d(x, 3, { stride: 1, padding: 1 })` */
export interface AvgPool3dOptions {
  /** Step between windows per dim (default: the kernel size). */
  stride?: Triple | null;
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  padding?: Triple;
  /** Round the output size up (default false). */
  ceilMode?: boolean;
  /** Count padding zeros in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}

/** An adaptive pool's output size: one for all three dims, or [oD, oH, oW] where null keeps a dim. @example `[2, null, 4]` */
export type AdaptiveSize3d = number | [number | null, number | null, number | null];

/** The window of a pool over [N, C, D, H, W], checked. */
interface Window { kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; ceilMode: boolean }

/**
 * PyTorch's pooled size: floor (or ceil) of (size + 2 pad − dilation (k − 1) − 1) / stride, + 1;
 * in ceil mode the last window must start inside the input or its left padding.
 */
function pooledSize(size: number, k: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
  const out = Math.floor(span / stride) + 1;
  return ceilMode && (out - 1) * stride >= size + pad ? out - 1 : out;
}

function windowOf(op: string, x: Tensor, kernelSize: Triple, o: { stride?: Triple | null; padding?: Triple; dilation?: Triple; ceilMode?: boolean } | undefined): Window {
  const kernel = tripleArg(op, 'kernelSize', kernelSize, [1, 1, 1], 1);
  const stride = tripleArg(op, 'stride', o?.stride, kernel, 1);
  const padding = tripleArg(op, 'padding', o?.padding, [0, 0, 0], 0);
  const dilation = tripleArg(op, 'dilation', o?.dilation, [1, 1, 1], 1);
  const ceilMode = o?.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') throw new ArgumentError(`${op}: ceilMode must be a boolean, got ${fmtValue(ceilMode)}`);
  if (padding.some((p, i) => 2 * p > kernel[i])) throw new ArgumentError(`${op}: padding ${fmt3(padding)} must be at most half of the kernel size ${fmt3(kernel)}`);
  const size = x.shape.slice(2);
  const out = size.map((s, i) => pooledSize(s, kernel[i], padding[i], stride[i], dilation[i], ceilMode));
  if (size.includes(0) || out.some((s) => s < 1)) {
    throw new ShapeError(`${op}: input ${x.describe()} is too small for kernel ${fmt3(kernel)} (dilation ${fmt3(dilation)}, padding ${fmt3(padding)}): the output would be ${fmt3(out)}`);
  }
  return { kernel, stride, padding, dilation, ceilMode };
}

/** The window's [H, W] part and its depth part, as the two 2-D passes take them. */
function planeAndDepth(win: Window): [{ stride: [number, number]; padding: [number, number]; dilation: [number, number] }, { stride: [number, number]; padding: [number, number]; dilation: [number, number] }] {
  const { stride: s, padding: p, dilation: d } = win;
  return [
    { stride: [s[1], s[2]], padding: [p[1], p[2]], dilation: [d[1], d[2]] },
    { stride: [s[0], 1], padding: [p[0], 0], dilation: [d[0], 1] },
  ];
}

/**
 * The flat D·H·W position of each max from the two passes' indices: the depth pass's index
 * (d·L + l within [D, L = oH·oW]) names the depth slice, whose plane pass gave h·W + w.
 */
function volumeIndices(x: Tensor, planeIdx: Tensor, depthIdx: Tensor, outShape: number[]): Tensor {
  const [d, h, w] = x.shape.slice(2);
  const L = outShape[3] * outShape[4], perVolume = outShape[2] * L;
  const plane = hostValues(planeIdx) as Int32Array, depth = hostValues(depthIdx) as Int32Array;
  const flat = new Int32Array(depth.length);
  for (let q = 0; q < depth.length; q++) {
    const p = Math.floor(q / perVolume);  // the (n, c) volume
    const slice = Math.floor(depth[q] / L), l = q % L;
    flat[q] = slice * h * w + plane[(p * d + slice) * L + l];
  }
  planeIdx.dispose();
  depthIdx.dispose();
  return indexOn(flat, x.device, outShape);
}

/** A 2-D pass's output, and its indices where the caller asked for them (the plain call keeps maxPool2d's 2x2 fast path). */
type Pass = [Tensor, Tensor | null];

/** The result of a two-pass max pool: the output, and with the passes' indices the volume indices. */
function pooledPair(xb: Tensor, planes: Pass, volumes: Pass, outShape: number[], unbatched: boolean): Tensor | [Tensor, Tensor] {
  const y = unbatch(reshape(volumes[0], outShape), unbatched);
  if (!planes[1] || !volumes[1]) return y;
  return [y, unbatch(volumeIndices(xb, planes[1], volumes[1], outShape), unbatched)];
}

function returnIndicesArg(op: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new ArgumentError(`${op}: returnIndices must be a boolean, got ${fmtValue(v)}`);
  return v ?? false;
}

/**
 * 3-D max pooling over the last three dims of x [N, C, D, H, W] (or [C, D, H, W]). A NaN in a
 * window propagates, and ties go to the first position in (d, h, w) order, as in PyTorch. With
 * `returnIndices: true` returns [output, indices], int32, each the flat position d·H·W + h·W + w
 * of its max within its volume (PyTorch's layout).
 *
 * Computed as two exact maxPool2d passes: over [H, W] of every depth slice, then with a [kD, 1]
 * window over the depth of the result.
 * @example `maxPool3d(x, 2)` or `const [y, idx] = maxPool3d(x, [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1], returnIndices: true })`
 */
export function maxPool3d(x: Tensor, kernelSize: Triple, opts?: MaxPool3dOptions & { returnIndices?: false }): Tensor;
export function maxPool3d(x: Tensor, kernelSize: Triple, opts: MaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(x: Tensor, kernelSize: Triple, opts?: MaxPool3dOptions & { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  const op = 'maxPool3d';
  const [xb, unbatched] = volumeInput(op, x);
  const returnIndices = returnIndicesArg(op, opts?.returnIndices);
  const win = windowOf(op, xb, kernelSize, opts);
  const [n, c, d, h, w] = xb.shape;
  const [plane, depth] = planeAndDepth(win);
  const pool = (t: Tensor, k: [number, number], o: MaxPool2dOptions): Pass => (returnIndices ? maxPool2d(t, k, { ...o, returnIndices: true }) : [maxPool2d(t, k, o), null]);
  return composite([x], () => {
    const planes = pool(reshape(xb, [n * c * d, h, w]), [win.kernel[1], win.kernel[2]], { ...plane, ceilMode: win.ceilMode });
    const [oh, ow] = planes[0].shape.slice(1);
    const volumes = pool(reshape(planes[0], [n * c, d, oh * ow]), [win.kernel[0], 1], { ...depth, ceilMode: win.ceilMode });
    return pooledPair(xb, planes, volumes, [n, c, volumes[0].shape[1], oh, ow], unbatched);
  });
}

/**
 * 3-D average pooling over the last three dims of x [N, C, D, H, W] (or [C, D, H, W]), with
 * PyTorch's divisors (countIncludePad, ceil-mode windows clipped to the padded input,
 * divisorOverride). Computed as two exact avgPool2d passes (plane sums or averages, then
 * depth), as the module comment explains.
 * @example `avgPool3d(x, 2)` or `avgPool3d(x, 3, { stride: 2, padding: 1, countIncludePad: false })`
 */
export function avgPool3d(x: Tensor, kernelSize: Triple, opts?: AvgPool3dOptions): Tensor {
  const op = 'avgPool3d';
  const [xb, unbatched] = volumeInput(op, x);
  const win = windowOf(op, xb, kernelSize, { ...opts, dilation: undefined });
  const divisor = opts?.divisorOverride;
  if (divisor !== undefined && divisor !== null && (!Number.isInteger(divisor) || divisor < 1)) {
    throw new ArgumentError(`${op}: divisorOverride must be a positive integer, got ${fmtValue(divisor)}`);
  }
  const countIncludePad = opts?.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean') throw new ArgumentError(`${op}: countIncludePad must be a boolean, got ${fmtValue(countIncludePad)}`);
  const [n, c, d, h, w] = xb.shape;
  const [plane, depth] = planeAndDepth(win);
  const rule = { ceilMode: win.ceilMode, countIncludePad };
  return composite([x], () => {
    // With an override the plane pass sums (divisor 1) and the depth pass divides once.
    const planes = avgPool2d(reshape(xb, [n * c * d, h, w]), [win.kernel[1], win.kernel[2]], { ...plane, ...rule, divisorOverride: divisor ? 1 : null });
    const [oh, ow] = planes.shape.slice(1);
    const volumes = avgPool2d(reshape(planes, [n * c, d, oh * ow]), [win.kernel[0], 1], { ...depth, ...rule, divisorOverride: divisor });
    return unbatch(reshape(volumes, [n, c, volumes.shape[1], oh, ow]), unbatched);
  });
}

/** [oD, oH, oW] of an adaptive pool over x, with null keeping a dim. */
function adaptiveSize(op: string, x: Tensor, outputSize: AdaptiveSize3d): [number, number, number] {
  const given = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize, outputSize];
  const size = given.map((s, i) => s ?? x.shape[2 + i]);
  if (given.length !== 3 || !size.every((s) => Number.isInteger(s) && (s as number) >= 1)) {
    throw new ArgumentError(`${op}: outputSize must be a positive integer or a triple of them (null keeps a dim), got ${fmtValue(outputSize)}`);
  }
  if (x.shape.slice(2).includes(0)) throw new ShapeError(`${op}: input ${x.describe()} has an empty spatial dim`);
  return size as [number, number, number];
}

/**
 * Average pooling of x [N, C, D, H, W] (or [C, D, H, W]) to a fixed output size, with PyTorch's
 * adaptive windows [floor(i·D/oD), ceil((i+1)·D/oD)) per dim; null keeps a dim. Computed as
 * adaptiveAvgPool2d over [H, W], then over the depth (exact: a box's mean is the mean of its
 * planes' means).
 * @example `adaptiveAvgPool3d(x, 1)` (global average pooling) or `adaptiveAvgPool3d(x, [null, 7, 7])`
 */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize3d): Tensor {
  const op = 'adaptiveAvgPool3d';
  const [xb, unbatched] = volumeInput(op, x);
  const [od, oh, ow] = adaptiveSize(op, xb, outputSize);
  const [n, c, d, h, w] = xb.shape;
  return composite([x], () => {
    const planes = adaptiveAvgPool2d(reshape(xb, [n * c * d, h, w]), [oh, ow]);
    const volumes = adaptiveAvgPool2d(reshape(planes, [n * c, d, oh * ow]), [od, null]);
    return unbatch(reshape(volumes, [n, c, od, oh, ow]), unbatched);
  });
}

/**
 * Max pooling of x [N, C, D, H, W] (or [C, D, H, W]) to a fixed output size, with PyTorch's
 * adaptive windows; null keeps a dim. With `returnIndices: true` returns [output, indices]
 * (flat d·H·W + h·W + w per volume, as maxPool3d's). Computed as adaptiveMaxPool2d over
 * [H, W], then over the depth.
 * @example `adaptiveMaxPool3d(x, 1)` (global max pooling) or `adaptiveMaxPool3d(x, [2, 4, 4], { returnIndices: true })`
 */
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize3d, opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize3d, opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize3d, opts?: { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool3d';
  const [xb, unbatched] = volumeInput(op, x);
  const returnIndices = returnIndicesArg(op, opts?.returnIndices);
  const [od, oh, ow] = adaptiveSize(op, xb, outputSize);
  const [n, c, d, h, w] = xb.shape;
  const pool = (t: Tensor, size: [number, number | null]): Pass => (returnIndices ? adaptiveMaxPool2d(t, size, { returnIndices: true }) : [adaptiveMaxPool2d(t, size), null]);
  return composite([x], () => {
    const planes = pool(reshape(xb, [n * c * d, h, w]), [oh, ow]);
    const volumes = pool(reshape(planes[0], [n * c, d, oh * ow]), [od, null]);
    return pooledPair(xb, planes, volumes, [n, c, od, oh, ow], unbatched);
  });
}

// ---------------------------------------------------------------- registry

registerOp({
  name: 'maxPool3d', kernels: ['maxPool2d', 'maxPool2dBackward'], differentiable: true,
  run: (x) => maxPool3d(x, [3, 2, 3], { stride: [2, 1, 2], padding: [1, 0, 1], dilation: [1, 2, 1], ceilMode: true }),
  samples: [{ label: '3x2x3 stride [2,1,2] padding [1,0,1] dilation [1,2,1] ceil', inputs: (dt) => [spread([1, 2, 5, 5, 6], dt)] }],
});
registerOp({
  name: 'avgPool3d', kernels: ['avgPool2d', 'avgPool2dBackward'], differentiable: true,
  run: (x) => avgPool3d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  samples: [{ label: '3x3x3 stride 2 padding 1 ceil, countIncludePad false', inputs: (dt) => [spread([1, 2, 4, 5, 6], dt)] }],
});
registerOp({
  name: 'adaptiveAvgPool3d', kernels: ['adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward'], differentiable: true,
  run: (x) => adaptiveAvgPool3d(x, [2, 3, 2]),
  samples: [{ label: '[5,7,5] -> [2,3,2]', inputs: (dt) => [spread([1, 2, 5, 7, 5], dt)] }],
});
registerOp({
  name: 'adaptiveMaxPool3d', kernels: ['gather', 'scatterAdd'], differentiable: true,
  run: (x) => adaptiveMaxPool3d(x, [2, 3, 2]),
  samples: [{ label: '[5,7,5] -> [2,3,2]', inputs: (dt) => [spread([1, 2, 5, 7, 5], dt)] }],
});
