/**
 * Internal helpers shared by the batch augmentations (augment.ts, affine.ts): the batch view of an
 * image or image batch, argument checks, the affine2d call and the registry's sample images.
 * Not re-exported from the data namespace.
 */
import { backend } from '../backend/index';
import { getDefaultGenerator, type PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { randn } from '../ops/creation';
import type { SampleDType } from '../ops/registry';
import { reshape } from '../ops/shape';
import { empty } from '../ops/util';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

/** Where an augmentation draws its random numbers. */
export interface GeneratorOptions {
  /** The Philox stream to draw from (default: the global generator, see `manualSeed`). */
  generator?: PhiloxStream;
}

/** An image batch as [N, C, H, W] with a way back to the caller's rank. */
export interface Batch {
  x: Tensor;
  n: number;
  c: number;
  h: number;
  w: number;
  /** Gives an output [N, C, oh, ow] the rank of the input. */
  restore(out: Tensor): Tensor;
}

export function asBatch(op: string, x: unknown): Batch {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: x must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new ArgumentError(`${op}: x (${x.describe()}) was disposed`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  if (x.ndim === 4) return { x, n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], restore: (out) => out };
  if (x.ndim === 3) {
    const one = reshape(x, [1, ...x.shape]);
    return { x: one, n: 1, c: x.shape[0], h: x.shape[1], w: x.shape[2], restore: (out) => reshape(out, out.shape.slice(1)) };
  }
  throw new ShapeError(`${op}: x must be an image batch [N, C, H, W] or an image [C, H, W], got ${x.describe()}`);
}

export function generatorOf(op: string, opts: GeneratorOptions): PhiloxStream {
  const gen = opts.generator ?? getDefaultGenerator();
  if (typeof (gen as PhiloxStream | undefined)?.uniform !== 'function') throw new ArgumentError(`${op}: generator must be a PhiloxStream`);
  return gen;
}

export function checkFinite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${op}: ${name} must be a finite number, got ${fmtArg(v)}`);
  return v;
}

/** Per-channel fill values: one number for all channels or one per channel. */
export function channelValues(op: string, name: string, value: number | readonly number[], c: number): Float64Array {
  if (typeof value === 'number') return new Float64Array(c).fill(checkFinite(op, name, value));
  if (!Array.isArray(value)) throw new ArgumentError(`${op}: ${name} must be a number or one number per channel`);
  if (value.length !== c) throw new ShapeError(`${op}: ${name} has ${value.length} values for ${c} channels`);
  return Float64Array.from(value, (v, i) => checkFinite(op, `${name}[${i}]`, v));
}

/**
 * Runs the backend's affine2d on a batch: matrices [6N] are the per-sample inverse maps about the
 * image centre (see backend/reference/augment.ts), fill one value per channel.
 */
export function affineBatch(b: Batch, matrices: Float64Array, nearest: boolean, fill: Float64Array): Tensor {
  const out = empty([b.n, b.c, b.h, b.w], b.x.dtype);
  backend().affine2d(b.x.values as FloatArray, out.values as FloatArray, b.n, b.c, b.h, b.w, matrices, nearest, fill);
  return b.restore(out);
}

/** Images with a NaN, which must travel the same way on both backends. */
function images(shape: number[], dt: SampleDType): Tensor {
  const x = randn(shape, { dtype: dt });
  x.values[3] = NaN;
  return x;
}
/** Registry samples of the image augmentations (also affine.ts's). */
export const IMAGE_SAMPLES = [
  { label: 'rgb batch [3,3,5,7]', inputs: (dt: SampleDType) => [images([3, 3, 5, 7], dt)] },
  { label: 'one image [2,4,3]', inputs: (dt: SampleDType) => [images([2, 4, 3], dt)] },
];

