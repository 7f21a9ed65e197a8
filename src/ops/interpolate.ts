/**
 * interpolate (PyTorch's F.interpolate) for [N, C, L] and [N, C, H, W]: 'nearest',
 * 'linear' / 'bilinear' and 'bicubic' (cubic convolution, A = −0.75), with
 * alignCorners and size or scaleFactor. Resampling is separable: along each spatial
 * dim the output is Σ_t w_t · x[idx_t], written with indexSelect, mul and add, so the
 * gradient (and a second derivative) come from those ops on every backend.
 */
import { ArgumentError, DTypeError, ShapeError, fmtValue } from '../errors';
import { Tensor } from '../tensor/tensor';
import { add, mul } from './binary';
import { randn } from './creation';
import { indexSelect } from './indexing';
import { registerOp, type SampleDType } from './registry';
import { clone } from './shape';
import { assertTensor } from './util';

/** How interpolate reads between pixels. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'bicubic';

/** Options of `interpolate`: exactly one of size and scaleFactor. @example `{ scaleFactor: 2, mode: 'bilinear' }` */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | number[];
  /** Multiplies each spatial size (output = floor(size · factor)); one number or one per dim. */
  scaleFactor?: number | number[];
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /**
   * Linear and cubic modes: map the corner pixels' centres onto each other (true) or the
   * corners of the pixel grid (false, the default, as PyTorch).
   */
  alignCorners?: boolean;
}

interface Taps { index: Int32Array[]; weight: Float64Array[] }

/** Cubic convolution weights (Keys, A = −0.75, as PyTorch) for the 4 taps around offset t in [0, 1). */
function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** The source positions and weights of every output position along one dim (PyTorch's coordinate rules). */
function tapsFor(mode: InterpolateMode, inSize: number, outSize: number, factor: number | null, alignCorners: boolean): Taps {
  const nTaps = mode === 'nearest' ? 1 : mode === 'bicubic' ? 4 : 2;
  const index = Array.from({ length: nTaps }, () => new Int32Array(outSize));
  const weight = Array.from({ length: nTaps }, () => new Float64Array(outSize));
  // PyTorch's area_pixel_compute_scale: a given factor is used as is (1/factor), else in/out.
  const scale = alignCorners && mode !== 'nearest'
    ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0)
    : (factor !== null ? 1 / factor : inSize / outSize);
  const clampIndex = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      index[0][o] = Math.min(Math.floor(o * scale), inSize - 1);
      weight[0][o] = 1;
      continue;
    }
    let src = alignCorners ? o * scale : (o + 0.5) * scale - 0.5;
    if (mode !== 'bicubic' && !alignCorners && src < 0) src = 0;
    const i0 = Math.floor(src);
    const t = src - i0;
    if (mode === 'bicubic') {
      const w = cubicWeights(t);
      for (let k = 0; k < 4; k++) { index[k][o] = clampIndex(i0 - 1 + k); weight[k][o] = w[k]; }
    } else {
      index[0][o] = clampIndex(i0);
      index[1][o] = clampIndex(i0 + 1);
      weight[0][o] = 1 - t;
      weight[1][o] = t;
    }
  }
  return { index, weight };
}

/** Resamples x along `dim` with the given taps. */
function resampleDim(x: Tensor, dim: number, taps: Taps): Tensor {
  const outSize = taps.index[0].length;
  // The weights vary along `dim` only: shape [outSize, 1, ...] with one 1 per later dim.
  const wShape = [outSize, ...Array<number>(x.ndim - 1 - dim).fill(1)];
  let out: Tensor | null = null;
  taps.index.forEach((idx, t) => {
    const picked = indexSelect(x, dim, Tensor.fromData(idx, [outSize], 'int32'));
    const w = taps.weight[t];
    const term = w.every((v) => v === 1) ? picked : mul(picked, Tensor.fromData(x.dtype === 'float64' ? w : Float32Array.from(w), wShape, x.dtype));
    out = out ? add(out, term) : term;
  });
  return out!;
}

