/**
 * Batch augmentations of images x [N, C, H, W] (or one image [C, H, W]),
 * float32 or float64, with torchvision's semantics. Each returns a new tensor
 * (the input is never modified), draws every random number for the batch up
 * front from a Philox stream (`generator`, default the global one) in a fixed
 * amount per sample, and is the identity at zero strength. The per-sample
 * parameters (offsets, flags, angles, boxes) are computed here and handed to
 * the backend's cropFlip2d / affine2d / erase2d kernels, so both backends give
 * the same result for a seed. Augmentations are data preparation: they record
 * no autograd graph.
 */
import { rotateHueInPlace } from './hue';
import { IMAGE_SAMPLES, affineBatch, asBatch, channelValues, checkFinite, generatorOf, type Batch, type GeneratorOptions } from './augment-batch';
import { backend } from '../backend/index';
import { getDefaultGenerator, mulHi32, PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { registerOp } from '../ops/registry';
import { empty } from '../ops/util';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

export type { GeneratorOptions } from './augment-batch';

/** Constant fill or mirror padding ('reflect': PyTorch's, without repeating the edge pixel). */
export type PaddingMode = 'constant' | 'reflect';

function checkProbability(op: string, name: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: ${name} must be a probability in [0, 1], got ${fmtArg(p)}`);
  return p;
}

/** A per-sample integer parameter: one number for every sample, or one per sample. */
function perSampleInts(op: string, name: string, v: number | ArrayLike<number>, n: number): Int32Array {
  const out = new Int32Array(n);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 30) throw new ArgumentError(`${op}: ${name} must be an integer, got ${v}`);
    return out.fill(v);
  }
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new ArgumentError(`${op}: ${name} must be a number or one number per sample`);
  if (v.length !== n) throw new ShapeError(`${op}: ${name} has ${v.length} entries for a batch of ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(v[i]) || Math.abs(v[i]) > 2 ** 30) throw new ArgumentError(`${op}: ${name}[${i}] must be an integer, got ${v[i]}`);
    out[i] = v[i];
  }
  return out;
}

function checkSize(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 30) throw new ArgumentError(`${op}: ${name} must be a non-negative integer, got ${fmtArg(v)}`);
  return v;
}

// ---------------------------------------------------------------------------
// Deterministic transforms (the kernels, with explicit per-sample parameters)
// ---------------------------------------------------------------------------

function cropFlip(op: string, b: Batch, top: Int32Array, left: Int32Array, oh: number, ow: number,
  flip: Uint8Array | null, mode: PaddingMode, fill: number): Tensor {
  if (mode !== 'constant' && mode !== 'reflect') throw new ArgumentError(`${op}: paddingMode must be 'constant' or 'reflect', got ${fmtArg(mode)}`);
  if (b.n * b.c * oh * ow > 0 && (b.h === 0 || b.w === 0)) throw new ShapeError(`${op}: cannot crop the empty image ${b.x.describe()}`);
  const out = empty([b.n, b.c, oh, ow], b.x.dtype);
  backend().cropFlip2d(b.x.values as FloatArray, out.values as FloatArray, { n: b.n, c: b.c, h: b.h, w: b.w, oh, ow },
    top, left, flip, mode === 'reflect', fill);
  return b.restore(out);
}

/**
 * Mirrors every image left to right: out[..., y, x] = x[..., y, W-1-x].
 * @example const mirrored = hflip(images)
 */
export function hflip(x: Tensor): Tensor {
  const b = asBatch('hflip', x);
  const zeros = new Int32Array(b.n);
  return cropFlip('hflip', b, zeros, zeros, b.h, b.w, new Uint8Array(b.n).fill(1), 'constant', 0);
}

/** Padding of `randomCrop`. @example `randomCrop(x, 28, { padding: 4, paddingMode: 'reflect' })` */
export interface CropOptions {
  /** What pixels outside the image read: `fill` (default 'constant') or the mirrored image ('reflect'). */
  paddingMode?: PaddingMode;
  /** The constant for 'constant' mode (default 0). */
  fill?: number;
}

/**
 * The height x width window at (top, left) of each image (torchvision's `F.crop`):
 * out[b, :, y, x] = x[b, :, top_b + y, left_b + x], where the window may
 * overhang the image; pixels outside read `fill` (or mirror, 'reflect').
 * top and left are one integer for all samples or one per sample.
 * @example const centre = crop(images, 2, 2, 24, 24)
 */
