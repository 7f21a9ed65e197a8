/**
 * Scaled dot-product attention (PyTorch 2's F.scaled_dot_product_attention):
 *
 *   A = softmax(Q Kᵀ · scale + M),  out = dropout(A) V,  scale = 1/√E by default
 *
 * M is 0 where a query may attend to a key and −∞ where it may not (a boolean mask:
 * true = attend, as PyTorch's sdpa; a float mask is added as is; isCausal masks keys
 * after the query). A query row that may attend to nothing gives NaN, as in PyTorch.
 *
 * Two paths give the same values. The fused op (src/ops/attention.ts: one kernel per
 * direction, online softmax, memory like L + S) runs whenever it applies: no dropout, no
 * returned weights, and a mask that needs no gradient. Otherwise the composite path runs
 * (matmul, softmax, dropout, matmul), which materialises the [.., L, S] weights. Dropout is
 * not fused: the composite path draws its mask from the same Philox stream as
 * nn.functional.dropout, so a seeded run keeps its exact values. Second derivatives work on
 * both paths (the fused op's backward is written with ops under createGraph).
 */
import { ArgumentError, fmtArg } from '../errors';
import { attentionWeights, causalMask, checkAttention, fusedAttention } from '../ops/attention';
import { matmul } from '../ops/matmul';
import type { PhiloxStream } from '../backend/philox';
import type { Tensor } from '../tensor/tensor';
import { dropout } from './functional';

export { causalMask };

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
  /**
   * false forces the composite path (matmul, softmax, matmul: materialises the weights); by default
   * the fused kernel runs wherever it applies (see the file comment).
   */
  fused?: boolean;
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
  const { scale, mask, S } = checkAttention(op, q, k, v, opts);
  const p = opts.dropoutP ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: dropoutP must be in [0, 1], got ${fmtArg(p)}`);
  const fusable = p === 0 && S > 0 && !opts.returnWeights && !(mask && mask.requiresGrad) && opts.fused !== false;
  if (fusable) return fusedAttention(q, k, v, { attnMask: mask, isCausal: opts.isCausal, scale });
  let weights = attentionWeights(q, k, { attnMask: mask, isCausal: opts.isCausal, scale });
  if (p > 0) weights = dropout(weights, p, { generator: opts.generator });
  const out = matmul(weights, v);
  return opts.returnWeights ? [out, weights] : out;
}
