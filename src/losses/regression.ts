/** Regression losses: squared, absolute, Huber and smooth L1 errors. Written with ops (differentiable twice). */
import { ArgumentError, DTypeError, fmtArg } from '../errors';
import { mul, sub, lt, where, div } from '../ops/binary';
import { to } from '../ops/cast';
import { abs, square } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { floatInput, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

function difference(op: string, input: Tensor, target: Tensor): Tensor {
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  if (target.dtype !== 'float32' && target.dtype !== 'float64') throw new DTypeError(`${op}: target must be a float tensor, got ${target.describe()}`);
  sameShape(op, x, target);
  return sub(x, to(target, x.dtype));
}

/** (input - target)^2. @example `mseLoss(pred, y)` */
export function mseLoss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor {
  const reduction = reductionOf('mseLoss', opts);
  return reduce(square(difference('mseLoss', input, target)), reduction);
}

/** |input - target|. @example `l1Loss(pred, y, { reduction: 'sum' })` */
export function l1Loss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor {
  const reduction = reductionOf('l1Loss', opts);
  return reduce(abs(difference('l1Loss', input, target)), reduction);
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  delta?: number;
}

/**
 * Huber loss, d = input - target: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
 * @example `huberLoss(pred, y, { delta: 2 })`
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: HuberOptions): Tensor {
  const op = 'huberLoss';
  const reduction = reductionOf(op, opts);
  const delta = opts?.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw new ArgumentError(`${op}: delta must be a positive finite number, got ${fmtArg(delta)}`);
  const d = difference(op, input, target);
  const a = abs(d);
  return reduce(where(lt(a, delta), mul(square(d), 0.5), mul(sub(a, 0.5 * delta), delta)), reduction);
}

export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/**
 * Smooth L1 loss, d = input - target: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta
 * (huberLoss / beta; beta = 0 is l1Loss).
 * @example `smoothL1Loss(boxes, targetBoxes, { beta: 1 / 9 })`
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: SmoothL1Options): Tensor {
  const op = 'smoothL1Loss';
  const reduction = reductionOf(op, opts);
  const beta = opts?.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) throw new ArgumentError(`${op}: beta must be a non-negative finite number, got ${fmtArg(beta)}`);
  const d = difference(op, input, target);
  const a = abs(d);
  if (beta === 0) return reduce(a, reduction);
  return reduce(where(lt(a, beta), div(mul(square(d), 0.5), beta), sub(a, 0.5 * beta)), reduction);
}