export function crop(x: Tensor, top: number | ArrayLike<number>, left: number | ArrayLike<number>, height: number, width: number,
  opts: CropOptions = {}): Tensor {
  const op = 'crop';
  const b = asBatch(op, x);
  checkSize(op, 'height', height);
  checkSize(op, 'width', width);
  return cropFlip(op, b, perSampleInts(op, 'top', top, b.n), perSampleInts(op, 'left', left, b.n), height, width, null,
    opts.paddingMode ?? 'constant', checkFinite(op, 'fill', opts.fill ?? 0));
}

/** cos and sin of an angle in degrees, exact at multiples of 90° (so such rotations move pixels exactly). */
function cosSinDegrees(degrees: number): [number, number] {
  const r = ((degrees % 360) + 360) % 360;
  if (r === 0) return [1, 0];
  if (r === 90) return [0, 1];
  if (r === 180) return [-1, 0];
  if (r === 270) return [0, -1];
  const radians = (degrees * Math.PI) / 180;
  return [Math.cos(radians), Math.sin(radians)];
}

function rotateBatch(b: Batch, angles: Float64Array, fill: number): Tensor {
  // Counter-clockwise on screen: the output pixel reads the input rotated back, [cos -sin; sin cos].
  const matrices = new Float64Array(6 * b.n);
  for (let i = 0; i < b.n; i++) {
    const [cos, sin] = cosSinDegrees(angles[i]);
    matrices.set([cos, -sin, 0, sin, cos, 0], 6 * i);
  }
  return affineBatch(b, matrices, false, new Float64Array(b.c).fill(fill));
}

/** Fill value of `rotate`. @example `rotate(x, 15, { fill: 0 })` */
export interface RotateOptions {
  /** The value of pixels rotated in from outside the image (default 0). */
  fill?: number;
}

/**
 * Rotates each image counter-clockwise by `angle` degrees (one for all, or one
 * per sample) about its centre ((W-1)/2, (H-1)/2), bilinearly, keeping the size
 * (torchvision's `F.rotate` with expand=false); pixels from outside read `fill`.
 * @example const turned = rotate(images, 90)
 */
export function rotate(x: Tensor, angle: number | ArrayLike<number>, opts: RotateOptions = {}): Tensor {
  const op = 'rotate';
  const b = asBatch(op, x);
  const angles = new Float64Array(b.n);
  if (typeof angle === 'number') angles.fill(checkFinite(op, 'angle', angle));
  else {
    if (angle === null || typeof angle !== 'object' || angle.length !== b.n) {
      throw new ShapeError(`${op}: angle must be a number or one angle per sample (${b.n}), got ${fmtArg((angle as ArrayLike<number>)?.length ?? angle)} entries`);
    }
    for (let i = 0; i < b.n; i++) angles[i] = checkFinite(op, `angle[${i}]`, angle[i]);
  }
  return rotateBatch(b, angles, checkFinite(op, 'fill', opts.fill ?? 0));
}

/** What `erase` writes into the box. @example `erase(images, 4, 4, 8, 8, { value: 0.5 })` */
export interface EraseOptions {
  /** The value written into the box: one for all channels or one per channel (default 0). */
  value?: number | number[];
}

/**
 * Sets the box rows [top, top+height) x columns [left, left+width) of each image
 * to `value` (torchvision's `F.erase`); each of the four is one integer or one
 * per sample; boxes are clipped to the image.
 * @example const holed = erase(images, 4, 4, 8, 8)
 */
export function erase(x: Tensor, top: number | ArrayLike<number>, left: number | ArrayLike<number>,
  height: number | ArrayLike<number>, width: number | ArrayLike<number>, opts: EraseOptions = {}): Tensor {
  const op = 'erase';
  const b = asBatch(op, x);
  const parts = [perSampleInts(op, 'top', top, b.n), perSampleInts(op, 'left', left, b.n),
    perSampleInts(op, 'height', height, b.n), perSampleInts(op, 'width', width, b.n)];
  const boxes = new Int32Array(4 * b.n);
  for (let i = 0; i < b.n; i++) {
    for (let k = 0; k < 4; k++) boxes[4 * i + k] = parts[k][i];
    if (boxes[4 * i + 2] < 0 || boxes[4 * i + 3] < 0) throw new ArgumentError(`${op}: box ${i} has a negative size ${boxes[4 * i + 2]}x${boxes[4 * i + 3]}`);
  }
  return eraseBatch(b, boxes, channelValues(op, 'value', opts.value ?? 0, b.c));
}

