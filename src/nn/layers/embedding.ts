/**
 * Embedding (a lookup table of learned vectors, by indexSelect) and EmbeddingBag (sums, means or
 * maxima of bags of its rows, by nn/embedding-bag.ts).
 */
import { ArgumentError, DTypeError } from '../../errors';
import { assertTensor, empty } from '../../ops/util';
import { noGrad } from '../../autograd/api';
import { ones } from '../../ops/creation';
import { mul_ } from '../../ops/inplace';
import type { Tensor } from '../../tensor/tensor';
import { bagMode, embeddingBagNamed, lookupRows, paddingRow, renormOptions, type EmbeddingBagMode } from '../embedding-bag';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { boolOption, checkDtypeOption, positiveInt, type FactoryOptions } from './common';

/** Options of `nn.Embedding`. @example `new nn.Embedding(1000, 64, { paddingIdx: 0 })` */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row starts at zero, and receives no gradient (for padding tokens). Negative counts from the end. */
  paddingIdx?: number;
  /**
   * Rows looked up in forward whose `normType`-norm exceeds this are rescaled in place to
   * norm maxNorm (PyTorch's max_norm: row · maxNorm / (norm + 1e-7)), before the lookup.
   */
  maxNorm?: number;
  /** The p of the norm maxNorm bounds (default 2). */
  normType?: number;
}

/** PyTorch's init of an embedding table: N(0, 1), with the padding row zeroed. */
function resetTable(weight: Parameter, paddingIdx: number | null, opts?: FactoryOptions): void {
  init.normal(weight, { generator: opts?.generator });
  if (paddingIdx !== null) {
    const keep = ones([weight.shape[0], 1], { dtype: weight.dtype });
    keep.values[paddingIdx] = 0;
    noGrad(() => mul_(weight, keep));
    keep.dispose();
  }
}

/** A pretrained table checked (2-D and float); returns its dtype. */
function checkPretrained(op: string, weights: Tensor): 'float32' | 'float64' {
  assertTensor(op, 'weights', weights);
  if (weights.ndim !== 2) throw new ArgumentError(`${op}: weights must be 2-D [num, dim], got ${weights.describe()}`);
  if (weights.dtype !== 'float32' && weights.dtype !== 'float64') throw new DTypeError(`${op}: weights must be float, got ${weights.describe()}`);
  return weights.dtype;
}

/**
 * Maps int32 indices of any shape to vectors: [...] -> [..., embeddingDim]. Weights start N(0, 1).
 * @example `const emb = new nn.Embedding(1000, 64, { paddingIdx: 0 }); emb.call(tokens)`
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingOptions) {
    super();
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.paddingIdx = paddingRow('Embedding', numEmbeddings, opts?.paddingIdx);
    const { maxNorm, normType } = renormOptions('Embedding', opts?.maxNorm, opts?.normType);
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], checkDtypeOption('Embedding', opts?.dtype)));
    this.resetParameters(opts);
  }

  /**
   * An Embedding holding `weights` [num, dim] (frozen unless freeze is false).
   * @example `nn.Embedding.fromPretrained(vectors, { freeze: true })`
   */
  static fromPretrained(weights: Tensor, opts?: { freeze?: boolean; paddingIdx?: number; maxNorm?: number; normType?: number }): Embedding {
    const dtype = checkPretrained('Embedding.fromPretrained', weights);
    const e = new Embedding(weights.shape[0], weights.shape[1], { dtype, paddingIdx: opts?.paddingIdx, maxNorm: opts?.maxNorm, normType: opts?.normType });
    noGrad(() => e.weight.copy_(weights));
    e.weight.requiresGrad = !(opts?.freeze ?? true);
    return e;
  }

  /** Re-draws N(0, 1) and zeroes the padding row. @example `emb.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetTable(this.weight, this.paddingIdx, opts);
  }

  forward(indices: Tensor): Tensor {
    assertTensor('Embedding', 'indices', indices);
    if (indices.dtype !== 'int32') throw new DTypeError(`Embedding: indices must be int32, got ${indices.describe()}`);
    const v = indices.values as Int32Array;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] >= this.numEmbeddings) throw new ArgumentError(`Embedding: index ${v[i]} (at flat position ${i} of ${indices.describe()}) is out of range for ${this.numEmbeddings} embeddings`);
    }
    return lookupRows(this.weight, indices, v, this.paddingIdx, this.maxNorm, this.normType);
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numEmbeddings], ['', this.embeddingDim], ['paddingIdx', this.paddingIdx ?? undefined], ['maxNorm', this.maxNorm ?? undefined]]);
  }
}

/** Options of `nn.EmbeddingBag` (PyTorch's, camelCase). @example `new nn.EmbeddingBag(1000, 64, { mode: 'sum', paddingIdx: 0 })` */
export interface EmbeddingBagModuleOptions extends FactoryOptions {
  /** 'sum', 'mean' (default) or 'max' over each bag. */
  mode?: EmbeddingBagMode;
  /** This row starts at zero and is left out of every bag (so it gets no gradient). Negative counts from the end. */
  paddingIdx?: number;
  /** offsets has one entry more than there are bags, the last being input's length (CSR layout). Default false. */
  includeLastOffset?: boolean;
  /** Rows looked up whose `normType`-norm exceeds this are rescaled in place to norm maxNorm before the lookup. */
  maxNorm?: number;
  /** The p of the norm maxNorm bounds (default 2). */
  normType?: number;
}

