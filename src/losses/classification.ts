/**
 * Classification losses: cross-entropy (the fused softmax + NLL kernel), NLL,
 * binary cross-entropy on probabilities and on logits.
 */
import { detach } from '../autograd/api';
import { customOp } from '../autograd/custom';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import { add, div, mul, sub } from '../ops/binary';
import { softmaxCrossEntropy, type SoftmaxCrossEntropyOptions } from '../ops/crossEntropy';
import { gather } from '../ops/indexing';
import { sum } from '../ops/reduce';
import { reshape } from '../ops/shape';
import { clamp, log, neg, relu, abs, exp, log1p, sigmoid } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { FloatArray } from '../tensor/dtype';
import { broadcastShapes, sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { to } from '../ops/cast';
import { constant, floatInput, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

/** Options of `crossEntropy` (weight, ignoreIndex, labelSmoothing, reduction). @example `crossEntropy(logits, y, { labelSmoothing: 0.1 })` */
export interface CrossEntropyOptions extends SoftmaxCrossEntropyOptions {}

/**
 * Cross-entropy between logits and targets, by one fused, numerically stable
 * log-softmax + NLL kernel with its own backward (softmax - smoothed one-hot).
 *
 * input: logits [N, C, d1, ...] (or [C]). target: int32 class indices [N, d1, ...]
 * (or 0-d), or float class probabilities shaped like input. With log p = logSoftmax(input, 1),
 * weight w (ones by default) and smoothing e:
 *   indices:        loss = (1 - e) w_y (-log p_y) + (e / C) sum_c w_c (-log p_c); targets equal to ignoreIndex give 0
 *   probabilities:  loss = -sum_c w_c ((1 - e) t_c + e / C) log p_c
 * 'mean' divides the sum by sum_r w_{y_r} over the non-ignored targets (indices) or by the
 * number of rows N*d1*... (probabilities), as PyTorch.
 * @example `crossEntropy(logits, tensor([2, 0, 1], { dtype: 'int32' }), { labelSmoothing: 0.1 })`
 */
export function crossEntropy(input: Tensor, target: Tensor, opts?: CrossEntropyOptions): Tensor {
  return softmaxCrossEntropy(input, target, opts ?? {});
}

export interface NllLossOptions extends ReductionOptions {
  /** A rescaling weight per class, [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood of log-probabilities input [N, C, d1, ...] (or [C]) at int32
 * class indices target [N, d1, ...]: loss = -w_y input[y]; 'mean' divides by the sum of
 * the non-ignored targets' weights.
 * @example `nllLoss(logSoftmax(logits, 1), labels)`
 */
export function nllLoss(input: Tensor, target: Tensor, opts?: NllLossOptions): Tensor {
  const op = 'nllLoss';
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  const reduction = reductionOf(op, opts);
  if (x.ndim === 0) throw new ShapeError(`${op}: input must be [C] or [N, C, ...], got a 0-d tensor`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: target must be int32 class indices, got ${target.describe()}`);
  const unbatched = x.ndim === 1;
  const rowShape = unbatched ? [] : [x.shape[0], ...x.shape.slice(2)];
  if (target.ndim !== rowShape.length || target.shape.some((s, i) => s !== rowShape[i])) {
    throw new ShapeError(`${op}: target ${target.describe()} must be ${fmtShape(rowShape)} for input ${x.describe()} (the input without its class dim 1)`);
  }
  const classes = unbatched ? x.shape[0] : x.shape[1];
  const outer = unbatched ? 1 : x.shape[0];
  const inner = sizeOf(x.shape.slice(2));
  const ignoreIndex = opts?.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new ArgumentError(`${op}: ignoreIndex must be an integer, got ${fmtArg(ignoreIndex)}`);
  const w = classWeights(op, opts?.weight, classes, x);
  const y = target.values as Int32Array;
  const rows = outer * inner;
  const safe = new Int32Array(rows);
  const coef = new Float64Array(rows);
  let denominator = 0;
  for (let r = 0; r < rows; r++) {
    if (y[r] === ignoreIndex) continue;
    if (y[r] < 0 || y[r] >= classes) throw new ShapeError(`${op}: target ${y[r]} at position ${r} is out of range for ${classes} classes (input ${x.describe()})`);
    safe[r] = y[r];
    coef[r] = -(w ? w[y[r]] : 1);
    denominator -= coef[r];
  }
  const picked = gather(reshape(x, [outer, classes, inner]), 1, Tensor.fromData(safe, [outer, 1, inner], 'int32'));
  const loss = mul(reshape(picked, rowShape), constant(coef, rowShape, x.dtype as 'float32' | 'float64'));
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : div(sum(loss), denominator);
}

function classWeights(op: string, weight: Tensor | null | undefined, classes: number, x: Tensor): FloatArray | null {
  if (weight === undefined || weight === null) return null;
  assertTensor(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight ${weight.describe()} must be [${classes}], one entry per class of input ${x.describe()}`);
  }
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') throw new DTypeError(`${op}: weight must be a float tensor, got ${weight.describe()}`);
  return weight.values as FloatArray;
}

/** A constant weight broadcast against input; it must not enlarge input's shape. */
function elementWeight(op: string, name: string, weight: Tensor | null | undefined, x: Tensor): Tensor | null {
  if (weight === undefined || weight === null) return null;
  assertTensor(op, name, weight);
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be a float tensor, got ${weight.describe()}`);
  const shape = broadcastShapes(op, x.shape, weight.shape);
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(`${op}: ${name} ${weight.describe()} must broadcast to input ${fmtShape(x.shape)} without enlarging it`);
  }
  return to(detach(weight), x.dtype);
}

function floatTarget(op: string, x: Tensor, target: Tensor): Tensor {
  assertTensor(op, 'target', target);
  if (target.dtype !== 'float32' && target.dtype !== 'float64') throw new DTypeError(`${op}: target must be a float tensor (probabilities or 0/1 labels), got ${target.describe()}`);
  sameShape(op, x, target);
  return to(target, x.dtype);
}

export interface BceOptions extends ReductionOptions {
  /** A rescaling weight broadcast to the input's shape. */
  weight?: Tensor | null;
}

// PyTorch's epsilon is the float 1e-12.
const BCE_EPSILON = Math.fround(1e-12);

// log clamped below at -100, as PyTorch: keeps the loss finite at probabilities 0 and 1.
const clampedLog = (v: Tensor): Tensor => clamp(log(v), { min: -100 });

/**
 * Binary cross-entropy of probabilities input (in [0, 1]) against targets:
 *   loss = -w (t max(log x, -100) + (1 - t) max(log(1 - x), -100)).
 * Its input gradient is PyTorch's: w (x - t) / max(x (1 - x), 1e-12) (the epsilon rounded to float32, as there).
 * Its target gradient is that of the clamped loss, w (max(log(1 - x), -100) - max(log x, -100)): finite at
 * x = 0 and 1, where PyTorch's (unclamped logs) is infinite.
 * @example `bceLoss(sigmoid(logits), labels)`
 */
export function bceLoss(input: Tensor, target: Tensor, opts?: BceOptions): Tensor {
  const op = 'bceLoss';
  const x = floatInput(op, 'input', input);
  const t = floatTarget(op, x, target);
  const reduction = reductionOf(op, opts);
  const xv = x.values as FloatArray;
  for (let i = 0; i < xv.length; i++) {
    if (!(xv[i] >= 0 && xv[i] <= 1)) throw new ArgumentError(`${op}: input holds ${xv[i]} at element ${i}; probabilities must lie in [0, 1] (use bceWithLogits for logits)`);
  }
  const w = elementWeight(op, 'weight', opts?.weight, x);
  const weigh = (v: Tensor): Tensor => (w ? mul(v, w) : v);
  const elementwise = customOp({
    name: op,
    forward: (p, q) => weigh(neg(add(mul(q, clampedLog(p)), mul(sub(1, q), clampedLog(sub(1, p)))))),
    backward: (g, [p, q]) => [
      p.requiresGrad ? weigh(div(mul(g, sub(p, q)), clamp(mul(p, sub(1, p)), { min: BCE_EPSILON }))) : null,
      q.requiresGrad ? weigh(mul(g, sub(clampedLog(sub(1, p)), clampedLog(p)))) : null,
    ],
  });
  return reduce(elementwise(x, t), reduction);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term per class (broadcast along the last dim), for unbalanced data. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, stable for any |x| (log-sigmoid never computes exp of a large number):
 *   loss = w ((1 - t) x + (1 + (pw - 1) t) softplus(-x)),  softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)).
 * @example `bceWithLogits(logits, labels, { posWeight: tensor([3]) })`
 */
export function bceWithLogits(input: Tensor, target: Tensor, opts?: BceWithLogitsOptions): Tensor {
  const op = 'bceWithLogits';
  const x = floatInput(op, 'input', input);
  const t = floatTarget(op, x, target);
  const reduction = reductionOf(op, opts);
  const w = elementWeight(op, 'weight', opts?.weight, x);
  const pw = elementWeight(op, 'posWeight', opts?.posWeight, x);
  const weigh = (v: Tensor): Tensor => (w ? mul(v, w) : v);
  const softplusNeg = (v: Tensor): Tensor => add(relu(neg(v)), log1p(exp(neg(abs(v)))));
  // L = 1 + (pw - 1) t multiplies the positive term's softplus(-x).
  const logWeight = (q: Tensor): Tensor | null => (pw ? add(mul(sub(pw, 1), q), 1) : null);
  const elementwise = customOp({
    name: op,
    forward: (v, q) => {
      const L = logWeight(q);
      const sp = softplusNeg(v);
      return weigh(add(mul(sub(1, q), v), L ? mul(L, sp) : sp));
    },
    backward: (g, [v, q]) => {
      const L = logWeight(q);
      // d/dx = (1 - t) - L sigmoid(-x);  d/dt = -x + (pw - 1) softplus(-x)
      const sn = sigmoid(neg(v));
      return [
        v.requiresGrad ? weigh(mul(g, sub(sub(1, q), L ? mul(L, sn) : sn))) : null,
        q.requiresGrad ? weigh(mul(g, pw ? add(neg(v), mul(sub(pw, 1), softplusNeg(v))) : neg(v))) : null,
      ];
    },
  });
  return reduce(elementwise(x, t), reduction);
}
