/**
 * Pairs of adjacent layers that nn.Sequential runs as one step, with the values and
 * gradients of the two layers run one after the other (higher derivatives included):
 *
 * - Conv2d then ReLU: the conv2dRelu op (the ReLU in the conv kernel's epilogue; the Winograd
 *   output transform or the direct kernel's bias step), when the padding mode is zeros.
 * - BatchNorm1d/2d then ReLU: the fused batchNormRelu op (one pass forward, one backward).
 * - LayerNorm then ReLU: the fused layerNormRelu op (W4's pre-norm blocks).
 * - ReLU then MaxPool2d: max pooling first, then the ReLU on the 4x smaller (for 2x2) pooled
 *   tensor, inside the pooling kernel (the maxPool2dRelu op). The two commute exactly: ReLU is
 *   non-decreasing, so the max of the rectified window is the rectified max, found at the same
 *   first position (a NaN stays NaN in both and wins the window in both), and the gradient is
 *   nonzero only where that max is > 0, in both orders.
 *
 * And one triple, tried before the pairs:
 * - Conv2d, ReLU, MaxPool2d: the convolution without its ReLU, then maxPool2dRelu (the same
 *   commuting). Against Conv2d-ReLU fused then MaxPool2d, the forward costs the same and the
 *   backward skips the ReLU's masking pass over the (4x larger) conv output: the pooling
 *   backward applies the mask on the pooled side.
 *
 * A pair is fused only when it is exactly those layer classes (a subclass may change forward),
 * none has a forward of its own (a reparametrised weight) and none has a hook (forward, forward
 * pre-, or backward), which would see or replace an input, output or gradient the fused step never makes.
 */
import type { Tensor } from '../tensor/tensor';
import { relu } from '../ops/unary';
import { ReLU } from './layers/activation';
import { LayerNorm, batchNormThenRelu, isBatchNorm } from './layers/normalization';
import { MaxPool2d } from './layers/pool';
import { Conv2d } from './layers/conv';
import type { AnyModule } from './module';

/**
 * Exactly the class, with the class's forward: a forward of the instance's own (the old-style
 * weightNorm, spectralNorm and pruning, nn.utils.parametrize) recomputes weights first, which the
 * fused step, calling the layer's kernels directly, would skip.
 */
const isPlain = (m: AnyModule, cls: { prototype: object }): boolean => Object.getPrototypeOf(m) === cls.prototype && !Object.prototype.hasOwnProperty.call(m, 'forward');

/** The fused step for `first` then `second`, or null when the pair is not fused. */
export function fusedPair(first: AnyModule, second: AnyModule): ((x: Tensor) => Tensor) | null {
  if (first.hasHooks() || second.hasHooks()) return null;
  if (isPlain(first, Conv2d) && isPlain(second, ReLU)) {
    const conv = first as Conv2d;
    return (x) => conv.forwardRelu(x) ?? relu(conv.forward(x));
  }
  if (isBatchNorm(first) && !Object.prototype.hasOwnProperty.call(first, 'forward') && isPlain(second, ReLU)) return (x) => batchNormThenRelu(first, x);
  if (isPlain(first, LayerNorm) && isPlain(second, ReLU)) return (x) => (first as LayerNorm).forwardRelu(x);
  if (isPlain(first, ReLU) && isPlain(second, MaxPool2d)) return (x) => (second as MaxPool2d).forwardRelu(x);
  return null;
}

/** The fused step for `first`, `second`, `third`, or null when the triple is not fused. */
export function fusedTriple(first: AnyModule, second: AnyModule, third: AnyModule): ((x: Tensor) => Tensor) | null {
  if (first.hasHooks() || second.hasHooks() || third.hasHooks()) return null;
  if (isPlain(first, Conv2d) && isPlain(second, ReLU) && isPlain(third, MaxPool2d)) {
    const conv = first as Conv2d, pool = third as MaxPool2d;
    return (x) => pool.forwardRelu(conv.forward(x));
  }
  return null;
}
