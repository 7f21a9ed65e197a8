/**
 * torch.nn's everyday layers that had no Lattice module: Upsample, PixelShuffle/PixelUnshuffle,
 * the padding modules (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad; 1d and 2d; the 3d
 * ones in volumetric.ts share PadNd), Bilinear,
 * CosineSimilarity, PairwiseDistance and Dropout1d. Thin wrappers over `interpolate`, `pad` and
 * nn/functional-extra.ts with PyTorch's defaults, parameter names and init; options are checked
 * when the layer is built, and errors name the layer.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue, fmtArg } from '../../errors';
import { interpolate, type InterpolateMode } from '../../ops/interpolate';
import { pad, type PadMode } from '../../ops/pad';
import { assertTensor, empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import {
  bilinearNamed, cosineSimilarityNamed, dropout1dNamed, pairwiseDistanceNamed, pixelShuffleNamed, pixelUnshuffleNamed,
  type CosineSimilarityOptions, type PairwiseDistanceOptions,
} from '../functional-extra';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { boolOption, checkDtypeOption, epsOption, finiteOption, positiveInt, probability, type FactoryOptions } from './common';

// ---------------------------------------------------------------- Upsample

/** Options of `nn.Upsample`: exactly one of size and scaleFactor. @example `{ scaleFactor: 2, mode: 'bilinear' }` */
export interface UpsampleOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | number[];
  /** Multiplies each spatial size (output = floor(size · factor)); one number or one per dim. */
  scaleFactor?: number | number[];
  /** 'nearest' (default), 'nearest-exact', 'area' (3-D, 4-D or 5-D input), 'linear' (3-D input), 'bilinear' or 'bicubic' (4-D input), 'trilinear' (5-D input). */
  mode?: InterpolateMode;
  /**
   * Linear, bilinear, trilinear and cubic modes only (as PyTorch, giving it with 'nearest' is an error): map the
   * corner pixels' centres onto each other (true) or the grid's corners (false, the default).
   */
  alignCorners?: boolean;
}

const UPSAMPLE_MODES: readonly InterpolateMode[] = ['nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'];
/** The input rank each mode needs (PyTorch: linear 3-D, bilinear and bicubic 4-D, trilinear 5-D; the nearest modes and area any of them). */
const MODE_RANKS: Record<InterpolateMode, number[]> = { 'nearest': [3, 4, 5], 'nearest-exact': [3, 4, 5], 'area': [3, 4, 5], 'linear': [3], 'bilinear': [4], 'bicubic': [4], 'trilinear': [5] };
const RANK_LAYOUTS: Record<number, string> = { 3: '[N, C, L]', 4: '[N, C, H, W]', 5: '[N, C, D, H, W]' };
const INTERPOLATING_MODES: readonly InterpolateMode[] = ['linear', 'bilinear', 'bicubic', 'trilinear'];

function sizeList(layer: string, name: string, v: unknown, integer: boolean): number | number[] {
  const ok = (s: unknown): boolean => typeof s === 'number' && Number.isFinite(s) && s > 0 && (!integer || Number.isInteger(s));
  if (Array.isArray(v) ? v.length === 0 || !v.every(ok) : !ok(v)) {
    throw new ArgumentError(`${layer}: ${name} must be a positive ${integer ? 'integer' : 'number'} or a non-empty list of them, got ${fmtValue(v)}`);
  }
  return Array.isArray(v) ? v.slice() : (v as number);
}

/**
 * Resizes the spatial dims of [N, C, L], [N, C, H, W] or [N, C, D, H, W] inputs with `interpolate`: by `size` or by
 * `scaleFactor`, in mode 'nearest' (default), 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear' or 'area', with PyTorch's
 * coordinate rules (a given scaleFactor is used as is, as PyTorch's default recomputeScaleFactor).
 * @example
 * const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false });
 * up.call(x); // [N, C, H, W] -> [N, C, 2H, 2W]
 */