function eraseBatch(b: Batch, boxes: Int32Array, values: Float64Array): Tensor {
  const out = empty([b.n, b.c, b.h, b.w], b.x.dtype);
  backend().erase2d(b.x.values as FloatArray, out.values as FloatArray, b.n, b.c, b.h, b.w, boxes, values);
  return b.restore(out);
}

// ---------------------------------------------------------------------------
// Random augmentations
// ---------------------------------------------------------------------------

export interface RandomHorizontalFlipOptions extends GeneratorOptions {
  /** Probability that an image is flipped (default 0.5). */
  p?: number;
}

/**
 * Flips each image left to right with probability p (torchvision's
 * RandomHorizontalFlip). Draws N float64 uniforms u; sample b flips when u_b < p.
 * @example const xb = randomHorizontalFlip(images, { p: 0.5 })
 */
export function randomHorizontalFlip(x: Tensor, opts: RandomHorizontalFlipOptions = {}): Tensor {
  const op = 'randomHorizontalFlip';
  const b = asBatch(op, x);
  const p = checkProbability(op, 'p', opts.p ?? 0.5);
  const u = generatorOf(op, opts).uniform(b.n, 'float64');
  const flip = new Uint8Array(b.n);
  for (let i = 0; i < b.n; i++) flip[i] = u[i] < p ? 1 : 0;
  const zeros = new Int32Array(b.n);
  return cropFlip(op, b, zeros, zeros, b.h, b.w, flip, 'constant', 0);
}

export interface RandomCropOptions extends GeneratorOptions, CropOptions {
  /** Padding added before cropping: all sides, [left/right, top/bottom], or [left, top, right, bottom] (default 0). */
  padding?: number | [number, number] | [number, number, number, number];
}

/** torchvision's padding forms as [left, top, right, bottom]. */
function paddingSides(op: string, padding: RandomCropOptions['padding']): [number, number, number, number] {
  const p = padding ?? 0;
  const sides: number[] = typeof p === 'number' ? [p, p, p, p]
    : Array.isArray(p) && p.length === 2 ? [p[0], p[1], p[0], p[1]]
    : Array.isArray(p) && p.length === 4 ? [...p] : [];
  if (sides.length !== 4 || !sides.every((s) => Number.isInteger(s) && s >= 0 && s <= 2 ** 20)) {
    throw new ArgumentError(`${op}: padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom], got ${JSON.stringify(p)}`);
  }
  return sides as [number, number, number, number];
}

/**
 * Pads each image (zeros, `fill`, or mirror) and crops a size window at a
 * random position, independently per sample (torchvision's RandomCrop).
 * Offsets (i, j) are uniform on [0, H+top+bottom-h] x [0, W+left+right-w]:
 * 2N words of the stream, i = floor(word * range / 2^32).
 * @example const xb = randomCrop(images, 28, { padding: 4 })
 */
