/**
 * Samplers: the example order a DataLoader follows (torch.utils.data's
 * samplers). A sampler is any iterable of example indices with a `length`;
 * a batch sampler is an iterable of index lists with a `length`.
 *
 * Randomness comes from a sampler's `generator` (a PhiloxStream, which then
 * moves on from epoch to epoch) or, when none is given, from a fresh stream
 * seeded from the global generator at the start of each epoch, as the
 * DataLoader's `shuffle` does: `manualSeed(s)` makes every order reproducible.
 */
import { PhiloxStream, getDefaultGenerator, type PhiloxState } from '../backend/philox';
import { ArgumentError, ShapeError, fmtArg, fmtValue } from '../errors';
import { Tensor } from '../tensor/tensor';
import type { Labels } from './splits';

/**
 * Any iterable of example indices with a length (an array of indices is one).
 * @example `const s: Sampler = new data.RandomSampler(dataset); for (const i of s) dataset.get(i);`
 */
export interface Sampler extends Iterable<number> {
  /** Indices one pass yields. */
  readonly length: number;
}

/**
 * Any iterable of index lists (one per batch) with a length: what the
 * DataLoader's `batchSampler` option takes. `batchSize` and `dropLast`, when
 * present, are what the loader reports as its own.
 * @example `const bs: BatchSamplerLike = new data.BatchSampler(new data.SequentialSampler(ds), 32, false)`
 */
export interface BatchSamplerLike extends Iterable<ArrayLike<number>> {
  /** Batches one pass yields. */
  readonly length: number;
  readonly batchSize?: number;
  readonly dropLast?: boolean;
}

/** Something with a length, such as a Dataset. */
interface Sized {
  readonly length: number;
}

/** The stream of one epoch: the sampler's own, or a fresh one seeded by two words of the global generator. */
export function epochStream(generator: PhiloxStream | undefined): PhiloxStream {
  if (generator) return generator;
  const [lo, hi] = getDefaultGenerator().nextUint32(2);
  return new PhiloxStream(BigInt(lo) + BigInt(hi) * 2n ** 32n);
}

/**
 * A Fisher–Yates permutation of 0..n-1 on n words of the stream, j = floor(r[i] / 2^32 * (i + 1)):
 * the DataLoader's shuffle, word for word, so seeds give the orders they always gave.
 */
export function shufflePermutation(n: number, stream: PhiloxStream): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const r = stream.nextUint32(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((r[i] / 4294967296) * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function checkSized(op: string, arg: string, x: unknown): Sized {
  if (!x || typeof x !== 'object' || typeof (x as Sized).length !== 'number' || !Number.isInteger((x as Sized).length) || (x as Sized).length < 0) {
    throw new ArgumentError(`${op}: ${arg} must have a length (a Dataset or an array), got ${fmtArg(x)}`);
  }
  return x as Sized;
}

function checkGenerator(op: string, generator: unknown): PhiloxStream | undefined {
  if (generator !== undefined && !(generator instanceof PhiloxStream)) {
    throw new ArgumentError(`${op}: generator must be a PhiloxStream, got ${fmtValue(generator)}`);
  }
  return generator;
}

function checkPositiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ArgumentError(`${op}: ${arg} must be a positive integer, got ${fmtValue(v)}`);
  }
  return v;
}

function checkBool(op: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${arg} must be a boolean, got ${fmtValue(v)}`);
  return v;
}

function numbersOf(op: string, arg: string, x: Labels): ArrayLike<number> {
  if (x instanceof Tensor) {
    if (x.ndim !== 1) throw new ShapeError(`${op}: ${arg} must be 1-D, got ${x.describe()}`);
    return x.values as ArrayLike<number>;
  }
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new ArgumentError(`${op}: ${arg} must be a 1-D tensor or an array of numbers, got ${fmtArg(x)}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (Array.isArray(x[i])) throw new ShapeError(`${op}: ${arg} must be 1-D, but ${arg}[${i}] is an array`);
    if (typeof x[i] !== 'number') throw new ArgumentError(`${op}: ${arg}[${i}] must be a number, got ${fmtValue(x[i])}`);
  }
  return x;
}

/**
 * Yields 0, 1, ..., dataset.length - 1 in order (the DataLoader's default
 * without `shuffle`).
 * @example `[...new data.SequentialSampler(dataset)] // [0, 1, 2, ...]`
 */