export class Upsample extends Module {
  readonly size: number | number[] | undefined;
  readonly scaleFactor: number | number[] | undefined;
  readonly mode: InterpolateMode;
  /** As given (undefined: false for the interpolating modes). */
  readonly alignCorners: boolean | undefined;

  constructor(opts: UpsampleOptions) {
    super();
    const layer = 'Upsample';
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${layer}: options must be an object with size or scaleFactor, got ${fmtArg(opts)}`);
    const mode = opts.mode ?? 'nearest';
    if (!UPSAMPLE_MODES.includes(mode)) {
      throw new ArgumentError(`${layer}: mode must be one of ${UPSAMPLE_MODES.map((m) => `'${m}'`).join(', ')}, got ${fmtValue(mode)}`);
    }
    if (opts.size !== undefined && opts.scaleFactor !== undefined) throw new ArgumentError(`${layer}: only one of size or scaleFactor should be defined, got size ${fmtValue(opts.size)} and scaleFactor ${fmtValue(opts.scaleFactor)}`);
    if (opts.size === undefined && opts.scaleFactor === undefined) throw new ArgumentError(`${layer}: either size or scaleFactor should be defined`);
    this.size = opts.size === undefined ? undefined : sizeList(layer, 'size', opts.size, true);
    this.scaleFactor = opts.scaleFactor === undefined ? undefined : sizeList(layer, 'scaleFactor', opts.scaleFactor, false);
    if (opts.alignCorners !== undefined) {
      boolOption(layer, 'alignCorners', opts.alignCorners, false);
      if (!INTERPOLATING_MODES.includes(mode)) throw new ArgumentError(`${layer}: alignCorners can only be set with the interpolating modes 'linear', 'bilinear', 'bicubic' and 'trilinear', not '${mode}'`);
    }
    this.mode = mode;
    this.alignCorners = opts.alignCorners;
  }

  forward(x: Tensor): Tensor {
    const layer = 'Upsample';
    assertTensor(layer, 'x', x);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${layer}: x must be float32 or float64, got ${x.describe()}`);
    const ranks = MODE_RANKS[this.mode];
    if (!ranks.includes(x.ndim)) {
      throw new ShapeError(`${layer}: mode '${this.mode}' needs ${ranks.map((r) => `${r}-D`).join(' or ')} input (${ranks.map((r) => RANK_LAYOUTS[r]).join(' or ')}), got ${x.describe()}`);
    }
    const spatial = x.ndim - 2, given = this.size ?? this.scaleFactor!;
    const name = this.size !== undefined ? 'size' : 'scaleFactor';
    if (Array.isArray(given) && given.length !== spatial) {
      throw new ShapeError(`${layer}: ${name} ${fmtValue(given)} has ${given.length} entries but x ${x.describe()} has ${spatial} spatial dim${spatial > 1 ? 's' : ''} ${fmtShape(x.shape.slice(2))}`);
    }
    const per = (v: number | number[], i: number): number => (Array.isArray(v) ? v[i] : v);
    const inSizes = x.shape.slice(2);
    const outSizes = inSizes.map((s, i) => (this.size !== undefined ? per(this.size, i) : Math.floor(s * per(this.scaleFactor!, i))));
    if (inSizes.some((s) => s === 0) || outSizes.some((s) => s < 1)) {
      throw new ShapeError(`${layer}: cannot resize the spatial dims ${fmtShape(inSizes)} of ${x.describe()} to ${fmtShape(outSizes)}: both must be non-empty`);
    }
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners });
  }

  protected override extraRepr(): string {
    return reprArgs([['size', this.size], ['scaleFactor', this.scaleFactor], ['mode', this.mode], ['alignCorners', this.alignCorners]]);
  }
}

// ---------------------------------------------------------------- PixelShuffle

/**
 * Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (sub-pixel convolution); see `nn.functional.pixelShuffle`.
 * @example `new nn.Sequential(new nn.Conv2d(64, 3 * 4, 3, { padding: 1 }), new nn.PixelShuffle(2))`
 */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = positiveInt('PixelShuffle', 'upscaleFactor', upscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelShuffleNamed('PixelShuffle', x, this.upscaleFactor);
  }
  protected override extraRepr(): string {
    return reprArgs([['upscaleFactor', this.upscaleFactor]]);
  }
}

