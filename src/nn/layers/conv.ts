/** Conv1d, Conv2d and ConvTranspose2d modules over the functional convolutions (src/ops/conv.ts). */
import { ArgumentError, ShapeError, fmtValue } from '../../errors';
import { conv1d, conv2d, conv2dRelu, convTranspose2d } from '../../ops/conv';
import { pad } from '../../ops/pad';
import { empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { resetLinearLike } from './linear';
import { checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';

type Pair = number | [number, number];

function pair(layer: string, name: string, v: Pair | undefined, fallback: number, min: number): [number, number] {
  const p = v === undefined ? [fallback, fallback] : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || p.some((s) => !Number.isInteger(s) || s < min)) {
    throw new ArgumentError(`${layer}: ${name} must be an integer >= ${min} or a pair of them, got ${fmtValue(v)}`);
  }
  return [p[0], p[1]];
}

function single(layer: string, name: string, v: number | undefined, fallback: number, min: number): number {
  const s = v ?? fallback;
  if (!Number.isInteger(s) || s < min) throw new ArgumentError(`${layer}: ${name} must be an integer >= ${min}, got ${fmtValue(v)}`);
  return s;
}

function checkGroups(layer: string, inChannels: number, outChannels: number, groups: unknown): number {
  const g = positiveInt(layer, 'groups', groups);
  if (inChannels % g !== 0) throw new ArgumentError(`${layer}: inChannels (${inChannels}) must be divisible by groups (${g})`);
  if (outChannels % g !== 0) throw new ArgumentError(`${layer}: outChannels (${outChannels}) must be divisible by groups (${g})`);
  return g;
}

function checkChannels(layer: string, x: Tensor, ranks: [number, number], layout: string, inChannels: number): void {
  if (x.ndim !== ranks[0] && x.ndim !== ranks[1]) throw new ShapeError(`${layer}: x must be ${layout}, got ${x.describe()}`);
  const c = x.shape[x.ndim - ranks[0] + 1];
  if (c !== inChannels) throw new ShapeError(`${layer}: x ${x.describe()} has ${c} channels but inChannels is ${inChannels}`);
}

/** Options of `nn.Conv2d` (PyTorch's, camelCase). @example `new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 })` */
export interface Conv2dModuleOptions extends FactoryOptions {
  stride?: Pair;
  /** A size, a pair, 'valid' (0) or 'same' (output size = input size; stride 1 only). Default 0. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  /** Channel groups; groups = inChannels is a depthwise convolution. Default 1. */
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: ConvPaddingMode;
}

/**
 * 2-D convolution over [N, C, H, W] (or [C, H, W]); weight [out, in/groups, kH, kW] with
 * PyTorch's default init.
 * @example `new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 })`
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: ConvPaddingMode;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: Conv2dModuleOptions) {
    super();
    const L = 'Conv2d';
    this.inChannels = positiveInt(L, 'inChannels', inChannels);
    this.outChannels = positiveInt(L, 'outChannels', outChannels);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1, 1);
    this.stride = pair(L, 'stride', opts?.stride, 1, 1);
    const p = opts?.padding;
    this.padding = p === 'same' || p === 'valid' ? p : pair(L, 'padding', p, 0, 0);
    if (p === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new ArgumentError(`${L}: padding 'same' needs stride 1, got stride [${this.stride.join(', ')}]`);
    this.dilation = pair(L, 'dilation', opts?.dilation, 1, 1);
    this.groups = checkGroups(L, inChannels, outChannels, opts?.groups ?? 1);
    this.paddingMode = paddingModeOption(L, opts?.paddingMode);
    const dtype = checkDtypeOption(L, opts?.dtype);
    this.weight = new Parameter(empty([outChannels, inChannels / this.groups, ...this.kernelSize], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outChannels], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's default init. @example `conv.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    checkInput('Conv2d', x, this.weight.dtype);
    checkChannels('Conv2d', x, [4, 3], '[N, C, H, W] or [C, H, W]', this.inChannels);
    const geometry = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv2d(x, this.weight, this.bias, { ...geometry, padding: this.padding });
    const padded = padForMode(x, this.paddingMode, explicitPads(this.padding, this.kernelSize, this.dilation));
    return conv2d(padded, this.weight, this.bias, { ...geometry, padding: 0 });
  }

  /**
   * @internal relu(forward(x)) with the ReLU fused into the convolution's epilogue, or null
   * where it cannot be (a padding mode other than 'zeros'); Sequential uses it for Conv2d, ReLU.
   */
  forwardRelu(x: Tensor): Tensor | null {
    if (this.paddingMode !== 'zeros') return null;
    checkInput('Conv2d', x, this.weight.dtype);
    checkChannels('Conv2d', x, [4, 3], '[N, C, H, W] or [C, H, W]', this.inChannels);
    return conv2dRelu(x, this.weight, this.bias, { stride: this.stride, dilation: this.dilation, groups: this.groups, padding: this.padding });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.inChannels], ['', this.outChannels], ['kernelSize', this.kernelSize], ['stride', this.stride],
      ['padding', this.padding], ['dilation', isOnes(this.dilation) ? undefined : this.dilation],
      ['groups', this.groups === 1 ? undefined : this.groups], ['bias', this.bias ? undefined : false],
      ['paddingMode', this.paddingMode === 'zeros' ? undefined : this.paddingMode]]);
  }
}

const isOnes = (p: number[]): boolean => p.every((v) => v === 1);

/** How a conv module fills its padding (PyTorch's padding_mode). */
export type ConvPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

function paddingModeOption(layer: string, v: unknown): ConvPaddingMode {
  const mode = v ?? 'zeros';
  if (mode !== 'zeros' && mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw new ArgumentError(`${layer}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${fmtValue(v)}`);
  }
  return mode;
}

