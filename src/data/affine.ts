/**
 * Affine warps of image batches with torchvision's semantics: `inverseAffineMatrix`
 * (torchvision's `_get_inverse_affine_matrix`), `affine` (F.affine) and `randomAffine`
 * (RandomAffine: rotation, translation, scale and x/y shear drawn per sample). The
 * per-sample inverse maps are computed here in float64 and handed to the backend's affine2d
 * kernel, so both backends give the same images for a seed. Like every augmentation here,
 * they record no autograd graph (use affineGrid/gridSample for a differentiable warp).
 */
import { ArgumentError, fmtValue } from '../errors';
import { PhiloxStream } from '../backend/philox';
import { roundHalfEven } from '../backend/reference/math';
import { registerOp } from '../ops/registry';
import type { Tensor } from '../tensor/tensor';
import { IMAGE_SAMPLES, affineBatch, asBatch, channelValues, checkFinite, generatorOf, type Batch, type GeneratorOptions } from './augment-batch';

/** How `affine` reads between pixels (torchvision's InterpolationMode.NEAREST / BILINEAR). */
export type AffineInterpolation = 'nearest' | 'bilinear';

const radians = (degrees: number): number => (degrees * Math.PI) / 180;

/**
 * torchvision's `_get_inverse_affine_matrix`: the row-major 2x3 map M from output to input
 * pixel positions, both relative to the image centre, of the transform
 * T(translate) · C(center) · R(angle) · S(scale) · SHy(shear[1]) · SHx(shear[0]) · C⁻¹.
 * Angles are in degrees, clockwise on screen (rows grow downwards); `center` is relative to
 * the image centre. With a = cos(r − sy)/cos(sy), b = −cos(r − sy)·tan(sx)/cos(sy) − sin r,
 * c = sin(r − sy)/cos(sy), d = −sin(r − sy)·tan(sx)/cos(sy) + cos r (a determinant-1 matrix),
 *   M = [d, −b, ·; −c, a, ·] / scale, its last column M·(−center − translate) + center.
 * @example
 * const m = data.inverseAffineMatrix(90, [0, 0], 1, [0, 0]); // ≈ [0, 1, 0, -1, 0, 0]
 */
export function inverseAffineMatrix(angle: number, translate: [number, number], scale: number, shear: [number, number],
  center: [number, number] = [0, 0]): number[] {
  const rot = radians(angle), sx = radians(shear[0]), sy = radians(shear[1]);
  const [cx, cy] = center, [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = -Math.cos(rot - sy) * Math.tan(sx) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = -Math.sin(rot - sy) * Math.tan(sx) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** Interpolation, fill and centre of `affine` and `randomAffine`. @example `{ interpolation: 'bilinear', fill: 0.5, center: [10, 10] }` */
export interface AffineOptions {
  /** 'nearest' (default, as torchvision) or 'bilinear'. */
  interpolation?: AffineInterpolation;
  /**
   * The value of pixels from outside the image: one for all channels or one per channel (default 0).
   * It pads the image, so a bilinear pixel reading partly outside is s + (1 − m)·fill (s: its in-image
   * taps, m: their weight). torchvision blends that pixel once more, s·m + (1 − m)·fill, which darkens
   * the edge row and turns a constant image with the same fill non-constant; elsewhere the two agree
   * (checked against torchvision's code path in test/data/affine.test.ts).
   */
  fill?: number | number[];
  /** The centre of rotation, scale and shear in pixel coordinates [x, y] (default: the image centre). */
  center?: [number, number];
}

interface Resolved { nearest: boolean; fill: Float64Array; center: [number, number] }

function pairOfFinite(op: string, name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    throw new ArgumentError(`${op}: ${name} must be a pair of finite numbers, got ${fmtValue(v)}`);
  }
  return [v[0], v[1]];
}

function resolve(op: string, b: Batch, opts: AffineOptions): Resolved {
  const mode = opts.interpolation ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new ArgumentError(`${op}: interpolation must be 'nearest' or 'bilinear', got ${fmtValue(mode)}`);
  // torchvision's centre is in pixel coordinates, shifted so that (w/2, h/2) is 0.
  const center: [number, number] = opts.center === undefined ? [0, 0]
    : ((c) => [c[0] - b.w * 0.5, c[1] - b.h * 0.5])(pairOfFinite(op, 'center', opts.center));
  return { nearest: mode === 'nearest', fill: channelValues(op, 'fill', opts.fill ?? 0, b.c), center };
}

function shearPair(op: string, shear: number | [number, number]): [number, number] {
  return typeof shear === 'number' ? [checkFinite(op, 'shear', shear), 0] : pairOfFinite(op, 'shear', shear);
}

function checkScale(op: string, scale: unknown): number {
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) throw new ArgumentError(`${op}: scale must be a finite number > 0, got ${fmtValue(scale)}`);
  return scale;
}