/**
 * Sums, means or maxima of bags of embedding vectors without materialising the rows per position
 * (torch.nn.EmbeddingBag): forward(input, offsets?, perSampleWeights?) → [bags, embeddingDim].
 * A 2-D int32 input [B, N] is B bags of N; a 1-D input is cut into bags at `offsets` (int32,
 * offsets[0] = 0). perSampleWeights (mode 'sum') scale each row; entries equal to paddingIdx are
 * left out; an empty bag gives zeros. Weights start N(0, 1) (the padding row 0); state dict key
 * 'weight', as PyTorch's.
 * @example
 * const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum' });
 * bag.call(tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int32' }), tensor([0, 4], { dtype: 'int32' })); // [2, 3]
 */
export class EmbeddingBag extends Module<[Tensor, (Tensor | null)?, (Tensor | null)?], Tensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly mode: EmbeddingBagMode;
  readonly paddingIdx: number | null;
  readonly includeLastOffset: boolean;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingBagModuleOptions) {
    super();
    const L = 'EmbeddingBag';
    this.numEmbeddings = positiveInt(L, 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt(L, 'embeddingDim', embeddingDim);
    this.mode = bagMode(L, opts?.mode);
    this.paddingIdx = paddingRow(L, numEmbeddings, opts?.paddingIdx);
    this.includeLastOffset = boolOption(L, 'includeLastOffset', opts?.includeLastOffset, false);
    const { maxNorm, normType } = renormOptions(L, opts?.maxNorm, opts?.normType);
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], checkDtypeOption(L, opts?.dtype)));
    this.resetParameters(opts);
  }

  /**
   * An EmbeddingBag holding `weights` [num, dim] (frozen unless freeze is false).
   * @example `nn.EmbeddingBag.fromPretrained(vectors, { mode: 'max' })`
   */
  static fromPretrained(weights: Tensor, opts?: { freeze?: boolean } & Omit<EmbeddingBagModuleOptions, 'dtype' | 'generator'>): EmbeddingBag {
    const dtype = checkPretrained('EmbeddingBag.fromPretrained', weights);
    const { freeze, ...rest } = opts ?? {};
    const e = new EmbeddingBag(weights.shape[0], weights.shape[1], { ...rest, dtype });
    noGrad(() => e.weight.copy_(weights));
    e.weight.requiresGrad = !(freeze ?? true);
    return e;
  }

  /** Re-draws N(0, 1) and zeroes the padding row. @example `bag.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    resetTable(this.weight, this.paddingIdx, opts);
  }

  forward(input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null): Tensor {
    return embeddingBagNamed('EmbeddingBag', input, this.weight, offsets, {
      mode: this.mode, perSampleWeights, paddingIdx: this.paddingIdx, includeLastOffset: this.includeLastOffset,
      maxNorm: this.maxNorm, normType: this.normType,
    });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numEmbeddings], ['', this.embeddingDim], ['maxNorm', this.maxNorm ?? undefined],
      ['normType', this.normType === 2 ? undefined : this.normType], ['mode', this.mode], ['paddingIdx', this.paddingIdx ?? undefined],
      ['includeLastOffset', this.includeLastOffset ? true : undefined]]);
  }
}