export function randomCrop(x: Tensor, size: number | [number, number], opts: RandomCropOptions = {}): Tensor {
  const op = 'randomCrop';
  const b = asBatch(op, x);
  const [th, tw] = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : [NaN, NaN];
  if (!Number.isInteger(th) || !Number.isInteger(tw) || th < 1 || tw < 1) {
    throw new ArgumentError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  const [padLeft, padTop, padRight, padBottom] = paddingSides(op, opts.padding);
  const mode = opts.paddingMode ?? 'constant';
  if (mode === 'reflect' && (Math.max(padTop, padBottom) >= b.h || Math.max(padLeft, padRight) >= b.w)) {
    throw new ArgumentError(`${op}: reflect padding [${padLeft},${padTop},${padRight},${padBottom}] must be smaller than the image ${b.h}x${b.w}`);
  }
  const paddedH = b.h + padTop + padBottom, paddedW = b.w + padLeft + padRight;
  if (th > paddedH || tw > paddedW) {
    throw new ShapeError(`${op}: crop size [${th},${tw}] is larger than the padded image [${paddedH},${paddedW}] of x ${b.x.describe()}`);
  }
  const words = generatorOf(op, opts).nextUint32(2 * b.n);
  const top = new Int32Array(b.n), left = new Int32Array(b.n);
  for (let i = 0; i < b.n; i++) {
    top[i] = mulHi32(words[2 * i], paddedH - th + 1) - padTop;
    left[i] = mulHi32(words[2 * i + 1], paddedW - tw + 1) - padLeft;
  }
  return cropFlip(op, b, top, left, th, tw, null, mode, checkFinite(op, 'fill', opts.fill ?? 0));
}

export interface RandomRotationOptions extends GeneratorOptions, RotateOptions {}

/**
 * Rotates each image by its own angle, uniform on [-degrees, degrees] (or on
 * [min, max] given a pair), counter-clockwise about the centre, bilinearly
 * (torchvision's RandomRotation). Draws N float64 uniforms.
 * @example const xb = randomRotation(images, 15)
 */
export function randomRotation(x: Tensor, degrees: number | [number, number], opts: RandomRotationOptions = {}): Tensor {
  const op = 'randomRotation';
  const b = asBatch(op, x);
  let lo: number, hi: number;
  if (typeof degrees === 'number') {
    if (!(degrees >= 0) || !Number.isFinite(degrees)) throw new ArgumentError(`${op}: degrees must be a finite number >= 0 or [min, max], got ${degrees}`);
    [lo, hi] = [-degrees, degrees];
  } else if (Array.isArray(degrees) && degrees.length === 2 && degrees.every(Number.isFinite) && degrees[0] <= degrees[1]) {
    [lo, hi] = degrees;
  } else {
    throw new ArgumentError(`${op}: degrees must be a number >= 0 or [min, max] with min <= max, got ${JSON.stringify(degrees)}`);
  }
  const u = generatorOf(op, opts).uniform(b.n, 'float64');
  const angles = new Float64Array(b.n);
  for (let i = 0; i < b.n; i++) angles[i] = lo + (hi - lo) * u[i];
  return rotateBatch(b, angles, checkFinite(op, 'fill', opts.fill ?? 0));
}

export interface ColorJitterOptions extends GeneratorOptions {
  /** Brightness factor range: b gives [max(0, 1-b), 1+b]; or [min, max] (default 0: off). */
  brightness?: number | [number, number];
  /** Contrast factor range, as brightness (default 0: off). */
  contrast?: number | [number, number];
  /** Saturation factor range, as brightness (default 0: off; needs 1 or 3 channels). */
  saturation?: number | [number, number];
  /** Hue shift range in turns: h gives [-h, h] with h <= 0.5, or [min, max] in [-0.5, 0.5] (default 0: off; 1-channel images are unchanged). */
  hue?: number | [number, number];
}

function factorRange(op: string, name: string, v: number | [number, number] | undefined): [number, number] | null {
  if (v === undefined || v === 0) return null;
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) throw new ArgumentError(`${op}: ${name} must be a finite number >= 0 or [min, max], got ${v}`);
    return [Math.max(0, 1 - v), 1 + v];
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isFinite) || v[0] < 0 || v[0] > v[1]) {
    throw new ArgumentError(`${op}: ${name} must be a number >= 0 or [min, max] with 0 <= min <= max, got ${JSON.stringify(v)}`);
  }
  return v[0] === 1 && v[1] === 1 ? null : [v[0], v[1]];
}

function hueRange(op: string, v: number | [number, number] | undefined): [number, number] | null {
  if (v === undefined || v === 0) return null;
  const range = typeof v === 'number' ? [-v, v] : v;
  if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || range[0] < -0.5 || range[1] > 0.5 || range[0] > range[1]) {
    throw new ArgumentError(`${op}: hue must be a number in [0, 0.5] or [min, max] with -0.5 <= min <= max <= 0.5, got ${JSON.stringify(v)}`);
  }
  return range[0] === 0 && range[1] === 0 ? null : [range[0], range[1]];
}

const clampUnit = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

// ITU-R 601-2 luma, as torchvision's rgb_to_grayscale.
const LUMA = [0.2989, 0.587, 0.114] as const;

