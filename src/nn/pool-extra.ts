/**
 * torch.nn.functional's pools that Lattice lacked, composed from the existing pools:
 * adaptiveMaxPool1d (adaptiveMaxPool2d over a height of 1) and the power-average pools
 * lpPool1d / lpPool2d (avgPool of x^p, times the window size, to the power 1/p, exactly as
 * PyTorch computes them). Their gradients are those of the ops they are written with.
 *
 * The `…Named` forms take the name errors should carry (the module's, when a module calls).
 */
import { ArgumentError, ShapeError, fmtArg, fmtValue } from '../errors';
import { mul, pow } from '../ops/binary';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/pool';
import { adaptiveMaxPool2d } from '../ops/pool-max-extra';
import { squeeze, unsqueeze } from '../ops/shape';
import { abs, neg, relu, sign } from '../ops/unary';
import { assertFloatTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

type Pair = number | [number, number];

// ---------------------------------------------------------------- adaptiveMaxPool1d

/** @internal adaptiveMaxPool1d with the name errors carry. */
export function adaptiveMaxPool1dNamed(op: string, x: Tensor, outputSize: number | [number], returnIndices: boolean): Tensor | [Tensor, Tensor] {
  assertFloatTensor(op, 'x', x);
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: x must be [N, C, L] or unbatched [C, L], got ${x.describe()}`);
  const size = Array.isArray(outputSize) && outputSize.length === 1 ? outputSize[0] : outputSize;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw new ArgumentError(`${op}: outputSize must be a positive integer (or a list of one), got ${fmtValue(outputSize)}`);
  if (typeof returnIndices !== 'boolean') throw new ArgumentError(`${op}: returnIndices must be a boolean, got ${fmtValue(returnIndices)}`);
  if (x.shape[x.ndim - 1] === 0) throw new ShapeError(`${op}: x ${x.describe()} has an empty length dim`);
  // [.., L] -> [.., 1, L]: windows over a height of 1; the flat index h·L + l is l.
  const x2 = unsqueeze(x, x.ndim - 1);
  if (!returnIndices) return squeeze(adaptiveMaxPool2d(x2, [1, size]), x.ndim - 1);
  const [y, indices] = adaptiveMaxPool2d(x2, [1, size], { returnIndices: true });
  return [squeeze(y, x.ndim - 1), squeeze(indices, x.ndim - 1)];
}

/**
 * Max pooling of x [N, C, L] (or [C, L]) to a fixed length with PyTorch's adaptive windows
 * [floor(i·L/o), ceil((i+1)·L/o)). With `returnIndices: true` returns [output, indices], the
 * int32 position in L of each maximum (PyTorch's int64 indices).
 * @example `adaptiveMaxPool1d(x, 1)` (global max pooling) or `const [y, idx] = adaptiveMaxPool1d(x, 4, { returnIndices: true })`
 */
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | [number], opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | [number], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | [number], opts?: { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  return adaptiveMaxPool1dNamed('adaptiveMaxPool1d', x, outputSize, opts?.returnIndices ?? false);
}

// ---------------------------------------------------------------- lpPool1d, lpPool2d

/** Options of `lpPool1d`. @example `lpPool1d(x, 2, 3, { stride: 2 })` */
export interface LPPool1dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: number | null;
  /** Round the output length up, letting a last partial window start inside the input (default false). */
  ceilMode?: boolean;
}

/** Options of `lpPool2d`. @example `lpPool2d(x, 2, [2, 3], { stride: [1, 2] })` */
export interface LPPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Pair | null;
  /** Round the output size up, letting a last partial window start inside the input (default false). */
  ceilMode?: boolean;
}

/** @internal A norm type PyTorch computes: any number but 0 (1/p) and NaN; ±Infinity are max pools. */
export function lpNormType(op: string, p: unknown): number {
  if (typeof p !== 'number' || Number.isNaN(p) || p === 0) throw new ArgumentError(`${op}: normType must be a non-zero number (Infinity for max pooling of |x|), got ${fmtArg(p)}`);
  return p;
}

function pairOf(op: string, name: string, v: unknown, fallback: [number, number] | null): [number, number] {
  const list = v === undefined || v === null ? fallback : Array.isArray(v) ? v : [v, v];
  if (!list || list.length !== 2 || !list.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= 1)) {
    throw new ArgumentError(`${op}: ${name} must be a positive integer or a pair of them, got ${fmtValue(v)}`);
  }
  return [list[0], list[1]];
}

function boolArg(op: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${fmtValue(v)}`);
  return v;
}

