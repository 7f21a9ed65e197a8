/**
 * DDM, the Drift Detection Method (Gama et al. 2004), as in river. The input
 * is an error stream (1 = the model was wrong). With p_i the error rate so far
 * and s_i = sqrt(p_i (1 − p_i) / i), it remembers p_min and s_min where
 * p_i + s_i was lowest and, after `warmStart` values, signals
 *   warning if p_i + s_i > p_min + warningThreshold · s_min
 *   drift   if p_i + s_i > p_min + driftThreshold · s_min.
 */
import { ArgumentError } from '../errors';
import { DetectorBase, checkOption, stateNumber } from './detector';

/** DDM's options (Gama et al. 2004): values before the test runs and the warning/drift levels in standard deviations (driftThreshold >= warningThreshold). @example `new drift.DDM({ warmStart: 50, driftThreshold: 3 })` */
export interface DDMOptions {
  /** Values before the test runs (default 30). */
  warmStart?: number;
  /** Standard deviations for a warning (default 2, ~95%). */
  warningThreshold?: number;
  /** Standard deviations for a drift (default 3, ~99%). */
  driftThreshold?: number;
}

type Resolved = Required<DDMOptions>;

/**
 * Drift Detection Method on a 0/1 error stream.
 * @example
 * const ddm = new drift.DDM();
 * const s = ddm.update(prediction === label ? 0 : 1); // s.warning, s.drift
 */
export class DDM extends DetectorBase<Resolved> {
  private n = 0;
  private p = 0;
  private s = 0;
  private pMin = Infinity;
  private sMin = Infinity;
  private psMin = Infinity;

  constructor(opts: DDMOptions = {}) {
    const o: Resolved = { warmStart: opts.warmStart ?? 30, warningThreshold: opts.warningThreshold ?? 2, driftThreshold: opts.driftThreshold ?? 3 };
    checkOption('DDM', 'warmStart', o.warmStart, { min: 0, integer: true });
    checkOption('DDM', 'warningThreshold', o.warningThreshold, { min: 0 });
    checkOption('DDM', 'driftThreshold', o.driftThreshold, { min: 0 });
    if (o.driftThreshold < o.warningThreshold) throw new ArgumentError(`DDM: driftThreshold (${o.driftThreshold}) must be >= warningThreshold (${o.warningThreshold})`);
    super('DDM', o);
  }

  protected step(x: number): void {
    const o = this.options;
    this.n++;
    this.p += (x - this.p) / this.n;
    this.s = Math.sqrt(this.p * (1 - this.p) / this.n);
    if (this.n <= o.warmStart) return;
    const ps = this.p + this.s;
    if (ps <= this.psMin) {
      this.pMin = this.p;
      this.sMin = this.s;
      this.psMin = ps;
    }
    if (ps > this.pMin + o.driftThreshold * this.sMin) {
      this.drift = true;
      this.warning = false;
    } else {
      this.warning = ps > this.pMin + o.warningThreshold * this.sMin;
    }
  }

  /** n, p, s, p_min, s_min. @example `ddm.evidence().pMin` */
  evidence(): Record<string, number> {
    return { n: this.n, p: this.p, s: this.s, pMin: this.pMin, sMin: this.sMin };
  }

  protected clear(): void {
    this.n = 0; this.p = 0; this.s = 0;
    this.pMin = Infinity; this.sMin = Infinity; this.psMin = Infinity;
  }

  protected saveState(): Record<string, unknown> {
    return { n: this.n, p: this.p, s: this.s, pMin: this.pMin, sMin: this.sMin, psMin: this.psMin };
  }

  protected restoreState(st: Record<string, unknown>): void {
    const get = (k: string) => stateNumber(this.name, st, k);
    this.n = get('n'); this.p = get('p'); this.s = get('s');
    this.pMin = get('pMin'); this.sMin = get('sMin'); this.psMin = get('psMin');
  }
}