export class SequentialSampler implements Sampler {
  constructor(readonly dataset: Sized) {
    checkSized('SequentialSampler', 'dataset', dataset);
  }

  /** dataset.length. @example `new data.SequentialSampler(ds).length` */
  get length(): number {
    return this.dataset.length;
  }

  /** The indices of one epoch (a fresh draw each time it is iterated). @example `for (const i of sampler) use(i)` */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataset.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/** Options of `RandomSampler`. @example `new data.RandomSampler(ds, { replacement: true, numSamples: 1000, generator: new PhiloxStream(0) })` */
export interface RandomSamplerOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** Indices per pass (default dataset.length, read at each pass). Without replacement, more than dataset.length chains permutations. */
  numSamples?: number;
  /** Stream of the draws, which moves on each pass; default a fresh stream seeded from the global generator at each pass. */
  generator?: PhiloxStream;
}

/**
 * A random order of the dataset's indices: a fresh permutation each pass
 * (what the DataLoader's `shuffle` uses, with the same orders for the same
 * seed), or `numSamples` uniform draws with replacement.
 * @example
 * const loader = new data.DataLoader(ds, { batchSize: 32, sampler: new data.RandomSampler(ds, { generator: new PhiloxStream(0) }) });
 */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  readonly generator: PhiloxStream | undefined;
  private readonly fixedNumSamples: number | undefined;

  constructor(readonly dataset: Sized, opts: RandomSamplerOptions = {}) {
    const op = 'RandomSampler';
    checkSized(op, 'dataset', dataset);
    this.replacement = checkBool(op, 'replacement', opts.replacement ?? false);
    this.fixedNumSamples = opts.numSamples === undefined ? undefined : checkPositiveInt(op, 'numSamples', opts.numSamples);
    this.generator = checkGenerator(op, opts.generator);
  }

  /** Indices per pass: numSamples, or the dataset's length when not given. @example `sampler.numSamples` */
  get numSamples(): number {
    return this.fixedNumSamples ?? this.dataset.length;
  }

  /** The same as numSamples. @example `sampler.length` */
  get length(): number {
    return this.numSamples;
  }

  /** The indices of one pass, drawn now. @example `const order = sampler.sample()` */
  sample(): Int32Array {
    const n = this.dataset.length, m = this.numSamples;
    const stream = epochStream(this.generator);
    if (this.replacement) {
      if (m > 0 && n === 0) throw new ArgumentError(`RandomSampler: cannot draw ${m} samples with replacement from an empty dataset`);
      return m > 0 ? stream.randint(m, 0, n) : new Int32Array(0);
    }
    if (m === n) return shufflePermutation(n, stream);
    if (n === 0) throw new ArgumentError(`RandomSampler: cannot draw ${m} samples from an empty dataset`);
    const out = new Int32Array(m);
    for (let at = 0; at < m; at += n) {
      const perm = shufflePermutation(n, stream);
      out.set(at + n <= m ? perm : perm.subarray(0, m - at), at);
    }
    return out;
  }

  /** The indices of one epoch (a fresh draw each time it is iterated). @example `for (const i of sampler) use(i)` */
  *[Symbol.iterator](): Iterator<number> {
    yield* this.sample();
  }
}

/** Options of `SubsetRandomSampler`. @example `new data.SubsetRandomSampler(trainIdx, { generator: new PhiloxStream(0) })` */
export interface SubsetRandomSamplerOptions {
  /** Stream of the draws; default a fresh stream seeded from the global generator at each pass. */
  generator?: PhiloxStream;
}

/**
 * The given indices in a fresh random order each pass (no replacement): a
 * train/validation split of one dataset without building Subsets.
 * @example
 * const { train, test } = data.groupSplit(subjectIds);
 * const loader = new data.DataLoader(ds, { batchSize: 32, sampler: new data.SubsetRandomSampler(train) });
 */
export class SubsetRandomSampler implements Sampler {
  readonly indices: Int32Array;
  readonly generator: PhiloxStream | undefined;

