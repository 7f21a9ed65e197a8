/** Embedding: a lookup table of learned vectors, by indexSelect. */
import { detach } from '../../autograd/api';
import { ArgumentError, DTypeError } from '../../errors';
import { eq, where } from '../../ops/binary';
import { indexSelect } from '../../ops/indexing';
import { reshape } from '../../ops/shape';
import { assertTensor, empty } from '../../ops/util';
import { noGrad } from '../../autograd/api';
import { ones } from '../../ops/creation';
import { mul_ } from '../../ops/inplace';
import type { Tensor } from '../../tensor/tensor';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, positiveInt, type FactoryOptions } from './common';

/** Options of `nn.Embedding`. @example `new nn.Embedding(1000, 64, { paddingIdx: 0 })` */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row starts at zero, and receives no gradient (for padding tokens). Negative counts from the end. */
  paddingIdx?: number;
}

function paddingIndex(n: number, paddingIdx: number | undefined): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new ArgumentError(`Embedding: paddingIdx ${String(paddingIdx)} must be an integer in [${-n}, ${n - 1}]`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/**
 * Maps int32 indices of any shape to vectors: [...] -> [..., embeddingDim]. Weights start N(0, 1).
 * @example `const emb = new nn.Embedding(1000, 64, { paddingIdx: 0 }); emb.call(tokens)`
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingOptions) {
    super();
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.paddingIdx = paddingIndex(numEmbeddings, opts?.paddingIdx);
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], checkDtypeOption('Embedding', opts?.dtype)));
    this.resetParameters(opts);
  }

  /**
   * An Embedding holding `weights` [num, dim] (frozen unless freeze is false).
   * @example `nn.Embedding.fromPretrained(vectors, { freeze: true })`
   */
  static fromPretrained(weights: Tensor, opts?: { freeze?: boolean; paddingIdx?: number }): Embedding {
    assertTensor('Embedding.fromPretrained', 'weights', weights);
    if (weights.ndim !== 2) throw new ArgumentError(`Embedding.fromPretrained: weights must be 2-D [num, dim], got ${weights.describe()}`);
    if (weights.dtype !== 'float32' && weights.dtype !== 'float64') throw new DTypeError(`Embedding.fromPretrained: weights must be float, got ${weights.describe()}`);
    const e = new Embedding(weights.shape[0], weights.shape[1], { dtype: weights.dtype, paddingIdx: opts?.paddingIdx });
    noGrad(() => e.weight.copy_(weights));
    e.weight.requiresGrad = !(opts?.freeze ?? true);
    return e;
  }

  /** Re-draws N(0, 1) and zeroes the padding row. @example `emb.resetParameters()` */
  resetParameters(opts?: FactoryOptions): void {
    init.normal(this.weight, { generator: opts?.generator });
    const p = this.paddingIdx;
    if (p !== null) {
      const keep = ones([this.numEmbeddings, 1], { dtype: this.weight.dtype });
      keep.values[p] = 0;
      noGrad(() => mul_(this.weight, keep));
      keep.dispose();
    }
  }

  forward(indices: Tensor): Tensor {
    assertTensor('Embedding', 'indices', indices);
    if (indices.dtype !== 'int32') throw new DTypeError(`Embedding: indices must be int32, got ${indices.describe()}`);
    const v = indices.values as Int32Array;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] >= this.numEmbeddings) throw new ArgumentError(`Embedding: index ${v[i]} (at flat position ${i} of ${indices.describe()}) is out of range for ${this.numEmbeddings} embeddings`);
    }
    const flat = reshape(indices, [indices.size]);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null && rows.requiresGrad) {
      // Padding rows read the table but pass no gradient back to it.
      const isPad = reshape(eq(flat, this.paddingIdx), [flat.size, 1]);
      rows = where(isPad, detach(rows), rows);
    }
    return reshape(rows, [...indices.shape, this.embeddingDim]);
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numEmbeddings], ['', this.embeddingDim], ['paddingIdx', this.paddingIdx ?? undefined]]);
  }
}
