/**
 * affineGrid and gridSample (PyTorch's F.affine_grid / F.grid_sample) for 2-D images:
 * sampling positions from an affine map, and bilinear or nearest sampling of x at a grid
 * of normalised positions (−1 … 1 spans the image), with zero or border padding.
 *
 * Written with ops: the corner pixels are read with gather (its adjoint, scatterAdd,
 * gives the gradient for x), and the bilinear weights are ops of the grid, so the
 * gradient for the grid (spatial transformer networks) comes out too.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue } from '../errors';
import { Tensor } from '../tensor/tensor';
import { add, mul, sub } from './binary';
import { randn } from './creation';
import { gather } from './indexing';
import { matmul } from './matmul';
import { registerOp, type SampleDType } from './registry';
import { narrow, reshape, transpose } from './shape';
import { clamp } from './unary';
import { assertTensor } from './util';

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
  const [Ho, Wo] = [grid.shape[1], grid.shape[2]], P = Ho * Wo;
  // Pixel coordinates (PyTorch's grid_sampler_unnormalize), then border clipping.
  const unnormalize = (g: Tensor, size: number): Tensor => {
    const c = alignCorners ? mul(add(g, 1), (size - 1) / 2) : mul(sub(mul(add(g, 1), size), 1), 0.5);
    return padding === 'border' ? clamp(c, { min: 0, max: size - 1 }) : c;
  };
  const ix = unnormalize(reshape(narrow(grid, 3, 0, 1), [N, P]), W);
  const iy = unnormalize(reshape(narrow(grid, 3, 1, 1), [N, P]), H);
  const flatX = reshape(x, [N, C, H * W]);
  const xv = ix.values, yv = iy.values;
  /** Reads x at integer corners (cx, cy) per output point; out-of-image corners read 0 via a zero weight mask. */
  const corner = (cx: Int32Array, cy: Int32Array): { values: Tensor; inside: Float64Array } => {
    const index = new Int32Array(N * C * P), inside = new Float64Array(N * P);
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < P; p++) {
        const k = n * P + p;
        const ok = cx[k] >= 0 && cx[k] < W && cy[k] >= 0 && cy[k] < H;
        inside[k] = ok ? 1 : 0;
        const flat = ok ? cy[k] * W + cx[k] : 0;
        for (let c = 0; c < C; c++) index[(n * C + c) * P + p] = flat;
      }
    }
    return { values: gather(flatX, 2, Tensor.fromData(index, [N, C, P], 'int32')), inside };
  };
  const asTensor = (a: Float64Array): Tensor => Tensor.fromData(x.dtype === 'float64' ? a : Float32Array.from(a), [N, 1, P], x.dtype);
  let out: Tensor;
  if (mode === 'nearest') {
    // Round half to even, as PyTorch's nearbyint.
    const roundEven = (v: number): number => { const r = Math.round(v); return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; };
    const { values, inside } = corner(Int32Array.from(xv, roundEven), Int32Array.from(yv, roundEven));
    out = mul(values, asTensor(inside));
  } else {
    const x0 = Int32Array.from(xv, Math.floor), y0 = Int32Array.from(yv, Math.floor);
    const x1 = x0.map((v) => v + 1), y1 = y0.map((v) => v + 1);
    // Weights as ops of the grid: d(out)/d(grid) flows through them.
    const fx = reshape(sub(ix, Tensor.fromData(x.dtype === 'float64' ? Float64Array.from(x0) : Float32Array.from(x0), [N, P], x.dtype)), [N, 1, P]);
    const fy = reshape(sub(iy, Tensor.fromData(x.dtype === 'float64' ? Float64Array.from(y0) : Float32Array.from(y0), [N, P], x.dtype)), [N, 1, P]);
    const gx = sub(1, fx), gy = sub(1, fy);
    const terms: [Int32Array, Int32Array, Tensor][] = [[x0, y0, mul(gx, gy)], [x1, y0, mul(fx, gy)], [x0, y1, mul(gx, fy)], [x1, y1, mul(fx, fy)]];
    out = terms.map(([cx, cy, w]) => {
      const { values, inside } = corner(cx, cy);
      return mul(values, mul(w, asTensor(inside)));
    }).reduce((a, b) => add(a, b));
  }
  return reshape(out, [N, C, Ho, Wo]);
}

const f = (shape: number[], dt: SampleDType, scale = 1): Tensor => randn(shape, { dtype: dt }).mul(scale);

registerOp({
  name: 'gridSample(bilinear)', kernels: ['gather', 'scatterAdd'], differentiable: true,
  run: (x, g) => gridSample(x, g, { paddingMode: 'zeros' }),
  samples: [{ label: '[1,2,4,5] at a [1,3,2,2] grid', inputs: (dt) => [f([1, 2, 4, 5], dt), f([1, 3, 2, 2], dt, 0.6)] }],
});
registerOp({
  name: 'affineGrid', kernels: [], differentiable: true,
  run: (theta) => affineGrid(theta, [2, 1, 3, 4], { alignCorners: true }),
  samples: [{ label: 'theta [2,2,3] -> [2,3,4,2]', inputs: (dt) => [f([2, 2, 3], dt)] }],
});
