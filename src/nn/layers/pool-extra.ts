/** AdaptiveMaxPool1d, LPPool1d and LPPool2d: modules over nn/pool-extra.ts, with PyTorch's arguments. */
import { ArgumentError, fmtValue } from '../../errors';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';
import { adaptiveMaxPool1dNamed, lpNormType, lpPool1dNamed, lpPool2dNamed, type LPPool1dOptions, type LPPool2dOptions } from '../pool-extra';
import { boolOption, positiveInt } from './common';

type Pair = number | [number, number];

/** What AdaptiveMaxPool1d's forward returns: the output, or [output, indices] with returnIndices. @example `MaxPoolResult<true>` is `[Tensor, Tensor]` */
export type MaxPoolResult<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/**
 * Max pooling of [N, C, L] (or [C, L]) to a fixed length (1 is global max pooling), with
 * PyTorch's adaptive windows. With `returnIndices: true` forward returns [output, indices]
 * (int32 positions in L, for a later unpooling).
 * @example `new nn.AdaptiveMaxPool1d(4)` or `const [y, idx] = new nn.AdaptiveMaxPool1d(4, { returnIndices: true }).call(x)`
 */
export class AdaptiveMaxPool1d<R extends boolean = false> extends Module<[Tensor], MaxPoolResult<R>> {
  readonly outputSize: number;
  readonly returnIndices: R;

  constructor(outputSize: number | [number], opts?: { returnIndices?: R }) {
    super();
    const size = Array.isArray(outputSize) && outputSize.length === 1 ? outputSize[0] : outputSize;
    this.outputSize = positiveInt('AdaptiveMaxPool1d', 'outputSize', size);
    this.returnIndices = boolOption('AdaptiveMaxPool1d', 'returnIndices', opts?.returnIndices, false) as R;
  }

  forward(x: Tensor): MaxPoolResult<R> {
    return adaptiveMaxPool1dNamed('AdaptiveMaxPool1d', x, this.outputSize, this.returnIndices) as MaxPoolResult<R>;
  }

  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize], ['returnIndices', this.returnIndices ? true : undefined]]);
  }
}

/** A kernel size or stride: a positive integer, or (2-D) a pair of them; when not required, undefined or null (the default) passes. */
function windowOption(layer: string, name: string, v: unknown, pair: boolean, required: boolean): void {
  if ((v === undefined || v === null) && !required) return;
  const list = Array.isArray(v) && pair ? v : [v];
  if (list.length !== (Array.isArray(v) ? 2 : 1) || !list.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 1)) {
    throw new ArgumentError(`${layer}: ${name} must be a positive integer${pair ? ' or a pair of them' : ''}, got ${fmtValue(v)}`);
  }
}

/**
 * Power-average pooling over [N, C, L] (or [C, L]): each window gives (Σ x^p)^(1/p), computed as
 * PyTorch does (see nn.functional.lpPool1d). normType Infinity is max pooling of |x|.
 * @example `new nn.LPPool1d(2, 3, { stride: 2 })`
 */
export class LPPool1d extends Module {
  readonly normType: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly ceilMode: boolean;

  constructor(normType: number, kernelSize: number, opts?: LPPool1dOptions) {
    super();
    const L = 'LPPool1d';
    this.normType = lpNormType(L, normType);
    windowOption(L, 'kernelSize', kernelSize, false, true);
    windowOption(L, 'stride', opts?.stride, false, false);
    this.kernelSize = kernelSize;
    this.stride = opts?.stride ?? kernelSize;
    this.ceilMode = boolOption(L, 'ceilMode', opts?.ceilMode, false);
  }

  forward(x: Tensor): Tensor {
    return lpPool1dNamed('LPPool1d', x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }

  protected override extraRepr(): string {
    return reprArgs([['normType', this.normType], ['kernelSize', this.kernelSize], ['stride', this.stride], ['ceilMode', this.ceilMode]]);
  }
}

/**
 * Power-average pooling over [N, C, H, W] (or [C, H, W]): each window gives (Σ x^p)^(1/p),
 * computed as PyTorch does (see nn.functional.lpPool2d). normType Infinity is max pooling of |x|.
 * @example `new nn.LPPool2d(2, 3, { stride: 2 })`
 */
export class LPPool2d extends Module {
  readonly normType: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly ceilMode: boolean;

  constructor(normType: number, kernelSize: Pair, opts?: LPPool2dOptions) {
    super();
    const L = 'LPPool2d';
    this.normType = lpNormType(L, normType);
    windowOption(L, 'kernelSize', kernelSize, true, true);
    windowOption(L, 'stride', opts?.stride, true, false);
    this.kernelSize = kernelSize;
    this.stride = opts?.stride ?? kernelSize;
    this.ceilMode = boolOption(L, 'ceilMode', opts?.ceilMode, false);
  }

  forward(x: Tensor): Tensor {
    return lpPool2dNamed('LPPool2d', x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }

  protected override extraRepr(): string {
    return reprArgs([['normType', this.normType], ['kernelSize', this.kernelSize], ['stride', this.stride], ['ceilMode', this.ceilMode]]);
  }
}