/**
 * Random brightness, contrast, saturation and hue per image, applied in a random
 * order per image, for images in [0, 1] (torchvision's ColorJitter).
 * With factor f drawn uniformly from each range:
 *   brightness: x' = clamp(f x, 0, 1)
 *   contrast:   x' = clamp(f x + (1 - f) m, 0, 1), m = the mean of the image's grayscale
 *   saturation: x' = clamp(f x + (1 - f) g, 0, 1), g = the pixel's grayscale
 *   hue:        h' = (h + f) mod 1 in HSV (torchvision's adjust_hue; see hue.ts)
 * Grayscale is 0.2989 R + 0.587 G + 0.114 B (3 channels) or the image (1 channel).
 * An op whose strength is 0 is skipped (no clamping): all zero is the identity.
 * Draws 5 float64 uniforms per sample (3 factors, 2 for the order), or with hue 7 (4 factors, 3 for the order).
 * @example const xb = colorJitter(images, { brightness: 0.4, contrast: 0.4 })
 */
export function colorJitter(x: Tensor, opts: ColorJitterOptions = {}): Tensor {
  const op = 'colorJitter';
  const b = asBatch(op, x);
  const ranges = [factorRange(op, 'brightness', opts.brightness), factorRange(op, 'contrast', opts.contrast),
    factorRange(op, 'saturation', opts.saturation), hueRange(op, opts.hue)];
  if ((ranges[1] || ranges[2]) && b.c !== 1 && b.c !== 3) {
    throw new ShapeError(`${op}: contrast and saturation need 1 or 3 channels (grayscale or RGB), x is ${b.x.describe()}`);
  }
  // Without hue the draws stay as before hue existed, so seeded pipelines keep their images.
  const ops = ranges[3] ? 4 : 3, draws = 2 * ops - 1;
  const u = generatorOf(op, opts).uniform(draws * b.n, 'float64');
  const src = b.x.values as FloatArray;
  const out = empty([b.n, b.c, b.h, b.w], b.x.dtype);
  const dst = out.values as FloatArray;
  dst.set(src);
  const plane = b.h * b.w, image = b.c * plane;
  const gray = new Float64Array(plane);
  // Grayscale of sample i's current pixels (read back from dst, i.e. rounded to the dtype as each op stores).
  const grayOf = (base: number): Float64Array => {
    for (let k = 0; k < plane; k++) {
      gray[k] = b.c === 3 ? LUMA[0] * dst[base + k] + LUMA[1] * dst[base + plane + k] + LUMA[2] * dst[base + 2 * plane + k] : dst[base + k];
    }
    return gray;
  };
  for (let i = 0; i < b.n; i++) {
    const r = u.subarray(draws * i, draws * (i + 1));
    // Fisher–Yates on the ops with the draws after the factors.
    const order = ops === 4 ? [0, 1, 2, 3] : [0, 1, 2];
    for (let k = ops - 1, t = ops; k > 0; k--, t++) {
      const j = Math.floor(r[t] * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    const base = i * image;
    for (const which of order) {
      const range = ranges[which];
      if (!range) continue;
      const f = range[0] + (range[1] - range[0]) * r[which];
      if (which === 0) {
        for (let k = base; k < base + image; k++) dst[k] = clampUnit(f * dst[k]);
      } else if (which === 1) {
        const g = grayOf(base);
        let sum = 0;
        for (let k = 0; k < plane; k++) sum += g[k];
        const mean = plane > 0 ? sum / plane : 0;
        for (let k = base; k < base + image; k++) dst[k] = clampUnit(f * dst[k] + (1 - f) * mean);
      } else if (which === 3) {
        if (b.c === 3) rotateHueInPlace(dst, base, plane, f);
      } else if (b.c === 3) {
        const g = Float64Array.from(grayOf(base));
        for (let ch = 0; ch < 3; ch++) {
          for (let k = 0; k < plane; k++) dst[base + ch * plane + k] = clampUnit(f * dst[base + ch * plane + k] + (1 - f) * g[k]);
        }
      }
      // Saturation of a grayscale image is the image itself (as in torchvision).
    }
  }
  return b.restore(out);
}

export interface RandomErasingOptions extends GeneratorOptions {
  /** Probability that an image gets a box erased (default 0.5). */
  p?: number;
  /** Range of the box area as a fraction of the image (default [0.02, 0.33]). */
  scale?: [number, number];
  /** Range of the box aspect ratio height/width (default [0.3, 3.3]), drawn log-uniformly. */
  ratio?: [number, number];
  /** The value written: one for all channels or one per channel (default 0). */
  value?: number | number[];
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const ERASING_ATTEMPTS = 10;

/**
 * Erases one random box per image with probability p (Cutout / torchvision's
 * RandomErasing). Per image: area a = H W U(scale), aspect r = exp(U(log ratio)),
 * box h = round(sqrt(a r)), w = round(sqrt(a / r)); the first of 10 attempts with
 * h < H and w < W is placed uniformly; if none fits nothing is erased.
 * Draws 1 + 4 * 10 float64 uniforms per sample, used or not.
 * @example const xb = randomErasing(images, { p: 0.5, value: 0 })
 */
export function randomErasing(x: Tensor, opts: RandomErasingOptions = {}): Tensor {
  const op = 'randomErasing';
  const b = asBatch(op, x);
  const p = checkProbability(op, 'p', opts.p ?? 0.5);
  const scale = opts.scale ?? [0.02, 0.33], ratio = opts.ratio ?? [0.3, 3.3];
  if (!Array.isArray(scale) || scale.length !== 2 || !(scale[0] >= 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
    throw new ArgumentError(`${op}: scale must be [min, max] with 0 <= min <= max <= 1, got ${JSON.stringify(scale)}`);
  }
  if (!Array.isArray(ratio) || ratio.length !== 2 || !(ratio[0] > 0 && ratio[0] <= ratio[1] && Number.isFinite(ratio[1]))) {
    throw new ArgumentError(`${op}: ratio must be [min, max] with 0 < min <= max, got ${JSON.stringify(ratio)}`);
  }
  const values = channelValues(op, 'value', opts.value ?? 0, b.c);
  const perSample = 1 + 4 * ERASING_ATTEMPTS;
  const u = generatorOf(op, opts).uniform(perSample * b.n, 'float64');
  const logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
  const area = b.h * b.w;
  const boxes = new Int32Array(4 * b.n);
  for (let i = 0; i < b.n; i++) {
    const r = u.subarray(perSample * i, perSample * (i + 1));
    if (!(r[0] < p)) continue;
    for (let t = 0; t < ERASING_ATTEMPTS; t++) {
      const eraseArea = area * (scale[0] + (scale[1] - scale[0]) * r[1 + 4 * t]);
      const aspect = Math.exp(logLo + (logHi - logLo) * r[2 + 4 * t]);
      const bh = roundHalfEven(Math.sqrt(eraseArea * aspect)), bw = roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(bh < b.h && bw < b.w)) continue;
      boxes[4 * i] = Math.floor(r[3 + 4 * t] * (b.h - bh + 1));
      boxes[4 * i + 1] = Math.floor(r[4 + 4 * t] * (b.w - bw + 1));
      boxes[4 * i + 2] = bh;
      boxes[4 * i + 3] = bw;
      break;
    }
  }
  return eraseBatch(b, boxes, values);
}

// ---------------------------------------------------------------------------
// Mixup
// ---------------------------------------------------------------------------

/**
 * log of a Gamma(shape, 1) sample by Marsaglia & Tsang (2000): for shape a >= 1,
 * d = a - 1/3, c = 1/sqrt(9d); draw z ~ N(0,1), v = (1 + c z)^3 (retry if v <= 0),
 * u ~ U(0,1); accept d v when log u < z^2/2 + d - d v + d log v. For a < 1,
 * Gamma(a) = Gamma(a+1) U^(1/a), kept in logs so tiny shapes do not underflow.
 * Each try draws one normal (1 block) and one float64 uniform (1 block).
 */
export function sampleLogGamma(shape: number, gen: PhiloxStream): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new ArgumentError(`sampleGamma: shape must be a finite number > 0, got ${shape}`);
  if (shape < 1) {
    const boost = sampleLogGamma(shape + 1, gen);
    return boost + Math.log(1 - gen.uniform(1, 'float64')[0]) / shape;
  }
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = gen.normal(1, 'float64')[0];
    const base = 1 + c * z;
    const u = gen.uniform(1, 'float64')[0];
    if (base <= 0) continue;
    const v = base * base * base;
    if (Math.log(1 - u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return Math.log(d) + Math.log(v);
  }
}

/**
 * A Beta(a, b) sample as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), computed
 * from the logs as 1 / (1 + exp(log Y - log X)).
 * @example const lambda = sampleBeta(0.4, 0.4, getDefaultGenerator())
 */
export function sampleBeta(a: number, b: number, gen: PhiloxStream = getDefaultGenerator()): number {
  const logX = sampleLogGamma(a, gen);
  const logY = sampleLogGamma(b, gen);
  return 1 / (1 + Math.exp(logY - logX));
}

export interface MixupOptions extends GeneratorOptions {
  /** Beta(alpha, alpha) concentration of lambda (default 1); 0 turns mixup off (lambda = 1). */
  alpha?: number;
  /** Number of classes, needed when y holds class indices. */
  numClasses?: number;
}

/** Mixed inputs and soft targets from mixup or cutmix. @example `const { x, y } = mixup(xb, yb, { numClasses: 10 })` */
export interface MixupResult {
  /** lambda x + (1 - lambda) x[permutation]. */
  x: Tensor;
  /** Soft targets [N, numClasses]: lambda y + (1 - lambda) y[permutation]. */
  y: Tensor;
  lambda: number;
  /** The partner of each sample. */
  permutation: Int32Array;
}

/**
 * mixup (Zhang et al., 2018): one lambda ~ Beta(alpha, alpha) per batch and a
 * random pairing (a Fisher–Yates permutation on N stream words):
 *   x' = lambda x + (1 - lambda) x[perm],  y' = lambda y + (1 - lambda) y[perm]
 * (computed in double, rounded once). y is int32 class indices [N] (made
 * one-hot with numClasses) or float targets [N, K]. x is any [N, ...] float batch.
 * @example const { x: xm, y: ym } = mixup(xb, yb, { alpha: 0.2, numClasses: 10 })
 */
export function mixup(x: Tensor, y: Tensor, opts: MixupOptions = {}): MixupResult {
  const op = 'mixup';
  if (!(x instanceof Tensor) || x.isDisposed) throw new ArgumentError(`${op}: x must be a live Tensor`);
  if (!(y instanceof Tensor) || y.isDisposed) throw new ArgumentError(`${op}: y must be a live Tensor`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  if (x.ndim < 1) throw new ShapeError(`${op}: x must have a batch dim, got ${x.describe()}`);
  const n = x.shape[0];
  const alpha = opts.alpha ?? 1;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new ArgumentError(`${op}: alpha must be a finite number >= 0, got ${alpha}`);
  let targets: FloatArray, k: number;
  if (y.dtype === 'int32') {
    if (y.ndim !== 1 || y.shape[0] !== n) throw new ShapeError(`${op}: class indices y must be [${n}] for x ${x.describe()}, got ${y.describe()}`);
    k = opts.numClasses ?? NaN;
    if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`${op}: numClasses must be a positive integer when y holds class indices, got ${fmtArg(opts.numClasses)}`);
    targets = new Float32Array(n * k);
    const labels = y.values as Int32Array;
    for (let i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= k) throw new ArgumentError(`${op}: y[${i}] = ${labels[i]} is not a class in [0, ${k})`);
      targets[i * k + labels[i]] = 1;
    }
  } else if (y.dtype === 'float32' || y.dtype === 'float64') {
    if (y.ndim !== 2 || y.shape[0] !== n) throw new ShapeError(`${op}: soft targets y must be [${n}, K] for x ${x.describe()}, got ${y.describe()}`);
    k = y.shape[1];
    if (opts.numClasses !== undefined && opts.numClasses !== k) throw new ShapeError(`${op}: y ${y.describe()} has ${k} classes but numClasses is ${opts.numClasses}`);
    targets = y.values as FloatArray;
  } else {
    throw new DTypeError(`${op}: y must be int32 class indices or float targets, got ${y.describe()}`);
  }
  const gen = generatorOf(op, opts);
  const lambda = alpha > 0 ? sampleBeta(alpha, alpha, gen) : 1;
  const words = gen.nextUint32(n);
  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i++) permutation[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = mulHi32(words[i], i + 1);
    [permutation[i], permutation[j]] = [permutation[j], permutation[i]];
  }
  const blend = (src: FloatArray, dst: FloatArray, row: number): void => {
    for (let i = 0; i < n; i++) {
      const a = i * row, bIdx = permutation[i] * row;
      for (let t = 0; t < row; t++) dst[a + t] = lambda * src[a + t] + (1 - lambda) * src[bIdx + t];
    }
  };
  const xOut = empty([...x.shape], x.dtype);
  blend(x.values as FloatArray, xOut.values as FloatArray, n > 0 ? x.size / n : 0);
  const yOut = empty([n, k], y.dtype === 'float64' ? 'float64' : 'float32');
  blend(targets, yOut.values as FloatArray, k);
  return { x: xOut, y: yOut, lambda, permutation };
}

// ---------------------------------------------------------------------------
// Pipelines
// ---------------------------------------------------------------------------

/** A batch transform: a function, or an object with apply (Standardize, ZCAWhitening, Compose, ...). */
export type Transform = ((x: Tensor) => Tensor) | {
  /** Transforms a batch. @example `standardize.apply(xb)` */
  apply(x: Tensor): Tensor;
};

function applyTransform(t: Transform, x: Tensor): Tensor {
  return typeof t === 'function' ? t(x) : t.apply(x);
}

/**
 * Runs transforms in order: augment(x, [f, g]) = g(f(x)). Intermediate results
 * are disposed as soon as the next one exists (never x, never the result).
 * @example const xb = augment(images, [(x) => randomCrop(x, 28, { padding: 4 }), randomHorizontalFlip])
 */
export function augment(x: Tensor, transforms: readonly Transform[]): Tensor {
  if (!Array.isArray(transforms)) throw new ArgumentError('augment: transforms must be an array of functions or objects with apply');
  let current = x;
  transforms.forEach((t, i) => {
    if (typeof t !== 'function' && typeof (t as { apply?: unknown })?.apply !== 'function') {
      throw new ArgumentError(`augment: transforms[${i}] must be a function or have an apply method`);
    }
    const next = applyTransform(t, current);
    if (!(next instanceof Tensor)) throw new ArgumentError(`augment: transforms[${i}] returned ${typeof next}, not a Tensor`);
    if (current !== x && current !== next) current.dispose();
    current = next;
  });
  return current;
}

/**
 * A reusable pipeline of transforms (torchvision's Compose), itself a Transform.
 * @example const train = new Compose([(x) => randomCrop(x, 28, { padding: 4 }), randomHorizontalFlip, standardize]); train.apply(xb)
 */
export class Compose {
  readonly transforms: readonly Transform[];

  constructor(transforms: readonly Transform[]) {
    if (!Array.isArray(transforms)) throw new ArgumentError('Compose: transforms must be an array');
    this.transforms = [...transforms];
  }

  /** Runs the transforms in order on a batch. @example `const xb2 = train.apply(xb)` */
  apply(x: Tensor): Tensor {
    return augment(x, this.transforms);
  }
}

// ---------------------------------------------------------------------------
// Registry. Augmentations are an op family whose kernels live in the Backend,
// so they register like one; the call sits here because data is above ops
// (imports point down), and the registry in src/ops must not know about data.
// No graph is recorded, so they are not differentiable. The random ones draw
// from a stream made inside run, so both backends see the same parameters.
// ---------------------------------------------------------------------------

const stream = (seed: number): { generator: PhiloxStream } => ({ generator: new PhiloxStream(seed) });
registerOp({ name: 'hflip', kernels: ['cropFlip2d'], differentiable: false, run: (x) => hflip(x), samples: IMAGE_SAMPLES });
registerOp({
  name: 'crop', kernels: ['cropFlip2d'], differentiable: false,
  run: (x) => [crop(x, -2, 1, 6, 5, { fill: 0.5 }), crop(x, -5, -3, 9, 11, { paddingMode: 'reflect' })],
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'rotate', kernels: ['affine2d'], differentiable: false,
  run: (x) => [rotate(x, 90), rotate(x, -33.5, { fill: 0.25 })],
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'erase', kernels: ['erase2d'], differentiable: false,
  run: (x) => erase(x, -1, 2, 3, 9, { value: x.shape[x.ndim - 3] === 3 ? [1, 2, 3] : -1 }),
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'randomHorizontalFlip', kernels: ['cropFlip2d'], differentiable: false,
  run: (x) => randomHorizontalFlip(x, stream(1)),
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'randomCrop', kernels: ['cropFlip2d'], differentiable: false,
  run: (x) => [randomCrop(x, [4, 3], { padding: 2, fill: -1, ...stream(2) }), randomCrop(x, 3, { padding: [1, 2], paddingMode: 'reflect', ...stream(3) })],
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'randomRotation', kernels: ['affine2d'], differentiable: false,
  run: (x) => randomRotation(x, [-200, 200], { fill: 0.5, ...stream(4) }),
  samples: IMAGE_SAMPLES,
});
registerOp({
  name: 'randomErasing', kernels: ['erase2d'], differentiable: false,
  run: (x) => randomErasing(x, { p: 1, value: 2, ...stream(5) }),
  samples: IMAGE_SAMPLES,
});
