/**
 * KSWIN, Kolmogorov–Smirnov windowing (Raab et al. 2020), as in river. A
 * sliding window Ψ of the last `windowSize` values; its newest `statSize`
 * values R are compared by a two-sample KS test with `statSize` values W
 * drawn without replacement (seeded) from the older part. Drift when the
 * p-value <= alpha and D > 0.1. The test runs at every update once the window
 * is full.
 */
import { ArgumentError } from '../errors';
import { PhiloxStream } from '../backend/philox';
import { DetectorBase, checkOption, stateNumber } from './detector';
import { ksPValue, ksStatisticScaled } from './ks';

/** KSWIN's options (Raab et al. 2020): KS significance, sliding-window length, size of the recent and drawn reference samples (windowSize >= 2 · statSize), and the seed of the draws. @example `new drift.KSWIN({ alpha: 0.001, windowSize: 200, statSize: 50, seed: 1 })` */
export interface KSWINOptions {
  /** Significance of the KS test (default 0.005). */
  alpha?: number;
  /** Length of the sliding window (default 100). */
  windowSize?: number;
  /** Length of the recent sample and of the drawn reference (default 30). */
  statSize?: number;
  /** Seed of the draws (default 0); the draws restart from it at every reset. */
  seed?: number;
}

type Resolved = Required<KSWINOptions>;

/**
 * KSWIN change detector on any numeric stream.
 * @example
 * const k = new drift.KSWIN({ seed: 1 });
 * if (k.update(value).drift) console.log('p =', k.pValue);
 */
export class KSWIN extends DetectorBase<Resolved> {
  private window: Float64Array;
  /** Index of the oldest value in the circular window, and how many it holds. */
  private start = 0;
  private count = 0;
  private rng: PhiloxStream;
  private p = 1;
  private statistic = 0;
  private readonly words: Uint32Array;
  private readonly pool: Int32Array;
  private readonly older: Float64Array;
  private readonly recent: Float64Array;

  constructor(opts: KSWINOptions = {}) {
    const o: Resolved = { alpha: opts.alpha ?? 0.005, windowSize: opts.windowSize ?? 100, statSize: opts.statSize ?? 30, seed: opts.seed ?? 0 };
    checkOption('KSWIN', 'alpha', o.alpha, { min: 0, max: 1 });
    checkOption('KSWIN', 'windowSize', o.windowSize, { min: 2, integer: true });
    checkOption('KSWIN', 'statSize', o.statSize, { min: 1, integer: true });
    checkOption('KSWIN', 'seed', o.seed, { integer: true, min: 0 });
    if (2 * o.statSize > o.windowSize) throw new ArgumentError(`KSWIN: windowSize (${o.windowSize}) must be at least twice statSize (${o.statSize}), so that statSize older values can be drawn`);
    super('KSWIN', o);
    this.window = new Float64Array(o.windowSize);
    this.rng = new PhiloxStream(o.seed);
    this.words = new Uint32Array(o.statSize);
    this.pool = new Int32Array(o.windowSize - o.statSize);
    this.older = new Float64Array(o.statSize);
    this.recent = new Float64Array(o.statSize);
  }

  /** p-value of the last test (1 before the window filled). @example `kswin.pValue` */
  get pValue(): number { return this.p; }

  protected step(x: number): void {
    const o = this.options;
    const n = o.windowSize, r = o.statSize;
    if (this.count < n) this.window[(this.start + this.count++) % n] = x;
    else { this.window[this.start] = x; this.start = (this.start + 1) % n; }
    if (this.count < n) { this.drift = false; return; }
    // Draw r distinct positions of the n − r older values (partial Fisher–Yates).
    const pool = this.pool, older = n - r;
    for (let i = 0; i < older; i++) pool[i] = i;
    this.rng.nextUint32(r, this.words);
    for (let i = 0; i < r; i++) {
      const j = i + Math.floor(this.words[i] * (older - i) / 4294967296);
      const t = pool[i]; pool[i] = pool[j]; pool[j] = t;
      this.older[i] = this.window[(this.start + pool[i]) % n];
      this.recent[i] = this.window[(this.start + older + i) % n];
    }
    this.older.sort();
    this.recent.sort();
    const scaled = ksStatisticScaled(this.older, this.recent);
    this.statistic = scaled / (r * r);
    this.p = ksPValue(r, r, scaled);
    this.drift = this.p <= o.alpha && this.statistic > 0.1;
  }

  /** The last KS statistic and p-value. @example `kswin.evidence().pValue` */
  evidence(): Record<string, number> {
    return { statistic: this.statistic, pValue: this.p, alpha: this.options.alpha, windowLength: this.count };
  }

  protected clear(): void {
    this.window.fill(0);
    this.start = 0; this.count = 0; this.p = 1; this.statistic = 0;
    this.rng = new PhiloxStream(this.options.seed);
  }

  protected saveState(): Record<string, unknown> {
    const values: number[] = [];
    for (let i = 0; i < this.count; i++) values.push(this.window[(this.start + i) % this.options.windowSize]);
    return { window: values, rng: this.rng.getState(), pValue: this.p, statistic: this.statistic };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const values = s.window;
    if (!Array.isArray(values) || values.length > this.options.windowSize || values.some((v) => typeof v !== 'number')) {
      throw new ArgumentError(`KSWIN.loadStateDict: state.window must be an array of at most windowSize (${this.options.windowSize}) numbers`);
    }
    const rng = s.rng as { seed?: string; offset?: number } | undefined;
    if (!rng || typeof rng.seed !== 'string' || typeof rng.offset !== 'number') throw new ArgumentError('KSWIN.loadStateDict: state.rng must be { seed, offset } from the generator');
    this.window.fill(0);
    this.window.set(values as number[]);
    this.start = 0;
    this.count = values.length;
    this.rng = new PhiloxStream(0).setState({ seed: rng.seed, offset: rng.offset });
    this.p = stateNumber(this.name, s, 'pValue');
    this.statistic = stateNumber(this.name, s, 'statistic');
  }
}
