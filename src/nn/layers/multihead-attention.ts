/**
 * nn.MultiheadAttention with PyTorch's parameter layout and semantics:
 * in_proj_weight [3E, E] and in_proj_bias [3E] (q, k, v stacked), or
 * q_proj_weight / k_proj_weight / v_proj_weight when kdim or vdim differ from E,
 * and out_proj (a Linear), so a PyTorch state dict loads unchanged.
 *
 * Masks follow nn.MultiheadAttention (not sdpa): a bool attnMask or keyPaddingMask
 * is true where attention is NOT allowed; a float mask is added to the scores.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../../errors';
import { add, where } from '../../ops/binary';
import { zeros } from '../../ops/creation';
import { matmulT } from '../../ops/matmul';
import { mean } from '../../ops/reduce';
import { narrow, reshape, transpose, unsqueeze } from '../../ops/shape';
import { assertTensor, empty } from '../../ops/util';
import type { Tensor } from '../../tensor/tensor';
import { causalMask, scaledDotProductAttention } from '../attention';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, checkInput, positiveInt, probability, type FactoryOptions } from './common';
import { Linear } from './linear';

/** Options of `nn.MultiheadAttention`. @example `new nn.MultiheadAttention(64, 8, { batchFirst: true, dropout: 0.1 })` */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Keys' feature size (default embedDim). */
  kdim?: number;
  /** Values' feature size (default embedDim). */
  vdim?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
}

