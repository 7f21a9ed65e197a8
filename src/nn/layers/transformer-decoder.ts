/**
 * The decoder half of PyTorch's Transformer: nn.TransformerDecoderLayer (self_attn,
 * multihead_attn, linear1, linear2, norm1..3), nn.TransformerDecoder (deep copies of a layer,
 * `layers.0...` keys) and nn.Transformer (encoder + decoder, each with a final LayerNorm, and
 * PyTorch's xavier_uniform_ re-initialisation), with PyTorch's defaults, masks and state-dict
 * keys, so a PyTorch state dict loads unchanged.
 *
 * Masks follow nn.MultiheadAttention: a bool mask is true where attention is NOT allowed, a
 * float mask is added to the scores (−∞ blocks). `tgtIsCausal` / `memoryIsCausal` give a
 * causal mask when no explicit mask is passed (with a mask they are only a hint, as in PyTorch).
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape } from '../../errors';
import { add } from '../../ops/binary';
import { assertTensor } from '../../ops/util';
import { Tensor } from '../../tensor/tensor';
import { ModuleList } from '../containers';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { deepCopy } from '../utils/deep-copy';
import { boolOption, checkDtypeOption, checkInput, positiveInt, type FactoryOptions } from './common';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { MultiheadAttention } from './multihead-attention';
import { LayerNorm } from './normalization';
import { feedForwardBlock, TransformerEncoder, TransformerEncoderLayer, transformerLayerOptions, type TransformerEncoderLayerOptions } from './transformer';

/**
 * Options of `nn.TransformerDecoderLayer`: the encoder layer's, with PyTorch's defaults
 * (dimFeedforward 2048, dropout 0.1, 'relu', layerNormEps 1e-5, batchFirst false, normFirst false, bias true).
 * @example `{ dimFeedforward: 256, dropout: 0.1, normFirst: true, batchFirst: true }`
 */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/** Options of a TransformerDecoderLayer / TransformerDecoder call. @example `dec.call(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: pad })` */
export interface TransformerDecoderLayerCallOptions {
  /** Self-attention mask, [T, T] or [N·nhead, T, T]: true (or −∞ added) where attention is not allowed. */
  tgtMask?: Tensor | null;
  /** Cross-attention mask over the memory, [T, S] or [N·nhead, T, S]. */
  memoryMask?: Tensor | null;
  /** [N, T]; true marks padded target positions (keys of the self-attention). */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]; true marks padded memory positions. */
  memoryKeyPaddingMask?: Tensor | null;
  /** A causal self-attention mask when tgtMask is not given (a hint when it is). Default false. */
  tgtIsCausal?: boolean;
  /** A causal cross-attention mask (query i sees memory 0..i) when memoryMask is not given. Default false. */
  memoryIsCausal?: boolean;
}

/** Options of an nn.Transformer call: the decoder's, plus the encoder's source masks. @example `model.call(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), srcKeyPaddingMask: pad, memoryKeyPaddingMask: pad })` */
export interface TransformerCallOptions extends TransformerDecoderLayerCallOptions {
  /** Encoder self-attention mask, [S, S] or [N·nhead, S, S]. */
  srcMask?: Tensor | null;
  /** [N, S]; true marks padded source positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** A causal encoder mask when srcMask is not given. Default false. */
  srcIsCausal?: boolean;
}

/** Options of `nn.Transformer` (PyTorch's defaults). @example `{ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, batchFirst: true }` */
export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Width of the model (default 512). */
  dModel?: number;
  /** Attention heads (default 8); must divide dModel. */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
}

// ------------------------------------------------------------------------------ argument checks

/** A module by its class name, anything else as fmtArg writes it. */
function describeArg(v: unknown): string {
  return v instanceof Module ? v.typeName : v === null ? 'null' : typeof v === 'object' ? 'an object' : fmtArg(v);
}

function checkMask(who: string, name: string, mask: Tensor | null | undefined, dtype: string, shapes: number[][]): void {
  if (mask === null || mask === undefined) return;
  assertTensor(who, name, mask);
  if (mask.dtype !== 'bool' && mask.dtype !== dtype) throw new DTypeError(`${who}: ${name} must be bool or ${dtype} (the parameters' dtype), got ${mask.describe()}`);
  if (!shapes.some((s) => s.length === mask.ndim && s.every((d, i) => d === mask.shape[i]))) {
    throw new ShapeError(`${who}: ${name} must be ${shapes.map(fmtShape).join(' or ')}, got ${mask.describe()}`);
  }
}