  constructor(indices: ArrayLike<number>, opts: SubsetRandomSamplerOptions = {}) {
    const op = 'SubsetRandomSampler';
    if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
      throw new ArgumentError(`${op}: indices must be an array of example indices, got ${fmtArg(indices)}`);
    }
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > 2147483647) {
        throw new ArgumentError(`${op}: indices[${k}] must be a non-negative integer, got ${fmtValue(i)}`);
      }
    }
    this.indices = Int32Array.from(indices);
    this.generator = checkGenerator(op, opts.generator);
  }

  /** Number of indices. @example `sampler.length` */
  get length(): number {
    return this.indices.length;
  }

  /** The indices of one pass, drawn now. @example `const order = sampler.sample()` */
  sample(): Int32Array {
    const perm = shufflePermutation(this.indices.length, epochStream(this.generator));
    return perm.map((k) => this.indices[k]);
  }

  /** The indices of one epoch (a fresh draw each time it is iterated). @example `for (const i of sampler) use(i)` */
  *[Symbol.iterator](): Iterator<number> {
    yield* this.sample();
  }
}

/** Options of `WeightedRandomSampler`. @example `new data.WeightedRandomSampler(w, 1000, { replacement: false, generator: new PhiloxStream(0) })` */
export interface WeightedRandomSamplerOptions {
  /** Put each drawn index back before the next draw (default true). Without, an index comes at most once. */
  replacement?: boolean;
  /** Stream of the draws; default a fresh stream seeded from the global generator at each pass. */
  generator?: PhiloxStream;
}

/**
 * Draws `numSamples` indices, index i with probability weights[i] / sum(weights):
 * the tool for class imbalance (see `classBalancedWeights`). Without
 * replacement the draws are successive draws without putting back, as
 * torch.multinomial. Zero-weight indices are never drawn.
 * @example
 * const sampler = new data.WeightedRandomSampler(data.classBalancedWeights(labels), labels.length);
 * const loader = new data.DataLoader(ds, { batchSize: 64, sampler });
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator: PhiloxStream | undefined;
  private readonly cdf: Float64Array;
  private readonly positive: number;

  constructor(weights: Labels, numSamples: number, opts: WeightedRandomSamplerOptions = {}) {
    const op = 'WeightedRandomSampler';
    const w = numbersOf(op, 'weights', weights);
    this.numSamples = checkPositiveInt(op, 'numSamples', numSamples);
    this.replacement = checkBool(op, 'replacement', opts.replacement ?? true);
    this.generator = checkGenerator(op, opts.generator);
    this.weights = Float64Array.from(w);
    this.cdf = new Float64Array(this.weights.length);
    let sum = 0, positive = 0;
    for (let i = 0; i < this.weights.length; i++) {
      const v = this.weights[i];
      if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`${op}: weights must be finite and non-negative, got weights[${i}] = ${v}`);
      if (v > 0) positive++;
      sum += v;
      this.cdf[i] = sum;
    }
    if (!(sum > 0)) throw new ArgumentError(`${op}: weights must have a positive sum, got ${this.weights.length} weights summing to ${sum}`);
    if (!this.replacement && this.numSamples > positive) {
      throw new ArgumentError(`${op}: without replacement numSamples (${this.numSamples}) cannot exceed the number of non-zero weights (${positive})`);
    }
    this.positive = positive;
  }

  /** numSamples. @example `sampler.length` */
  get length(): number {
    return this.numSamples;
  }

  /** The indices of one pass, drawn now. @example `const picks = sampler.sample()` */
  sample(): Int32Array {
    const stream = epochStream(this.generator);
    const m = this.numSamples, n = this.weights.length, cdf = this.cdf;
    const u = stream.uniform(this.replacement ? m : n, 'float64');
    if (this.replacement) {
      const total = cdf[n - 1];
      let last = n - 1;
      while (this.weights[last] === 0) last--;
      const out = new Int32Array(m);
      for (let k = 0; k < m; k++) {
        // The first index whose cumulative weight exceeds u * total (zero weights add no room).
        const x = u[k] * total;
        let lo = 0, hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] > x) hi = mid; else lo = mid + 1;
        }
        out[k] = lo < n ? lo : last;
      }
      return out;
    }
    // Successive draws without putting back are the order of the keys E_i / w_i, E_i ~ Exp(1)
    // (Efraimidis–Spirakis; torch.multinomial does the same with p / E).
    const idx = new Int32Array(this.positive);
    const keys = new Float64Array(n);
    for (let i = 0, at = 0; i < n; i++) {
      if (this.weights[i] > 0) {
        keys[i] = -Math.log(1 - u[i]) / this.weights[i];
        idx[at++] = i;
      }
    }
    idx.sort((a, b) => keys[a] - keys[b] || a - b);
    return idx.slice(0, m);
  }

  /** The indices of one epoch (a fresh draw each time it is iterated). @example `for (const i of sampler) use(i)` */
  *[Symbol.iterator](): Iterator<number> {
    yield* this.sample();
  }
}