/**
 * Rearranges [*, C, H·r, W·r] into [*, C·r², H, W], the inverse of PixelShuffle.
 * @example `new nn.PixelUnshuffle(2).call(x)` maps [N, 3, 64, 64] to [N, 12, 32, 32]
 */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = positiveInt('PixelUnshuffle', 'downscaleFactor', downscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelUnshuffleNamed('PixelUnshuffle', x, this.downscaleFactor);
  }
  protected override extraRepr(): string {
    return reprArgs([['downscaleFactor', this.downscaleFactor]]);
  }
}

// ---------------------------------------------------------------- padding

/** The padding of a 1d pad module: one int for both sides, or [left, right]. @example `[1, 2]` */
export type Padding1d = number | [number, number];
/** The padding of a 2d pad module: one int for every side, or [left, right, top, bottom]. @example `[1, 1, 2, 0]` */
export type Padding2d = number | [number, number, number, number];

const PAD_ORDER: Record<number, string> = { 1: '[left, right]', 2: '[left, right, top, bottom]', 3: '[left, right, top, bottom, front, back]' };
const PAD_INPUTS: Record<number, string> = { 1: '[N, C, W] or [C, W]', 2: '[N, C, H, W] or [C, H, W]', 3: '[N, C, D, H, W] or [C, D, H, W]' };

/** @internal The shared body of the padding modules: pad's pads list, mode and fill, with the layer's checks. */
export abstract class PadNd extends Module {
  /** [left, right], [left, right, top, bottom] or [left, right, top, bottom, front, back], PyTorch's order. */
  readonly padding: number[];
  private readonly layer: string;
  private readonly dims: number;
  private readonly mode: Exclude<PadMode, 'circular'>;
  private readonly fill: number;

  protected constructor(layer: string, dims: 1 | 2 | 3, padding: unknown, mode: Exclude<PadMode, 'circular'>, value = 0) {
    super();
    this.layer = layer;
    this.dims = dims;
    this.mode = mode;
    const n = 2 * dims;
    const list = typeof padding === 'number' ? Array<number>(n).fill(padding) : padding;
    if (!Array.isArray(list) || list.length !== n || list.some((p) => typeof p !== 'number' || !Number.isInteger(p) || p < 0)) {
      throw new ArgumentError(`${layer}: padding must be an integer >= 0 or a list of ${n} (${PAD_ORDER[dims]}), got ${fmtValue(padding)}`);
    }
    this.padding = list.slice();
    if (typeof value !== 'number') throw new ArgumentError(`${layer}: value must be a number, got ${fmtArg(value)}`);
    this.fill = value;
  }

  forward(x: Tensor): Tensor {
    const { layer, dims, mode, padding } = this;
    assertTensor(layer, 'x', x);
    const shape = PAD_INPUTS[dims];
    if (mode === 'constant') {
      if (x.ndim < dims) throw new ShapeError(`${layer}: padding ${fmtValue(padding)} pads the last ${dims} dim${dims > 1 ? 's' : ''}, but x is ${x.describe()}`);
    } else {
      if (x.ndim !== dims + 1 && x.ndim !== dims + 2) throw new ShapeError(`${layer}: x must be ${shape}, got ${x.describe()}`);
      for (let k = 0; k < dims; k++) {
        const dim = x.ndim - 1 - k, size = x.shape[dim], [before, after] = [padding[2 * k], padding[2 * k + 1]];
        if (mode === 'reflect' && (before >= size || after >= size)) {
          throw new ShapeError(`${layer}: padding (${before}, ${after}) of dim ${dim} must be less than its size ${size} (x is ${x.describe()})`);
        }
        if (size === 0) throw new ShapeError(`${layer}: cannot pad the empty dim ${dim} of ${x.describe()}`);
      }
    }
    return pad(x, padding, mode === 'constant' ? { mode, value: this.fill } : { mode });
  }