interface SequenceDims { batched: boolean; N: number; len: number }

/** Rank and width of a [L, N, E] / [N, L, E] / unbatched [L, E] input; its batch size and length. */
function sequenceDims(who: string, name: string, x: Tensor, dModel: number, batchFirst: boolean, dtype: string): SequenceDims {
  assertTensor(who, name, x);
  checkInput(`${who} (${name})`, x, dtype);
  const layout = batchFirst ? '[N, L, E]' : '[L, N, E]';
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${who}: ${name} must be ${layout} (or unbatched [L, E]), got ${x.describe()}`);
  if (x.shape[x.ndim - 1] !== dModel) throw new ShapeError(`${who}: ${name} ${x.describe()} must have dModel = ${dModel} features in its last dim`);
  const batched = x.ndim === 3;
  return { batched, N: batched ? x.shape[batchFirst ? 0 : 1] : 1, len: x.shape[batched && !batchFirst ? 0 : x.ndim - 2] };
}

/** Both sequences batched (or both not) with the same batch size. */
function checkPair(who: string, a: [string, Tensor, SequenceDims], b: [string, Tensor, SequenceDims], batchFirst: boolean): void {
  if (a[2].batched !== b[2].batched) throw new ShapeError(`${who}: ${a[0]} ${a[1].describe()} and ${b[0]} ${b[1].describe()} must both be batched (3-D) or both unbatched (2-D)`);
  if (a[2].N !== b[2].N) throw new ShapeError(`${who}: ${a[0]} ${a[1].describe()} and ${b[0]} ${b[1].describe()} must have the same batch size (dim ${batchFirst ? 0 : 1})`);
}

/** Self- or cross-attention masks of a query sequence of length T over keys of length S. */
function checkAttnMasks(who: string, names: [string, string, string], opts: Record<string, unknown>, dtype: string, nhead: number, q: SequenceDims, S: number): void {
  const [maskName, kpmName, causalName] = names;
  checkMask(who, maskName, opts[maskName] as Tensor | null | undefined, dtype, [[q.len, S], [q.N * nhead, q.len, S]]);
  checkMask(who, kpmName, opts[kpmName] as Tensor | null | undefined, dtype, [q.batched ? [q.N, S] : [S]]);
  boolOption(who, causalName, opts[causalName], false);
}

/** Checks a decoder call's tgt, memory and masks; errors name `who`, the argument and the shapes. */
function checkDecoderCall(who: string, layer: TransformerDecoderLayer, tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerCallOptions): void {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${who}: options must be an object, got ${fmtArg(opts)}`);
  const { dModel, nhead, batchFirst } = layer;
  const dtype = layer.linear1.weight.dtype;
  const t = sequenceDims(who, 'tgt', tgt, dModel, batchFirst, dtype);
  const m = sequenceDims(who, 'memory', memory, dModel, batchFirst, dtype);
  checkPair(who, ['tgt', tgt, t], ['memory', memory, m], batchFirst);
  const o = opts as Record<string, unknown>;
  checkAttnMasks(who, ['tgtMask', 'tgtKeyPaddingMask', 'tgtIsCausal'], o, dtype, nhead, t, t.len);
  checkAttnMasks(who, ['memoryMask', 'memoryKeyPaddingMask', 'memoryIsCausal'], o, dtype, nhead, t, m.len);
}

// ------------------------------------------------------------------------------ layers

/**
 * One Transformer decoder block (PyTorch's nn.TransformerDecoderLayer): masked self-attention over
 * the target, cross-attention over the encoder's output (memory), then a feed-forward network,
 * each with a residual connection and LayerNorm: post-norm LN(x + Block(x)) by default, pre-norm
 * x + Block(LN(x)) with `normFirst`. tgt is [T, N, E] and memory [S, N, E] ([N, T, E], [N, S, E]
 * with batchFirst; or unbatched [T, E], [S, E]); the output has tgt's shape.
 * State-dict keys are PyTorch's: self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1..3.*.
 * @example
 * const layer = new nn.TransformerDecoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
 * const y = layer.call(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: pad });
 */
