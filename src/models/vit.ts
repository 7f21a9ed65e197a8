/**
 * The Vision Transformer (Dosovitskiy et al. 2021) with torchvision's module names, so a state
 * dict exported from `torchvision.models.VisionTransformer` (or vit_b_16 ...) loads unchanged:
 * class_token, conv_proj, encoder.pos_embedding, encoder.layers.encoder_layer_{i}.{ln_1,
 * self_attention, ln_2, mlp.0, mlp.3}, encoder.ln, heads.head (heads.pre_logits with a
 * representation size).
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { add } from '../ops/binary';
import { zeros } from '../ops/creation';
import { cat, expand, narrow, permute, reshape } from '../ops/shape';
import type { Tensor } from '../tensor/tensor';
import * as init from '../nn/init';
import { Module } from '../nn/module';
import { Parameter } from '../nn/parameter';
import { Sequential } from '../nn/containers';
import { Conv2d } from '../nn/layers/conv';
import { Linear } from '../nn/layers/linear';
import { LayerNorm } from '../nn/layers/normalization';
import { Dropout } from '../nn/layers/dropout';
import { GELU, Tanh } from '../nn/layers/activation';
import { MultiheadAttention } from '../nn/layers/multihead-attention';
import { checkDtypeOption, positiveInt, probability, type FactoryOptions } from '../nn/layers/common';

/** torchvision's ViT LayerNorm eps (its norm_layer is LayerNorm(eps=1e-6)). */
const LN_EPS = 1e-6;

/** Options of `models.vit` (torchvision's VisionTransformer arguments). @example `{ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 3, hiddenDim: 24, mlpDim: 48, numClasses: 10 }` */
export interface ViTOptions extends FactoryOptions {
  /** Input height and width (square images; default 224). */
  imageSize?: number;
  /** Patch height and width; imageSize must be a multiple (default 16). */
  patchSize?: number;
  /** Encoder blocks (default 12). */
  numLayers?: number;
  /** Attention heads; hiddenDim must be a multiple (default 12). */
  numHeads?: number;
  /** Token width (default 768). */
  hiddenDim?: number;
  /** Width of each block's MLP (default 3072). */
  mlpDim?: number;
  /** Dropout after the embedding, attention and MLP (default 0). */
  dropout?: number;
  /** Dropout on the attention weights (default 0). */
  attentionDropout?: number;
  /** Outputs of heads.head (default 1000). */
  numClasses?: number;
  /** A Linear + tanh "pre-logits" layer of this width before the head (default none). */
  representationSize?: number;
}

/** torchvision's MLPBlock: Linear, GELU, Dropout, Linear, Dropout as children 0-4 (so mlp.0 and mlp.3 hold weights). */
function mlpBlock(hidden: number, mlp: number, dropout: number, factory: FactoryOptions): Sequential {
  const seq = new Sequential(new Linear(hidden, mlp, factory), new GELU(), new Dropout(dropout), new Linear(mlp, hidden, factory), new Dropout(dropout));
  // torchvision: Xavier-uniform weights, N(0, 1e-6) biases.
  for (const i of [0, 3]) {
    const lin = seq.at(i) as Linear;
    init.xavierUniform(lin.weight, { generator: factory.generator });
    if (lin.bias) init.normal(lin.bias, { std: 1e-6, generator: factory.generator });
  }
  return seq;
}

/**
 * One pre-norm Transformer encoder block as torchvision's EncoderBlock: x + Attn(LN1(x)), then + MLP(LN2(·)).
 * @example `const block = new models.ViTEncoderBlock(4, 64, 128)` then `block.call(tokens)` on [N, L, 64]
 */
export class ViTEncoderBlock extends Module {
  ln_1: LayerNorm;
  self_attention: MultiheadAttention;
  dropout: Dropout;
  ln_2: LayerNorm;
  mlp: Sequential;