/**
 * Warps every image of x [N, C, H, W] (or one image [C, H, W]) by the same affine transform,
 * keeping its size (torchvision's `F.affine`): rotation by `angle` degrees (clockwise),
 * translation [tx, ty] in pixels, `scale`, and shear in degrees (a number shears parallel to
 * x; [sx, sy] shears along both), about the centre. Pixels from outside the image read `fill`.
 * @example const moved = data.affine(images, 15, [2, -1], 1.1, [5, 0], { interpolation: 'bilinear' })
 */
export function affine(x: Tensor, angle: number, translate: [number, number], scale: number, shear: number | [number, number],
  opts: AffineOptions = {}): Tensor {
  const op = 'affine';
  const b = asBatch(op, x);
  const r = resolve(op, b, opts);
  const m = inverseAffineMatrix(checkFinite(op, 'angle', angle), pairOfFinite(op, 'translate', translate), checkScale(op, scale),
    shearPair(op, shear), r.center);
  const matrices = new Float64Array(6 * b.n);
  for (let i = 0; i < b.n; i++) matrices.set(m, 6 * i);
  return affineBatch(b, matrices, r.nearest, r.fill);
}

/** Ranges of `randomAffine` (besides degrees), and its interpolation and fill. @example `{ translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 10 }` */
export interface RandomAffineOptions extends AffineOptions, GeneratorOptions {
  /** Largest shift as fractions [a, b] of the width and height: tx uniform on [-aW, aW], rounded (default none). */
  translate?: [number, number];
  /** Range [min, max] of the scale factor (default none: 1). */
  scale?: [number, number];
  /**
   * Shear in degrees: s gives x shear on [-s, s]; [min, max] an x range; [xmin, xmax, ymin, ymax]
   * x and y ranges (default none).
   */
  shear?: number | [number, number] | [number, number, number, number];
}

function degreesRange(op: string, name: string, v: unknown): [number, number] {
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) throw new ArgumentError(`${op}: ${name} must be a finite number >= 0 or [min, max], got ${fmtValue(v)}`);
    return [-v, v];
  }
  const r = pairOfFinite(op, name, v);
  if (r[0] > r[1]) throw new ArgumentError(`${op}: ${name} must be [min, max] with min <= max, got ${fmtValue(v)}`);
  return r;
}

/** The shear ranges [x, y] of RandomAffine's `shear`. */
function shearRanges(op: string, v: RandomAffineOptions['shear']): [[number, number], [number, number]] {
  if (v === undefined) return [[0, 0], [0, 0]];
  if (Array.isArray(v) && v.length === 4) {
    return [degreesRange(op, 'shear[0..1]', [v[0], v[1]]), degreesRange(op, 'shear[2..3]', [v[2], v[3]])];
  }
  if (Array.isArray(v) && v.length !== 2) throw new ArgumentError(`${op}: shear must be a number >= 0, [min, max] or [xmin, xmax, ymin, ymax], got ${fmtValue(v)}`);
  return [degreesRange(op, 'shear', v), [0, 0]];
}

