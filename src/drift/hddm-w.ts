/**
 * HDDM_W (Frías-Blanco et al. 2015), the W-test: McDiarmid bounds on
 * exponentially weighted moving averages, as in river/MOA. An EWMA with
 * weight λ on the newest value has "independent bounded condition"
 * c = Σ w_i², updated as c ← λ² + (1 − λ)² c, and McDiarmid's bound
 * ε = sqrt(c · ln(1/δ) / 2). The cut point is where the overall EWMA plus its
 * bound was lowest; from there a second EWMA runs, and a rise is flagged when
 *   EWMA_after − EWMA_before > sqrt((c_before + c_after) · ln(1/δ) / 2).
 * The first value starts an EWMA (c = 1), as in MOA and the paper (river
 * starts it from 0, which biases the first estimates towards 0).
 */
import { ArgumentError, fmtArg } from '../errors';
import { DetectorBase, checkOption, stateNumber } from './detector';

/** HDDM_W's options (Frías-Blanco et al. 2015): δ of the drift and warning McDiarmid tests, the EWMA weight λ, and whether a fall of the mean also counts. @example `new drift.HDDM_W({ lambdaVal: 0.1, driftConfidence: 1e-3 })` */
export interface HDDMWOptions {
  /** δ of the drift test (default 0.001). */
  driftConfidence?: number;
  /** δ of the warning test (default 0.005). */
  warningConfidence?: number;
  /** λ, the EWMA weight of the newest value (default 0.05). */
  lambdaVal?: number;
  /** Also flag a fall of the mean (default false). */
  twoSidedTest?: boolean;
}

type Resolved = Required<HDDMWOptions>;

/** One EWMA and its bound's c (Σ of squared weights); n = 0 means not started. */
interface Ewma { n: number; value: number; ibc: number }

const fresh = (): Ewma => ({ n: 0, value: 0, ibc: 1 });

/**
 * HDDM with the W-test (weighted averages) on a stream of values in [0, 1].
 * @example
 * const h = new drift.HDDM_W({ lambdaVal: 0.05 });
 * if (h.update(wrong ? 1 : 0).drift) adapt();
 */
export class HDDM_W extends DetectorBase<Resolved> {
  private total = fresh();
  private beforeIncr = fresh();
  private afterIncr = fresh();
  private beforeDecr = fresh();
  private afterDecr = fresh();
  private incrCut = Infinity;
  private decrCut = -Infinity;

  constructor(opts: HDDMWOptions = {}) {
    const o: Resolved = { driftConfidence: opts.driftConfidence ?? 0.001, warningConfidence: opts.warningConfidence ?? 0.005, lambdaVal: opts.lambdaVal ?? 0.05, twoSidedTest: opts.twoSidedTest ?? false };
    checkOption('HDDM_W', 'driftConfidence', o.driftConfidence, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    checkOption('HDDM_W', 'warningConfidence', o.warningConfidence, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    checkOption('HDDM_W', 'lambdaVal', o.lambdaVal, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    super('HDDM_W', o);
  }

  private push(e: Ewma, x: number): void {
    const l = this.options.lambdaVal;
    if (e.n === 0) { e.value = x; e.ibc = 1; }
    else { e.value = l * x + (1 - l) * e.value; e.ibc = l * l + (1 - l) * (1 - l) * e.ibc; }
    e.n++;
  }

  private static bound(ibc: number, confidence: number): number {
    return Math.sqrt(ibc * Math.log(1 / confidence) / 2);
  }

  private static changed(before: Ewma, after: Ewma, confidence: number): boolean {
    if (before.n === 0 || after.n === 0) return false;
    return after.value - before.value > HDDM_W.bound(before.ibc + after.ibc, confidence);
  }

  protected step(x: number): void {
    const o = this.options;
    this.push(this.total, x);
    const eps = HDDM_W.bound(this.total.ibc, o.driftConfidence);
    if (this.total.value + eps < this.incrCut) {
      this.incrCut = this.total.value + eps;
      this.beforeIncr = { ...this.total };
      this.afterIncr = fresh();
    } else {
      this.push(this.afterIncr, x);
    }
    this.drift = HDDM_W.changed(this.beforeIncr, this.afterIncr, o.driftConfidence);
    this.warning = !this.drift && HDDM_W.changed(this.beforeIncr, this.afterIncr, o.warningConfidence);

    if (this.total.value - eps > this.decrCut) {
      this.decrCut = this.total.value - eps;
      this.beforeDecr = { ...this.total };
      this.afterDecr = fresh();
    } else {
      this.push(this.afterDecr, x);
    }
    if (o.twoSidedTest) {
      // A fall: the EWMA after the cut is below the one before, i.e. "before" rose over "after".
      if (HDDM_W.changed(this.afterDecr, this.beforeDecr, o.driftConfidence)) this.drift = true;
      else if (HDDM_W.changed(this.afterDecr, this.beforeDecr, o.warningConfidence)) this.warning = true;
    }
  }

  /** The overall EWMA and the EWMAs before/after the rise cut point. @example `h.evidence().afterCut` */
  evidence(): Record<string, number> {
    return { n: this.total.n, ewma: this.total.value, beforeCut: this.beforeIncr.value, afterCut: this.afterIncr.value, afterCutN: this.afterIncr.n };
  }

  protected clear(): void {
    this.total = fresh(); this.beforeIncr = fresh(); this.afterIncr = fresh(); this.beforeDecr = fresh(); this.afterDecr = fresh();
    this.incrCut = Infinity; this.decrCut = -Infinity;
  }

  protected saveState(): Record<string, unknown> {
    return { total: this.total, beforeIncr: this.beforeIncr, afterIncr: this.afterIncr, beforeDecr: this.beforeDecr, afterDecr: this.afterDecr, incrCut: this.incrCut, decrCut: this.decrCut };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const ewma = (k: string): Ewma => {
      const e = s[k] as Record<string, unknown> | undefined;
      if (!e || typeof e !== 'object') throw new ArgumentError(`HDDM_W.loadStateDict: state.${k} must be an object { n, value, ibc }, got ${fmtArg(e)}`);
      return { n: stateNumber(this.name, e, 'n'), value: stateNumber(this.name, e, 'value'), ibc: stateNumber(this.name, e, 'ibc') };
    };
    this.total = ewma('total'); this.beforeIncr = ewma('beforeIncr'); this.afterIncr = ewma('afterIncr');
    this.beforeDecr = ewma('beforeDecr'); this.afterDecr = ewma('afterDecr');
    this.incrCut = stateNumber(this.name, s, 'incrCut'); this.decrCut = stateNumber(this.name, s, 'decrCut');
  }
}