export class TransformerDecoderLayer extends Module<[Tensor, Tensor, TransformerDecoderLayerCallOptions?], Tensor> {
  // Fields in PyTorch's order, so stateDict keys come out in its order.
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly activation: 'relu' | 'gelu';
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(dModel: number, nhead: number, opts?: TransformerDecoderLayerOptions) {
    super();
    const { ff, p, activation, eps, batchFirst, normFirst, bias, dtype, factory } = transformerLayerOptions('TransformerDecoderLayer', dModel, nhead, opts);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, ...factory });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, ...factory });
    this.linear1 = new Linear(dModel, ff, { bias, ...factory });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, ...factory });
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm3 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = activation;
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
  }

  private selfAttention(x: Tensor, opts: TransformerDecoderLayerCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask: opts.tgtMask, keyPaddingMask: opts.tgtKeyPaddingMask, isCausal: opts.tgtIsCausal, needWeights: false });
    return this.dropout1.call(y);
  }

  private crossAttention(x: Tensor, memory: Tensor, opts: TransformerDecoderLayerCallOptions): Tensor {
    const [y] = this.multihead_attn.call(x, memory, memory, { attnMask: opts.memoryMask, keyPaddingMask: opts.memoryKeyPaddingMask, isCausal: opts.memoryIsCausal, needWeights: false });
    return this.dropout2.call(y);
  }

  private feedForward(x: Tensor): Tensor {
    return this.dropout3.call(feedForwardBlock(this, x));
  }

  /**
   * Runs the block on tgt ([T, N, E] or [N, T, E]) attending over memory ([S, N, E] or [N, S, E]).
   * @example
   * const y = layer.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0]) });
   */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerCallOptions = {}): Tensor {
    checkDecoderCall('TransformerDecoderLayer', this, tgt, memory, opts);
    let x = tgt;
    if (this.normFirst) {
      x = add(x, this.selfAttention(this.norm1.call(x), opts));
      x = add(x, this.crossAttention(this.norm2.call(x), memory, opts));
      return add(x, this.feedForward(this.norm3.call(x)));
    }
    x = this.norm1.call(add(x, this.selfAttention(x, opts)));
    x = this.norm2.call(add(x, this.crossAttention(x, memory, opts)));
    return this.norm3.call(add(x, this.feedForward(x)));
  }

  protected override extraRepr(): string {
    return reprArgs([['normFirst', this.normFirst || undefined], ['activation', this.activation === 'relu' ? undefined : this.activation]]);
  }
}

/**
 * A stack of `numLayers` deep copies of a decoder layer (each starts with the given layer's
 * weights, as PyTorch's `_get_clones`; the given layer itself is not part of the stack), then an
 * optional final `norm` (pre-norm stacks want one). Every layer gets the same memory and masks.
 * State-dict keys are PyTorch's: layers.0.self_attn.in_proj_weight, ..., norm.weight.
 * @example
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(64, 4, { normFirst: true, batchFirst: true }), 3, { norm: new nn.LayerNorm(64) });
 * const y = dec.call(tgt, memory, { tgtIsCausal: true });
 */
