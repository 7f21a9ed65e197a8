/**
 * maxUnpool2d (the partial inverse of maxPool2d with returnIndices) and
 * adaptiveMaxPool2d, in PyTorch's semantics. Both are written with gather,
 * scatterAdd and max(dim), so their gradients (and second derivatives) are
 * those ops' and no new kernel is needed.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../errors';
import { sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { mul } from './binary';
import { tensor, zeros } from './creation';
import { gather, scatterAdd } from './indexing';
import { max } from './reduce';
import { spread } from './pool';
import { registerOp } from './registry';
import { reshape } from './shape';
import { assertFloat, assertTensor } from './util';

type Pair = number | [number, number];

function pairOf(op: string, name: string, v: Pair | null | undefined, fallback: [number, number], min: number): [number, number] {
  const p: unknown[] = v === undefined || v === null ? fallback : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((e) => Number.isInteger(e) && (e as number) >= min)) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${fmtValue(v)}`);
  }
  return p as [number, number];
}

/** Options of `maxUnpool2d`. @example `maxUnpool2d(y, idx, 2, { outputSize: [5, 5] })` */
export interface MaxUnpool2dOptions {
  /** The pooling's stride (default: the kernel size). */
  stride?: Pair | null;
  /** The pooling's padding (default 0). */
  padding?: Pair;
  /** The output's [H, W] (or a full shape, whose last two are used), where the default is ambiguous. */
  outputSize?: number[];
}

/**
 * Puts each value of x [N, C, h, w] (or [C, h, w]) back at the flat position its index gives
 * within an output plane [H, W] of zeros: the partial inverse of
 * `maxPool2d(..., { returnIndices: true })`. H defaults to (h − 1)·stride − 2·padding + kernel
 * (likewise W). Where two windows chose the same position the value is written once.
 * @example
 * const [y, idx] = maxPool2d(x, 2, { returnIndices: true });
 * const back = maxUnpool2d(y, idx, 2); // x's maxima in place, zeros elsewhere
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: Pair, opts?: MaxUnpool2dOptions): Tensor {
  const op = 'maxUnpool2d';
  assertTensor(op, 'x', x);
  assertTensor(op, 'indices', indices);
  assertFloat(op, 'x', x);
  if (indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32 (from maxPool2d's returnIndices), got ${indices.describe()}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: x must be [N,C,H,W] or [C,H,W], got ${x.describe()}`);
  if (indices.ndim !== x.ndim || indices.shape.some((s, i) => s !== x.shape[i])) throw new ShapeError(`${op}: indices ${indices.describe()} must have x's shape ${fmtShape(x.shape)}`);
  const [kh, kw] = pairOf(op, 'kernelSize', kernelSize, [1, 1], 1);
  const [sh, sw] = pairOf(op, 'stride', opts?.stride, [kh, kw], 1);
  const [ph, pw] = pairOf(op, 'padding', opts?.padding, [0, 0], 0);
  const h = x.shape[x.ndim - 2], w = x.shape[x.ndim - 1];
  let H = (h - 1) * sh - 2 * ph + kh, W = (w - 1) * sw - 2 * pw + kw;
  if (opts?.outputSize !== undefined) {
    const o = opts.outputSize;
    if (!Array.isArray(o) || o.length < 2 || o.some((v) => !Number.isInteger(v) || v < 1)) throw new ArgumentError(`${op}: outputSize must list positive integers ending in [H, W], got ${fmtValue(o)}`);
    const [oh, ow] = o.slice(-2);
    // PyTorch accepts any size within one stride of the default (the sizes a pooling maps alike).
    if (Math.abs(oh - H) >= sh || Math.abs(ow - W) >= sw) throw new ShapeError(`${op}: outputSize [${oh}, ${ow}] must be within a stride (${sh}, ${sw}) of the default [${H}, ${W}]`);
    H = oh;
    W = ow;
  }
  if (H < 1 || W < 1) throw new ShapeError(`${op}: the output [${H}, ${W}] for x ${x.describe()} is empty`);
  const planes = sizeOf(x.shape.slice(0, -2)), n = h * w;
  const idx = indices.values as Int32Array;
  // A position chosen by two windows holds the one value; keep its first writer.
  const first = new Float64Array(idx.length);
  for (let p = 0; p < planes; p++) {
    const seen = new Set<number>();
    for (let k = p * n; k < (p + 1) * n; k++) {
      if (idx[k] < 0 || idx[k] >= H * W) throw new ShapeError(`${op}: index ${idx[k]} (at flat position ${k}) is out of range for an output plane of ${H}x${W}`);
      if (!seen.has(idx[k])) { seen.add(idx[k]); first[k] = 1; }
    }
  }
  const src = first.every((v) => v === 1) ? x : mul(x, reshape(tensor(first, { dtype: x.dtype }), x.shape));
  const out = scatterAdd(zeros([planes, H * W], { dtype: x.dtype }), 1, reshape(indices, [planes, n]), reshape(src, [planes, n]));
  return reshape(out, [...x.shape.slice(0, -2), H, W]);
}

/** PyTorch's adaptive window along one dim: [floor(i·n/o), ceil((i+1)·n/o)). */
function windowOf(i: number, n: number, o: number): [number, number] {
  return [Math.floor((i * n) / o), Math.ceil(((i + 1) * n) / o)];
}