  constructor(numHeads: number, hiddenDim: number, mlpDim: number, opts: { dropout?: number; attentionDropout?: number } & FactoryOptions = {}) {
    super();
    const factory: FactoryOptions = { dtype: opts.dtype, generator: opts.generator };
    this.ln_1 = new LayerNorm(hiddenDim, { eps: LN_EPS, dtype: opts.dtype });
    this.self_attention = new MultiheadAttention(hiddenDim, numHeads, { dropout: opts.attentionDropout ?? 0, batchFirst: true, ...factory });
    this.dropout = new Dropout(opts.dropout ?? 0);
    this.ln_2 = new LayerNorm(hiddenDim, { eps: LN_EPS, dtype: opts.dtype });
    this.mlp = mlpBlock(hiddenDim, mlpDim, opts.dropout ?? 0, factory);
  }

  forward(input: Tensor): Tensor {
    const h = this.ln_1.call(input);
    const [attended] = this.self_attention.call(h, h, h, { needWeights: false });
    const x = add(this.dropout.call(attended), input);
    return add(x, this.mlp.call(this.ln_2.call(x)));
  }
}

/**
 * The ViT encoder: learned position embeddings added to the tokens, dropout, the blocks
 * (named encoder_layer_0 ...), a final LayerNorm. Input and output [N, seqLength, hiddenDim].
 * @example `const enc = new models.ViTEncoder(17, 2, 4, 64, 128)` then `enc.call(tokens)`
 */
export class ViTEncoder extends Module {
  pos_embedding: Parameter;
  dropout: Dropout;
  layers: Sequential;
  ln: LayerNorm;

  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, opts: { dropout?: number; attentionDropout?: number } & FactoryOptions = {}) {
    super();
    // torchvision: N(0, 0.02), "from BERT".
    this.pos_embedding = new Parameter(init.normal(zeros([1, seqLength, hiddenDim], { dtype: opts.dtype }), { std: 0.02, generator: opts.generator }));
    this.dropout = new Dropout(opts.dropout ?? 0);
    const blocks: Record<string, ViTEncoderBlock> = {};
    for (let i = 0; i < numLayers; i++) blocks[`encoder_layer_${i}`] = new ViTEncoderBlock(numHeads, hiddenDim, mlpDim, opts);
    this.layers = new Sequential(blocks);
    this.ln = new LayerNorm(hiddenDim, { eps: LN_EPS, dtype: opts.dtype });
  }

  forward(input: Tensor): Tensor {
    return this.ln.call(this.layers.call(this.dropout.call(add(input, this.pos_embedding))));
  }
}

/**
 * Vision Transformer as torchvision builds it: a conv_proj patch embedding (kernel = stride =
 * patchSize), a class token prepended, the encoder, and heads on the class token. Input
 * [N, 3, imageSize, imageSize], output [N, numClasses].
 * @example
 * const net = models.vit({ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 3, hiddenDim: 24, mlpDim: 48, numClasses: 10 });
 * const logits = net.call(images); // [N, 10]
 */
export class VisionTransformer extends Module {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;
  class_token: Parameter;
  conv_proj: Conv2d;
  encoder: ViTEncoder;
  heads: Sequential;