export class TransformerDecoder extends Module<[Tensor, Tensor, TransformerDecoderLayerCallOptions?], Tensor> {
  layers: ModuleList<TransformerDecoderLayer>;
  norm: Module<[Tensor], Tensor> | null;
  readonly numLayers: number;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, opts?: { norm?: Module<[Tensor], Tensor> | null }) {
    super();
    const T = 'TransformerDecoder';
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new ArgumentError(`${T}: decoderLayer must be a TransformerDecoderLayer, got ${describeArg(decoderLayer)}`);
    this.numLayers = positiveInt(T, 'numLayers', numLayers);
    const norm = opts?.norm ?? null;
    if (norm !== null && !(norm instanceof Module)) throw new ArgumentError(`${T}: norm must be a Module (e.g. nn.LayerNorm) or null, got ${fmtArg(norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopy(decoderLayer)));
    this.norm = norm;
  }

  /**
   * Runs tgt through every layer (each attending over the same memory), then the final norm.
   * @example
   * const y = dec.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), memoryKeyPaddingMask: pad });
   */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerCallOptions = {}): Tensor {
    checkDecoderCall('TransformerDecoder', this.layers.at(0), tgt, memory, opts);
    let x = tgt;
    for (const layer of this.layers) x = layer.call(x, memory, opts);
    return this.norm ? this.norm.call(x) : x;
  }

  protected override extraRepr(): string {
    return reprArgs([['numLayers', this.numLayers]]);
  }
}

/**
 * The full encoder-decoder Transformer of Vaswani et al. (2017), as PyTorch's nn.Transformer:
 * `encoder` (a TransformerEncoder with a final LayerNorm, `encoder.norm`) and `decoder` (a
 * TransformerDecoder with `decoder.norm`); every parameter with more than one dim is re-drawn
 * from xavier_uniform_ after construction, as PyTorch does. call(src, tgt) encodes src
 * ([S, N, E], or [N, S, E] with batchFirst) into memory and decodes tgt ([T, N, E]) against it;
 * the output has tgt's shape. There is no embedding, positional encoding or output head: add your own.
 * @example
 * const model = new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, batchFirst: true });
 * const y = model.call(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[1]) });
 */
export class Transformer extends Module<[Tensor, Tensor, TransformerCallOptions?], Tensor> {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(opts?: TransformerOptions) {
    super();
    const T = 'Transformer';
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`${T}: options must be an object, got ${fmtArg(opts)}`);
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layerOpts } = opts ?? {};
    const { eps, bias, dtype } = transformerLayerOptions(T, dModel, nhead, layerOpts);
    positiveInt(T, 'numEncoderLayers', numEncoderLayers);
    positiveInt(T, 'numDecoderLayers', numDecoderLayers);
    const decoderLayer = new TransformerDecoderLayer(dModel, nhead, layerOpts);
    const encoderLayer = new TransformerEncoderLayer(dModel, nhead, layerOpts);
    this.encoder = new TransformerEncoder(encoderLayer, numEncoderLayers, { norm: new LayerNorm(dModel, { eps, bias, dtype }) });
    this.decoder = new TransformerDecoder(decoderLayer, numDecoderLayers, { norm: new LayerNorm(dModel, { eps, bias, dtype }) });
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = decoderLayer.batchFirst;
    this.resetParameters({ generator: layerOpts.generator });
  }

  /**
   * PyTorch's `_reset_parameters`: xavier_uniform_ on every parameter with more than one dim
   * (biases and LayerNorm parameters keep their values).
   * @example `model.resetParameters()`
   */
  resetParameters(opts?: Pick<FactoryOptions, 'generator'>): void {
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform(p, { generator: opts?.generator });
  }

  /**
   * Encodes src into memory and decodes tgt against it (teacher forcing: pass the shifted target
   * with a causal tgtMask).
   * @example
   * const out = model.call(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), srcKeyPaddingMask: pad, memoryKeyPaddingMask: pad });
   */
  forward(src: Tensor, tgt: Tensor, opts: TransformerCallOptions = {}): Tensor {
    const T = 'Transformer';
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${T}: options must be an object, got ${fmtArg(opts)}`);
    const dtype = this.decoder.layers.at(0).linear1.weight.dtype;
    const s = sequenceDims(T, 'src', src, this.dModel, this.batchFirst, dtype);
    const t = sequenceDims(T, 'tgt', tgt, this.dModel, this.batchFirst, dtype);
    checkPair(T, ['src', src, s], ['tgt', tgt, t], this.batchFirst);
    checkAttnMasks(T, ['srcMask', 'srcKeyPaddingMask', 'srcIsCausal'], opts as Record<string, unknown>, dtype, this.nhead, s, s.len);
    const memory = this.encoder.call(src, { srcMask: opts.srcMask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.srcIsCausal });
    return this.decoder.call(tgt, memory, {
      tgtMask: opts.tgtMask, memoryMask: opts.memoryMask, tgtKeyPaddingMask: opts.tgtKeyPaddingMask,
      memoryKeyPaddingMask: opts.memoryKeyPaddingMask, tgtIsCausal: opts.tgtIsCausal, memoryIsCausal: opts.memoryIsCausal,
    });
  }

  /**
   * A float causal mask [sz, sz] (PyTorch's generate_square_subsequent_mask): 0 on and below
   * the diagonal, −∞ above it, so position i attends to positions 0..i. float32 unless dtype says otherwise.
   * @example
   * const mask = nn.Transformer.generateSquareSubsequentMask(4); // [[0, -inf, -inf, -inf], [0, 0, -inf, -inf], ...]
   */
  static generateSquareSubsequentMask(sz: number, opts?: { dtype?: 'float32' | 'float64' }): Tensor {
    const op = 'Transformer.generateSquareSubsequentMask';
    positiveInt(op, 'sz', sz);
    const dtype = checkDtypeOption(op, opts?.dtype);
    const values = dtype === 'float64' ? new Float64Array(sz * sz) : new Float32Array(sz * sz);
    for (let i = 0; i < sz; i++) for (let j = i + 1; j < sz; j++) values[i * sz + j] = -Infinity;
    return Tensor.fromData(values, [sz, sz], dtype);
  }

  protected override extraRepr(): string {
    return reprArgs([['dModel', this.dModel], ['nhead', this.nhead], ['batchFirst', this.batchFirst || undefined]]);
  }
}
