/** MaxUnpool2d and AdaptiveMaxPool2d modules over src/ops/pool-max-extra.ts. */
import { adaptiveMaxPool2d, maxUnpool2d, type MaxUnpool2dOptions } from '../../ops/pool-max-extra';
import type { Tensor } from '../../tensor/tensor';
import { Module, reprArgs } from '../module';

type Pair = number | [number, number];

/**
 * Max pooling to a fixed output size (1 is global max pooling); null keeps a dim. For the
 * indices too, call `nn.functional.adaptiveMaxPool2d(x, size, { returnIndices: true })`.
 * @example `new nn.AdaptiveMaxPool2d([7, 7])`
 */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize]]);
  }
}

/**
 * The partial inverse of MaxPool2d: forward(x, indices, outputSize?) puts each value back at
 * the position maxPool2d's returnIndices recorded, zeros elsewhere.
 * @example
 * const [y, idx] = nn.functional.maxPool2d(x, 2, { returnIndices: true });
 * const back = new nn.MaxUnpool2d(2).call(y, idx);
 */
export class MaxUnpool2d extends Module<[Tensor, Tensor, number[]?], Tensor> {
  constructor(readonly kernelSize: Pair, readonly options: Omit<MaxUnpool2dOptions, 'outputSize'> = {}) {
    super();
  }
  forward(x: Tensor, indices: Tensor, outputSize?: number[]): Tensor {
    return maxUnpool2d(x, indices, this.kernelSize, { ...this.options, outputSize });
  }
  protected override extraRepr(): string {
    return reprArgs([['kernelSize', this.kernelSize], ['stride', this.options.stride ?? this.kernelSize], ['padding', this.options.padding ?? 0]]);
  }
}
