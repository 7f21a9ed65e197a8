/**
 * The volumetric ([N, C, D, H, W]) layers besides the convolutions: MaxPool3d, AvgPool3d,
 * AdaptiveAvgPool3d, AdaptiveMaxPool3d, BatchNorm3d, InstanceNorm3d, Dropout3d and the 3-D
 * padding modules, with PyTorch's arguments, defaults, buffers and state-dict keys. The pools
 * run src/ops/pool3d.ts; the norms, dropout and padding reuse their 2-D modules' bodies (the
 * norm ops take any [N, C, *]).
 */
import { ArgumentError, fmtValue } from '../../errors';
import { adaptiveAvgPool3d, adaptiveMaxPool3d, avgPool3d, maxPool3d, type AdaptiveSize3d, type AvgPool3dOptions, type MaxPool3dOptions } from '../../ops/pool3d';
import { tripleArg, type Triple } from '../../ops/volumetric-args';
import type { Tensor } from '../../tensor/tensor';
import { dropout3d } from '../functional';
import { Module, reprArgs } from '../module';
import { boolOption, probability } from './common';
import { PadNd } from './misc';
import { BatchNormBase } from './normalization';
import { InstanceNormBase } from './normalization-extra';
import type { MaxPoolResult } from './pool-extra';

/** A pool's window options checked when the layer is built, so that a bad one fails there and names the layer. */
function checkWindow(layer: string, kernelSize: Triple, o: { stride?: Triple | null; padding?: Triple; dilation?: Triple } | undefined): void {
  const kernel = tripleArg(layer, 'kernelSize', kernelSize, [1, 1, 1], 1);
  tripleArg(layer, 'stride', o?.stride, kernel, 1);
  tripleArg(layer, 'padding', o?.padding, [0, 0, 0], 0);
  tripleArg(layer, 'dilation', o?.dilation, [1, 1, 1], 1);
}

// ---------------------------------------------------------------- pooling

/**
 * Max over 3-D windows of [N, C, D, H, W] (or [C, D, H, W]); stride defaults to the kernel size.
 * With `returnIndices: true` forward returns [output, indices] (flat d·H·W + h·W + w per volume).
 * @example `new nn.MaxPool3d(2)` or `new nn.MaxPool3d([1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] })`
 */
export class MaxPool3d<R extends boolean = false> extends Module<[Tensor], MaxPoolResult<R>> {
  readonly kernelSize: Triple;
  readonly options: MaxPool3dOptions;
  readonly returnIndices: R;

  constructor(kernelSize: Triple, opts?: MaxPool3dOptions & { returnIndices?: R }) {
    super();
    checkWindow('MaxPool3d', kernelSize, opts);
    const { returnIndices, ...options } = opts ?? {};
    this.kernelSize = kernelSize;
    this.options = { ...options, ceilMode: boolOption('MaxPool3d', 'ceilMode', options.ceilMode, false) };
    this.returnIndices = boolOption('MaxPool3d', 'returnIndices', returnIndices, false) as R;
  }

  forward(x: Tensor): MaxPoolResult<R> {
    const y = this.returnIndices ? maxPool3d(x, this.kernelSize, { ...this.options, returnIndices: true }) : maxPool3d(x, this.kernelSize, this.options);
    return y as MaxPoolResult<R>;
  }

  protected override extraRepr(): string {
    const o = this.options;
    return reprArgs([['kernelSize', this.kernelSize], ['stride', o.stride ?? this.kernelSize], ['padding', o.padding ?? 0],
      ['dilation', o.dilation ?? 1], ['ceilMode', o.ceilMode], ['returnIndices', this.returnIndices ? true : undefined]]);
  }
}

/**
 * Averages over 3-D windows of [N, C, D, H, W] (or [C, D, H, W]), with PyTorch's countIncludePad
 * (default true), ceilMode and divisorOverride.
 * @example `new nn.AvgPool3d(2)` or `new nn.AvgPool3d(3, { stride: 2, padding: 1, countIncludePad: false })`
 */
export class AvgPool3d extends Module {
  readonly kernelSize: Triple;
  readonly options: AvgPool3dOptions;

  constructor(kernelSize: Triple, opts?: AvgPool3dOptions) {
    super();
    checkWindow('AvgPool3d', kernelSize, opts);
    const divisor = opts?.divisorOverride;
    if (divisor !== undefined && divisor !== null && (!Number.isInteger(divisor) || divisor < 1)) {
      throw new ArgumentError(`AvgPool3d: divisorOverride must be a positive integer, got ${fmtValue(divisor)}`);
    }
    this.kernelSize = kernelSize;
    this.options = {
      ...opts,
      ceilMode: boolOption('AvgPool3d', 'ceilMode', opts?.ceilMode, false),
      countIncludePad: boolOption('AvgPool3d', 'countIncludePad', opts?.countIncludePad, true),
    };
  }

  forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, this.options);
  }

  protected override extraRepr(): string {
    const o = this.options;
    return reprArgs([['kernelSize', this.kernelSize], ['stride', o.stride ?? this.kernelSize], ['padding', o.padding ?? 0],
      ['ceilMode', o.ceilMode], ['countIncludePad', o.countIncludePad], ['divisorOverride', o.divisorOverride ?? undefined]]);
  }
}

/**
 * What the adaptive 3-D pools share: the output size (a positive integer, or a triple of them or
 * null), checked when the layer is built, whether forward also returns the indices, and the repr.
 */
abstract class AdaptivePool3d<Out> extends Module<[Tensor], Out> {
  readonly outputSize: AdaptiveSize3d;
  readonly returnIndices: boolean;

