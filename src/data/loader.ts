/** DataLoader: batches, seeded shuffling, and preparing the next batch while the current one trains. */
import { PhiloxStream, getDefaultGenerator } from '../backend/philox';
import { ArgumentError, fmtArg } from '../errors';
import { stack } from '../ops/shape';
import { tensor } from '../ops/creation';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import type { Dataset } from './dataset';

/** Batching, shuffling and collation of a DataLoader. @example `new DataLoader(ds, { batchSize: 128, shuffle: true, seed: 0 })` */
export interface DataLoaderOptions<T, B> {
  /** Examples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Builds a batch from examples; default stacks tensors (and arrays/objects of tensors or numbers). */
  collate?: (examples: T[]) => B;
  /** Seed of the shuffle stream; default: drawn from the global generator at each epoch, as PyTorch does. */
  seed?: number | bigint;
  /** Build batch i+1 while the caller works on batch i, in async iteration (default true). */
  prefetch?: boolean;
}

/**
 * Tensors a loader created for a batch. fit() and evaluate() dispose them
 * with releaseBatch() once the step is done, which keeps the live tensor
 * count flat; batches that a caller built itself are left alone.
 */
const ownedByLoader = new WeakSet<Tensor>();

function collectTensors(x: unknown, out: Tensor[]): void {
  if (x instanceof Tensor) out.push(x);
  else if (Array.isArray(x)) for (const v of x) collectTensors(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) collectTensors(v, out);
}

/** Marks a batch's tensors as made by a loader (or a batch transform), to be released after use. */
export function markLoaderOwned<B>(batch: B): B {
  const ts: Tensor[] = [];
  collectTensors(batch, ts);
  for (const t of ts) ownedByLoader.add(t);
  return batch;
}

/** Disposes the tensors of a batch that a loader made; others are untouched. @example `releaseBatch(batch)` */
export function releaseBatch(batch: unknown): void {
  const ts: Tensor[] = [];
  collectTensors(batch, ts);
  for (const t of ts) if (ownedByLoader.has(t)) { ownedByLoader.delete(t); t.dispose(); }
}

/** Stacks a list of examples: tensors stack, numbers become a tensor, arrays and objects collate per field. */
export function defaultCollate(examples: unknown[]): unknown {
  const first = examples[0];
  if (first instanceof Tensor) return stack(examples as Tensor[], 0);
  if (typeof first === 'number') return tensor(examples as number[]);
  if (Array.isArray(first)) return first.map((_, k) => defaultCollate(examples.map((e) => (e as unknown[])[k])));
  if (first && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(examples.map((e) => (e as Record<string, unknown>)[key]));
    return out;
  }
  throw new ArgumentError(`defaultCollate: cannot collate examples of type ${typeof first}; pass a collate function`);
}

/**
 * Iterates a dataset in batches.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for await (const [xb, yb] of loader) { ... }
 */
export class DataLoader<T, B = T> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate: (examples: T[]) => B;
  private readonly prefetch: boolean;
  private readonly hasCustomCollate: boolean;
  private readonly shuffleStream: PhiloxStream | null;

  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (!dataset || typeof dataset.get !== 'function' || typeof dataset.length !== 'number') {
      throw new ArgumentError('DataLoader: dataset must have a length and get(i)');
    }
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${fmtArg(batchSize)}`);
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.collate = opts.collate ?? ((examples) => defaultCollate(examples) as B);
    this.prefetch = opts.prefetch ?? true;
    this.hasCustomCollate = opts.collate !== undefined;
    this.shuffleStream = opts.seed !== undefined ? new PhiloxStream(opts.seed) : null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The example order of the next epoch (a Fisher–Yates shuffle on a Philox stream). */
  private order(): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (!this.shuffle) return order;
    const stream = this.shuffleStream ?? new PhiloxStream(getDefaultGenerator().nextUint32(2).reduce((a, w, i) => a + BigInt(w) * (i ? 2n ** 32n : 1n), 0n));
    const r = stream.nextUint32(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((r[i] / 4294967296) * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private batch(indices: Int32Array): B {
    // Everything made on the way (index tensors, single examples) is freed; only the batch survives.
    return markLoaderOwned(tidy(() => {
      if (this.dataset.getBatch && !this.hasCustomCollate) return this.dataset.getBatch(indices) as unknown as B;
      const examples: T[] = [];
      for (const i of indices) examples.push(this.dataset.get(i));
      return this.collate(examples);
    }));
  }

  /** Index lists of this epoch's batches. */
  batches(): Int32Array[] {
    const order = this.order();
    const out: Int32Array[] = [];
    for (let at = 0; at < order.length; at += this.batchSize) {
      const b = order.subarray(at, Math.min(order.length, at + this.batchSize));
      if (b.length < this.batchSize && this.dropLast) break;
      out.push(b);
    }
    return out;
  }

  /** The batches of one epoch (reshuffled each time when `shuffle`). @example `for (const [x, y] of loader) { ... }` */
  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batches()) yield this.batch(indices);
  }

  /** The same batches for `for await` (fit uses this). @example `for await (const [x, y] of loader) { ... }` */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const plan = this.batches();
    if (!this.prefetch) {
      for (const indices of plan) yield this.batch(indices);
      return;
    }
    // Batch i+1 is built on the next turn of the event loop after batch i is handed out,
    // i.e. while the consumer's step awaits (fit() yields between steps).
    let next: Promise<B> | null = plan.length ? Promise.resolve(this.batch(plan[0])) : null;
    for (let k = 0; k < plan.length; k++) {
      const current = await next!;
      next = k + 1 < plan.length ? new Promise<B>((resolve, reject) => setImmediate(() => {
        try { resolve(this.batch(plan[k + 1])); } catch (e) { reject(e); }
      })) : null;
      yield current;
    }
  }
}