  constructor(opts: ViTOptions = {}) {
    super();
    const V = 'VisionTransformer';
    this.imageSize = positiveInt(V, 'imageSize', opts.imageSize ?? 224);
    this.patchSize = positiveInt(V, 'patchSize', opts.patchSize ?? 16);
    if (this.imageSize % this.patchSize !== 0) throw new ArgumentError(`${V}: imageSize ${this.imageSize} must be a multiple of patchSize ${this.patchSize}`);
    const numLayers = positiveInt(V, 'numLayers', opts.numLayers ?? 12);
    const numHeads = positiveInt(V, 'numHeads', opts.numHeads ?? 12);
    this.hiddenDim = positiveInt(V, 'hiddenDim', opts.hiddenDim ?? 768);
    if (this.hiddenDim % numHeads !== 0) throw new ArgumentError(`${V}: hiddenDim ${this.hiddenDim} must be a multiple of numHeads ${numHeads}`);
    const mlpDim = positiveInt(V, 'mlpDim', opts.mlpDim ?? 3072);
    const numClasses = positiveInt(V, 'numClasses', opts.numClasses ?? 1000);
    const dropout = probability(V, 'dropout', opts.dropout ?? 0);
    const attentionDropout = probability(V, 'attentionDropout', opts.attentionDropout ?? 0);
    const dtype = checkDtypeOption(V, opts.dtype);
    const factory: FactoryOptions = { dtype, generator: opts.generator };
    const hidden = this.hiddenDim;

    this.class_token = new Parameter(zeros([1, 1, hidden], { dtype }));
    this.conv_proj = new Conv2d(3, hidden, this.patchSize, { stride: this.patchSize, ...factory });
    // torchvision: truncated normal with std sqrt(1 / fan_in), zero bias.
    const fanIn = 3 * this.patchSize * this.patchSize;
    init.truncNormal(this.conv_proj.weight, { std: Math.sqrt(1 / fanIn), generator: opts.generator });
    if (this.conv_proj.bias) init.zeros(this.conv_proj.bias);
    const seqLength = (this.imageSize / this.patchSize) ** 2 + 1;
    this.encoder = new ViTEncoder(seqLength, numLayers, numHeads, hidden, mlpDim, { dropout, attentionDropout, ...factory });

    const heads: Record<string, Module> = {};
    if (opts.representationSize === undefined) {
      heads.head = new Linear(hidden, numClasses, factory);
    } else {
      const rep = positiveInt(V, 'representationSize', opts.representationSize);
      heads.pre_logits = new Linear(hidden, rep, factory);
      init.truncNormal((heads.pre_logits as Linear).weight, { std: Math.sqrt(1 / hidden), generator: opts.generator });
      init.zeros((heads.pre_logits as Linear).bias!);
      heads.act = new Tanh();
      heads.head = new Linear(rep, numClasses, factory);
    }
    // torchvision starts the classifier at zero.
    init.zeros((heads.head as Linear).weight);
    init.zeros((heads.head as Linear).bias!);
    this.heads = new Sequential(heads as Record<string, Linear>);
  }

  forward(x: Tensor): Tensor {
    const V = 'VisionTransformer';
    const s = this.imageSize;
    if (x.ndim !== 4 || x.shape[1] !== 3 || x.shape[2] !== s || x.shape[3] !== s) {
      throw new ShapeError(`${V}: input must be [N, 3, ${s}, ${s}], got ${fmtShape(x.shape)}`);
    }
    const n = x.shape[0];
    // [N, hidden, h/p, w/p] -> [N, patches, hidden]: the tokens in row-major patch order.
    const patches = permute(reshape(this.conv_proj.call(x), [n, this.hiddenDim, -1]), [0, 2, 1]);
    const tokens = cat([expand(this.class_token, [n, 1, this.hiddenDim]), patches], 1);
    const encoded = this.encoder.call(tokens);
    return this.heads.call(reshape(narrow(encoded, 1, 0, 1), [n, this.hiddenDim]));
  }
}

/**
 * A Vision Transformer of any size (torchvision's VisionTransformer arguments; defaults are ViT-B/16's).
 * @example `const net = models.vit({ imageSize: 32, patchSize: 4, numLayers: 4, numHeads: 4, hiddenDim: 128, mlpDim: 256, numClasses: 10 })`
 */
export function vit(opts?: ViTOptions): VisionTransformer {
  return new VisionTransformer(opts);
}

/**
 * ViT-B/16 (86.6M parameters at 1000 classes, 224x224 input), torchvision's vit_b_16 layout.
 * @example `const net = models.vitB16({ numClasses: 10 })`
 */
export function vitB16(opts?: Omit<ViTOptions, 'patchSize' | 'numLayers' | 'numHeads' | 'hiddenDim' | 'mlpDim'>): VisionTransformer {
  return new VisionTransformer({ ...opts, patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 });
}
