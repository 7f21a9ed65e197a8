/**
 * interpolate (PyTorch's F.interpolate) for [N, C, L], [N, C, H, W] and [N, C, D, H, W]:
 * 'nearest', 'nearest-exact', 'linear' / 'bilinear' / 'trilinear', 'bicubic' (cubic
 * convolution, A = −0.75) and 'area' (adaptive average pooling), with alignCorners and size or
 * scaleFactor. Resampling is separable: along each spatial dim the output is Σ_t w_t · x[idx_t].
 * The taps (indices and weights, PyTorch's coordinate rules) are worked out here once; the
 * backend's resample2d kernel applies them, and its adjoint resample2dBackward gives the
 * gradient. Each is linear, so the gradient of one is the other and second derivatives are
 * exact. A volume takes two resample2d passes: [H, W] of every depth slice, then the depth of
 * [N·C, D, oH·oW] (with the identity along oH·oW).
 */
import { backend } from '../backend/index';
import type { ResampleTaps } from '../backend/backend';
import { ArgumentError, DTypeError, ShapeError, fmtValue, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { randn } from './creation';
import { record } from './record';
import { registerOp, type SampleDType } from './registry';
import { assertTensor, empty } from './util';
import { composite } from './volumetric-args';

/** How interpolate reads between pixels. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

/** Options of `interpolate`: exactly one of size and scaleFactor. @example `{ scaleFactor: 2, mode: 'bilinear' }` */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | number[];
  /** Multiplies each spatial size (output = floor(size · factor)); one number or one per dim. */
  scaleFactor?: number | number[];
  /**
   * Default 'nearest' (source index floor(i · in/out), PyTorch's legacy rule); 'nearest-exact' reads
   * the pixel whose centre is nearest (floor((i + ½) · in/out), as PIL and OpenCV); 'area' averages
   * each output's window (adaptive average pooling).
   */
  mode?: InterpolateMode;
  /**
   * Linear, bilinear, trilinear and cubic modes: map the corner pixels' centres onto each other (true) or the
   * corners of the pixel grid (false, the default, as PyTorch).
   */
  alignCorners?: boolean;
}

/** Cubic convolution weights (Keys, A = −0.75, as PyTorch) for the 4 taps around offset t in [0, 1). */
function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** The source positions and weights of every output position along one dim (PyTorch's coordinate rules). */
function tapsFor(mode: InterpolateMode, inSize: number, outSize: number, factor: number | null, alignCorners: boolean): ResampleTaps {
  if (mode === 'area') return areaTaps(inSize, outSize);
  const nearest = mode === 'nearest' || mode === 'nearest-exact';
  const taps = nearest ? 1 : mode === 'bicubic' ? 4 : 2;
  const index = new Int32Array(outSize * taps), weight = new Float64Array(outSize * taps);
  // PyTorch's area_pixel_compute_scale: a given factor is used as is (1/factor), else in/out.
  const scale = alignCorners && !nearest
    ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0)
    : (factor !== null ? 1 / factor : inSize / outSize);
  const clampIndex = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const at = o * taps;
    if (nearest) {
      index[at] = Math.min(Math.floor(mode === 'nearest' ? o * scale : (o + 0.5) * scale), inSize - 1);
      weight[at] = 1;
      continue;
    }
    let src = alignCorners ? o * scale : (o + 0.5) * scale - 0.5;
    if (mode !== 'bicubic' && !alignCorners && src < 0) src = 0;
    const i0 = Math.floor(src);
    const t = src - i0;
    if (mode === 'bicubic') {
      const w = cubicWeights(t);
      for (let k = 0; k < 4; k++) { index[at + k] = clampIndex(i0 - 1 + k); weight[at + k] = w[k]; }
    } else {
      index[at] = clampIndex(i0);
      index[at + 1] = clampIndex(i0 + 1);
      weight[at] = 1 - t;
      weight[at + 1] = t;
    }
  }
  return { taps, index, weight };
}

/**
 * 'area': output o averages the inputs floor(o · in/out) to ceil((o + 1) · in/out) - 1 (PyTorch's
 * adaptive average pooling windows). Windows differ in length by at most one; the shorter ones get
 * a last tap of weight 0.
 */
