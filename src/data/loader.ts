/** DataLoader: batches, seeded shuffling, and preparing the next batch while the current one trains. */
import { PhiloxStream } from '../backend/philox';
import { ArgumentError, fmtArg, fmtValue } from '../errors';
import { stack } from '../ops/shape';
import { tensor } from '../ops/creation';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import type { Dataset } from './dataset';
import { BatchSampler, RandomSampler, SequentialSampler, loadSamplerState, samplerState, type BatchSamplerLike, type Sampler } from './samplers';
import type { PhiloxState } from '../backend/philox';

/** Batching, shuffling and collation of a DataLoader. @example `new DataLoader(ds, { batchSize: 128, shuffle: true, seed: 0 })` */
export interface DataLoaderOptions<T, B> {
  /** Examples per batch (default 1). Not with `batchSampler`. */
  batchSize?: number;
  /** Reshuffle at the start of every epoch (default false). Not with `sampler` or `batchSampler`. */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). Not with `batchSampler`. */
  dropLast?: boolean;
  /**
   * The example order: any iterable of indices with a length, drawn anew each epoch
   * (default SequentialSampler, or RandomSampler with `shuffle`). Not with `shuffle: true`.
   * @example `new DataLoader(ds, { batchSize: 64, sampler: new WeightedRandomSampler(classBalancedWeights(y), y.length) })`
   */
  sampler?: Sampler;
  /**
   * The batches themselves: any iterable of index lists with a length. Not with
   * batchSize (other than 1), shuffle, sampler or dropLast.
   * @example `new DataLoader(ds, { batchSampler: new BatchSampler(new SubsetRandomSampler(trainIdx), 32, true) })`
   */
  batchSampler?: BatchSamplerLike;
  /** Builds a batch from examples; default stacks tensors (and arrays/objects of tensors or numbers). */
  collate?: (examples: T[]) => B;
  /** Seed of the shuffle stream; default: drawn from the global generator at each epoch, as PyTorch does. Only with `shuffle` (a sampler takes a `generator`). */
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

function isSizedIterable(x: unknown): boolean {
  return !!x && typeof x === 'object' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function' && typeof (x as { length?: unknown }).length === 'number';
}

/**
 * Iterates a dataset in batches. The order comes from `sampler` (default
 * sequential, or a fresh shuffle each epoch with `shuffle`) grouped by
 * `batchSize`, or from `batchSampler` directly.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for await (const [xb, yb] of loader) { ... }
 */
