/** ConcatDataset: several datasets end to end (torch.utils.data.ConcatDataset). */
import { ArgumentError, ShapeError, fmtArg, fmtValue } from '../errors';
import { tensor } from '../ops/creation';
import { indexSelect } from '../ops/indexing';
import { cat } from '../ops/shape';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import type { Dataset } from './dataset';

/** Concatenates the part batches along the first dim, field by field (tensors, arrays and plain objects of them). */
function catBatches(parts: unknown[], partIds: number[], path: string): unknown {
  const first = parts[0];
  if (first instanceof Tensor) {
    parts.forEach((p, k) => {
      if (!(p instanceof Tensor)) throw new ArgumentError(`ConcatDataset.getBatch: datasets[${partIds[k]}] gives ${fmtArg(p)} at ${path} where datasets[${partIds[0]}] gives a tensor`);
      if (p.ndim === 0 || p.ndim !== first.ndim || p.dtype !== first.dtype || p.shape.some((s, d) => d > 0 && s !== first.shape[d])) {
        throw new ShapeError(`ConcatDataset.getBatch: datasets[${partIds[k]}] gives ${p.describe()} at ${path} and datasets[${partIds[0]}] gives ${first.describe()}; batches must agree in dtype and in every size but the first`);
      }
    });
    return cat(parts as Tensor[], 0);
  }
  if (Array.isArray(first)) {
    parts.forEach((p, k) => {
      if (!Array.isArray(p) || p.length !== first.length) throw new ArgumentError(`ConcatDataset.getBatch: datasets[${partIds[k]}] gives ${fmtArg(p)} at ${path} where datasets[${partIds[0]}] gives an array of ${first.length}`);
    });
    return first.map((_, f) => catBatches(parts.map((p) => (p as unknown[])[f]), partIds, `${path}[${f}]`));
  }
  if (first && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = catBatches(parts.map((p) => (p as Record<string, unknown>)?.[key]), partIds, `${path}.${key}`);
    return out;
  }
  throw new ArgumentError(`ConcatDataset.getBatch: cannot join ${fmtArg(first)} at ${path} from the parts' getBatch; batches must be tensors, or arrays or plain objects of tensors`);
}

/** Reorders the rows of every tensor in a batch. */
function selectRows(batch: unknown, rows: Tensor): unknown {
  if (batch instanceof Tensor) return indexSelect(batch, 0, rows);
  if (Array.isArray(batch)) return batch.map((b) => selectRows(b, rows));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch as Record<string, unknown>)) out[k] = selectRows(v, rows);
  return out;
}

/**
 * Several datasets end to end: indices 0..a.length-1 are a's examples, the
 * next b.length are b's, and so on. `getBatch` is there when every part has
 * one (batches are joined along the first dim); otherwise the DataLoader
 * collates examples from `get`.
 * @example
 * const all = new data.ConcatDataset([trainSet, extraSet]);
 * const loader = new data.DataLoader(all, { batchSize: 64, shuffle: true });
 */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: Dataset<T>[];
  /** Running totals of the parts' lengths: part k holds indices [cumulativeSizes[k-1], cumulativeSizes[k]). */
  readonly cumulativeSizes: number[];
  readonly getBatch?: (indices: Int32Array) => T;

  constructor(datasets: Dataset<T>[]) {
    if (!Array.isArray(datasets) || datasets.length === 0) {
      throw new ArgumentError(`ConcatDataset: datasets must be a non-empty array of datasets, got ${Array.isArray(datasets) ? 'an empty array' : fmtArg(datasets)}`);
    }
    datasets.forEach((d, k) => {
      if (!d || typeof d.get !== 'function' || typeof d.length !== 'number' || !Number.isInteger(d.length) || d.length < 0) {
        throw new ArgumentError(`ConcatDataset: datasets[${k}] must be a dataset with a length and get(i), got ${fmtArg(d)}`);
      }
    });
    this.datasets = datasets.slice();
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
    if (this.datasets.every((d) => typeof d.getBatch === 'function')) this.getBatch = (indices) => this.batchFromParts(indices);
  }

  /** Total number of examples. @example `new data.ConcatDataset([a, b]).length // a.length + b.length` */
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** The part holding index i (the first whose running total exceeds i) and i's index within it. */
  private locate(op: string, index: number): [number, number] {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ArgumentError(`${op}: index ${fmtValue(index)} is out of range [0, ${this.length})`);
    }
    const sizes = this.cumulativeSizes;
    let lo = 0, hi = sizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sizes[mid] > index) hi = mid; else lo = mid + 1;
    }
    return [lo, lo === 0 ? index : index - sizes[lo - 1]];
  }

  /** Example `index`, from the part that holds it. @example `const [x, y] = all.get(a.length) // b's first example` */
  get(index: number): T {
    const [part, local] = this.locate('ConcatDataset.get', index);
    return this.datasets[part].get(local);
  }

  private batchFromParts(indices: Int32Array): T {
    if (!(indices instanceof Int32Array)) {
      throw new ArgumentError(`ConcatDataset.getBatch: indices must be an Int32Array, got ${fmtArg(indices)}`);
    }
    // An empty batch (a Poisson loader can ask for one) has the first part's layout.
    if (indices.length === 0) return this.datasets[0].getBatch!(indices);
    const parts = new Map<number, number[]>();
    const partOf = new Int32Array(indices.length);
    let inOrder = true, previous = -1;
    indices.forEach((i, k) => {
      const [part, local] = this.locate('ConcatDataset.getBatch', i);
      partOf[k] = part;
      if (part < previous) inOrder = false;
      previous = part;
      if (!parts.has(part)) parts.set(part, []);
      parts.get(part)!.push(local);
    });
    const ids = [...parts.keys()].sort((a, b) => a - b);
    if (ids.length === 1) return this.datasets[ids[0]].getBatch!(Int32Array.from(parts.get(ids[0])!));
    return tidy(() => {
      const batches = ids.map((p) => this.datasets[p].getBatch!(Int32Array.from(parts.get(p)!)));
      const joined = catBatches(batches, ids, 'batch');
      if (inOrder) return joined as T;
      // Row k of the joined batch is the r-th index of its part; put each back where it was asked for.
      const start = new Map<number, number>();
      let at = 0;
      for (const p of ids) { start.set(p, at); at += parts.get(p)!.length; }
      const rows = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        const p = partOf[k];
        const s = start.get(p)!;
        rows[k] = s;
        start.set(p, s + 1);
      }
      return selectRows(joined, tensor(rows)) as T;
    });
  }
}