/** Per-sample draws of `randomAffine`: angle, tx, ty, scale, shear x, shear y (used or not). */
const AFFINE_DRAWS = 6;

/**
 * Warps each image by its own random affine transform (torchvision's RandomAffine): an angle
 * uniform on [-degrees, degrees] (or [min, max]), a translation tx = round(U(-aW, aW)),
 * ty = round(U(-bH, bH)) for translate [a, b], a scale uniform on `scale`, and shears uniform
 * on their ranges, about the centre; nearest interpolation by default. Draws 6 float64
 * uniforms per sample, whatever the options use, so a seed gives the same images on both backends.
 * @example const xb = data.randomAffine(images, 10, { translate: [0.1, 0.1], scale: [0.9, 1.1], shear: [-5, 5, -5, 5] })
 */
export function randomAffine(x: Tensor, degrees: number | [number, number], opts: RandomAffineOptions = {}): Tensor {
  const op = 'randomAffine';
  const b = asBatch(op, x);
  const [aLo, aHi] = degreesRange(op, 'degrees', degrees);
  let maxDx = 0, maxDy = 0;
  if (opts.translate !== undefined) {
    const t = pairOfFinite(op, 'translate', opts.translate);
    if (!t.every((v) => v >= 0 && v <= 1)) throw new ArgumentError(`${op}: translate values must be in [0, 1], got ${fmtValue(opts.translate)}`);
    [maxDx, maxDy] = [t[0] * b.w, t[1] * b.h];
  }
  let [sLo, sHi] = [1, 1];
  if (opts.scale !== undefined) {
    [sLo, sHi] = pairOfFinite(op, 'scale', opts.scale);
    if (!(sLo > 0 && sLo <= sHi)) throw new ArgumentError(`${op}: scale must be [min, max] with 0 < min <= max, got ${fmtValue(opts.scale)}`);
  }
  const [shX, shY] = shearRanges(op, opts.shear);
  const r = resolve(op, b, opts);
  const u = generatorOf(op, opts).uniform(AFFINE_DRAWS * b.n, 'float64');
  const between = (lo: number, hi: number, v: number): number => lo + (hi - lo) * v;
  const matrices = new Float64Array(6 * b.n);
  for (let i = 0; i < b.n; i++) {
    const d = u.subarray(AFFINE_DRAWS * i, AFFINE_DRAWS * (i + 1));
    const translate: [number, number] = [roundHalfEven(between(-maxDx, maxDx, d[1])), roundHalfEven(between(-maxDy, maxDy, d[2]))];
    const shear: [number, number] = [between(shX[0], shX[1], d[4]), between(shY[0], shY[1], d[5])];
    matrices.set(inverseAffineMatrix(between(aLo, aHi, d[0]), translate, between(sLo, sHi, d[3]), shear, r.center), 6 * i);
  }
  return affineBatch(b, matrices, r.nearest, r.fill);
}

// Registry: the affine2d kernel on both backends, nearest and bilinear, per-channel fill, with
// NaN pixels (augment.ts's IMAGE_SAMPLES). The random one draws from a stream made inside run.
registerOp({
  name: 'affine', kernels: ['affine2d'], differentiable: false,
  run: (x) => [affine(x, 33, [1, -2], 0.8, [12, -7], { interpolation: 'bilinear', fill: 0.5 }), affine(x, -71, [0, 1], 1.3, 20, { center: [1, 2] })],
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'randomAffine', kernels: ['affine2d'], differentiable: false,
  run: (x) => [
    randomAffine(x, 30, { translate: [0.2, 0.3], scale: [0.7, 1.2], shear: [-10, 10, -5, 5], interpolation: 'bilinear', generator: new PhiloxStream(6) }),
    randomAffine(x, [-90, 45], { shear: 15, fill: -1, generator: new PhiloxStream(7) }),
  ],
  samples: IMAGE_SAMPLES,
});
