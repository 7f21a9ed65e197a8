/**
 * Margin losses: triplet, soft margin, multi-label soft margin, hinge embedding and multi-class margin.
 * Written with ops; autograd gives the gradients.
 */
import { detach } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape } from '../errors';
import { add, div, eq, minimum, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { gather } from '../ops/indexing';
import { norm, sum } from '../ops/reduce';
import { reshape } from '../ops/shape';
import { clamp, exp, log1p, neg, relu, square } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { FloatArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { constant, floatInput, numberOption, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

/**
 * log(1 + e^z) for any z, as max(z, 0) + log1p(e^(z - 2 max(z, 0))) (the exponent is -|z| <= 0, so
 * nothing overflows). Its gradient is sigmoid(z) everywhere, 1/2 at z = 0 included, whatever
 * gradient the max passes at 0.
 */
function softplusStable(z: Tensor): Tensor {
  const m = clamp(z, { min: 0 });
  return add(m, log1p(exp(sub(z, mul(m, 2)))));
}

/** A target of labels 1 or -1 (int32 or float) with input's shape, in input's dtype. */
function signTarget(op: string, x: Tensor, target: Tensor): Tensor {
  assertTensor(op, 'target', target);
  if (target.dtype === 'bool') throw new DTypeError(`${op}: target must hold 1 or -1 (int32 or float), got ${target.describe()}`);
  sameShape(op, x, target);
  const v = target.values;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== 1 && v[i] !== -1) throw new ArgumentError(`${op}: target holds ${v[i]} at element ${i}; labels must be 1 or -1`);
  }
  return to(target, x.dtype);
}

/** Class weights [C] for input x with C classes in its last dim (constant: no gradient flows to them). */
function classWeights(op: string, weight: Tensor | null | undefined, classes: number, x: Tensor): Tensor | null {
  if (weight === undefined || weight === null) return null;
  assertTensor(op, 'weight', weight);
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') throw new DTypeError(`${op}: weight must be a float tensor, got ${weight.describe()}`);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight ${weight.describe()} must be [${classes}], one entry per class of input ${x.describe()}`);
  }
  return to(detach(weight), x.dtype);
}

function flag(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

export interface TripletMarginOptions extends ReductionOptions {
  /** Wanted gap between the negative and the positive distance (default 1, must be > 0). */
  margin?: number;
  /** The norm's degree (default 2; > 0, Infinity allowed). */
  p?: number;
  /** Added to every difference before its norm, as pairwise_distance (default 1e-6). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (the distance swap of Balntas et al.; default false). */
  swap?: boolean;
}

/**
 * Triplet margin loss, as torch.nn.functional.triplet_margin_loss: with d(u, v) = ||u - v + eps||_p over the last dim,
 *   loss = max(d(a, p) - d(a, n) + margin, 0),  d(a, n) replaced by min(d(a, n), d(p, n)) when swap.
 * anchor, positive and negative share one shape, [N, D] or [D] (any [..., D] works).
 * @example `tripletMarginLoss(embed(a), embed(pos), embed(neg), { margin: 0.2, swap: true })`
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts?: TripletMarginOptions): Tensor {
  const op = 'tripletMarginLoss';
  const a = floatInput(op, 'anchor', anchor);
  const pos = to(floatInput(op, 'positive', positive), a.dtype);
  const negT = to(floatInput(op, 'negative', negative), a.dtype);
  if (a.ndim === 0) throw new ShapeError(`${op}: anchor must be [N, D] or [D], got a 0-d tensor`);
  sameShape(op, a, pos, ['anchor', 'positive']);
  sameShape(op, a, negT, ['anchor', 'negative']);
  const reduction = reductionOf(op, opts);
  const margin = numberOption(op, 'margin', opts?.margin ?? 1, 0, true);
  const p = opts?.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`${op}: p must be a positive number or Infinity, got ${fmtArg(p)}`);
  const eps = numberOption(op, 'eps', opts?.eps ?? 1e-6);
  const swap = flag(op, 'swap', opts?.swap, false);
  const dist = (u: Tensor, v: Tensor): Tensor => norm(add(sub(u, v), eps), p, -1);
  const dPos = dist(a, pos);
  let dNeg = dist(a, negT);
  if (swap) dNeg = minimum(dNeg, dist(pos, negT));
  return reduce(clamp(sub(add(dPos, margin), dNeg), { min: 0 }), reduction);
}

/**
 * Two-class logistic loss with labels y in {1, -1}, as torch.nn.functional.soft_margin_loss:
 *   loss = log(1 + exp(-y input)), computed without overflow for any input.
 * target: input's shape.
 * @example `softMarginLoss(scores, tensor([1, -1, 1]))`
 */
export function softMarginLoss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor {
  const op = 'softMarginLoss';
  const x = floatInput(op, 'input', input);
  const y = signTarget(op, x, target);
  const reduction = reductionOf(op, opts);
  return reduce(softplusStable(neg(mul(x, y))), reduction);
}

export interface MultiLabelSoftMarginOptions extends ReductionOptions {
  /** A rescaling weight per class, [C]. */
  weight?: Tensor | null;
}

/**
 * Multi-label one-versus-all logistic loss, as torch.nn.functional.multilabel_soft_margin_loss: for input
 * [N, C] (or [C]) and targets t in [0, 1] of the same shape (0/1 labels or probabilities),
 *   loss_n = (1/C) sum_c w_c (t_c log(1 + e^-x_c) + (1 - t_c) log(1 + e^x_c));
 * 'none' gives one loss per row, [N] (0-d for [C]).
 * @example `multiLabelSoftMarginLoss(logits, labels, { weight: classWeights })`
 */
export function multiLabelSoftMarginLoss(input: Tensor, target: Tensor, opts?: MultiLabelSoftMarginOptions): Tensor {
  const op = 'multiLabelSoftMarginLoss';
  const x = floatInput(op, 'input', input);
  if (x.ndim === 0) throw new ShapeError(`${op}: input must be [N, C] or [C], got a 0-d tensor`);
  assertTensor(op, 'target', target);
  if (target.dtype === 'bool') throw new DTypeError(`${op}: target must be float or int32 (0/1 labels or probabilities), got ${target.describe()}`);
  sameShape(op, x, target);
  const reduction = reductionOf(op, opts);
  const classes = x.shape[x.ndim - 1];
  const w = classWeights(op, opts?.weight, classes, x);
  const t = to(target, x.dtype);
  let loss = add(mul(t, softplusStable(neg(x))), mul(sub(1, t), softplusStable(x)));
  if (w) loss = mul(loss, w);
  return reduce(div(sum(loss, x.ndim - 1), classes), reduction);
}

export interface HingeEmbeddingOptions extends ReductionOptions {
  /** Default 1. */
  margin?: number;
}

/**
 * Hinge embedding loss with labels y in {1, -1}, as torch.nn.functional.hinge_embedding_loss
 * (input is typically a distance between two embeddings):
 *   loss = input for y = 1;  max(0, margin - input) for y = -1.
 * target: input's shape.
 * @example `hingeEmbeddingLoss(pairwiseDistance, y, { margin: 2 })`
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts?: HingeEmbeddingOptions): Tensor {
  const op = 'hingeEmbeddingLoss';
  const x = floatInput(op, 'input', input);
  const y = signTarget(op, x, target);
  const reduction = reductionOf(op, opts);
  const margin = numberOption(op, 'margin', opts?.margin ?? 1);
  return reduce(where(eq(y, 1), x, clamp(sub(margin, x), { min: 0 })), reduction);
}

export interface MultiMarginOptions extends ReductionOptions {
  /** 1 (default) or 2: the hinge, or the squared hinge. */
  p?: 1 | 2;
  /** Default 1. */
  margin?: number;
  /** A rescaling weight per class, [C], applied by the target's class. */
  weight?: Tensor | null;
}

