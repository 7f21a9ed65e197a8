/**
 * Batch augmentations that resample: randomResizedCrop (torchvision's parameter
 * sampling, then bilinear resizing) and randomZoom (a centred scale through
 * affineGrid/gridSample). Both draw from a PhiloxStream, so a seed repeats them, and
 * both are written with ops, so the native and reference backends agree.
 */
import { getDefaultGenerator, type PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtValue } from '../errors';
import { affineGrid, gridSample } from '../ops/grid-sample';
import { interpolate } from '../ops/interpolate';
import { cat, narrow } from '../ops/shape';
import { Tensor } from '../tensor/tensor';

function imageBatch(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: x must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  if (x.ndim !== 4) throw new ShapeError(`${op}: x must be an image batch [N, C, H, W], got ${x.describe()}`);
  return x;
}

function rangeOf(op: string, name: string, v: unknown, fallback: [number, number], min: number): [number, number] {
  const r = v === undefined ? fallback : v;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((e) => typeof e === 'number' && Number.isFinite(e) && e > min) || r[0] > r[1]) {
    throw new ArgumentError(`${op}: ${name} must be [min, max] with ${min} < min <= max, got ${fmtValue(v)}`);
  }
  return [r[0], r[1]];
}

/** Python's round (half to even), which torchvision's crop sizes use. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Options of `randomResizedCrop`. @example `{ scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }` */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: [number, number];
  /** Range of the crop's aspect ratio w/h, sampled log-uniformly (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Default: the global generator. */
  generator?: PhiloxStream;
}

/**
 * Crops a random region per image, with torchvision's RandomResizedCrop sampling (10 tries of
 * an area fraction and a log-uniform aspect ratio, else a centre crop), and resizes it to
 * `size` with bilinear interpolation (no antialiasing, as F.interpolate). Draws 22 float64
 * uniforms per image, whatever the tries use, so images do not shift each other's draws.
 * @example const xb = data.randomResizedCrop(images, 24, { scale: [0.5, 1] })
 */
export function randomResizedCrop(x: Tensor, size: number | [number, number], opts: RandomResizedCropOptions = {}): Tensor {
  const op = 'randomResizedCrop';
  imageBatch(op, x);
  const [oh, ow] = Array.isArray(size) ? size : [size, size];
  if (![oh, ow].every((s) => Number.isInteger(s) && s > 0)) throw new ArgumentError(`${op}: size must be a positive integer or [h, w], got ${fmtValue(size)}`);
  const scale = rangeOf(op, 'scale', opts.scale, [0.08, 1], 0);
  const ratio = rangeOf(op, 'ratio', opts.ratio, [3 / 4, 4 / 3], 0);
  const gen = opts.generator ?? getDefaultGenerator();
  const [N, , H, W] = x.shape;
  const u = gen.uniform(22 * N, 'float64');
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  const crops: Tensor[] = [];
  for (let n = 0; n < N; n++) {
    const r = u.subarray(22 * n, 22 * n + 22);
    let box: [number, number, number, number] | null = null;
    for (let t = 0; t < 10 && !box; t++) {
      const area = H * W * (scale[0] + (scale[1] - scale[0]) * r[2 * t]);
      const aspect = Math.exp(logLo + (logHi - logLo) * r[2 * t + 1]);
      const w = roundHalfEven(Math.sqrt(area * aspect)), h = roundHalfEven(Math.sqrt(area / aspect));
      if (w > 0 && w <= W && h > 0 && h <= H) box = [Math.floor(r[20] * (H - h + 1)), Math.floor(r[21] * (W - w + 1)), h, w];
    }
    if (!box) {
      const inRatio = W / H;
      const [h, w] = inRatio < ratio[0] ? [roundHalfEven(W / ratio[0]), W] : inRatio > ratio[1] ? [H, roundHalfEven(H * ratio[1])] : [H, W];
      box = [Math.floor((H - h) / 2), Math.floor((W - w) / 2), h, w];
    }
    const [top, left, h, w] = box;
    const crop = narrow(narrow(narrow(x, 0, n, 1), 2, top, h), 3, left, w);
    crops.push(h === oh && w === ow ? crop : interpolate(crop, { size: [oh, ow], mode: 'bilinear' }));
  }
  return cat(crops, 0);
}

/** Options of `randomZoom`. @example `{ scale: [0.8, 1.25] }` */
export interface RandomZoomOptions {
  /** Range of the zoom factor per image: > 1 magnifies (crops in), < 1 shrinks (zero border). Default [0.9, 1.1]. */
  scale?: [number, number];
  /** Default: the global generator. */
  generator?: PhiloxStream;
}

/**
 * Zooms each image about its centre by a factor drawn uniformly from `scale`, keeping its size:
 * bilinear sampling through affineGrid/gridSample, zeros outside the image. One float64
 * uniform per image.
 * @example const xb = data.randomZoom(images, { scale: [0.8, 1.2] })
 */
export function randomZoom(x: Tensor, opts: RandomZoomOptions = {}): Tensor {
  const op = 'randomZoom';
  imageBatch(op, x);
  const [lo, hi] = rangeOf(op, 'scale', opts.scale, [0.9, 1.1], 0);
  const N = x.shape[0];
  const u = (opts.generator ?? getDefaultGenerator()).uniform(N, 'float64');
  const theta = new Float64Array(N * 6);
  for (let n = 0; n < N; n++) {
    // Output position p reads input position p / s: the image grows by s.
    const inv = 1 / (lo + (hi - lo) * u[n]);
    theta.set([inv, 0, 0, 0, inv, 0], 6 * n);
  }
  const t = Tensor.fromData(x.dtype === 'float64' ? theta : Float32Array.from(theta), [N, 2, 3], x.dtype);
  return gridSample(x, affineGrid(t, x.shape.slice()), { mode: 'bilinear', paddingMode: 'zeros' });
}