export class DataLoader<T, B = T> {
  /** Examples per batch; with a `batchSampler`, its batchSize (1 when it has none). */
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** Whether the last incomplete batch is dropped; with a `batchSampler`, its dropLast (false when it has none). */
  readonly dropLast: boolean;
  /** The example order (the given one, else SequentialSampler or, with `shuffle`, RandomSampler). */
  readonly sampler: Sampler;
  /** The batches' index lists (the given one, else BatchSampler(sampler, batchSize, dropLast)). */
  readonly batchSampler: BatchSamplerLike;
  private readonly collate: (examples: T[]) => B;
  private readonly prefetch: boolean;
  private readonly hasCustomCollate: boolean;

  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (!dataset || typeof dataset.get !== 'function' || typeof dataset.length !== 'number') {
      throw new ArgumentError('DataLoader: dataset must have a length and get(i)');
    }
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${fmtArg(batchSize)}`);
    this.shuffle = opts.shuffle ?? false;
    const dropLast = opts.dropLast ?? false;
    const { sampler, batchSampler } = opts;
    if (sampler !== undefined && !isSizedIterable(sampler)) {
      throw new ArgumentError(`DataLoader: sampler must be an iterable of indices with a length (such as a RandomSampler), got ${fmtArg(sampler)}`);
    }
    if (batchSampler !== undefined && !isSizedIterable(batchSampler)) {
      throw new ArgumentError(`DataLoader: batchSampler must be an iterable of index lists with a length (such as a BatchSampler), got ${fmtArg(batchSampler)}`);
    }
    if (sampler !== undefined && this.shuffle) {
      throw new ArgumentError('DataLoader: sampler option is mutually exclusive with shuffle; got both (shuffle the sampler instead, e.g. a RandomSampler)');
    }
    if (batchSampler !== undefined && (batchSize !== 1 || this.shuffle || sampler !== undefined || dropLast)) {
      const given = [batchSize !== 1 && `batchSize ${batchSize}`, this.shuffle && 'shuffle', sampler !== undefined && 'sampler', dropLast && 'dropLast'].filter(Boolean).join(', ');
      throw new ArgumentError(`DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast; got ${given}`);
    }
    if (opts.seed !== undefined && (sampler !== undefined || batchSampler !== undefined)) {
      throw new ArgumentError(`DataLoader: seed ${fmtArg(opts.seed)} only seeds shuffle and would be ignored with a ${sampler !== undefined ? 'sampler' : 'batchSampler'}; give the sampler a generator (e.g. new RandomSampler(dataset, { generator: new PhiloxStream(seed) }))`);
    }
    const shuffleStream = opts.seed !== undefined ? new PhiloxStream(opts.seed) : undefined;
    this.sampler = sampler ?? (this.shuffle ? new RandomSampler(dataset, { generator: shuffleStream }) : new SequentialSampler(dataset));
    if (batchSampler !== undefined) {
      this.batchSampler = batchSampler;
      const bs = batchSampler.batchSize;
      this.batchSize = typeof bs === 'number' && Number.isInteger(bs) && bs >= 1 ? bs : 1;
      this.dropLast = batchSampler.dropLast === true;
    } else {
      this.batchSize = batchSize;
      this.dropLast = dropLast;
      this.batchSampler = new BatchSampler(this.sampler, batchSize, dropLast);
    }
    this.collate = opts.collate ?? ((examples) => defaultCollate(examples) as B);
    this.prefetch = opts.prefetch ?? true;
    this.hasCustomCollate = opts.collate !== undefined;
  }

  /** Number of batches per epoch (the batch sampler's length). */
  get length(): number {
    return this.batchSampler.length;
  }

  /**
   * The positions of the seeded streams behind the order (a `seed`, or samplers' generators): a
   * checkpoint stores it so a resumed fit draws the epochs' orders it would have drawn.
   * @example `const state = loader.stateDict()`
   */
  stateDict(): { generators: PhiloxState[] } {
    return { generators: samplerState(this.batchSampler) };
  }

  /**
   * Puts back a `stateDict()`; throws, moving nothing, when the loader draws from another number of streams.
   * @example `loader.loadStateDict(state)`
   */
  loadStateDict(state: { generators: PhiloxState[] }): void {
    if (!state || typeof state !== 'object') throw new ArgumentError(`DataLoader.loadStateDict: state must be an object from stateDict(), got ${fmtArg(state)}`);
    loadSamplerState(this.batchSampler, state.generators);
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

  /** Index lists of this epoch's batches (the samplers draw this epoch's order now). */
  batches(): Int32Array[] {
    const n = this.dataset.length;
    const out: Int32Array[] = [];
    const source = this.batchSampler instanceof BatchSampler ? 'sampler' : 'batchSampler';
    for (const b of this.batchSampler) {
      if (!b || typeof b !== 'object' || typeof b.length !== 'number') {
        throw new ArgumentError(`DataLoader: the batchSampler gave ${fmtValue(b)}; each batch must be an array of indices`);
      }
      const batch = b instanceof Int32Array ? b : Int32Array.from(b);
      for (let k = 0; k < batch.length; k++) {
        const i = batch[k];
        if (i < 0 || i >= n || (!(b instanceof Int32Array) && i !== b[k])) {
          throw new ArgumentError(`DataLoader: the ${source} gave index ${fmtValue(b[k])}, not an integer in [0, ${n}) (the dataset's length)`);
        }
      }
      out.push(batch);
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