  protected override extraRepr(): string {
    return reprArgs([['padding', this.padding], ...(this.mode === 'constant' ? [['value', this.fill] as [string, unknown]] : [])]);
  }
}

/**
 * Pads the last dim with `value`: [*, W] to [*, left + W + right].
 * @example `new nn.ConstantPad1d([2, 1], 3.5)`
 */
export class ConstantPad1d extends PadNd {
  constructor(padding: Padding1d, value: number) {
    super('ConstantPad1d', 1, padding, 'constant', value);
  }
}

/**
 * Pads the last two dims with `value`: [*, H, W] to [*, top + H + bottom, left + W + right].
 * @example `new nn.ConstantPad2d([0, 2, 1, 1], -1)`
 */
export class ConstantPad2d extends PadNd {
  constructor(padding: Padding2d, value: number) {
    super('ConstantPad2d', 2, padding, 'constant', value);
  }
}

/**
 * Pads the last dim with zeros.
 * @example `new nn.ZeroPad1d(2)`
 */
export class ZeroPad1d extends PadNd {
  constructor(padding: Padding1d) {
    super('ZeroPad1d', 1, padding, 'constant', 0);
  }
}

/**
 * Pads the last two dims with zeros.
 * @example `new nn.ZeroPad2d([1, 0, 2, 3])`
 */
export class ZeroPad2d extends PadNd {
  constructor(padding: Padding2d) {
    super('ZeroPad2d', 2, padding, 'constant', 0);
  }
}

/**
 * Pads [N, C, W] or [C, W] by mirroring the width without repeating the edge (each pad < W).
 * @example `new nn.ReflectionPad1d([3, 1])`
 */
export class ReflectionPad1d extends PadNd {
  constructor(padding: Padding1d) {
    super('ReflectionPad1d', 1, padding, 'reflect');
  }
}

/**
 * Pads [N, C, H, W] or [C, H, W] by mirroring without repeating the edge (each pad < its dim's size).
 * @example `new nn.ReflectionPad2d(1)`
 */
export class ReflectionPad2d extends PadNd {
  constructor(padding: Padding2d) {
    super('ReflectionPad2d', 2, padding, 'reflect');
  }
}

/**
 * Pads [N, C, W] or [C, W] by repeating the edge values.
 * @example `new nn.ReplicationPad1d([0, 4])`
 */
export class ReplicationPad1d extends PadNd {
  constructor(padding: Padding1d) {
    super('ReplicationPad1d', 1, padding, 'replicate');
  }
}

/**
 * Pads [N, C, H, W] or [C, H, W] by repeating the edge values.
 * @example `new nn.ReplicationPad2d([2, 1, 0, 3])`
 */
export class ReplicationPad2d extends PadNd {
  constructor(padding: Padding2d) {
    super('ReplicationPad2d', 2, padding, 'replicate');
  }
}

// ---------------------------------------------------------------- Bilinear

/**
 * y = x1ᵀ A x2 + b: weight [outFeatures, in1Features, in2Features], bias [outFeatures], both drawn
 * from U(-1/√in1Features, 1/√in1Features) as PyTorch. x1 is [*, in1Features], x2 [*, in2Features].
 * @example
 * const bl = new nn.Bilinear(16, 8, 4);
 * bl.call(a, b); // [N, 16] and [N, 8] -> [N, 4]
 */
