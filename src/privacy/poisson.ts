/**
 * Poisson sampling for DP-SGD: each step includes every example independently with
 * probability q, so batch sizes vary (Binomial(n, q)) and may be empty. This is the
 * sampling the sampled-Gaussian accountants assume; shuffled fixed-size batches are not.
 */
import { ArgumentError, fmtArg } from '../errors';
import { DataLoader, type DataLoaderOptions } from '../data/loader';
import type { Dataset } from '../data/dataset';
import { NoiseSource } from './noise';

/** Options of `PoissonDataLoader`: a DataLoader's options without batchSize/shuffle/dropLast, plus the sampling rate q (each example joins each batch with probability q), the batches per epoch (default round(1/q)) and the source of the draws. @example `new privacy.PoissonDataLoader(dataset, { sampleRate: 0.01, steps: 100 })` */
export interface PoissonOptions<T, B> extends Omit<DataLoaderOptions<T, B>, 'batchSize' | 'shuffle' | 'dropLast'> {
  /** q: the probability that a given example joins a given batch. */
  sampleRate: number;
  /** Batches per epoch (default round(1/q), one expected pass). */
  steps?: number;
  /** Where the draws come from (default: cryptographically keyed). */
  noise?: NoiseSource;
}

/**
 * A DataLoader whose batches are Poisson samples of the dataset.
 * @example
 * const loader = new privacy.PoissonDataLoader(new data.TensorDataset(x, y), { sampleRate: 256 / 60000 });
 * for (const [xb, yb] of loader) { ... } // xb.shape[0] varies around 256
 */
export class PoissonDataLoader<T, B = T> extends DataLoader<T, B> {
  readonly sampleRate: number;
  readonly steps: number;
  private readonly source: NoiseSource;

  constructor(dataset: Dataset<T>, opts: PoissonOptions<T, B>) {
    const q = opts?.sampleRate;
    if (!(q > 0 && q <= 1)) throw new ArgumentError(`PoissonDataLoader: sampleRate must be in (0, 1], got ${fmtArg(q)}`);
    const batchSize = Math.max(1, Math.round(q * dataset.length));
    super(dataset, { ...opts, batchSize, shuffle: false, dropLast: false });
    this.sampleRate = q;
    this.steps = opts.steps ?? Math.max(1, Math.round(1 / q));
    if (!Number.isInteger(this.steps) || this.steps < 1) throw new ArgumentError(`PoissonDataLoader: steps must be a positive integer, got ${fmtArg(opts.steps)}`);
    this.source = opts.noise ?? new NoiseSource();
  }

  override get length(): number {
    return this.steps;
  }

  /** This epoch's batches: each example joins each batch with probability q. */
  override batches(): Int32Array[] {
    const n = this.dataset.length, q = this.sampleRate;
    const threshold = q * 4294967296;
    const out: Int32Array[] = [];
    for (let s = 0; s < this.steps; s++) {
      const r = this.source.stream().nextUint32(n);
      const picked: number[] = [];
      for (let i = 0; i < n; i++) if (r[i] < threshold) picked.push(i);
      out.push(Int32Array.from(picked));
    }
    return out;
  }
}
