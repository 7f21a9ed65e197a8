/**
 * Negative log-likelihood losses of distributions: Gaussian (mean and variance) and Poisson.
 * Written with ops; autograd gives the gradients.
 */
import { customOp } from '../autograd/custom';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape } from '../errors';
import { add, gt, mul, sub, div, where } from '../ops/binary';
import { to } from '../ops/cast';
import { full as filled } from '../ops/creation';
import { clamp, exp, log, square } from '../ops/unary';
import { reshape } from '../ops/shape';
import { assertTensor } from '../ops/util';
import { broadcastShapes } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { floatInput, numberOption, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function flag(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

export interface GaussianNllOptions extends ReductionOptions {
  /** Add the constant 0.5 log(2 pi) to every element's loss (default false). */
  full?: boolean;
  /** var is clamped below at eps, for stability (default 1e-6, >= 0). */
  eps?: number;
}

// var clamped below at eps with the gradient passed through the clamp unchanged: PyTorch clamps
// a clone of var in place under no_grad, so autograd sees the identity.
const clampPassingGradient = (eps: number): ((v: Tensor) => Tensor) =>
  customOp({ name: 'gaussianNllLoss', forward: (v) => clamp(v, { min: eps }), backward: (g) => [g] });

/**
 * Gaussian negative log-likelihood of target under N(input, var), as torch.nn.functional.gaussian_nll_loss:
 *   loss = 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))  (+ 0.5 log(2 pi) when full).
 * The clamp at eps is invisible to autograd (the gradient w.r.t. var is the one at the clamped value), as in PyTorch.
 *
 * var: a tensor with input's shape (heteroscedastic); input's shape without its last dim, or input's shape
 * with one dim of size 1 (homoscedastic along that dim); or a number for every element. Entries must be >= 0.
 * target: input's shape, or input's shape with one dim of size 1 (broadcast along it).
 * @example
 * const mean = head1.call(x), variance = softplus(head2.call(x));
 * const loss = gaussianNllLoss(mean, y, variance, { full: true });
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor | number, opts?: GaussianNllOptions): Tensor {
  const op = 'gaussianNllLoss';
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  if (target.dtype !== 'float32' && target.dtype !== 'float64') throw new DTypeError(`${op}: target must be a float tensor, got ${target.describe()}`);
  if (!sameDims(x.shape, target.shape) && !oneDimOfSizeOne(x.shape, target.shape)) {
    throw new ShapeError(`${op}: target ${target.describe()} must have the shape of input ${fmtShape(x.shape)}, or that shape with one dim of size 1`);
  }
  const reduction = reductionOf(op, opts);
  const isFull = flag(op, 'full', opts?.full, false);
  const eps = numberOption(op, 'eps', opts?.eps ?? 1e-6, 0);
  const dtype = x.dtype as 'float32' | 'float64';
  let v: Tensor;
  if (typeof variance === 'number') {
    if (Number.isNaN(variance) || variance < 0) throw new ArgumentError(`${op}: var must be >= 0, got ${fmtArg(variance)}`);
    v = filled(x.shape, variance, { dtype });
  } else {
    const t = floatInput(op, 'var', variance);
    const vals = t.values;
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] < 0) throw new ArgumentError(`${op}: var ${t.describe()} holds ${vals[i]} at element ${i}; variances must be >= 0`);
    }
    if (sameDims(t.shape, x.shape)) v = t;
    else if (x.ndim > 0 && sameDims(t.shape, x.shape.slice(0, -1))) v = reshape(t, [...t.shape, 1]);
    else if (t.ndim === x.ndim && x.shape.reduce((s, n, i) => s + (n !== t.shape[i] ? t.shape[i] : 0), 0) === 1) v = t;
    else {
      throw new ShapeError(`${op}: var ${t.describe()} must have the shape of input ${fmtShape(x.shape)}, that shape without its last dim `
        + `${fmtShape(x.shape.slice(0, -1))}, or that shape with one dim of size 1`);
    }
    broadcastShapes(op, x.shape, v.shape);
    v = to(v, dtype);
  }
  const vc = clampPassingGradient(eps)(v);
  const loss = mul(add(log(vc), div(square(sub(x, to(target, dtype))), vc)), 0.5);
  return reduce(isFull ? add(loss, HALF_LOG_2PI) : loss, reduction);
}

/** b is a's shape with exactly one dim replaced by 1. */
function oneDimOfSizeOne(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const differ = a.filter((s, i) => s !== b[i]).length;
  return differ === 1 && a.every((s, i) => s === b[i] || b[i] === 1);
}

export interface PoissonNllOptions extends ReductionOptions {
  /** input is the log of the rate (default true): loss = exp(input) - target input; else input - target log(input + eps). */
  logInput?: boolean;
  /** Add Stirling's approximation of log(target!), target log(target) - target + 0.5 log(2 pi target), where target > 1 (default false). */
  full?: boolean;
  /** Added to input inside the log when logInput is false (default 1e-8, >= 0). */
  eps?: number;
}

/**
 * Poisson negative log-likelihood of counts target under rate input (or log-rate), as
 * torch.nn.functional.poisson_nll_loss:
 *   logInput:  loss = exp(input) - target input;   else  loss = input - target log(input + eps);
 *   full adds target log(target) - target + 0.5 log(2 pi target) where target > 1 (0 elsewhere).
 * target: input's shape, float or int32 counts.
 * @example `poissonNllLoss(logRate, counts, { full: true })`
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts?: PoissonNllOptions): Tensor {
  const op = 'poissonNllLoss';
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  if (target.dtype === 'bool') throw new DTypeError(`${op}: target must be float or int32 counts, got ${target.describe()}`);
  sameShape(op, x, target);
  const reduction = reductionOf(op, opts);
  const logInput = flag(op, 'logInput', opts?.logInput, true);
  const isFull = flag(op, 'full', opts?.full, false);
  const eps = numberOption(op, 'eps', opts?.eps ?? 1e-8, 0);
  const t = to(target, x.dtype);
  let loss = logInput ? sub(exp(x), mul(t, x)) : sub(x, mul(t, log(add(x, eps))));
  if (isFull) {
    // Stirling's term on target > 1 only; elsewhere it is computed at 1 and dropped, so that
    // neither its value nor its gradient is NaN at target 0 (PyTorch's target gradient is NaN there).
    const above = gt(t, 1);
    const ts = where(above, t, 1);
    const stirling = add(sub(mul(ts, log(ts)), ts), mul(log(mul(ts, 2 * Math.PI)), 0.5));
    loss = add(loss, where(above, stirling, 0));
  }
  return reduce(loss, reduction);
}
