/**
 * Scaled dot-product attention as one fused op (PyTorch 2's F.scaled_dot_product_attention
 * without dropout):
 *
 *   out = softmax(Q Kᵀ · scale + M) V,   scale = 1/√E by default
 *
 * M is 0 where a query may attend to a key and −∞ where it may not (a bool mask: true =
 * attend; a float mask is added as is; isCausal hides keys after the query). The forward
 * kernel walks tiles of queries × keys with a running max and sum (online softmax) and saves
 * only the per-row log-sum-exp; the backward kernel recomputes the weights tile by tile
 * (formulas in src/backend/reference/attention.ts). Neither holds the [L, S] matrix, so memory
 * grows like L + S, not L × S. A broadcast mask is read in place through strides.
 *
 * Under createGraph the backward is written with ops instead (the weights recomputed by
 * `attentionWeights`), so second derivatives work; that path does materialise [L, S].
 * nn.functional.scaledDotProductAttention picks this op whenever it applies (no dropout,
 * no returned weights, a mask that needs no gradient) and the composite path otherwise.
 */
import { backend } from '../backend/index';
import type { AttentionGeometry, AttentionMaskArg } from '../backend/backend';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import { broadcastShapes, shapesEqual, sizeOf, stridesOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { add, mul, sub, where } from './binary';
import { castTo } from './cast';
import { randn } from './creation';
import { matmul } from './matmul';
import { record } from './record';
import { registerOp } from './registry';
import { sum } from './reduce';
import { expand, transpose } from './shape';
import { softmax } from './softmax';
import { assertTensor, emptyForOverwrite } from './util';

/** Mask, causality and scale of `fusedAttention` (and of the attention weights). @example `{ isCausal: true, scale: 0.125 }` */
export interface AttentionOptions {
  /** Broadcastable to [..., L, S]: bool (true = may attend) or float of q's dtype (added to the scores). */
  attnMask?: Tensor | null;
  /** Hide keys after each query (query i sees keys 0..i); not with attnMask. Default false. */
  isCausal?: boolean;
  /** Multiplies Q Kᵀ (default 1/√E, E = the query's last dim). */
  scale?: number;
}

/** The checked sizes of an attention call. */
export interface AttentionSizes { L: number; S: number; E: number; Ev: number; scale: number; mask: Tensor | null; batchShape: number[] }

/**
 * Checks q [..., L, E], k [..., S, E], v [..., S, Ev] and the options; errors name `op`.
 * @example `const { L, S } = checkAttention('scaledDotProductAttention', q, k, v, { isCausal: true })`
 */
export function checkAttention(op: string, q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): AttentionSizes {
  assertTensor(op, 'q', q);
  assertTensor(op, 'k', k);
  assertTensor(op, 'v', v);
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.describe()}`);
    if (t.ndim < 2) throw new ShapeError(`${op}: ${name} must be [..., length, features], got ${t.describe()}`);
  }
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new DTypeError(`${op}: q, k and v must share a dtype, got ${q.describe()}, ${k.describe()}, ${v.describe()}`);
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  if (k.shape[k.ndim - 1] !== E) throw new ShapeError(`${op}: q ${q.describe()} and k ${k.describe()} must have the same feature size (last dim)`);
  if (v.shape[v.ndim - 2] !== S) throw new ShapeError(`${op}: k ${k.describe()} and v ${v.describe()} must have the same length (dim -2)`);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ArgumentError(`${op}: scale must be a finite number, got ${fmtArg(scale)}`);
  const mask = opts.attnMask ?? null;
  if (opts.isCausal && mask) throw new ArgumentError(`${op}: give attnMask or isCausal, not both`);
  const scoresLead = broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2));
  const batchShape = broadcastShapes(op, scoresLead, v.shape.slice(0, -2));
  if (mask) {
    assertTensor(op, 'attnMask', mask);
    const ms = mask.shape, ss = [...scoresLead, L, S];
    const fits = ms.length <= ss.length && ms.every((d, i) => d === 1 || d === ss[ss.length - ms.length + i]);
    if (!fits) throw new ShapeError(`${op}: attnMask ${mask.describe()} must broadcast to the scores ${fmtShape(ss)} ([..., L, S])`);
    if (mask.dtype !== 'bool' && mask.dtype !== q.dtype) throw new DTypeError(`${op}: attnMask must be bool or ${q.dtype} like q, got ${mask.describe()}`);
  }
  return { L, S, E, Ev, scale, mask, batchShape };
}

/**
 * A bool mask [L, S] that is true where key j <= query i (lower triangle, as torch.tril).
 * @example `scaledDotProductAttention(q, k, v, { attnMask: causalMask(4, 4) })`
 */
export function causalMask(L: number, S: number): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) for (let j = 0; j <= Math.min(i, S - 1); j++) m[i * S + j] = 1;
  return Tensor.fromData(m, [L, S], 'bool');
}

/**
 * The attention weights softmax(Q Kᵀ · scale + M) [..., L, S], written with ops (differentiable to
 * any order; materialises the matrix). Options as `fusedAttention`, already checked.
 * @example `const w = attentionWeights(q, k, { isCausal: true, scale: 0.5 })`
 */
export function attentionWeights(q: Tensor, k: Tensor, opts: AttentionOptions & { scale: number }): Tensor {
  let scores = mul(matmul(q, transpose(k, -2, -1)), opts.scale);
  if (opts.isCausal) scores = where(causalMask(q.shape[q.ndim - 2], k.shape[k.ndim - 2]), scores, -Infinity);
  const mask = opts.attnMask;
  if (mask) scores = mask.dtype === 'bool' ? where(mask, scores, -Infinity) : add(scores, mask);
  return softmax(scores, -1);
}

/** The mask read in place over [...batchShape, L, S]: per-head offsets and the row/column strides. */
function maskArg(mask: Tensor, batchShape: number[], L: number, S: number): AttentionMaskArg {
  const full = [...batchShape, L, S];
  const shape = [...new Array<number>(full.length - mask.ndim).fill(1), ...mask.shape];
  const strides = stridesOf(shape).map((st, i) => (shape[i] === 1 ? 0 : st));
  const r = full.length;
  const offsets = new Int32Array(sizeOf(batchShape));
  for (let b = 0; b < offsets.length; b++) {
    let rest = b, off = 0;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      off += (rest % batchShape[d]) * strides[d];
      rest = Math.floor(rest / batchShape[d]);
    }
    offsets[b] = off;
  }
  return { values: mask.values as FloatArray | Uint8Array, offsets, rowStride: strides[r - 2], colStride: strides[r - 1] };
}

/** q, k or v with its leading dims expanded to the common batch shape (a recorded copy only where they differ). */
function toBatch(t: Tensor, batchShape: number[]): Tensor {
  const lead = t.shape.slice(0, -2);
  return shapesEqual(lead, batchShape) ? t : expand(t, [...batchShape, ...t.shape.slice(-2)]);
}

/**
 * The gradients of q, k, v written with ops, for a backward pass that is itself recorded:
 * with P the recomputed weights, dv = Pᵀ g, dS = P (g vᵀ − rowsum(P ∘ g vᵀ)) · scale,
 * dq = dS k, dk = dSᵀ q.
 */
function compositeGrads(g: Tensor, q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions & { scale: number }): Tensor[] {
  const p = attentionWeights(q, k, opts);
  const dP = matmul(g, transpose(v, -2, -1));
  const dS = mul(mul(p, sub(dP, sum(mul(p, dP), -1, { keepdim: true }))), opts.scale);
  return [matmul(dS, k), matmul(transpose(dS, -2, -1), q), matmul(transpose(p, -2, -1), g)];
}

/**
 * Attention of q [..., L, E] over k [..., S, E] and v [..., S, Ev] → [..., L, Ev] by the fused
 * kernel (leading dims broadcast). Memory grows like L + S: the weights are never stored.
 * The mask gets no gradient (use the composite path of scaledDotProductAttention for a learned bias).
 * @example
 * const out = fusedAttention(q, k, v, { isCausal: true });
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  const { L, S, E, Ev, scale, mask, batchShape } = checkAttention(op, q, k, v, opts);
  const causal = opts.isCausal ?? false;
  const [qb, kb, vb] = [q, k, v].map((t) => toBatch(t, batchShape));
  const dtype = q.dtype;
  const geometry: AttentionGeometry = { batch: sizeOf(batchShape), L, S, E, Ev, scale, causal };
  const maskArray = mask ? maskArg(mask, batchShape, L, S) : null;
  const out = emptyForOverwrite([...batchShape, L, Ev], dtype);
  const lse = new Float64Array(geometry.batch * L);
  backend().attentionForward(qb.values as FloatArray, kb.values as FloatArray, vb.values as FloatArray, maskArray,
    out.values as FloatArray, lse, geometry);
  return record(out, op, [qb, kb, vb], (grad) => {
    const g = castTo(grad, dtype);
    if (isGradEnabled()) return compositeGrads(g, qb, kb, vb, { attnMask: mask, isCausal: causal, scale });
    const grads = [qb, kb, vb].map((t) => emptyForOverwrite(t.shape.slice(), dtype));
    backend().attentionBackward(qb.values as FloatArray, kb.values as FloatArray, vb.values as FloatArray, out.values as FloatArray,
      g.values as FloatArray, lse, maskArray, ...(grads.map((t) => t.values as FloatArray) as [FloatArray, FloatArray, FloatArray]), geometry);
    return grads;
  }, [qb, kb, vb, out]);
}

// ---------------------------------------------------------------- registry

const sample = (shape: number[], dt: 'float32' | 'float64'): Tensor => randn(shape, { dtype: dt });
/** A bool mask with about a quarter of its entries false, and every row keeping at least one key. */
const boolMask = (shape: number[]): Tensor => {
  const m = randn(shape).values;
  const S = shape[shape.length - 1];
  const bits = Uint8Array.from(m, (x, i) => (i % S === 0 || x > -0.67 ? 1 : 0));
  return Tensor.fromData(bits, shape, 'bool');
};

registerOp({
  name: 'scaledDotProductAttention(fused)', kernels: ['attentionForward', 'attentionBackward'], differentiable: true,
  run: (q, k, v) => fusedAttention(q, k, v),
  samples: [
    { label: '[2,3,7,5] over 9 keys, Ev 4', inputs: (dt) => [sample([2, 3, 7, 5], dt), sample([2, 3, 9, 5], dt), sample([2, 3, 9, 4], dt)] },
    { label: '[1,70,17] over 130 keys (several tiles)', inputs: (dt) => [sample([1, 70, 17], dt), sample([1, 130, 17], dt), sample([1, 130, 17], dt)], wrt: [] },
    { label: 'one query, one key', inputs: (dt) => [sample([1, 1, 8], dt), sample([1, 1, 8], dt), sample([1, 1, 3], dt)] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'scaledDotProductAttention(fused, causal)', kernels: ['attentionForward', 'attentionBackward'], differentiable: true,
  run: (q, k, v) => fusedAttention(q, k, v, { isCausal: true, scale: 0.3 }),
  samples: [
    { label: '[2,6,4] over 6 keys', inputs: (dt) => [sample([2, 6, 4], dt), sample([2, 6, 4], dt), sample([2, 6, 3], dt)] },
    { label: '[1,2,33,64] over 100 keys', inputs: (dt) => [sample([1, 2, 33, 64], dt), sample([1, 2, 100, 64], dt), sample([1, 2, 100, 64], dt)], wrt: [] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'scaledDotProductAttention(fused, masks)', kernels: ['attentionForward', 'attentionBackward'], differentiable: true,
  run: (q, k, v, mask) => fusedAttention(q, k, v, { attnMask: mask }),
  samples: [
    { label: 'bool [5,7] broadcast over [2,3]', inputs: (dt) => [sample([2, 3, 5, 4], dt), sample([2, 3, 7, 4], dt), sample([2, 3, 7, 2], dt), boolMask([5, 7])], wrt: [0, 1, 2] },
    { label: 'float [2,1,5,7] broadcast over heads', inputs: (dt) => [sample([2, 3, 5, 4], dt), sample([2, 3, 7, 4], dt), sample([2, 3, 7, 2], dt), sample([2, 1, 5, 7], dt)], wrt: [0, 1, 2] },
    { label: 'bool [2,3,33,70], k and v shared by heads', inputs: (dt) => [sample([2, 3, 33, 8], dt), sample([2, 1, 70, 8], dt), sample([2, 1, 70, 8], dt), boolMask([2, 3, 33, 70])], wrt: [] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