function areaTaps(inSize: number, outSize: number): ResampleTaps {
  const start = (o: number): number => Math.floor((o * inSize) / outSize);
  const end = (o: number): number => Math.ceil(((o + 1) * inSize) / outSize);
  let taps = 1;
  for (let o = 0; o < outSize; o++) taps = Math.max(taps, end(o) - start(o));
  const index = new Int32Array(outSize * taps), weight = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const a = start(o), n = end(o) - a;
    for (let k = 0; k < taps; k++) {
      index[o * taps + k] = k < n ? a + k : a;
      weight[o * taps + k] = k < n ? 1 / n : 0;
    }
  }
  return { taps, index, weight };
}

/** What resample2d needs: planes of [h, w] to [oh, ow], the taps per dim, and the tensors' shapes. */
interface ResamplePlan {
  planes: number; h: number; w: number; oh: number; ow: number;
  rows: ResampleTaps; cols: ResampleTaps;
  inShape: number[]; outShape: number[];
}

const vals = (t: Tensor): FloatArray => t.values as FloatArray;

function resampleOp(x: Tensor, p: ResamplePlan): Tensor {
  const out = empty(p.outShape, x.dtype);
  backend().resample2d(vals(x), vals(out), p.planes, p.h, p.w, p.oh, p.ow, p.rows, p.cols);
  return record(out, 'interpolate', [x], (gy) => [resampleBackwardOp(gy, p)]);
}

/** The adjoint of resampleOp; its own adjoint is resampleOp again. */
function resampleBackwardOp(gy: Tensor, p: ResamplePlan): Tensor {
  const gx = empty(p.inShape, gy.dtype);
  backend().resample2dBackward(vals(gy), vals(gx), p.planes, p.h, p.w, p.oh, p.ow, p.rows, p.cols);
  return record(gx, 'interpolateBackward', [gy], (gg) => [resampleOp(gg, p)]);
}

/** One tap of weight 1 at index 0: the height dim of a 1-D signal. */
const SINGLE_ROW: ResampleTaps = { taps: 1, index: Int32Array.of(0), weight: Float64Array.of(1) };

/** Output i reads input i with weight 1: the columns of a volume's depth pass. */
function identityTaps(size: number): ResampleTaps {
  const index = new Int32Array(size);
  for (let i = 0; i < size; i++) index[i] = i;
  return { taps: 1, index, weight: new Float64Array(size).fill(1) };
}

function perDim(op: string, name: string, v: number | number[], dims: number, integer: boolean): number[] {
  const list = Array.isArray(v) ? v : Array<number>(dims).fill(v);
  if (list.length !== dims || list.some((s) => typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || (integer && !Number.isInteger(s)))) {
    throw new ArgumentError(`${op}: ${name} must be a positive ${integer ? 'integer' : 'number'} or a list of ${dims}, got ${fmtValue(v)}`);
  }
  return list;
}

