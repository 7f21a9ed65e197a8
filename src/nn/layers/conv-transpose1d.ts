/** ConvTranspose1d: the module over nn.functional.convTranspose1d (nn/functional-extra.ts). */
import { ArgumentError, ShapeError, fmtValue } from '../../errors';
import { empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import { convTranspose1dGeometry, convTranspose1dNamed, type ConvTranspose1dGeometry } from '../functional-extra';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { resetLinearLike } from './linear';
import { checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';

/** Options of `nn.ConvTranspose1d` (PyTorch's, camelCase). @example `new nn.ConvTranspose1d(16, 8, 4, { stride: 2, padding: 1 })` */
export interface ConvTranspose1dModuleOptions extends FactoryOptions {
  /** Step of the convolution this is the adjoint of (default 1). */
  stride?: number;
  /** dilation·(k − 1) − padding zeros are implied around the input on each side (default 0). */
  padding?: number;
  /** Extra length on one side of the output, to pick among the lengths a strided conv maps alike (default 0). */
  outputPadding?: number;
  /** Channel groups: inChannels and outChannels must both be divisible by it (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
}

/**
 * Transposed 1-D convolution over [N, C, L] (or [C, L]), e.g. for upsampling sequences; weight
 * [inChannels, outChannels/groups, kernelSize] and bias [outChannels] with PyTorch's names and
 * default init (U(±1/√fanIn), fanIn = outChannels/groups · kernelSize). forward(x, outputSize?)
 * picks the output length within a stride of the smallest, as PyTorch's output_size.
 * @example
 * const up = new nn.ConvTranspose1d(16, 8, 4, { stride: 2, padding: 1 });
 * up.call(x); // [N, 16, L] -> [N, 8, 2L]
 */
export class ConvTranspose1d extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts?: ConvTranspose1dModuleOptions) {
    super();
    const L = 'ConvTranspose1d';
    this.inChannels = positiveInt(L, 'inChannels', inChannels);
    this.outChannels = positiveInt(L, 'outChannels', outChannels);
    this.kernelSize = positiveInt(L, 'kernelSize', kernelSize);
    const g: ConvTranspose1dGeometry = convTranspose1dGeometry(L, opts);
    if (inChannels % g.groups !== 0) throw new ArgumentError(`${L}: inChannels (${inChannels}) must be divisible by groups (${g.groups})`);
    if (outChannels % g.groups !== 0) throw new ArgumentError(`${L}: outChannels (${outChannels}) must be divisible by groups (${g.groups})`);
    if (opts?.bias !== undefined && typeof opts.bias !== 'boolean') throw new ArgumentError(`${L}: bias must be a boolean, got ${fmtValue(opts.bias)}`);
    ({ stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups } = g);
    const dtype = checkDtypeOption(L, opts?.dtype);
    this.weight = new Parameter(empty([inChannels, outChannels / g.groups, kernelSize], dtype));
    this.bias = opts?.bias === false ? null : new Parameter(empty([outChannels], dtype));
    this.resetParameters(opts);
  }

  /** Re-draws PyTorch's default init. @example `deconv.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetLinearLike(this.weight, this.bias, opts);
  }

  /**
   * Runs forward with the hooks, as Module.call; `outputSize` (a length, [length] or the full
   * output shape) picks the output length as forward's. The module stays a one-tensor module, so
   * it chains in nn.Sequential.
   * @example `up.call(x, [10])`
   */
  override call(x: Tensor, outputSize?: number | number[]): Tensor {
    return outputSize === undefined ? super.call(x) : super.call(...([x, outputSize] as unknown as [Tensor]));
  }

  forward(x: Tensor, outputSize?: number | number[]): Tensor {
    const L = 'ConvTranspose1d';
    checkInput(L, x, this.weight.dtype);
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${L}: x must be [N, C, L] or [C, L], got ${x.describe()}`);
    const c = x.shape[x.ndim - 2];
    if (c !== this.inChannels) throw new ShapeError(`${L}: x ${x.describe()} has ${c} channels but inChannels is ${this.inChannels}`);
    const outputPadding = outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize);
    return convTranspose1dNamed(L, x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  /** PyTorch's _output_padding: the outputPadding that gives the requested length (its last entry). */
  private outputPaddingFor(x: Tensor, outputSize: number | number[]): number {
    const L = 'ConvTranspose1d';
    const sizes = Array.isArray(outputSize) ? outputSize : [outputSize];
    // PyTorch takes [L'], or the full output shape ([N, C, L'] batched, [C, L'] unbatched).
    const full = x.ndim;
    if ((sizes.length !== 1 && sizes.length !== full) || !sizes.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) {
      throw new ArgumentError(`${L}: outputSize must be a length, [length] or the full output shape (${full} entries) of non-negative integers, got ${fmtValue(outputSize)}`);
    }
    const want = sizes[sizes.length - 1];
    const length = x.shape[x.ndim - 1];
    const smallest = (length - 1) * this.stride - 2 * this.padding + this.dilation * (this.kernelSize - 1) + 1;
    const largest = smallest + this.stride - 1;
    if (want < smallest || want > largest) {
      throw new ShapeError(`${L}: outputSize ${fmtValue(outputSize)} asks for length ${want}, but x ${x.describe()} gives lengths ${smallest} to ${largest}`);
    }
    return want - smallest;
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.inChannels], ['', this.outChannels], ['kernelSize', this.kernelSize], ['stride', this.stride],
      ['padding', this.padding], ['outputPadding', this.outputPadding === 0 ? undefined : this.outputPadding],
      ['dilation', this.dilation === 1 ? undefined : this.dilation], ['groups', this.groups === 1 ? undefined : this.groups],
      ['bias', this.bias ? undefined : false]]);
  }
}
