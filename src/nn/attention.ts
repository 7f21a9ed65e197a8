/**
 * Scaled dot-product attention (PyTorch 2's F.scaled_dot_product_attention), written
 * with ops, so autograd (and a second derivative) runs through it on every backend:
 *
 *   A = softmax(Q Kᵀ · scale + M),  out = dropout(A) V,  scale = 1/√E by default
 *
 * M is 0 where a query may attend to a key and −∞ where it may not (a boolean mask:
 * true = attend, as PyTorch's sdpa; a float mask is added as is; isCausal masks keys
 * after the query). A query row that may attend to nothing gives NaN, as in PyTorch.
 * This materialises the [.., L, S] matrix; a fused, memory-efficient kernel is future work.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors';
import { add, mul, where } from '../ops/binary';
import { matmul } from '../ops/matmul';
import { transpose } from '../ops/shape';
import { softmax } from '../ops/softmax';
import { assertTensor } from '../ops/util';
import type { PhiloxStream } from '../backend/philox';
import { Tensor } from '../tensor/tensor';
import { dropout } from './functional';

/** Options of `scaledDotProductAttention`. @example `{ isCausal: true, dropoutP: 0.1 }` */
export interface ScaledDotProductAttentionOptions {
  /** Broadcastable to [..., L, S]: bool (true = may attend) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Mask keys after each query (query i sees keys 0..i); not with attnMask. Default false. */
  isCausal?: boolean;
  /** Dropout on the attention weights (default 0). Applied whenever > 0, as PyTorch's sdpa: pass 0 in eval. */
  dropoutP?: number;
  /** Multiplies Q Kᵀ (default 1/√E, E = the query's last dim). */
  scale?: number;
  /** Draw the dropout mask from this stream instead of the global one. */
  generator?: PhiloxStream;
  /** Also return the attention weights (after dropout). Default false. */
  returnWeights?: boolean;
}

/** A bool mask [L, S] that is true where key j <= query i (lower triangle, as torch.tril). */
export function causalMask(L: number, S: number): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) for (let j = 0; j <= Math.min(i, S - 1); j++) m[i * S + j] = 1;
  return Tensor.fromData(m, [L, S], 'bool');
}

/**
 * Attention of queries q [..., L, E] over keys k [..., S, E] and values v [..., S, Ev] → [..., L, Ev]
 * (leading dims broadcast, e.g. [N, heads, L, E]). See the file comment for the formula.
 * @example
 * const out = nn.functional.scaledDotProductAttention(q, k, v, { isCausal: true });
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts?: ScaledDotProductAttentionOptions & { returnWeights?: false }): Tensor;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: ScaledDotProductAttentionOptions & { returnWeights: true }): [Tensor, Tensor];
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor | [Tensor, Tensor] {
  const op = 'scaledDotProductAttention';
  assertTensor(op, 'q', q);
  assertTensor(op, 'k', k);
  assertTensor(op, 'v', v);
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.describe()}`);
    if (t.ndim < 2) throw new ShapeError(`${op}: ${name} must be [..., length, features], got ${t.describe()}`);
  }
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new DTypeError(`${op}: q, k and v must share a dtype, got ${q.describe()}, ${k.describe()}, ${v.describe()}`);
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== E) throw new ShapeError(`${op}: q ${q.describe()} and k ${k.describe()} must have the same feature size (last dim)`);
  if (v.shape[v.ndim - 2] !== S) throw new ShapeError(`${op}: k ${k.describe()} and v ${v.describe()} must have the same length (dim -2)`);
  const p = opts.dropoutP ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: dropoutP must be in [0, 1], got ${String(p)}`);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ArgumentError(`${op}: scale must be a finite number, got ${String(scale)}`);
  const mask = opts.attnMask ?? null;
  if (opts.isCausal && mask) throw new ArgumentError(`${op}: give attnMask or isCausal, not both`);
  let scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  if (opts.isCausal) scores = where(causalMask(L, S), scores, -Infinity);
  if (mask) {
    assertTensor(op, 'attnMask', mask);
    const ms = mask.shape, ss = scores.shape;
    const fits = ms.length <= ss.length && ms.every((d, i) => d === 1 || d === ss[ss.length - ms.length + i]);
    if (!fits) throw new ShapeError(`${op}: attnMask ${mask.describe()} must broadcast to the scores ${fmtShape(ss)} ([..., L, S])`);
    if (mask.dtype === 'bool') scores = where(mask, scores, -Infinity);
    else if (mask.dtype === q.dtype) scores = add(scores, mask);
    else throw new DTypeError(`${op}: attnMask must be bool or ${q.dtype} like q, got ${mask.describe()}`);
  }
  let weights = softmax(scores, -1);
  if (p > 0) weights = dropout(weights, p, { generator: opts.generator });
  const out = matmul(weights, v);
  return opts.returnWeights ? [out, weights] : out;
}