/**
 * Max pooling to a fixed output size over x [N, C, H, W] (or [C, H, W]) with PyTorch's
 * adaptive windows [floor(i·H/oh), ceil((i+1)·H/oh)); null keeps a dim. With
 * `returnIndices: true` returns [output, indices] (flat h·W + w per plane, as maxPool2d's).
 * @example `adaptiveMaxPool2d(x, 1)` (global max pooling) or `adaptiveMaxPool2d(x, [7, 7], { returnIndices: true })`
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | [number | null, number | null], opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | [number | null, number | null], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | [number | null, number | null], opts?: { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool2d';
  assertTensor(op, 'x', x);
  assertFloat(op, 'x', x);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: x must be [N,C,H,W] or [C,H,W], got ${x.describe()}`);
  const size = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize];
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  const oh = size[0] ?? H, ow = size[1] ?? W;
  if (size.length !== 2 || !Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) throw new ArgumentError(`${op}: outputSize must be a positive integer or a pair of them (null keeps a dim), got ${fmtValue(outputSize)}`);
  if (H === 0 || W === 0) throw new ShapeError(`${op}: input ${x.describe()} has an empty spatial dim`);
  const returnIndices = opts?.returnIndices ?? false;
  if (typeof returnIndices !== 'boolean') throw new ArgumentError(`${op}: returnIndices must be a boolean, got ${fmtValue(returnIndices)}`);
  // Every window is gathered as K = (widest rows)·(widest cols) taps; a narrower window repeats
  // its first tap, which changes neither its max nor (the gather's adjoint) its gradient.
  let kh = 0, kw = 0;
  for (let i = 0; i < oh; i++) { const [a, b] = windowOf(i, H, oh); kh = Math.max(kh, b - a); }
  for (let j = 0; j < ow; j++) { const [a, b] = windowOf(j, W, ow); kw = Math.max(kw, b - a); }
  const K = kh * kw;
  const taps = new Int32Array(oh * ow * K);
  for (let i = 0; i < oh; i++) {
    const [r0, r1] = windowOf(i, H, oh);
    for (let j = 0; j < ow; j++) {
      const [c0, c1] = windowOf(j, W, ow);
      const base = (i * ow + j) * K;
      let k = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) taps[base + k++] = r * W + c;
      for (; k < K; k++) taps[base + k] = r0 * W + c0;
    }
  }
  const planes = sizeOf(x.shape.slice(0, -2));
  const index = new Int32Array(planes * taps.length);
  for (let p = 0; p < planes; p++) index.set(taps, p * taps.length);
  // The tap table goes to x's device, so that the gather and the max run there.
  const tapIndex = Tensor.fromData(index, [planes, taps.length], 'int32');
  const onDevice = x.device === 'cpu' ? tapIndex : tapIndex.to(x.device);
  if (onDevice !== tapIndex) tapIndex.dispose();
  const gathered = gather(reshape(x, [planes, H * W]), 1, onDevice);
  const { values, indices } = max(reshape(gathered, [planes, oh * ow, K]), 2);
  const outShape = [...x.shape.slice(0, -2), oh, ow];
  const out = reshape(values, outShape);
  if (!returnIndices) { indices.dispose(); return out; }
  // Window-local positions become input positions on the host (a small int32 map), then go back to x's device.
  const hostIndices = x.device === 'cpu' ? indices : indices.to('cpu');
  const which = hostIndices.values as Int32Array;
  const flat = new Int32Array(which.length);
  for (let q = 0; q < which.length; q++) flat[q] = taps[(q % (oh * ow)) * K + which[q]];
  if (hostIndices !== indices) hostIndices.dispose();
  indices.dispose();
  const at = Tensor.fromData(flat, outShape, 'int32');
  if (x.device === 'cpu') return [out, at];
  const atDevice = at.to(x.device);
  at.dispose();
  return [out, atDevice];
}

registerOp({
  name: 'adaptiveMaxPool2d', kernels: ['gather', 'scatterAdd'], differentiable: true,
  run: (x) => adaptiveMaxPool2d(x, [3, 2]),
  samples: [{ label: '[7,5] -> [3,2] (overlapping, uneven windows)', inputs: (dt) => [spread([2, 2, 7, 5], dt)] }],
});
registerOp({
  name: 'maxUnpool2d', kernels: ['scatterAdd', 'gather'], differentiable: true,
  run: (y) => maxUnpool2d(y, Tensor.fromData(Int32Array.from([0, 3, 9, 10, 5, 6, 12, 15]), [1, 2, 2, 2], 'int32'), 2),
  samples: [{ label: '[1,2,2,2] -> [1,2,4,4]', inputs: (dt) => [spread([1, 2, 2, 2], dt)] }],
});
