/** ReLU6: min(max(x, 0), 6), the activation of MobileNetV2. */
import { clamp } from '../../ops/unary';
import type { Tensor } from '../../tensor/tensor';
import { Module } from '../module';

/**
 * min(max(x, 0), 6) elementwise (PyTorch's nn.ReLU6); bounded, so it keeps low-precision activations in range.
 * @example `new nn.Sequential(new nn.Conv2d(3, 32, 3), new nn.ReLU6())`
 */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return clamp(x, { min: 0, max: 6 });
  }
}
