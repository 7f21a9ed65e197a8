/** Embedding: a lookup table of learned vectors, by indexSelect. */
import { detach } from '../../autograd/api';
import { ArgumentError, DTypeError, fmtArg } from '../../errors';
import { eq, where } from '../../ops/binary';
import { indexSelect } from '../../ops/indexing';
import { reshape } from '../../ops/shape';
import { assertTensor, empty } from '../../ops/util';
import { noGrad } from '../../autograd/api';
import { ones } from '../../ops/creation';
import { mul_ } from '../../ops/inplace';
import { Tensor } from '../../tensor/tensor';
import { tidy } from '../../tensor/tidy';
import { abs } from '../../ops/unary';
import { pow } from '../../ops/binary';
import { sum } from '../../ops/reduce';
import * as init from '../init';
import { Module, reprArgs } from '../module';
import { Parameter } from '../parameter';
import { checkDtypeOption, positiveInt, type FactoryOptions } from './common';

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

function paddingIndex(n: number, paddingIdx: number | undefined): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new ArgumentError(`Embedding: paddingIdx ${fmtArg(paddingIdx)} must be an integer in [${-n}, ${n - 1}]`);
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
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingOptions) {
    super();
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.paddingIdx = paddingIndex(numEmbeddings, opts?.paddingIdx);
    const maxNorm = opts?.maxNorm ?? null;
    if (maxNorm !== null && !(typeof maxNorm === 'number' && maxNorm > 0 && Number.isFinite(maxNorm))) throw new ArgumentError(`Embedding: maxNorm must be a positive number, got ${fmtArg(maxNorm)}`);
    this.maxNorm = maxNorm;
    const normType = opts?.normType ?? 2;
    if (!(typeof normType === 'number' && normType > 0 && Number.isFinite(normType))) throw new ArgumentError(`Embedding: normType must be a positive number, got ${fmtArg(normType)}`);
    this.normType = normType;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], checkDtypeOption('Embedding', opts?.dtype)));
    this.resetParameters(opts);
  }

  /**
   * An Embedding holding `weights` [num, dim] (frozen unless freeze is false).
   * @example `nn.Embedding.fromPretrained(vectors, { freeze: true })`
   */
  static fromPretrained(weights: Tensor, opts?: { freeze?: boolean; paddingIdx?: number; maxNorm?: number; normType?: number }): Embedding {
    assertTensor('Embedding.fromPretrained', 'weights', weights);
    if (weights.ndim !== 2) throw new ArgumentError(`Embedding.fromPretrained: weights must be 2-D [num, dim], got ${weights.describe()}`);
    if (weights.dtype !== 'float32' && weights.dtype !== 'float64') throw new DTypeError(`Embedding.fromPretrained: weights must be float, got ${weights.describe()}`);
    const e = new Embedding(weights.shape[0], weights.shape[1], { dtype: weights.dtype, paddingIdx: opts?.paddingIdx, maxNorm: opts?.maxNorm, normType: opts?.normType });
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
    if (this.maxNorm !== null) this.renormRows(v);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null && rows.requiresGrad) {
      // Padding rows read the table but pass no gradient back to it.
      const isPad = reshape(eq(flat, this.paddingIdx), [flat.size, 1]);
      rows = where(isPad, detach(rows), rows);
    }
    return reshape(rows, [...indices.shape, this.embeddingDim]);
  }

  /** PyTorch's embedding_renorm_: rescales the referenced rows whose norm exceeds maxNorm, in place. */
  private renormRows(indices: Int32Array): void {
    const unique = Int32Array.from(new Set(indices));
    if (unique.length === 0) return;
    noGrad(() => tidy(() => {
      const idx = Tensor.fromData(unique, [unique.length], 'int32');
      const p = this.normType;
      const norms = pow(sum(pow(abs(indexSelect(this.weight, 0, idx)), p), 1), 1 / p).values;
      const scale = ones([this.numEmbeddings, 1], { dtype: this.weight.dtype });
      let changed = false;
      unique.forEach((row, k) => {
        if (norms[k] > this.maxNorm!) { scale.values[row] = this.maxNorm! / (norms[k] + 1e-7); changed = true; }
      });
      if (changed) mul_(this.weight, scale);
    }));
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numEmbeddings], ['', this.embeddingDim], ['paddingIdx', this.paddingIdx ?? undefined], ['maxNorm', this.maxNorm ?? undefined]]);
  }
}
