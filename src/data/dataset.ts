/** Datasets: indexable collections of examples. */
import { ArgumentError, ShapeError } from '../errors';
import { indexSelect } from '../ops/indexing';
import { tensor } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';

/**
 * A map-style dataset. `getBatch` is optional: when present, the DataLoader
 * asks for whole batches at once (much faster than one example at a time).
 * @example `class Squares implements Dataset<number> { length = 10; get(i) { return i * i; } }`
 */
export interface Dataset<T> {
  readonly length: number;
  /** Example `index`. @example `const [x, y] = dataset.get(0)` */
  get(index: number): T;
  /** Several examples at once, stacked (faster than get per example). @example `const [xb, yb] = dataset.getBatch!(Int32Array.of(0, 1, 2))` */
  getBatch?(indices: Int32Array): T;
}

/**
 * Examples are the i-th rows of each tensor (all with the same first size).
 * @example `const ds = new TensorDataset(images, labels); const [x, y] = ds.get(0)`
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError('TensorDataset: give at least one tensor');
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new ShapeError(`TensorDataset: tensors[${i}] is ${t.describe()}, its first size must be ${n} like tensors[0]`);
      }
    });
    this.tensors = tensors;
  }

  /** Number of examples. @example `dataset.length` */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ArgumentError(`TensorDataset.get: index ${index} is out of range [0, ${this.length})`);
    }
    const idx = tensor(Int32Array.of(index));
    return this.tensors.map((t) => indexSelect(t, 0, idx).reshape(t.shape.slice(1)));
  }

  getBatch(indices: Int32Array): Tensor[] {
    const idx = tensor(indices);
    return this.tensors.map((t) => indexSelect(t, 0, idx));
  }
}

/**
 * A subset of a dataset by index list.
 * @example `const firstThousand = new Subset(train, Int32Array.from({ length: 1000 }, (_, i) => i))`
 */
export class Subset<T> implements Dataset<T> {
  readonly getBatch?: (indices: Int32Array) => T;

  constructor(readonly dataset: Dataset<T>, readonly indices: Int32Array) {
    for (const i of indices) {
      if (i < 0 || i >= dataset.length) throw new ArgumentError(`Subset: index ${i} is out of range [0, ${dataset.length})`);
    }
    const inner = dataset.getBatch?.bind(dataset);
    if (inner) this.getBatch = (batch) => inner(batch.map((i) => this.indices[i]));
  }

  /** Number of examples. @example `dataset.length` */
  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[index]);
  }

}
