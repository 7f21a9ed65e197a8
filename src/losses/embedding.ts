/** Losses on pairs: cosine embedding and margin ranking. */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { add, div, eq, mul, sub, where } from '../ops/binary';
import { to } from '../ops/cast';
import { sum } from '../ops/reduce';
import { clamp, neg, sqrt } from '../ops/unary';
import { assertTensor } from '../ops/util';
import { broadcastShapes } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { floatInput, reduce, reductionOf, sameShape, type ReductionOptions } from './reduction';

export interface MarginOptions extends ReductionOptions {
  /** Default 0. */
  margin?: number;
}

function marginOf(op: string, opts: MarginOptions | undefined): number {
  const m = opts?.margin ?? 0;
  if (typeof m !== 'number' || !Number.isFinite(m)) throw new ArgumentError(`${op}: margin must be a finite number, got ${fmtArg(m)}`);
  return m;
}

/** Checks that every label is 1 or -1; returns them in dtype. */
function signLabels(op: string, y: Tensor, dtype: 'float32' | 'float64'): Tensor {
  assertTensor(op, 'target', y);
  if (y.dtype === 'bool') throw new DTypeError(`${op}: target must hold 1 or -1 (int32 or float), got ${y.describe()}`);
  const v = y.values;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== 1 && v[i] !== -1) throw new ArgumentError(`${op}: target holds ${v[i]} at element ${i}; labels must be 1 or -1`);
  }
  return to(y, dtype);
}

/**
 * For pairs x1, x2 [N, D] (or [D]) and labels y [N] (or 0-d) in {1, -1}, with
 * cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) (PyTorch's epsilon):
 *   loss = 1 - cos for y = 1;  max(0, cos - margin) for y = -1.
 * @example `cosineEmbeddingLoss(a, b, tensor([1, -1], { dtype: 'int32' }), { margin: 0.2 })`
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, target: Tensor, opts?: MarginOptions): Tensor {
  const op = 'cosineEmbeddingLoss';
  const a = floatInput(op, 'x1', x1);
  const b = to(floatInput(op, 'x2', x2), a.dtype);
  sameShape(op, a, b, ['x1', 'x2']);
  if (a.ndim !== 1 && a.ndim !== 2) throw new ShapeError(`${op}: x1 must be [N, D] or [D], got ${a.describe()}`);
  const reduction = reductionOf(op, opts);
  const margin = marginOf(op, opts);
  const y = signLabels(op, target, a.dtype as 'float32' | 'float64');
  const want = a.ndim === 2 ? [a.shape[0]] : [];
  if (y.ndim !== want.length || y.shape.some((s, i) => s !== want[i])) {
    throw new ShapeError(`${op}: target ${target.describe()} must be [${want.join(',')}], one label per pair of x1 ${a.describe()}`);
  }
  const d = a.ndim - 1;
  const dot = sum(mul(a, b), d);
  const norms = mul(add(sum(mul(a, a), d), 1e-12), add(sum(mul(b, b), d), 1e-12));
  const cos = div(dot, sqrt(norms));
  const loss = where(eq(y, 1), sub(1, cos), clamp(sub(cos, margin), { min: 0 }));
  return reduce(loss, reduction);
}

/**
 * max(0, -y (x1 - x2) + margin) with labels y in {1, -1} (1: x1 should rank higher);
 * x1, x2 and y broadcast together.
 * @example `marginRankingLoss(scoreA, scoreB, y, { margin: 0.1 })`
 */
export function marginRankingLoss(x1: Tensor, x2: Tensor, target: Tensor, opts?: MarginOptions): Tensor {
  const op = 'marginRankingLoss';
  const a = floatInput(op, 'x1', x1);
  const b = to(floatInput(op, 'x2', x2), a.dtype);
  const reduction = reductionOf(op, opts);
  const margin = marginOf(op, opts);
  const y = signLabels(op, target, a.dtype as 'float32' | 'float64');
  broadcastShapes(op, broadcastShapes(op, a.shape, b.shape), y.shape);
  return reduce(clamp(add(mul(neg(y), sub(a, b)), margin), { min: 0 }), reduction);
}
