/**
 * affineGrid and gridSample (PyTorch's F.affine_grid / F.grid_sample) for 2-D images:
 * sampling positions from an affine map, and bilinear or nearest sampling of x at a grid
 * of normalised positions (−1 … 1 spans the image), with zero or border padding.
 *
 * affineGrid is written with ops (a matmul), so it is differentiable in theta. gridSample runs
 * the backend's gridSample2d kernel; gridSample2dBackward gives the gradients for x and for the
 * grid (spatial transformer networks). Like PyTorch's grid_sampler, it is differentiable once:
 * a second derivative throws.
 */
import { backend } from '../backend/index';
import type { GridSampleGeometry } from '../backend/backend';
import { ArgumentError, AutogradError, DTypeError, ShapeError, fmtShape, fmtValue } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { randn } from './creation';
import { matmul } from './matmul';
import { record } from './record';
import { registerOp, type SampleDType } from './registry';
import { reshape, transpose } from './shape';
import { assertTensor, empty } from './util';

/** Normalised coordinates of the pixel centres along a dim of `n` pixels. */
function baseCoordinates(n: number, alignCorners: boolean): number[] {
  return Array.from({ length: n }, (_, i) => (alignCorners ? (n > 1 ? (2 * i) / (n - 1) - 1 : 0) : (2 * i + 1) / n - 1));
}

/**
 * The sampling grid [N, H, W, 2] (x, y in −1 … 1) of the affine maps theta [N, 2, 3] for an output
 * of size [N, C, H, W]: grid[n, h, w] = theta[n] · (x_w, y_h, 1). Differentiable in theta.
 * @example const grid = affineGrid(theta, [8, 1, 28, 28]); const warped = gridSample(images, grid)
 */
export function affineGrid(theta: Tensor, size: number[], opts?: { alignCorners?: boolean }): Tensor {
  const op = 'affineGrid';
  assertTensor(op, 'theta', theta);
  if (theta.dtype !== 'float32' && theta.dtype !== 'float64') throw new DTypeError(`${op}: theta must be float32 or float64, got ${theta.describe()}`);
  if (!Array.isArray(size) || size.length !== 4 || size.some((s) => !Number.isInteger(s) || s < 1)) throw new ArgumentError(`${op}: size must be [N, C, H, W] of positive integers, got ${fmtValue(size)}`);
  const [N, , H, W] = size;
  if (theta.ndim !== 3 || theta.shape[0] !== N || theta.shape[1] !== 2 || theta.shape[2] !== 3) throw new ShapeError(`${op}: theta must be ${fmtShape([N, 2, 3])} for size ${fmtShape(size)}, got ${theta.describe()}`);
  const alignCorners = opts?.alignCorners ?? false;
  const xs = baseCoordinates(W, alignCorners), ys = baseCoordinates(H, alignCorners);
  const base = new Float64Array(H * W * 3);
  for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) base.set([xs[w], ys[h], 1], (h * W + w) * 3);
  const baseT = Tensor.fromData(theta.dtype === 'float64' ? base : Float32Array.from(base), [H * W, 3], theta.dtype);
  // [H·W, 3] @ [N, 3, 2] -> [N, H·W, 2]
  return reshape(matmul(baseT, transpose(theta, 1, 2)), [N, H, W, 2]);
}

/** Options of `gridSample`. @example `{ mode: 'bilinear', paddingMode: 'border', alignCorners: false }` */
export interface GridSampleOptions {
  /** 'bilinear' (default) or 'nearest'. */
  mode?: 'bilinear' | 'nearest';
  /** What positions outside the image read: 'zeros' (default) or 'border' (the nearest edge pixel). */
  paddingMode?: 'zeros' | 'border';
  /** −1 and 1 are the centres of the corner pixels (true) or their outer edges (false, the default). */
  alignCorners?: boolean;
}

/**
 * Samples x [N, C, H, W] at grid [N, Ho, Wo, 2] (x, y normalised to −1 … 1) → [N, C, Ho, Wo],
 * as PyTorch's grid_sample. Differentiable in x and (bilinear) in grid.
 * @example const out = gridSample(images, affineGrid(theta, [n, 1, 28, 28]), { paddingMode: 'border' })
 */
