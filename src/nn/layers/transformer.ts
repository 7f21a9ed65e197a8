/**
 * nn.TransformerEncoderLayer (PyTorch's layout: self_attn, linear1, linear2, norm1, norm2)
 * with post-norm (the original Transformer) or pre-norm (`normFirst`, which keeps deep
 * stacks trainable without warm-up: the residual path carries an un-normalised identity),
 * and sinusoidal positional encodings.
 */
import { ArgumentError, ShapeError, fmtArg } from '../../errors';
import { add } from '../../ops/binary';
import { narrow, reshape } from '../../ops/shape';
import { gelu, relu } from '../../ops/unary';
import { Tensor } from '../../tensor/tensor';
import type { DType } from '../../tensor/dtype';
import { Module, reprArgs } from '../module';
import { boolOption, checkDtypeOption, finiteOption, positiveInt, probability, type FactoryOptions } from './common';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { MultiheadAttention } from './multihead-attention';
import { LayerNorm } from './normalization';
import { ModuleList } from '../containers';

/** Options of `nn.TransformerEncoderLayer` (PyTorch's defaults). @example `{ dimFeedforward: 256, dropout: 0.1, normFirst: true, batchFirst: true }` */
export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout in attention, after each block and inside the feed-forward (default 0.1). */
  dropout?: number;
  /** The feed-forward activation, 'relu' (default) or 'gelu'. */
  activation?: 'relu' | 'gelu';
  /** LayerNorm's eps (default 1e-5). */
  layerNormEps?: number;
  /** [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm: x + Attn(LN(x)), x + FF(LN(x)) (default false: post-norm LN(x + Attn(x)), LN(x + FF(x))). */
  normFirst?: boolean;
  /** Biases in the linear layers and LayerNorms (default true). */
  bias?: boolean;
}

/** Options of a TransformerEncoderLayer call. @example `layer.call(x, { isCausal: true })` */
export interface TransformerEncoderLayerCallOptions {
  /** [L, L] or [N·heads, L, L]: true (or −∞ added) where attention is not allowed. */
  srcMask?: Tensor | null;
  /** Shape [N, L]; true marks padding positions to ignore. */
  srcKeyPaddingMask?: Tensor | null;
  /** A causal mask when srcMask is not given. */
  isCausal?: boolean;
}

/**
 * @internal The options the encoder and decoder layers share, checked and defaulted as PyTorch's.
 * `T` names the layer in messages.
 */
export function transformerLayerOptions(T: string, dModel: number, nhead: number, opts: TransformerEncoderLayerOptions | undefined) {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`${T}: options must be an object, got ${fmtArg(opts)}`);
  positiveInt(T, 'dModel', dModel);
  positiveInt(T, 'nhead', nhead);
  if (dModel % nhead !== 0) throw new ArgumentError(`${T}: dModel (${dModel}) must be divisible by nhead (${nhead})`);
  const activation = opts?.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'gelu') throw new ArgumentError(`${T}: activation must be 'relu' or 'gelu', got ${fmtArg(activation)}`);
  const dtype = checkDtypeOption(T, opts?.dtype);
  return {
    ff: positiveInt(T, 'dimFeedforward', opts?.dimFeedforward ?? 2048),
    p: probability(T, 'dropout', opts?.dropout ?? 0.1),
    activation: activation as 'relu' | 'gelu',
    eps: finiteOption(T, 'layerNormEps', opts?.layerNormEps ?? 1e-5, 0),
    batchFirst: boolOption(T, 'batchFirst', opts?.batchFirst, false),
    normFirst: boolOption(T, 'normFirst', opts?.normFirst, false),
    bias: boolOption(T, 'bias', opts?.bias, true),
    dtype,
    factory: { dtype, generator: opts?.generator },
  };
}

/** @internal A layer's feed-forward network before its output dropout: linear2(dropout(act(linear1(x)))). */
export function feedForwardBlock(layer: { linear1: Linear; dropout: Dropout; linear2: Linear; activation: 'relu' | 'gelu' }, x: Tensor): Tensor {
  const h = layer.linear1.call(x);
  return layer.linear2.call(layer.dropout.call(layer.activation === 'gelu' ? gelu(h) : relu(h)));
}

/**
 * One Transformer encoder block: self-attention then a feed-forward network, each with a
 * residual connection and LayerNorm (post-norm by default, pre-norm with `normFirst`).
 * @example
 * const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true, normFirst: true });
 * const y = layer.call(x, { isCausal: true });
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerCallOptions?], Tensor> {
  // Fields in PyTorch's order, so stateDict keys come out in its order.
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly activation: 'relu' | 'gelu';
  /** The constructor's arguments, so TransformerEncoder can build copies. */
  readonly config: { dModel: number; nhead: number; opts: TransformerEncoderLayerOptions };

  constructor(dModel: number, nhead: number, opts?: TransformerEncoderLayerOptions) {
    super();
    this.config = { dModel, nhead, opts: { ...opts } };
    const { ff, p, activation, eps, batchFirst, normFirst, bias, dtype, factory } = transformerLayerOptions('TransformerEncoderLayer', dModel, nhead, opts);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, ...factory });
    this.linear1 = new Linear(dModel, ff, { bias, ...factory });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, ...factory });
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = activation;
  }

  private selfAttention(x: Tensor, opts: TransformerEncoderLayerCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask: opts.srcMask, keyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal, needWeights: false });
    return this.dropout1.call(y);
  }

  private feedForward(x: Tensor): Tensor {
    return this.dropout2.call(feedForwardBlock(this, x));
  }

  forward(src: Tensor, opts: TransformerEncoderLayerCallOptions = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      x = add(x, this.selfAttention(this.norm1.call(x), opts));
      return add(x, this.feedForward(this.norm2.call(x)));
    }
    x = this.norm1.call(add(x, this.selfAttention(x, opts)));
    return this.norm2.call(add(x, this.feedForward(x)));
  }

  protected override extraRepr(): string {
    return reprArgs([['normFirst', this.normFirst || undefined], ['activation', this.activation === 'relu' ? undefined : this.activation]]);
  }
}

