/**
 * Page-Hinkley test (Page 1954; the streaming form of Mouss et al. 2004), as in
 * river: with the running mean x̄_t of everything seen,
 *   m⁺_t = α·m⁺_{t-1} + (x_t − x̄_t − δ),   M⁺_t = min_{s≤t} m⁺_s,   drift if m⁺_t − M⁺_t > λ   (increase)
 *   m⁻_t = α·m⁻_{t-1} + (x_t − x̄_t + δ),   M⁻_t = max_{s≤t} m⁻_s,   drift if M⁻_t − m⁻_t > λ   (decrease)
 * tested once at least `minInstances` values arrived. δ is the smallest change
 * worth a drift, λ (`threshold`) trades delay against false alarms, α < 1
 * slowly forgets. No warning zone.
 */
import { ArgumentError, fmtArg } from '../errors';
import { DetectorBase, checkOption, stateNumber } from './detector';

/** Page-Hinkley's options (Page 1954): values before the test, tolerated change δ, threshold λ, forgetting factor α, and which direction of change counts. @example `new drift.PageHinkley({ threshold: 20, mode: 'up' })` */
export interface PageHinkleyOptions {
  /** Values before the test runs (default 30). */
  minInstances?: number;
  /** Magnitude of change tolerated (default 0.005). */
  delta?: number;
  /** λ, the detection threshold (default 50). */
  threshold?: number;
  /** Forgetting factor of the cumulative sums (default 1 − 1e-4). */
  alpha?: number;
  /** Which changes count: 'up' (increase of the mean), 'down', or 'both' (default). */
  mode?: 'up' | 'down' | 'both';
}

type Resolved = Required<PageHinkleyOptions>;

/**
 * Page-Hinkley change detector.
 * @example
 * const ph = new drift.PageHinkley({ threshold: 20 });
 * for (const loss of losses) if (ph.update(loss).drift) console.log('mean shifted');
 */
export class PageHinkley extends DetectorBase<Resolved> {
  private n = 0;
  private mean = 0;
  private sumIncrease = 0;
  private minIncrease = Infinity;
  private sumDecrease = 0;
  private maxDecrease = -Infinity;
  private readonly up: boolean;
  private readonly down: boolean;

  constructor(opts: PageHinkleyOptions = {}) {
    const o: Resolved = {
      minInstances: opts.minInstances ?? 30, delta: opts.delta ?? 0.005, threshold: opts.threshold ?? 50,
      alpha: opts.alpha ?? 1 - 0.0001, mode: opts.mode ?? 'both',
    };
    checkOption('PageHinkley', 'minInstances', o.minInstances, { min: 1, integer: true });
    checkOption('PageHinkley', 'delta', o.delta, { min: 0 });
    checkOption('PageHinkley', 'threshold', o.threshold, { min: 0, minExclusive: true });
    checkOption('PageHinkley', 'alpha', o.alpha, { min: 0, max: 1, minExclusive: true });
    if (!['up', 'down', 'both'].includes(o.mode)) throw new ArgumentError(`PageHinkley: mode must be 'up', 'down' or 'both', got '${fmtArg(o.mode)}'`);
    super('PageHinkley', o);
    this.up = o.mode !== 'down';
    this.down = o.mode !== 'up';
  }

  protected step(x: number): void {
    const o = this.options;
    this.n++;
    this.mean += (x - this.mean) / this.n;
    const dev = x - this.mean;
    let drift = false;
    if (this.up) {
      this.sumIncrease = o.alpha * this.sumIncrease + dev - o.delta;
      if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
      drift = this.sumIncrease - this.minIncrease > o.threshold;
    }
    if (this.down) {
      this.sumDecrease = o.alpha * this.sumDecrease + dev + o.delta;
      if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
      drift ||= this.maxDecrease - this.sumDecrease > o.threshold;
    }
    this.drift = drift && this.n >= o.minInstances;
  }

  /** n, the running mean and the two test statistics (m⁺ − M⁺ and M⁻ − m⁻). @example `ph.evidence().increase` */
  evidence(): Record<string, number> {
    return {
      n: this.n, mean: this.mean,
      increase: this.up ? this.sumIncrease - this.minIncrease : 0,
      decrease: this.down ? this.maxDecrease - this.sumDecrease : 0,
      threshold: this.options.threshold,
    };
  }

  protected clear(): void {
    this.n = 0; this.mean = 0;
    this.sumIncrease = 0; this.minIncrease = Infinity;
    this.sumDecrease = 0; this.maxDecrease = -Infinity;
  }

  protected saveState(): Record<string, unknown> {
    return { n: this.n, mean: this.mean, sumIncrease: this.sumIncrease, minIncrease: this.minIncrease, sumDecrease: this.sumDecrease, maxDecrease: this.maxDecrease };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const get = (k: string) => stateNumber(this.name, s, k);
    this.n = get('n'); this.mean = get('mean');
    this.sumIncrease = get('sumIncrease'); this.minIncrease = get('minIncrease');
    this.sumDecrease = get('sumDecrease'); this.maxDecrease = get('maxDecrease');
  }
}
