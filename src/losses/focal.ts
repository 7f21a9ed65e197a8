/** The sigmoid focal loss of RetinaNet (Lin et al., 2017), as torchvision.ops.sigmoid_focal_loss. */
import { DTypeError } from '../errors';
import { add, mul, pow, sub } from '../ops/binary';
import { assertTensor } from '../ops/util';
import { sigmoid, square } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { to } from '../ops/cast';
import { bceWithLogits } from './classification';
import { floatInput, numberOption, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

export interface SigmoidFocalOptions extends ReductionOptions {
  /** Weight of the positive class, 1 - alpha of the negative (default 0.25; a negative value turns the weighting off). */
  alpha?: number;
  /** Focusing exponent on (1 - p_t) (default 2, >= 0; 0 gives the alpha-weighted binary cross-entropy). */
  gamma?: number;
}

/**
 * Sigmoid focal loss, as torchvision.ops.sigmoid_focal_loss, for logits inputs and binary targets (0/1, or
 * soft labels in [0, 1]) of the same shape: with p = sigmoid(inputs),
 *   ce = bceWithLogits(inputs, targets, 'none'),  p_t = p t + (1 - p)(1 - t),
 *   loss = a_t ce (1 - p_t)^gamma,  a_t = alpha t + (1 - alpha)(1 - t)  (a_t = 1 when alpha < 0).
 * Unlike the other losses its default reduction is 'none', as torchvision's.
 * @example `sigmoidFocalLoss(classLogits, oneHotTargets, { reduction: 'sum' }).div(numPositives)`
 */
export function sigmoidFocalLoss(inputs: Tensor, targets: Tensor, opts?: SigmoidFocalOptions): Tensor {
  const op = 'sigmoidFocalLoss';
  const x = floatInput(op, 'inputs', inputs);
  assertTensor(op, 'targets', targets);
  if (targets.dtype !== 'float32' && targets.dtype !== 'float64') throw new DTypeError(`${op}: targets must be a float tensor (0/1 labels or probabilities), got ${targets.describe()}`);
  sameShape(op, x, targets, ['inputs', 'targets']);
  const reduction = reductionOf(op, { reduction: opts?.reduction ?? 'none' });
  const alpha = numberOption(op, 'alpha', opts?.alpha ?? 0.25);
  const gamma = numberOption(op, 'gamma', opts?.gamma ?? 2, 0);
  const t = to(targets, x.dtype);
  const p = sigmoid(x);
  const ce = bceWithLogits(x, t, { reduction: 'none' });
  const pt = add(mul(p, t), mul(sub(1, p), sub(1, t)));
  // (1 - p_t)^0 is 1 with no gradient (PyTorch's pow backward for exponent 0); skipping it avoids 0 * inf at p_t = 1.
  let loss = gamma === 0 ? ce : mul(ce, gamma === 2 ? square(sub(1, pt)) : pow(sub(1, pt), gamma));
  if (alpha >= 0) loss = mul(add(mul(t, alpha), mul(sub(1, t), 1 - alpha)), loss);
  return reduce(loss, reduction);
}