  protected constructor(layer: string, outputSize: AdaptiveSize3d, returnIndices: unknown) {
    super();
    const list: unknown[] = Array.isArray(outputSize) ? outputSize : [outputSize];
    const ok = (s: unknown): boolean => typeof s === 'number' && Number.isInteger(s) && s >= 1;
    if (!(Array.isArray(outputSize) ? list.length === 3 && list.every((s) => s === null || ok(s)) : ok(outputSize))) {
      throw new ArgumentError(`${layer}: outputSize must be a positive integer or a triple of them (null keeps a dim), got ${fmtValue(outputSize)}`);
    }
    this.outputSize = Array.isArray(outputSize) ? [outputSize[0], outputSize[1], outputSize[2]] : outputSize;
    this.returnIndices = boolOption(layer, 'returnIndices', returnIndices, false);
  }

  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize], ['returnIndices', this.returnIndices ? true : undefined]]);
  }
}

/**
 * Average pooling of [N, C, D, H, W] (or [C, D, H, W]) to a fixed output size (1 is global
 * average pooling, as at the head of a 3-D ResNet); null keeps a dim.
 * @example `new nn.AdaptiveAvgPool3d(1)` or `new nn.AdaptiveAvgPool3d([null, 7, 7])`
 */
export class AdaptiveAvgPool3d extends AdaptivePool3d<Tensor> {
  constructor(outputSize: AdaptiveSize3d) {
    super('AdaptiveAvgPool3d', outputSize, false);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool3d(x, this.outputSize);
  }
}

/**
 * Max pooling of [N, C, D, H, W] (or [C, D, H, W]) to a fixed output size; null keeps a dim.
 * With `returnIndices: true` forward returns [output, indices] (flat d·H·W + h·W + w per volume).
 * @example `new nn.AdaptiveMaxPool3d(1)` or `const [y, idx] = new nn.AdaptiveMaxPool3d([2, 4, 4], { returnIndices: true }).call(x)`
 */
export class AdaptiveMaxPool3d<R extends boolean = false> extends AdaptivePool3d<MaxPoolResult<R>> {
  constructor(outputSize: AdaptiveSize3d, opts?: { returnIndices?: R }) {
    super('AdaptiveMaxPool3d', outputSize, opts?.returnIndices);
  }

  forward(x: Tensor): MaxPoolResult<R> {
    const y = this.returnIndices ? adaptiveMaxPool3d(x, this.outputSize, { returnIndices: true }) : adaptiveMaxPool3d(x, this.outputSize);
    return y as MaxPoolResult<R>;
  }
}

// ---------------------------------------------------------------- normalisation and dropout

/**
 * Batch normalisation over [N, C, D, H, W] per channel C: learnable `weight` and `bias`, the
 * buffers `running_mean`, `running_var` and `num_batches_tracked` (PyTorch's names), momentum
 * 0.1 and eps 1e-5 by default; the fused batchNorm op over the D·H·W positions of each channel.
 * @example `new nn.BatchNorm3d(64)`
 */
export class BatchNorm3d extends BatchNormBase {
  protected readonly ranks = [5];
  protected readonly layout = '[N, C, D, H, W]';
}

/**
 * Instance normalisation of [N, C, D, H, W] (or unbatched [C, D, H, W]): each sample's channel
 * normalised over D·H·W with its own statistics (torch.nn.InstanceNorm3d; no affine, no running
 * statistics by default).
 * @example
 * const m = new nn.InstanceNorm3d(32, { affine: true });
 * const y = m.call(randn([2, 32, 8, 16, 16]));
 */
export class InstanceNorm3d extends InstanceNormBase {
  protected readonly noBatchRank = 4;
  protected readonly layout = '[N, C, D, H, W] or unbatched [C, D, H, W]';
}

/**
 * Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) with probability p while training,
 * scaling the rest by 1/(1-p); identity in eval.
 * @example `new nn.Dropout3d(0.2)`
 */
export class Dropout3d extends Module {
  constructor(readonly p = 0.5) {
    super();
    probability('Dropout3d', 'p', p);
  }

  forward(x: Tensor): Tensor {
    return dropout3d(x, this.p, { training: this.training });
  }

  protected override extraRepr(): string {
    return reprArgs([['p', this.p]]);
  }
}

// ---------------------------------------------------------------- padding

/** The padding of a 3d pad module: one int for every side, or [left, right, top, bottom, front, back]. @example `[1, 1, 2, 0, 1, 1]` */
export type Padding3d = number | [number, number, number, number, number, number];

/** Pads the last three dims with `value`: [*, D, H, W] to [*, front + D + back, top + H + bottom, left + W + right]. @example `new nn.ConstantPad3d([1, 1, 2, 0, 1, 1], 0.5)` */
export class ConstantPad3d extends PadNd { constructor(padding: Padding3d, value: number) { super('ConstantPad3d', 3, padding, 'constant', value); } }

/** Pads the last three dims with zeros. @example `new nn.ZeroPad3d(1)` */
export class ZeroPad3d extends PadNd { constructor(padding: Padding3d) { super('ZeroPad3d', 3, padding, 'constant', 0); } }

/** Pads [N, C, D, H, W] or [C, D, H, W] by mirroring without repeating the edge (each pad < its dim's size). @example `new nn.ReflectionPad3d(1)` */
export class ReflectionPad3d extends PadNd { constructor(padding: Padding3d) { super('ReflectionPad3d', 3, padding, 'reflect'); } }

/** Pads [N, C, D, H, W] or [C, D, H, W] by repeating the edge values. @example `new nn.ReplicationPad3d([1, 1, 0, 0, 2, 2])` */
export class ReplicationPad3d extends PadNd { constructor(padding: Padding3d) { super('ReplicationPad3d', 3, padding, 'replicate'); } }