function perDim(op: string, name: string, v: number | number[], dims: number, integer: boolean): number[] {
  const list = Array.isArray(v) ? v : Array<number>(dims).fill(v);
  if (list.length !== dims || list.some((s) => typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || (integer && !Number.isInteger(s)))) {
    throw new ArgumentError(`${op}: ${name} must be a positive ${integer ? 'integer' : 'number'} or a list of ${dims}, got ${fmtValue(v)}`);
  }
  return list;
}

/**
 * Resizes the spatial dims of x: [N, C, L] ('nearest', 'linear') or [N, C, H, W] ('nearest',
 * 'bilinear', 'bicubic'), with PyTorch's coordinate rules. Differentiable.
 * @example
 * const up = interpolate(images, { scaleFactor: 2, mode: 'bilinear' });
 * const fixed = interpolate(images, { size: [32, 32], mode: 'bicubic', alignCorners: true });
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  assertTensor(op, 'x', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  const mode = opts?.mode ?? 'nearest';
  const dims = x.ndim - 2;
  const allowed: Record<number, InterpolateMode[]> = { 1: ['nearest', 'linear'], 2: ['nearest', 'bilinear', 'bicubic'] };
  if (!allowed[dims]) throw new ShapeError(`${op}: x must be [N, C, L] or [N, C, H, W], got ${x.describe()}`);
  if (!allowed[dims].includes(mode)) throw new ArgumentError(`${op}: mode '${String(mode)}' does not apply to ${dims}-D input ${x.describe()} (use ${allowed[dims].map((m) => `'${m}'`).join(' or ')})`);
  const alignCorners = opts.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new ArgumentError(`${op}: alignCorners must be a boolean, got ${fmtValue(alignCorners)}`);
  if (alignCorners && mode === 'nearest') throw new ArgumentError(`${op}: alignCorners applies to the linear and cubic modes, not 'nearest'`);
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new ArgumentError(`${op}: give exactly one of size and scaleFactor`);
  const inSizes = x.shape.slice(2);
  const factors = opts.scaleFactor === undefined ? null : perDim(op, 'scaleFactor', opts.scaleFactor, dims, false);
  const outSizes = factors ? inSizes.map((s, i) => Math.floor(s * factors[i])) : perDim(op, 'size', opts.size!, dims, true);
  if (outSizes.some((s) => s < 1)) throw new ShapeError(`${op}: the output size ${fmtValue(outSizes)} of ${x.describe()} is empty`);
  let out = x;
  inSizes.forEach((inSize, i) => {
    if (inSize === outSizes[i] && factors === null && mode === 'nearest') return;
    out = resampleDim(out, 2 + i, tapsFor(mode, inSize, outSizes[i], factors ? factors[i] : null, alignCorners));
  });
  return out === x ? clone(x) : out;
}

const f = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });

registerOp({
  name: 'interpolate(bilinear)', kernels: ['indexSelect', 'indexAdd'], differentiable: true,
  run: (x) => interpolate(x, { size: [5, 3], mode: 'bilinear' }),
  samples: [{ label: '[1,2,3,4] -> [5,3]', inputs: (dt) => [f([1, 2, 3, 4], dt)] }],
});
registerOp({
  name: 'interpolate(bicubic,alignCorners)', kernels: ['indexSelect', 'indexAdd'], differentiable: true,
  run: (x) => interpolate(x, { scaleFactor: 1.5, mode: 'bicubic', alignCorners: true }),
  samples: [{ label: '[1,1,4,3] x1.5', inputs: (dt) => [f([1, 1, 4, 3], dt)] }],
});
registerOp({
  name: 'interpolate(nearest)', kernels: ['indexSelect', 'indexAdd'], differentiable: true,
  run: (x) => interpolate(x, { scaleFactor: 2 }),
  samples: [{ label: '[2,2,5] x2', inputs: (dt) => [f([2, 2, 5], dt)] }],
});