export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, opts?: { bias?: boolean } & FactoryOptions) {
    super();
    this.in1Features = positiveInt('Bilinear', 'in1Features', in1Features);
    this.in2Features = positiveInt('Bilinear', 'in2Features', in2Features);
    this.outFeatures = positiveInt('Bilinear', 'outFeatures', outFeatures);
    const dtype = checkDtypeOption('Bilinear', opts?.dtype);
    const bias = boolOption('Bilinear', 'bias', opts?.bias, true);
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], dtype));
    this.bias = bias ? new Parameter(empty([outFeatures], dtype)) : null;
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's init: weight and bias from U(-1/√in1Features, 1/√in1Features). @example `bl.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    init.uniform(this.weight, { a: -bound, b: bound, generator: opts?.generator });
    if (this.bias) init.uniform(this.bias, { a: -bound, b: bound, generator: opts?.generator });
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    for (const [name, x] of [['x1', x1], ['x2', x2]] as const) {
      assertTensor('Bilinear', name, x);
      if (x.dtype !== this.weight.dtype) {
        throw new DTypeError(`Bilinear: ${name} is ${x.describe()} but the parameters are ${this.weight.dtype}; convert the input (${name}.to('${this.weight.dtype}')) or the module (module.to('${x.dtype === 'float64' ? 'float64' : 'float32'}'))`);
      }
    }
    return bilinearNamed('Bilinear', x1, x2, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return reprArgs([['in1Features', this.in1Features], ['in2Features', this.in2Features], ['outFeatures', this.outFeatures], ['bias', this.bias !== null]]);
  }
}

// ---------------------------------------------------------------- CosineSimilarity, PairwiseDistance

function integerDim(layer: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new ArgumentError(`${layer}: dim must be an integer, got ${fmtArg(dim)}`);
  return dim;
}

/**
 * Cosine similarity of x1 and x2 along `dim` (default 1), each norm clamped to at least eps
 * (default 1e-8), as PyTorch 2.x; see `nn.functional.cosineSimilarity`.
 * @example `new nn.CosineSimilarity({ dim: -1 }).call(a, b)` maps [N, D] and [N, D] to [N]
 */
export class CosineSimilarity extends Module<[Tensor, Tensor], Tensor> {
  readonly dim: number;
  readonly eps: number;
  constructor(opts?: CosineSimilarityOptions) {
    super();
    this.dim = integerDim('CosineSimilarity', opts?.dim ?? 1);
    this.eps = epsOption('CosineSimilarity', opts?.eps ?? 1e-8);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarityNamed('CosineSimilarity', x1, x2, { dim: this.dim, eps: this.eps });
  }
  protected override extraRepr(): string {
    return reprArgs([['dim', this.dim], ['eps', this.eps]]);
  }
}

/**
 * ‖x1 - x2 + eps‖_p over the last dim (p default 2, eps 1e-6, keepdim false), as PyTorch; see
 * `nn.functional.pairwiseDistance`.
 * @example `new nn.PairwiseDistance({ p: 1 }).call(a, b)` maps [N, D] and [N, D] to [N]
 */
export class PairwiseDistance extends Module<[Tensor, Tensor], Tensor> {
  readonly p: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(opts?: PairwiseDistanceOptions) {
    super();
    const p = opts?.p ?? 2;
    if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`PairwiseDistance: p must be a number > 0 or Infinity, got ${fmtArg(p)}`);
    this.p = p;
    this.eps = finiteOption('PairwiseDistance', 'eps', opts?.eps ?? 1e-6);
    this.keepdim = boolOption('PairwiseDistance', 'keepdim', opts?.keepdim, false);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseDistanceNamed('PairwiseDistance', x1, x2, { p: this.p, eps: this.eps, keepdim: this.keepdim });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p], ['eps', this.eps], ['keepdim', this.keepdim]]);
  }
}

// ---------------------------------------------------------------- Dropout1d

/**
 * Zeroes whole channels of [N, C, L] (or [C, L]) with probability p while training, scaling the
 * rest by 1/(1-p); identity in eval.
 * @example `new nn.Sequential(new nn.Conv1d(16, 32, 3), new nn.ReLU(), new nn.Dropout1d(0.1))`
 */
export class Dropout1d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout1d', 'p', p);
  }
  forward(x: Tensor): Tensor {
    return dropout1dNamed('Dropout1d', x, this.p, { training: this.training });
  }
  protected override extraRepr(): string {
    return reprArgs([['p', this.p]]);
  }
}