/**
 * PyTorch's epilogue: (sign(a) · relu(|a|) · k)^(1/p) for the window averages a of x^p. Its value
 * is (a·k)^(1/p), the window sum's p-th root; the sign·relu factor makes the gradient 0 where a
 * window's sum is 0.
 */
function lpEpilogue(avg: Tensor, windowSize: number, p: number): Tensor {
  return pow(mul(mul(sign(avg), relu(abs(avg))), windowSize), 1 / p);
}

/** @internal lpPool1d with the name errors carry. */
export function lpPool1dNamed(op: string, x: Tensor, normType: number, kernelSize: number, opts?: LPPool1dOptions): Tensor {
  assertFloatTensor(op, 'x', x);
  const p = lpNormType(op, normType);
  if (typeof kernelSize !== 'number' || !Number.isInteger(kernelSize) || kernelSize < 1) throw new ArgumentError(`${op}: kernelSize must be a positive integer, got ${fmtValue(kernelSize)}`);
  const stride = opts?.stride ?? kernelSize;
  if (typeof stride !== 'number' || !Number.isInteger(stride) || stride < 1) throw new ArgumentError(`${op}: stride must be a positive integer, got ${fmtValue(opts?.stride)}`);
  const ceilMode = boolArg(op, 'ceilMode', opts?.ceilMode);
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: x must be [N, C, L] or unbatched [C, L], got ${x.describe()}`);
  const l = x.shape[x.ndim - 1];
  if (l < kernelSize) throw new ShapeError(`${op}: x ${x.describe()} is shorter (${l}) than the kernel size ${kernelSize}`);
  // PyTorch: ±Infinity is the max of |x| (−Infinity: the min) over each window.
  if (p === Infinity) return maxPool1d(abs(x), kernelSize, { stride, ceilMode });
  if (p === -Infinity) return neg(maxPool1d(neg(abs(x)), kernelSize, { stride, ceilMode }));
  return lpEpilogue(avgPool1d(pow(x, p), kernelSize, { stride, padding: 0, ceilMode }), kernelSize, p);
}

/**
 * Power-average pooling over the last dim of x [N, C, L] (or [C, L]): each window gives
 * (Σ x^p)^(1/p), computed as PyTorch does (avgPool1d of x^p, times the kernel size, to the power
 * 1/p; with ceilMode a partial last window is scaled by the kernel size too). p = 1 is sum
 * pooling, p = Infinity max pooling of |x|. Negative x with a non-integer p gives NaN, as in PyTorch.
 * @example `lpPool1d(x, 2, 3)` (the L2 norm of each window of 3)
 */
export function lpPool1d(x: Tensor, normType: number, kernelSize: number, opts?: LPPool1dOptions): Tensor {
  return lpPool1dNamed('lpPool1d', x, normType, kernelSize, opts);
}

/** @internal lpPool2d with the name errors carry. */
export function lpPool2dNamed(op: string, x: Tensor, normType: number, kernelSize: Pair, opts?: LPPool2dOptions): Tensor {
  assertFloatTensor(op, 'x', x);
  const p = lpNormType(op, normType);
  const [kh, kw] = pairOf(op, 'kernelSize', kernelSize, null);
  const stride = pairOf(op, 'stride', opts?.stride, [kh, kw]);
  const ceilMode = boolArg(op, 'ceilMode', opts?.ceilMode);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: x must be [N, C, H, W] or unbatched [C, H, W], got ${x.describe()}`);
  const [h, w] = x.shape.slice(-2);
  if (h < kh || w < kw) throw new ShapeError(`${op}: x ${x.describe()} is smaller (${h}x${w}) than the kernel ${kh}x${kw}`);
  if (p === Infinity) return maxPool2d(abs(x), [kh, kw], { stride, ceilMode });
  if (p === -Infinity) return neg(maxPool2d(neg(abs(x)), [kh, kw], { stride, ceilMode }));
  return lpEpilogue(avgPool2d(pow(x, p), [kh, kw], { stride, padding: 0, ceilMode }), kh * kw, p);
}

/**
 * Power-average pooling over the last two dims of x [N, C, H, W] (or [C, H, W]): each window
 * gives (Σ x^p)^(1/p), computed as PyTorch does (avgPool2d of x^p, times kH·kW, to the power
 * 1/p). p = Infinity is max pooling of |x|.
 * @example `lpPool2d(x, 2, 2)` (the L2 norm of each 2x2 window) or `lpPool2d(x, 3, [2, 3], { stride: [1, 2] })`
 */
export function lpPool2d(x: Tensor, normType: number, kernelSize: Pair, opts?: LPPool2dOptions): Tensor {
  return lpPool2dNamed('lpPool2d', x, normType, kernelSize, opts);
}
