/**
 * HDDM_A (Frías-Blanco et al. 2015), the A-test: Hoeffding bounds on moving
 * averages, as in river/MOA. With Z the mean of everything seen (n values) and
 * X the mean of a prefix chosen as a cut point (the prefix whose mean plus its
 * Hoeffding bound ε = sqrt(ln(1/δ_drift) / (2n)) was lowest), a rise of the
 * mean is flagged when
 *   Z̄ − X̄ >= sqrt((n − n_X) / (n_X · n) · ln(2/δ) / 2)
 * with δ = driftConfidence (drift) or warningConfidence (warning). The
 * two-sided test also watches for a fall, from the prefix with the highest
 * mean minus its bound.
 */
import { DetectorBase, checkOption, stateNumber } from './detector';

/** HDDM_A's options (Frías-Blanco et al. 2015): δ of the drift and warning Hoeffding tests and whether a fall of the mean also counts. @example `new drift.HDDM_A({ driftConfidence: 1e-4, twoSidedTest: true })` */
export interface HDDMAOptions {
  /** δ of the drift test (default 0.001). */
  driftConfidence?: number;
  /** δ of the warning test (default 0.005). */
  warningConfidence?: number;
  /** Also flag a fall of the mean (default false: rises only). */
  twoSidedTest?: boolean;
}

type Resolved = Required<HDDMAOptions>;

/**
 * HDDM with the A-test (averages) on a stream of values in [0, 1].
 * @example
 * const h = new drift.HDDM_A();
 * if (h.update(wrong ? 1 : 0).drift) adapt();
 */
export class HDDM_A extends DetectorBase<Resolved> {
  private zN = 0;
  private zMean = 0;
  private minN = 0;
  private minMean = 0;
  private maxN = 0;
  private maxMean = 0;
  private readonly logInvDrift: number;

  constructor(opts: HDDMAOptions = {}) {
    const o: Resolved = { driftConfidence: opts.driftConfidence ?? 0.001, warningConfidence: opts.warningConfidence ?? 0.005, twoSidedTest: opts.twoSidedTest ?? false };
    checkOption('HDDM_A', 'driftConfidence', o.driftConfidence, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    checkOption('HDDM_A', 'warningConfidence', o.warningConfidence, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    super('HDDM_A', o);
    this.logInvDrift = Math.log(1 / o.driftConfidence);
  }

  private bound(n: number): number {
    return Math.sqrt(this.logInvDrift / (2 * n));
  }

  protected step(x: number): void {
    const o = this.options;
    this.zN++;
    this.zMean += (x - this.zMean) / this.zN;
    if (this.minN === 0) { this.minN = this.zN; this.minMean = this.zMean; }
    if (this.maxN === 0) { this.maxN = this.zN; this.maxMean = this.zMean; }
    const epsZ = this.bound(this.zN);
    if (this.minMean + this.bound(this.minN) >= this.zMean + epsZ) { this.minN = this.zN; this.minMean = this.zMean; }
    if (this.maxMean - this.bound(this.maxN) <= this.zMean - epsZ) { this.maxN = this.zN; this.maxMean = this.zMean; }

    const rise = this.zMean - this.minMean;
    this.drift = this.exceeds(rise, this.minN, o.driftConfidence);
    this.warning = !this.drift && this.exceeds(rise, this.minN, o.warningConfidence);
    if (o.twoSidedTest) {
      const fall = this.maxMean - this.zMean;
      if (this.exceeds(fall, this.maxN, o.driftConfidence)) this.drift = true;
      else if (this.exceeds(fall, this.maxN, o.warningConfidence)) this.warning = true;
    }
  }

  /** Whether a difference of means between the cut prefix (cutN values) and all data passes the bound at confidence δ. */
  private exceeds(difference: number, cutN: number, confidence: number): boolean {
    if (cutN === this.zN) return false;
    const m = (this.zN - cutN) / cutN / this.zN;
    return difference >= Math.sqrt(m / 2 * Math.log(2 / confidence));
  }

  /** n, the overall mean and the cut-point means. @example `h.evidence().rise` */
  evidence(): Record<string, number> {
    return { n: this.zN, mean: this.zMean, cutN: this.minN, cutMean: this.minMean, rise: this.zMean - this.minMean };
  }

  protected clear(): void {
    this.zN = 0; this.zMean = 0; this.minN = 0; this.minMean = 0; this.maxN = 0; this.maxMean = 0;
  }

  protected saveState(): Record<string, unknown> {
    return { zN: this.zN, zMean: this.zMean, minN: this.minN, minMean: this.minMean, maxN: this.maxN, maxMean: this.maxMean };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const get = (k: string) => stateNumber(this.name, s, k);
    this.zN = get('zN'); this.zMean = get('zMean'); this.minN = get('minN'); this.minMean = get('minMean'); this.maxN = get('maxN'); this.maxMean = get('maxMean');
  }
}