/** Options of a MultiheadAttention call. @example `mha.call(x, x, x, { attnMask: mask, needWeights: false })` */
export interface MultiheadAttentionCallOptions {
  /** Shape [N, S]; true (or a float added to the scores) marks keys to ignore, e.g. padding. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights too (default true, as PyTorch). */
  needWeights?: boolean;
  /** [L, S] or [N·heads, L, S]: true where attention is not allowed, or a float added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads ([N, L, S]) or not ([N, heads, L, S]). Default true. */
  averageAttnWeights?: boolean;
  /** A causal mask (query i sees keys 0..i) when no attnMask is given. Default false. */
  isCausal?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017): heads attend in parallel over learned projections
 * of query, key and value, and out_proj mixes them. Call with (query, key, value, opts?) of shape
 * [L, N, E] / [S, N, kdim] / [S, N, vdim] ([N, L, E] ... with batchFirst; or unbatched [L, E]);
 * returns [output like query, weights | null].
 * @example
 * const mha = new nn.MultiheadAttention(32, 4, { batchFirst: true });
 * const [y, w] = mha.call(x, x, x, { isCausal: true });
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionCallOptions?], [Tensor, Tensor | null]> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  in_proj_weight: Parameter | null = null;
  q_proj_weight: Parameter | null = null;
  k_proj_weight: Parameter | null = null;
  v_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null = null;
  out_proj: Linear;

  constructor(embedDim: number, numHeads: number, opts?: MultiheadAttentionOptions) {
    super();
    const M = 'MultiheadAttention';
    this.embedDim = positiveInt(M, 'embedDim', embedDim);
    this.numHeads = positiveInt(M, 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new ArgumentError(`${M}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.kdim = positiveInt(M, 'kdim', opts?.kdim ?? embedDim);
    this.vdim = positiveInt(M, 'vdim', opts?.vdim ?? embedDim);
    this.dropout = probability(M, 'dropout', opts?.dropout ?? 0);
    const batchFirst = opts?.batchFirst ?? false;
    if (typeof batchFirst !== 'boolean') throw new ArgumentError(`${M}: batchFirst must be a boolean, got ${fmtArg(batchFirst)}`);
    this.batchFirst = batchFirst;
    const dtype = checkDtypeOption(M, opts?.dtype);
    // PyTorch's registration order: in_proj_weight (or q/k/v_proj_weight), in_proj_bias, out_proj.
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim], dtype));
    } else {
      this.q_proj_weight = new Parameter(empty([embedDim, embedDim], dtype));
      this.k_proj_weight = new Parameter(empty([embedDim, this.kdim], dtype));
      this.v_proj_weight = new Parameter(empty([embedDim, this.vdim], dtype));
    }
    if (opts?.bias !== false) this.in_proj_bias = new Parameter(empty([3 * embedDim], dtype));
    this.out_proj = new Linear(embedDim, embedDim, { bias: opts?.bias !== false, dtype, generator: opts?.generator });
    this.resetParameters(opts);
  }

  /** PyTorch's init: xavier-uniform projections, zero biases (out_proj.weight keeps Linear's init). @example `mha.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w) init.xavierUniform(w, { generator: opts?.generator });
    if (this.in_proj_bias) init.zeros(this.in_proj_bias);
    if (this.out_proj.bias) init.zeros(this.out_proj.bias);
  }

  /** x [rows, in] Wᵀ + b for the i-th of the q, k, v projections. */
  private project(x: Tensor, i: number): Tensor {
    const E = this.embedDim;
    const w = this.in_proj_weight ? narrow(this.in_proj_weight, 0, i * E, E) : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][i]!;
    const y = matmulT(reshape(x, [-1, x.shape[x.ndim - 1]]), w, false, true);
    return this.in_proj_bias ? add(y, narrow(this.in_proj_bias, 0, i * E, E)) : y;
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionCallOptions = {}): [Tensor, Tensor | null] {
    const M = 'MultiheadAttention';
    const dtype = this.out_proj.weight.dtype;
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      assertTensor(M, name, t);
      checkInput(`${M} (${name})`, t, dtype);
    }
    const batched = query.ndim === 3;
    if ((query.ndim !== 2 && query.ndim !== 3) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(`${M}: query, key and value must all be ${this.batchFirst ? '[N, L, E]' : '[L, N, E]'} or all unbatched [L, E], got ${query.describe()}, ${key.describe()}, ${value.describe()}`);
    }
    // To [N, L, E] whatever the layout.
    const toBatchFirst = (t: Tensor): Tensor => (!batched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const q = toBatchFirst(query), k = toBatchFirst(key), v = toBatchFirst(value);
    const [N, L] = q.shape, S = k.shape[1], H = this.numHeads, hd = this.headDim, E = this.embedDim;
    const sizes: [string, Tensor, number][] = [['query', q, E], ['key', k, this.kdim], ['value', v, this.vdim]];
    for (const [name, t, want] of sizes) {
      if (t.shape[2] !== want) throw new ShapeError(`${M}: ${name} ${t === q ? query.describe() : t === k ? key.describe() : value.describe()} must have ${want} features (embedDim/kdim/vdim)`);
    }
    if (k.shape[0] !== N || v.shape[0] !== N || v.shape[1] !== S) throw new ShapeError(`${M}: query ${query.describe()}, key ${key.describe()} and value ${value.describe()} disagree on batch or key length`);
    // [N, len, E] -> [N, H, len, hd]
    const heads = (t: Tensor, len: number): Tensor => transpose(reshape(t, [N, len, H, hd]), 1, 2);
    const qh = heads(this.project(q, 0), L), kh = heads(this.project(k, 1), S), vh = heads(this.project(v, 2), S);
    const mask = this.combinedMask(opts, N, L, S, dtype, batched);
    const p = this.training ? this.dropout : 0;
    // Without needWeights the weights are not asked for, so the fused kernel can run (see nn/attention.ts).
    const needWeights = opts.needWeights ?? true;
    const [ctx, weights] = needWeights
      ? scaledDotProductAttention(qh, kh, vh, { attnMask: mask, dropoutP: p, returnWeights: true })
      : [scaledDotProductAttention(qh, kh, vh, { attnMask: mask, dropoutP: p }), null];
    const merged = reshape(transpose(ctx, 1, 2), [N * L, E]);
    let out = reshape(this.out_proj.call(merged), [N, L, E]);
    out = !batched ? reshape(out, [L, E]) : this.batchFirst ? out : transpose(out, 0, 1);
    if (!weights) return [out, null];
    let w = (opts.averageAttnWeights ?? true) ? mean(weights, 1) : weights;
    if (!batched) w = reshape(w, w.shape.slice(1));
    return [out, w];
  }

  /** attnMask, keyPaddingMask and isCausal as one additive float mask broadcastable to [N, H, L, S], or null. */
  private combinedMask(opts: MultiheadAttentionCallOptions, N: number, L: number, S: number, dtype: string, batched: boolean): Tensor | null {
    const M = 'MultiheadAttention';
    const asAdditive = (m: Tensor, name: string): Tensor => {
      if (m.dtype === 'bool') return where(m, -Infinity, zeros([1], { dtype: dtype as 'float32' | 'float64' }));
      if (m.dtype !== dtype) throw new DTypeError(`${M}: ${name} must be bool or ${dtype}, got ${m.describe()}`);
      return m;
    };
    let mask: Tensor | null = null;
    let attn = opts.attnMask ?? null;
    if (attn === null && opts.isCausal) attn = where(causalMask(L, S), zeros([1], { dtype: dtype as 'float32' | 'float64' }), -Infinity);
    if (attn !== null) {
      assertTensor(M, 'attnMask', attn);
      if (attn.ndim === 2) {
        if (attn.shape[0] !== L || attn.shape[1] !== S) throw new ShapeError(`${M}: a 2-D attnMask must be ${fmtShape([L, S])}, got ${attn.describe()}`);
        mask = asAdditive(attn, 'attnMask');
      } else if (attn.ndim === 3) {
        if (attn.shape[0] !== N * this.numHeads || attn.shape[1] !== L || attn.shape[2] !== S) throw new ShapeError(`${M}: a 3-D attnMask must be ${fmtShape([N * this.numHeads, L, S])}, got ${attn.describe()}`);
        mask = reshape(asAdditive(attn, 'attnMask'), [N, this.numHeads, L, S]);
      } else throw new ShapeError(`${M}: attnMask must be [L, S] or [N·numHeads, L, S], got ${attn.describe()}`);
    }
    const kpm = opts.keyPaddingMask ?? null;
    if (kpm !== null) {
      assertTensor(M, 'keyPaddingMask', kpm);
      const want = batched ? [N, S] : [S];
      if (kpm.ndim !== want.length || kpm.shape.some((d, i) => d !== want[i])) throw new ShapeError(`${M}: keyPaddingMask must be ${fmtShape(want)}, got ${kpm.describe()}`);
      const k4 = reshape(asAdditive(kpm, 'keyPaddingMask'), [N, 1, 1, S]);
      mask = mask ? add(mask, k4) : k4;
    }
    return mask;
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.embedDim], ['', this.numHeads], ['dropout', this.dropout || undefined], ['batchFirst', this.batchFirst || undefined],
      ['kdim', this.kdim !== this.embedDim ? this.kdim : undefined], ['vdim', this.vdim !== this.embedDim ? this.vdim : undefined]]);
  }
}