/** (before, after) per spatial dim, as the conv would pad: 'same' puts the odd extra after, as PyTorch does. */
function explicitPads(padding: number[] | 'same' | 'valid', kernel: number[], dilation: number[]): [number, number][] {
  return kernel.map((k, i) => {
    if (padding === 'valid') return [0, 0];
    if (padding === 'same') {
      const total = dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    }
    return [padding[i], padding[i]];
  });
}

/** Pads x with a non-zero paddingMode (F.pad's pair order: the last dim first). */
function padForMode(x: Tensor, mode: Exclude<ConvPaddingMode, 'zeros'>, pads: [number, number][]): Tensor {
  return pad(x, pads.slice().reverse().flat(), { mode });
}

/** Options of `nn.Conv1d`. @example `new nn.Conv1d(8, 16, 5, { padding: 2 })` */
export interface Conv1dModuleOptions extends FactoryOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: ConvPaddingMode;
}

/**
 * 1-D convolution over [N, C, L] (or [C, L]); weight [out, in/groups, k].
 * @example `new nn.Conv1d(16, 32, 5, { padding: 'same' })`
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: ConvPaddingMode;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts?: Conv1dModuleOptions) {
    super();
    const L = 'Conv1d';
    this.inChannels = positiveInt(L, 'inChannels', inChannels);
    this.outChannels = positiveInt(L, 'outChannels', outChannels);
    this.kernelSize = single(L, 'kernelSize', kernelSize, 1, 1);
    this.stride = single(L, 'stride', opts?.stride, 1, 1);
    const p = opts?.padding;
    this.padding = p === 'same' || p === 'valid' ? p : single(L, 'padding', p, 0, 0);
    if (p === 'same' && this.stride !== 1) throw new ArgumentError(`${L}: padding 'same' needs stride 1, got stride ${this.stride}`);
    this.dilation = single(L, 'dilation', opts?.dilation, 1, 1);
    this.groups = checkGroups(L, inChannels, outChannels, opts?.groups ?? 1);
    this.paddingMode = paddingModeOption(L, opts?.paddingMode);
    const dtype = checkDtypeOption(L, opts?.dtype);
    this.weight = new Parameter(empty([outChannels, inChannels / this.groups, this.kernelSize], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outChannels], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's default init. @example `conv.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    checkInput('Conv1d', x, this.weight.dtype);
    checkChannels('Conv1d', x, [3, 2], '[N, C, L] or [C, L]', this.inChannels);
    const geometry = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv1d(x, this.weight, this.bias, { ...geometry, padding: this.padding });
    const p = this.padding;
    const padded = padForMode(x, this.paddingMode, explicitPads(typeof p === 'number' ? [p] : p, [this.kernelSize], [this.dilation]));
    return conv1d(padded, this.weight, this.bias, { ...geometry, padding: 0 });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.inChannels], ['', this.outChannels], ['kernelSize', this.kernelSize], ['stride', this.stride],
      ['padding', this.padding], ['dilation', this.dilation === 1 ? undefined : this.dilation],
      ['groups', this.groups === 1 ? undefined : this.groups], ['bias', this.bias ? undefined : false],
      ['paddingMode', this.paddingMode === 'zeros' ? undefined : this.paddingMode]]);
  }
}

/** Options of `nn.ConvTranspose2d`. @example `new nn.ConvTranspose2d(16, 8, 2, { stride: 2 })` */
export interface ConvTranspose2dModuleOptions extends FactoryOptions {
  stride?: Pair;
  padding?: Pair;
  /** Extra size on one side of the output, to pick among the sizes a strided conv maps alike. Default 0. */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
  bias?: boolean;
}

/**
 * Transposed 2-D convolution (the adjoint of Conv2d in its input, e.g. for upsampling);
 * weight [in, out/groups, kH, kW].
 * @example `new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 })`
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: ConvTranspose2dModuleOptions) {
    super();
    const L = 'ConvTranspose2d';
    this.inChannels = positiveInt(L, 'inChannels', inChannels);
    this.outChannels = positiveInt(L, 'outChannels', outChannels);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1, 1);
    this.stride = pair(L, 'stride', opts?.stride, 1, 1);
    this.padding = pair(L, 'padding', opts?.padding, 0, 0);
    this.outputPadding = pair(L, 'outputPadding', opts?.outputPadding, 0, 0);
    this.dilation = pair(L, 'dilation', opts?.dilation, 1, 1);
    this.groups = checkGroups(L, inChannels, outChannels, opts?.groups ?? 1);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new ArgumentError(`${L}: outputPadding [${this.outputPadding.join(', ')}] must be smaller than stride or dilation`);
      }
    }
    const dtype = checkDtypeOption(L, opts?.dtype);
    this.weight = new Parameter(empty([inChannels, outChannels / this.groups, ...this.kernelSize], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outChannels], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's default init. @example `deconv.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  forward(x: Tensor): Tensor {
    checkInput('ConvTranspose2d', x, this.weight.dtype);
    checkChannels('ConvTranspose2d', x, [4, 3], '[N, C, H, W] or [C, H, W]', this.inChannels);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.inChannels], ['', this.outChannels], ['kernelSize', this.kernelSize], ['stride', this.stride],
      ['padding', this.padding], ['outputPadding', this.outputPadding.every((v) => v === 0) ? undefined : this.outputPadding],
      ['dilation', isOnes(this.dilation) ? undefined : this.dilation], ['groups', this.groups === 1 ? undefined : this.groups],
      ['bias', this.bias ? undefined : false]]);
  }
}