/**
 * Resizes the spatial dims of x: [N, C, L] ('nearest', 'nearest-exact', 'linear', 'area'),
 * [N, C, H, W] ('nearest', 'nearest-exact', 'bilinear', 'bicubic', 'area') or [N, C, D, H, W]
 * ('nearest', 'nearest-exact', 'trilinear', 'area'), with PyTorch's coordinate rules.
 * Differentiable.
 * @example
 * const up = interpolate(images, { scaleFactor: 2, mode: 'bilinear' });
 * const fixed = interpolate(images, { size: [32, 32], mode: 'bicubic', alignCorners: true });
 * const small = interpolate(images, { size: [7, 7], mode: 'area' });  // antialiased downsampling
 * const clip = interpolate(video, { scaleFactor: [1, 2, 2], mode: 'trilinear' });  // [N, C, D, H, W]
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  assertTensor(op, 'x', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  const mode = opts?.mode ?? 'nearest';
  const dims = x.ndim - 2;
  const allowed: Record<number, InterpolateMode[]> = {
    1: ['nearest', 'nearest-exact', 'linear', 'area'], 2: ['nearest', 'nearest-exact', 'bilinear', 'bicubic', 'area'], 3: ['nearest', 'nearest-exact', 'trilinear', 'area'],
  };
  if (!allowed[dims]) throw new ShapeError(`${op}: x must be [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${x.describe()}`);
  if (!allowed[dims].includes(mode)) throw new ArgumentError(`${op}: mode '${fmtArg(mode)}' does not apply to ${dims}-D input ${x.describe()} (use ${allowed[dims].map((m) => `'${m}'`).join(' or ')})`);
  const alignCorners = opts.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new ArgumentError(`${op}: alignCorners must be a boolean, got ${fmtValue(alignCorners)}`);
  if (alignCorners && !['linear', 'bilinear', 'trilinear', 'bicubic'].includes(mode)) throw new ArgumentError(`${op}: alignCorners applies to the linear and cubic modes, not '${mode}'`);
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new ArgumentError(`${op}: give exactly one of size and scaleFactor`);
  const inSizes = x.shape.slice(2);
  const factors = opts.scaleFactor === undefined ? null : perDim(op, 'scaleFactor', opts.scaleFactor, dims, false);
  const outSizes = factors ? inSizes.map((s, i) => Math.floor(s * factors[i])) : perDim(op, 'size', opts.size!, dims, true);
  if (outSizes.some((s) => s < 1)) throw new ShapeError(`${op}: the output size ${fmtValue(outSizes)} of ${x.describe()} is empty`);
  if (inSizes.some((s) => s === 0)) throw new ShapeError(`${op}: cannot resize the empty spatial dims of ${x.describe()}`);
  const taps = inSizes.map((inSize, i) => tapsFor(mode, inSize, outSizes[i], factors ? factors[i] : null, alignCorners));
  const planes = sizeOf(x.shape.slice(0, 2));
  if (dims === 3) {
    const [d, h, w] = inSizes, [od, oh, ow] = outSizes;
    const sliced = [...x.shape.slice(0, 3), oh, ow];
    return composite([x], () => {
      const perSlice = resampleOp(x, { planes: planes * d, h, w, oh, ow, rows: taps[1], cols: taps[2], inShape: x.shape.slice(), outShape: sliced });
      return resampleOp(perSlice, {
        planes, h: d, w: oh * ow, oh: od, ow: oh * ow, rows: taps[0], cols: identityTaps(oh * ow), inShape: sliced, outShape: [...x.shape.slice(0, 2), ...outSizes],
      });
    });
  }
  const [h, oh] = dims === 2 ? [inSizes[0], outSizes[0]] : [1, 1];
  const plan: ResamplePlan = {
    planes, h, w: inSizes[dims - 1], oh, ow: outSizes[dims - 1],
    rows: dims === 2 ? taps[0] : SINGLE_ROW, cols: taps[dims - 1],
    inShape: x.shape.slice(), outShape: [...x.shape.slice(0, 2), ...outSizes],
  };
  return resampleOp(x, plan);
}

const f = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });

registerOp({
  name: 'interpolate(bilinear)', kernels: ['resample2d', 'resample2dBackward'], differentiable: true,
  run: (x) => interpolate(x, { size: [5, 3], mode: 'bilinear' }),
  samples: [{ label: '[1,2,3,4] -> [5,3]', inputs: (dt) => [f([1, 2, 3, 4], dt)] }],
});
registerOp({
  name: 'interpolate(bicubic,alignCorners)', kernels: ['resample2d', 'resample2dBackward'], differentiable: true,
  run: (x) => interpolate(x, { scaleFactor: 1.5, mode: 'bicubic', alignCorners: true }),
  samples: [{ label: '[1,1,4,3] x1.5', inputs: (dt) => [f([1, 1, 4, 3], dt)] }],
});
registerOp({
  name: 'interpolate(area)', kernels: ['resample2d', 'resample2dBackward'], differentiable: true,
  run: (x) => interpolate(x, { size: [3, 2], mode: 'area' }),
  samples: [{ label: '[1,2,7,5] -> [3,2]', inputs: (dt) => [f([1, 2, 7, 5], dt)] }],
});
registerOp({
  name: 'interpolate(nearest)', kernels: ['resample2d', 'resample2dBackward'], differentiable: true,
  run: (x) => interpolate(x, { scaleFactor: 2 }),
  samples: [{ label: '[2,2,5] x2', inputs: (dt) => [f([2, 2, 5], dt)] }],
});
registerOp({
  name: 'interpolate(trilinear)', kernels: ['resample2d', 'resample2dBackward'], differentiable: true,
  run: (x) => interpolate(x, { size: [3, 4, 2], mode: 'trilinear', alignCorners: true }),
  samples: [{ label: '[1,2,2,3,4] -> [3,4,2]', inputs: (dt) => [f([1, 2, 2, 3, 4], dt)] }],
});