/**
 * Groups another sampler's indices into batches of `batchSize` (the last one
 * smaller unless `dropLast`). Batches are Int32Arrays.
 * @example
 * const batches = new data.BatchSampler(new data.SequentialSampler(ds), 3, false);
 * [...batches] // [Int32Array [0,1,2], Int32Array [3,4,5], ...]
 */
export class BatchSampler implements BatchSamplerLike {
  readonly batchSize: number;
  readonly dropLast: boolean;

  constructor(readonly sampler: Sampler, batchSize: number, dropLast: boolean) {
    const op = 'BatchSampler';
    if (!sampler || typeof (sampler as Sampler)[Symbol.iterator] !== 'function' || typeof sampler.length !== 'number') {
      throw new ArgumentError(`${op}: sampler must be an iterable of indices with a length, got ${fmtArg(sampler)}`);
    }
    this.batchSize = checkPositiveInt(op, 'batchSize', batchSize);
    this.dropLast = checkBool(op, 'dropLast', dropLast);
  }

  /** Batches per pass: floor or ceil of sampler.length / batchSize. @example `batchSampler.length` */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The batches of indices of one epoch. @example `for (const batch of batchSampler) use(batch)` */
  *[Symbol.iterator](): Iterator<Int32Array> {
    const size = this.batchSize;
    let batch = new Int32Array(size), fill = 0;
    for (const i of this.sampler) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > 2147483647) {
        throw new ArgumentError(`BatchSampler: the sampler gave ${fmtValue(i)}; indices must be non-negative integers`);
      }
      batch[fill++] = i;
      if (fill === size) {
        yield batch;
        batch = new Int32Array(size);
        fill = 0;
      }
    }
    if (fill > 0 && !this.dropLast) yield batch.slice(0, fill);
  }
}

/**
 * Per-example weights 1 / count(label): with them a WeightedRandomSampler
 * draws every class equally often.
 * @example
 * const sampler = new data.WeightedRandomSampler(data.classBalancedWeights(y), y.length);
 */
export function classBalancedWeights(labels: Labels): Float64Array {
  const op = 'classBalancedWeights';
  const values = numbersOf(op, 'labels', labels);
  if (values.length === 0) throw new ArgumentError(`${op}: labels is empty`);
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new ArgumentError(`${op}: labels must be integers, got labels[${i}] = ${v}`);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = 1 / counts.get(values[i])!;
  return out;
}

/**
 * The streams a sampler draws from, in a fixed order: its own `generator`, then (for a batch
 * sampler) those of the sampler it wraps. Samplers without a generator draw from the global
 * generator, whose position a checkpoint keeps anyway.
 */
function samplerGenerators(s: unknown, seen = new Set<unknown>()): PhiloxStream[] {
  if (!s || typeof s !== 'object' || seen.has(s)) return [];
  seen.add(s);
  const o = s as { generator?: unknown; sampler?: unknown };
  return [...(o.generator instanceof PhiloxStream ? [o.generator] : []), ...samplerGenerators(o.sampler, seen)];
}

/**
 * The positions of the streams a sampler (or a batch sampler, with the sampler inside it) draws
 * from: what a checkpoint stores so a resumed run draws the same orders.
 * @example `const state = data.samplerState(loader.batchSampler)`
 */
export function samplerState(sampler: unknown): PhiloxState[] {
  return samplerGenerators(sampler).map((g) => g.getState());
}

/**
 * Puts back positions from `samplerState`. The sampler must draw from as many streams as were
 * saved; nothing moves otherwise.
 * @example `data.loadSamplerState(loader.batchSampler, state)`
 */
export function loadSamplerState(sampler: unknown, state: readonly PhiloxState[]): void {
  const generators = samplerGenerators(sampler);
  if (!Array.isArray(state) || state.length !== generators.length) {
    throw new ArgumentError(`loadSamplerState: the state holds ${Array.isArray(state) ? state.length : fmtValue(state)} generator positions but the sampler draws from ${generators.length} seeded generator(s)`);
  }
  // Check every position before moving any stream.
  const probes = state.map((s) => new PhiloxStream(0).setState(s));
  probes.forEach((p, i) => generators[i].setState(p.getState()));
}
