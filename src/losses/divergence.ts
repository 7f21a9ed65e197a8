/** Kullback-Leibler divergence. */
import { DTypeError } from '../errors';
import { div, gt, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { sum } from '../ops/reduce';
import { exp, log } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { floatInput, reduce, reductionOf, sameShape } from './reduction';

/** Options of `klDiv`. @example `klDiv(logQ, p, { reduction: 'batchmean' })` */
export interface KlDivOptions {
  /** 'mean' (default, over all elements), 'batchmean' (sum / batch size: the true KL per sample), 'sum' or 'none'. */
  reduction?: 'mean' | 'batchmean' | 'sum' | 'none';
  /** target holds log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

/**
 * KL(target || exp(input)) pointwise, with input log-probabilities:
 *   logTarget false: t (log t - input), taken as 0 where t = 0;  logTarget true: exp(t) (t - input).
 * @example `klDiv(logSoftmax(student, 1), softmax(teacher, 1), { reduction: 'batchmean' })`
 */
export function klDiv(input: Tensor, target: Tensor, opts?: KlDivOptions): Tensor {
  const op = 'klDiv';
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  if (target.dtype !== 'float32' && target.dtype !== 'float64') throw new DTypeError(`${op}: target must be a float tensor, got ${target.describe()}`);
  sameShape(op, x, target);
  const reduction = reductionOf(op, opts, ['batchmean']);
  const t = to(target, x.dtype);
  let loss: Tensor;
  if (opts?.logTarget) {
    loss = mul(exp(t), sub(t, x));
  } else {
    // t log t as 0 at t = 0 (the log reads 1 there, so neither value nor gradient is NaN).
    const positive = gt(t, 0);
    const tLogT = where(positive, mul(t, log(where(positive, t, 1))), 0);
    loss = sub(tLogT, mul(t, x));
  }
  if (reduction === 'batchmean') return x.ndim === 0 ? sum(loss) : div(sum(loss), x.shape[0]);
  return reduce(loss, reduction);
}
