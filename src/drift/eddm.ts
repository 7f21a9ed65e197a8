/**
 * EDDM, the Early Drift Detection Method (Baena-García et al. 2006), as in
 * river. It watches the distance between consecutive errors: with p' and s'
 * the mean and standard deviation (n − 1 denominator) of those distances, it
 * keeps the largest p' + 2s' seen and, once more than `warmStart` errors were
 * seen, signals
 *   warning if (p' + 2s') / max(p' + 2s') < alpha
 *   drift   if (p' + 2s') / max(p' + 2s') < beta.
 * Errors coming closer together is what makes the ratio fall.
 */
import { ArgumentError } from '../errors';
import { DetectorBase, checkOption, stateNumber } from './detector';

/** EDDM's options (Baena-García et al. 2006): values/errors needed before the test, and the warning (alpha) and drift (beta <= alpha) levels of the distance ratio. @example `new drift.EDDM({ alpha: 0.95, beta: 0.9 })` */
export interface EDDMOptions {
  /** Values (for the maximum) and errors (for the test) needed first (default 30). */
  warmStart?: number;
  /** Warning level (default 0.95). */
  alpha?: number;
  /** Drift level (default 0.9); beta <= alpha. */
  beta?: number;
}

type Resolved = Required<EDDMOptions>;

/**
 * Early Drift Detection Method on a 0/1 error stream.
 * @example
 * const eddm = new drift.EDDM();
 * if (eddm.update(wrong ? 1 : 0).drift) adapt();
 */
export class EDDM extends DetectorBase<Resolved> {
  private n = 0;
  private lastError = 0;
  private errors = 0;
  /** Welford accumulators of the distances between errors. */
  private distN = 0;
  private distMean = 0;
  private distM2 = 0;
  private p2sMax = -1;
  private level = NaN;

  constructor(opts: EDDMOptions = {}) {
    const o: Resolved = { warmStart: opts.warmStart ?? 30, alpha: opts.alpha ?? 0.95, beta: opts.beta ?? 0.9 };
    checkOption('EDDM', 'warmStart', o.warmStart, { min: 0, integer: true });
    checkOption('EDDM', 'alpha', o.alpha, { min: 0, max: 1 });
    checkOption('EDDM', 'beta', o.beta, { min: 0, max: 1 });
    if (o.alpha < o.beta) throw new ArgumentError(`EDDM: alpha (${o.alpha}) must be >= beta (${o.beta})`);
    super('EDDM', o);
  }

  protected step(x: number): void {
    const o = this.options;
    this.n++;
    if (x !== 1) return;
    this.errors++;
    const distance = this.n - this.lastError;
    this.distN++;
    const d = distance - this.distMean;
    this.distMean += d / this.distN;
    this.distM2 += d * (distance - this.distMean);
    if (this.n > o.warmStart) {
      const std = this.distN > 1 ? Math.sqrt(this.distM2 / (this.distN - 1)) : 0;
      const p2s = this.distMean + 2 * std;
      if (p2s > this.p2sMax) {
        this.p2sMax = p2s;
      } else if (this.errors > o.warmStart) {
        this.level = p2s / this.p2sMax;
        if (this.level < o.beta) this.drift = true;
        else this.warning = this.level < o.alpha;
      }
    }
    this.lastError = this.n;
  }

  /** n, errors, mean distance, max(p' + 2s') and the last ratio. @example `eddm.evidence().level` */
  evidence(): Record<string, number> {
    const std = this.distN > 1 ? Math.sqrt(this.distM2 / (this.distN - 1)) : 0;
    return { n: this.n, errors: this.errors, meanDistance: this.distMean, stdDistance: std, p2sMax: this.p2sMax, level: this.level };
  }

  protected clear(): void {
    this.n = 0; this.lastError = 0; this.errors = 0;
    this.distN = 0; this.distMean = 0; this.distM2 = 0;
    this.p2sMax = -1; this.level = NaN;
  }

  protected saveState(): Record<string, unknown> {
    return { n: this.n, lastError: this.lastError, errors: this.errors, distN: this.distN, distMean: this.distMean, distM2: this.distM2, p2sMax: this.p2sMax, level: this.level };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const get = (k: string) => stateNumber(this.name, s, k);
    this.n = get('n'); this.lastError = get('lastError'); this.errors = get('errors');
    this.distN = get('distN'); this.distMean = get('distMean'); this.distM2 = get('distM2');
    this.p2sMax = get('p2sMax'); this.level = get('level');
  }
}