/**
 * A stack of `numLayers` copies of an encoder layer (each starts with the given layer's weights,
 * as PyTorch's deep copies do), then an optional final `norm` (pre-norm stacks want one).
 * State-dict keys are PyTorch's: layers.0.self_attn.in_proj_weight, ..., norm.weight.
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(64, 4, { normFirst: true, batchFirst: true }), 3, { norm: new nn.LayerNorm(64) });
 * const h = enc.call(x, { isCausal: true });
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderLayerCallOptions?], Tensor> {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: LayerNorm | null;
  readonly numLayers: number;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts?: { norm?: LayerNorm | null }) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new ArgumentError(`TransformerEncoder: encoderLayer must be a TransformerEncoderLayer, got ${encoderLayer === null ? 'null' : typeof encoderLayer}`);
    this.numLayers = positiveInt('TransformerEncoder', 'numLayers', numLayers);
    const weights = encoderLayer.stateDict();
    const { dModel, nhead, opts: layerOpts } = encoderLayer.config;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => {
      const copy = new TransformerEncoderLayer(dModel, nhead, layerOpts);
      copy.loadStateDict(weights);
      return copy;
    }));
    this.norm = opts?.norm ?? null;
  }

  forward(src: Tensor, opts: TransformerEncoderLayerCallOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.call(x, opts);
    return this.norm ? this.norm.call(x) : x;
  }

  protected override extraRepr(): string {
    return reprArgs([['numLayers', this.numLayers]]);
  }
}

/**
 * The sinusoidal positional encodings of Vaswani et al. (2017), [length, dModel]:
 * PE[pos, 2i] = sin(pos / 10000^(2i/dModel)), PE[pos, 2i+1] = cos(pos / 10000^(2i/dModel)).
 * @example const pe = nn.sinusoidalPositionalEncoding(128, 64) // [128, 64]
 */
export function sinusoidalPositionalEncoding(length: number, dModel: number, opts?: { dtype?: DType }): Tensor {
  const op = 'sinusoidalPositionalEncoding';
  positiveInt(op, 'length', length);
  positiveInt(op, 'dModel', dModel);
  const dtype = checkDtypeOption(op, opts?.dtype);
  const values = new Float64Array(length * dModel);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < dModel; i += 2) {
      // exp(-ln(10000) · i / d), as PyTorch's tutorial computes div_term.
      const angle = pos * Math.exp((-Math.log(10000) * i) / dModel);
      values[pos * dModel + i] = Math.sin(angle);
      if (i + 1 < dModel) values[pos * dModel + i + 1] = Math.cos(angle);
    }
  }
  return Tensor.fromData(dtype === 'float64' ? values : Float32Array.from(values), [length, dModel], dtype);
}

/**
 * Adds sinusoidal positional encodings to x ([L, N, E], or [N, L, E] with batchFirst), then
 * dropout (default 0.1), as PyTorch's Transformer tutorial's PositionalEncoding. The table
 * (maxLen rows, default 5000) is a non-persistent buffer: it is recomputed, not saved.
 * @example const pos = new nn.PositionalEncoding(64, { batchFirst: true, dropout: 0 }); const h = pos.call(embeddings)
 */
export class PositionalEncoding extends Module {
  readonly dModel: number;
  readonly batchFirst: boolean;
  dropout: Dropout;

  constructor(dModel: number, opts?: { maxLen?: number; dropout?: number; batchFirst?: boolean } & FactoryOptions) {
    super();
    this.dModel = positiveInt('PositionalEncoding', 'dModel', dModel);
    this.batchFirst = opts?.batchFirst ?? false;
    this.dropout = new Dropout(opts?.dropout ?? 0.1);
    this.registerBuffer('pe', sinusoidalPositionalEncoding(opts?.maxLen ?? 5000, dModel, { dtype: opts?.dtype }), { persistent: false });
  }

  forward(x: Tensor): Tensor {
    const pe = this.getBuffer('pe')!;
    if (x.ndim !== 3 || x.shape[2] !== this.dModel) throw new ShapeError(`PositionalEncoding: x must be ${this.batchFirst ? '[N, L, E]' : '[L, N, E]'} with E = ${this.dModel}, got ${x.describe()}`);
    const L = x.shape[this.batchFirst ? 1 : 0];
    if (L > pe.shape[0]) throw new ShapeError(`PositionalEncoding: sequence length ${L} exceeds maxLen ${pe.shape[0]}`);
    const table = narrow(pe, 0, 0, L);
    return this.dropout.call(add(x, this.batchFirst ? table : reshape(table, [L, 1, this.dModel])));
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.dModel], ['batchFirst', this.batchFirst || undefined]]);
  }
}
