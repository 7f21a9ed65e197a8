/** Conv3d and ConvTranspose3d modules over the volumetric convolutions (src/ops/conv3d.ts). */
import { ArgumentError, ShapeError, fmtValue } from '../../errors';
import { conv3d, convTranspose3d } from '../../ops/conv3d';
import { pad } from '../../ops/pad';
import { empty } from '../../ops/util';
import { tripleArg, type Triple } from '../../ops/volumetric-args';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import type { ConvPaddingMode } from './conv';
import { resetLinearLike } from './linear';
import { checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';

type Sizes3 = [number, number, number];

const allOnes = (t: number[]): boolean => t.every((v) => v === 1);

/**
 * What Conv3d and ConvTranspose3d share: the channel counts and groups, the kernel, stride and
 * dilation triples, the weight and the bias [outChannels] with PyTorch's default init, the
 * input check and the repr.
 */
abstract class ConvNd3 extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly kernelSize: Sizes3;
  readonly stride: Sizes3;
  readonly dilation: Sizes3;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  protected constructor(layer: string, channels: [number, number], kernelSize: Triple, opts: Conv3dModuleOptions | ConvTranspose3dModuleOptions | undefined, transposed: boolean) {
    super();
    this.inChannels = positiveInt(layer, 'inChannels', channels[0]);
    this.outChannels = positiveInt(layer, 'outChannels', channels[1]);
    this.groups = positiveInt(layer, 'groups', opts?.groups ?? 1);
    for (const [name, n] of [['inChannels', this.inChannels], ['outChannels', this.outChannels]] as const) {
      if (n % this.groups !== 0) throw new ArgumentError(`${layer}: ${name} (${n}) must be divisible by groups (${this.groups})`);
    }
    this.kernelSize = tripleArg(layer, 'kernelSize', kernelSize, [1, 1, 1], 1);
    this.stride = tripleArg(layer, 'stride', opts?.stride, [1, 1, 1], 1);
    this.dilation = tripleArg(layer, 'dilation', opts?.dilation, [1, 1, 1], 1);
    const dtype = checkDtypeOption(layer, opts?.dtype);
    // Conv3d's weight is [out, in/groups, k...]; the transposed one's [in, out/groups, k...].
    const [rows, cols] = transposed ? [this.inChannels, this.outChannels] : [this.outChannels, this.inChannels];
    this.weight = new Parameter(empty([rows, cols / this.groups, ...this.kernelSize], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([this.outChannels], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's default init (Kaiming-uniform weight, a = √5; bias uniform in ±1/√fanIn). @example `conv.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  /** x must be [N, C, D, H, W] or [C, D, H, W] with inChannels channels and the parameters' dtype. */
  protected checkVolume(x: Tensor): void {
    const layer = this.typeName;
    checkInput(layer, x, this.weight.dtype);
    if (x.ndim !== 5 && x.ndim !== 4) throw new ShapeError(`${layer}: x must be [N, C, D, H, W] or [C, D, H, W], got ${x.describe()}`);
    const c = x.shape[x.ndim - 4];
    if (c !== this.inChannels) throw new ShapeError(`${layer}: x ${x.describe()} has ${c} channels but inChannels is ${this.inChannels}`);
  }

  /** The repr's entries: channels, kernel, stride, `padding`, then `extra`, dilation, groups and bias where not the defaults. */
  protected reprWith(padding: unknown, extra: [string, unknown][]): string {
    return reprArgs([['', this.inChannels], ['', this.outChannels], ['kernelSize', this.kernelSize], ['stride', this.stride],
      ['padding', padding], ...extra, ['dilation', allOnes(this.dilation) ? undefined : this.dilation],
      ['groups', this.groups === 1 ? undefined : this.groups], ['bias', this.bias ? undefined : false]]);
  }
}

/** Options of `nn.Conv3d` (PyTorch's, camelCase). @example `new nn.Conv3d(3, 64, 3, { padding: 1 })` */
export interface Conv3dModuleOptions extends FactoryOptions {
  stride?: Triple;
  /** A size, a triple, 'valid' (0) or 'same' (output size = input size; stride 1 only). Default 0. */
  padding?: Triple | 'same' | 'valid';
  dilation?: Triple;
  /** Channel groups; groups = inChannels is a depthwise convolution. Default 1. */
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: ConvPaddingMode;
}

/**
 * 3-D convolution over [N, C, D, H, W] (or [C, D, H, W]), e.g. for video clips or medical
 * volumes; weight [out, in/groups, kD, kH, kW] and bias [out] with PyTorch's default init and
 * state-dict keys. Runs `conv3d` (one native conv2d over the depth taps; see there).
 * @example
 * const conv = new nn.Conv3d(3, 64, 3, { padding: 1 });
 * const y = conv.call(randn([2, 3, 16, 112, 112]));  // [2, 64, 16, 112, 112]
 */
export class Conv3d extends ConvNd3 {
  readonly padding: Sizes3 | 'same' | 'valid';
  readonly paddingMode: ConvPaddingMode;

  constructor(inChannels: number, outChannels: number, kernelSize: Triple, opts?: Conv3dModuleOptions) {
    super('Conv3d', [inChannels, outChannels], kernelSize, opts, false);
    const p = opts?.padding;
    this.padding = p === 'same' || p === 'valid' ? p : tripleArg('Conv3d', 'padding', p, [0, 0, 0], 0);
    if (p === 'same' && !allOnes(this.stride)) throw new ArgumentError(`Conv3d: padding 'same' needs stride 1, got stride [${this.stride.join(', ')}]`);
    const mode = opts?.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) {
      throw new ArgumentError(`Conv3d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${fmtValue(opts?.paddingMode)}`);
    }
    this.paddingMode = mode;
  }

  forward(x: Tensor): Tensor {
    this.checkVolume(x);
    const geometry = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv3d(x, this.weight, this.bias, { ...geometry, padding: this.padding });
    // F.pad's order: (before, after) of W, then H, then D; 'same' puts the odd one after.
    const pads = [2, 1, 0].flatMap((i) => {
      if (this.padding === 'valid') return [0, 0];
      if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [this.padding[i], this.padding[i]];
    });
    return conv3d(pad(x, pads, { mode: this.paddingMode }), this.weight, this.bias, { ...geometry, padding: 0 });
  }

  protected override extraRepr(): string {
    return this.reprWith(this.padding, [['paddingMode', this.paddingMode === 'zeros' ? undefined : this.paddingMode]]);
  }
}

/** Options of `nn.ConvTranspose3d`. @example `new nn.ConvTranspose3d(64, 32, 2, { stride: 2 })` */
export interface ConvTranspose3dModuleOptions extends FactoryOptions {
  stride?: Triple;
  padding?: Triple;
  /** Extra size on one side of the output per dim, to pick among the sizes a strided conv maps alike. Default 0. */
  outputPadding?: Triple;
  groups?: number;
  dilation?: Triple;
  bias?: boolean;
}

/**
 * Transposed 3-D convolution (the adjoint of Conv3d in its input, e.g. the upsampling path of a
 * 3-D U-Net); weight [in, out/groups, kD, kH, kW] and bias [out], PyTorch's init and keys.
 * @example
 * const up = new nn.ConvTranspose3d(64, 32, 2, { stride: 2 });
 * const y = up.call(randn([1, 64, 8, 16, 16]));  // [1, 32, 16, 32, 32]
 */
export class ConvTranspose3d extends ConvNd3 {
  readonly padding: Sizes3;
  readonly outputPadding: Sizes3;

  constructor(inChannels: number, outChannels: number, kernelSize: Triple, opts?: ConvTranspose3dModuleOptions) {
    super('ConvTranspose3d', [inChannels, outChannels], kernelSize, opts, true);
    this.padding = tripleArg('ConvTranspose3d', 'padding', opts?.padding, [0, 0, 0], 0);
    this.outputPadding = tripleArg('ConvTranspose3d', 'outputPadding', opts?.outputPadding, [0, 0, 0], 0);
    if (this.outputPadding.some((p, i) => p >= this.stride[i] && p >= this.dilation[i])) {
      throw new ArgumentError(`ConvTranspose3d: outputPadding [${this.outputPadding.join(', ')}] must be smaller than either stride [${this.stride.join(', ')}] or dilation [${this.dilation.join(', ')}]`);
    }
  }

  forward(x: Tensor): Tensor {
    this.checkVolume(x);
    return convTranspose3d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  protected override extraRepr(): string {
    return this.reprWith(this.padding, [['outputPadding', this.outputPadding.every((v) => v === 0) ? undefined : this.outputPadding]]);
  }
}