export function gridSample(x: Tensor, grid: Tensor, opts: GridSampleOptions = {}): Tensor {
  const op = 'gridSample';
  assertTensor(op, 'x', x);
  assertTensor(op, 'grid', grid);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  if (grid.dtype !== x.dtype) throw new DTypeError(`${op}: grid must have x's dtype ${x.dtype}, got ${grid.describe()}`);
  if (x.ndim !== 4) throw new ShapeError(`${op}: x must be [N, C, H, W], got ${x.describe()}`);
  const [N, C, H, W] = x.shape;
  if (grid.ndim !== 4 || grid.shape[0] !== N || grid.shape[3] !== 2) throw new ShapeError(`${op}: grid must be [${N}, Ho, Wo, 2] for x ${x.describe()}, got ${grid.describe()}`);
  const mode = opts.mode ?? 'bilinear', padding = opts.paddingMode ?? 'zeros', alignCorners = opts.alignCorners ?? false;
  if (mode !== 'bilinear' && mode !== 'nearest') throw new ArgumentError(`${op}: mode must be 'bilinear' or 'nearest', got ${fmtValue(mode)}`);
  if (padding !== 'zeros' && padding !== 'border') throw new ArgumentError(`${op}: paddingMode must be 'zeros' or 'border', got ${fmtValue(padding)}`);
  if (typeof alignCorners !== 'boolean') throw new ArgumentError(`${op}: alignCorners must be a boolean, got ${fmtValue(alignCorners)}`);
  const g: GridSampleGeometry = {
    n: N, c: C, h: H, w: W, oh: grid.shape[1], ow: grid.shape[2],
    nearest: mode === 'nearest', border: padding === 'border', alignCorners,
  };
  const out = empty([N, C, g.oh, g.ow], x.dtype);
  backend().gridSample2d(vals(x), vals(grid), vals(out), g);
  return record(out, op, [x, grid], (gy) => gridSampleBackward(gy, x, grid, g), [x, grid]);
}

const vals = (t: Tensor): FloatArray => t.values as FloatArray;

function gridSampleBackward(gy: Tensor, x: Tensor, grid: Tensor, g: GridSampleGeometry): (Tensor | null)[] {
  const gx = x.requiresGrad ? empty(x.shape.slice(), x.dtype) : null;
  const gg = grid.requiresGrad ? empty(grid.shape.slice(), grid.dtype) : null;
  backend().gridSample2dBackward(vals(gy), vals(x), vals(grid), gx ? vals(gx) : null, gg ? vals(gg) : null, g);
  // Under createGraph, differentiating these again reports that instead of a wrong second derivative.
  const firstOrderOnly = (): never => {
    throw new AutogradError('gridSample: second derivatives are not implemented (the gridSample gradient is first order only, as in PyTorch)');
  };
  return [gx, gg].map((t) => t && record(t, 'gridSampleBackward', [gy, x, grid], firstOrderOnly));
}

const f = (shape: number[], dt: SampleDType, scale = 1): Tensor => randn(shape, { dtype: dt }).mul(scale);

registerOp({
  name: 'gridSample(bilinear)', kernels: ['gridSample2d', 'gridSample2dBackward'], differentiable: true,
  run: (x, g) => gridSample(x, g, { paddingMode: 'zeros' }),
  samples: [{ label: '[1,2,4,5] at a [1,3,2,2] grid', inputs: (dt) => [f([1, 2, 4, 5], dt), f([1, 3, 2, 2], dt, 0.6)] }],
});
registerOp({
  name: 'affineGrid', kernels: [], differentiable: true,
  run: (theta) => affineGrid(theta, [2, 1, 3, 4], { alignCorners: true }),
  samples: [{ label: 'theta [2,2,3] -> [2,3,4,2]', inputs: (dt) => [f([2, 2, 3], dt)] }],
});
registerOp({
  name: 'gridSample(bilinear,border,alignCorners)', kernels: ['gridSample2d', 'gridSample2dBackward'], differentiable: true,
  run: (x, g) => gridSample(x, g, { paddingMode: 'border', alignCorners: true }),
  samples: [{ label: '[2,3,3,4] at a [2,2,3,2] grid reaching past the border', inputs: (dt) => [f([2, 3, 3, 4], dt), f([2, 2, 3, 2], dt, 0.9)] }],
});
registerOp({
  name: 'gridSample(nearest)', kernels: ['gridSample2d', 'gridSample2dBackward'], differentiable: true,
  run: (x, g) => gridSample(x, g, { mode: 'nearest' }),
  // The grid's gradient is zero almost everywhere (rounding is locally constant): checked for x only.
  samples: [{ label: '[1,2,4,5] at a [1,3,3,2] grid', inputs: (dt) => [f([1, 2, 4, 5], dt), f([1, 3, 3, 2], dt, 0.7)], wrt: [0] }],
});