/**
 * Multi-class hinge loss, as torch.nn.functional.multi_margin_loss: for input [N, C] (or [C]) and
 * int32 class indices y [N] (or 0-d),
 *   loss_n = (1/C) sum_{c != y} w_y max(0, margin - x_y + x_c)^p.
 * 'mean' is the plain mean over the N rows.
 * @example `multiMarginLoss(logits, tensor([2, 0, 1], { dtype: 'int32' }), { p: 2, margin: 0.5 })`
 */
export function multiMarginLoss(input: Tensor, target: Tensor, opts?: MultiMarginOptions): Tensor {
  const op = 'multiMarginLoss';
  const x = floatInput(op, 'input', input);
  assertTensor(op, 'target', target);
  const reduction = reductionOf(op, opts);
  if (x.ndim !== 1 && x.ndim !== 2) throw new ShapeError(`${op}: input must be [N, C] or [C], got ${x.describe()}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: target must be int32 class indices, got ${target.describe()}`);
  const unbatched = x.ndim === 1;
  const rows = unbatched ? 1 : x.shape[0];
  const classes = x.shape[x.ndim - 1];
  const targetOk = unbatched ? target.size === 1 && target.ndim <= 1 : target.ndim === 1 && target.shape[0] === rows;
  if (!targetOk) {
    throw new ShapeError(`${op}: target ${target.describe()} must be ${unbatched ? '0-d or [1]' : fmtShape([rows])} for input ${x.describe()}, one class index per row`);
  }
  const p = opts?.p ?? 1;
  if (p !== 1 && p !== 2) throw new ArgumentError(`${op}: p must be 1 or 2, got ${fmtArg(p)}`);
  const margin = numberOption(op, 'margin', opts?.margin ?? 1);
  const w = classWeights(op, opts?.weight, classes, x);
  const wv = w ? (w.values as FloatArray) : null;
  const y = target.values as Int32Array;
  // coef[n, c] = w_y (c != y), 0 at c = y: the weighted mask of the terms summed.
  const coef = new Float64Array(rows * classes);
  for (let n = 0; n < rows; n++) {
    if (y[n] < 0 || y[n] >= classes) throw new ShapeError(`${op}: target ${y[n]} at position ${n} is out of range for ${classes} classes (input ${x.describe()})`);
    for (let c = 0; c < classes; c++) coef[n * classes + c] = c === y[n] ? 0 : wv ? wv[y[n]] : 1;
  }
  const x2 = reshape(x, [rows, classes]);
  const picked = gather(x2, 1, Tensor.fromData(Int32Array.from(y), [rows, 1], 'int32'));
  // max(0, z) with z = margin - x_y + x_c; relu passes no gradient at z = 0, as PyTorch's kernel (z > 0).
  const h = relu(add(sub(margin, picked), x2));
  const terms = mul(p === 2 ? square(h) : h, constant(coef, [rows, classes], x.dtype as 'float32' | 'float64'));
  const loss = div(sum(terms, 1), classes);
  return reduce(reshape(loss, unbatched ? [...target.shape] : [rows]), reduction);
}
