/** Pooling modules over the functional pools (src/ops/pool.ts). */
import { ArgumentError, fmtValue } from '../../errors';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, maxPool2dRelu } from '../../ops/pool';
import type { AvgPool1dOptions, AvgPool2dOptions, MaxPool1dOptions, MaxPool2dOptions } from '../../ops/pool';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';

type Pair = number | [number, number];

function checkKernel(layer: string, k: unknown): void {
  const list = Array.isArray(k) ? k : [k];
  if (list.length === 0 || list.length > 2 || list.some((v) => !Number.isInteger(v) || (v as number) < 1)) {
    throw new ArgumentError(`${layer}: kernelSize must be a positive integer or a pair of them, got ${fmtValue(k)}`);
  }
}

/**
 * Max over windows of [N, C, H, W] (or [C, H, W]); stride defaults to the kernel size.
 * @example `new nn.MaxPool2d(2)` or `new nn.MaxPool2d(3, { stride: 2, padding: 1 })`
 */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: MaxPool2dOptions = {}) {
    super();
    checkKernel('MaxPool2d', kernelSize);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  /** relu(this.forward(x)) with the ReLU in the pooling kernel (see maxPool2dRelu); nn.Sequential's fusion calls it. */
  forwardRelu(x: Tensor): Tensor {
    return maxPool2dRelu(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    const o = this.options;
    return reprArgs([['kernelSize', this.kernelSize], ['stride', o.stride ?? this.kernelSize], ['padding', o.padding ?? 0],
      ['dilation', o.dilation ?? 1], ['ceilMode', o.ceilMode ?? false]]);
  }
}

/**
 * Window averages of [N, C, H, W] (or [C, H, W]).
 * @example `new nn.AvgPool2d(2)`
 */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPool2dOptions = {}) {
    super();
    checkKernel('AvgPool2d', kernelSize);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    const o = this.options;
    return reprArgs([['kernelSize', this.kernelSize], ['stride', o.stride ?? this.kernelSize], ['padding', o.padding ?? 0],
      ['ceilMode', o.ceilMode ?? false], ['countIncludePad', o.countIncludePad ?? true], ['divisorOverride', o.divisorOverride ?? undefined]]);
  }
}

/**
 * Average pooling to a fixed output size (1 is global average pooling); null keeps a dim.
 * @example `new nn.AdaptiveAvgPool2d(1)`
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize]]);
  }
}

/** 1-D max pooling over [N, C, L]. @example `new nn.MaxPool1d(2)` */
export class MaxPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: MaxPool1dOptions = {}) {
    super();
    checkKernel('MaxPool1d', kernelSize);
  }
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    return reprArgs([['kernelSize', this.kernelSize], ['stride', this.options.stride ?? this.kernelSize], ['padding', this.options.padding ?? 0]]);
  }
}

/** 1-D average pooling over [N, C, L]. @example `new nn.AvgPool1d(3, { stride: 2 })` */
export class AvgPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: AvgPool1dOptions = {}) {
    super();
    checkKernel('AvgPool1d', kernelSize);
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
  protected override extraRepr(): string {
    return reprArgs([['kernelSize', this.kernelSize], ['stride', this.options.stride ?? this.kernelSize], ['padding', this.options.padding ?? 0]]);
  }
}

/** 1-D adaptive average pooling over [N, C, L]. @example `new nn.AdaptiveAvgPool1d(1)` */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize]]);
  }
}
