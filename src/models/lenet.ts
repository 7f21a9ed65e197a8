/**
 * LeNet-5 (LeCun et al. 1998) as PyTorch's "Neural Networks" tutorial writes it (torchvision has
 * none): conv1 (6 5x5 filters), conv2 (16), fc1 (120), fc2 (84), fc3, with ReLU and 2x2 max
 * pooling, so a state dict from that tutorial's Net loads unchanged.
 */
import { ArgumentError, ShapeError, fmtShape, fmtArg } from '../errors';
import { maxPool2d } from '../ops/pool';
import { flatten } from '../ops/shape';
import { relu } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/layers/conv';
import { Linear } from '../nn/layers/linear';
import { positiveInt, type FactoryOptions } from '../nn/layers/common';

/** Options of `models.lenet5`. @example `models.lenet5({ imageSize: 28, numClasses: 10 })` */
export interface LeNet5Options extends FactoryOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Outputs of fc3 (default 10). */
  numClasses?: number;
  /** 32 (the paper's input, default) or 28 (MNIST-sized: conv1 pads by 2, as LeCun padded 28 to 32). */
  imageSize?: 28 | 32;
}

/**
 * LeNet-5: input [N, inChannels, imageSize, imageSize], output [N, numClasses] (61,706 parameters at 1 channel and 10 classes).
 * @example const net = models.lenet5({ imageSize: 28 }); const logits = net.call(mnistBatch)
 */
export class LeNet5 extends Module {
  readonly imageSize: 28 | 32;
  conv1: Conv2d;
  conv2: Conv2d;
  fc1: Linear;
  fc2: Linear;
  fc3: Linear;

  constructor(opts: LeNet5Options = {}) {
    super();
    const imageSize = opts.imageSize ?? 32;
    if (imageSize !== 28 && imageSize !== 32) throw new ArgumentError(`LeNet5: imageSize must be 28 or 32, got ${fmtArg(imageSize)}`);
    this.imageSize = imageSize;
    const inChannels = positiveInt('LeNet5', 'inChannels', opts.inChannels ?? 1);
    const numClasses = positiveInt('LeNet5', 'numClasses', opts.numClasses ?? 10);
    const factory: FactoryOptions = { dtype: opts.dtype, generator: opts.generator };
    this.conv1 = new Conv2d(inChannels, 6, 5, { padding: imageSize === 28 ? 2 : 0, ...factory });
    this.conv2 = new Conv2d(6, 16, 5, factory);
    this.fc1 = new Linear(16 * 5 * 5, 120, factory);
    this.fc2 = new Linear(120, 84, factory);
    this.fc3 = new Linear(84, numClasses, factory);
  }

  forward(x: Tensor): Tensor {
    const s = this.imageSize;
    if (x.ndim !== 4 || x.shape[1] !== this.conv1.inChannels || x.shape[2] !== s || x.shape[3] !== s) {
      throw new ShapeError(`LeNet5: input must be [N, ${this.conv1.inChannels}, ${s}, ${s}], got ${fmtShape(x.shape)}`);
    }
    let h = maxPool2d(relu(this.conv1.call(x)), 2);
    h = flatten(maxPool2d(relu(this.conv2.call(h)), 2), 1);
    return this.fc3.call(relu(this.fc2.call(relu(this.fc1.call(h)))));
  }
}

/** LeNet-5 (see LeNet5). @example `const net = models.lenet5({ imageSize: 28, numClasses: 10 })` */
export function lenet5(opts?: LeNet5Options): LeNet5 {
  return new LeNet5(opts);
}
