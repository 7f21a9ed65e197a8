/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà 2007), with the exponential
 * histogram of its paper (ADWIN2) and river's defaults. The window is kept as
 * rows of buckets: row i holds up to `maxBuckets` buckets of 2^i values, each
 * with its sum and variance (Babcock et al. 2003 merge rule), so a window of W
 * values costs O(maxBuckets · log W) memory and time per update.
 *
 * Every `clock` values (once the window is longer than `gracePeriod`) it tries
 * each cut between buckets into an older part W0 (n0 values) and a newer W1
 * (n1) and drops the oldest bucket while some cut has
 *   |μ0 − μ1| > sqrt(2 m σ²_W δ') + (2/3) δ' m,
 *   m = 1/(n0 − L + 1) + 1/(n1 − L + 1),  δ' = ln(2 ln(W) / δ),
 * with L = `minWindowLength` and σ²_W the window's variance. A drop means a
 * drift. Cuts are tried at every bucket boundary, as in the paper and MOA
 * (river's loop skips the newest bucket of each row).
 */
import { ArgumentError, fmtArg } from '../errors';
import { DetectorBase, checkOption, stateNumber } from './detector';

/** ADWIN's options (Bifet & Gavaldà 2007), river's defaults: confidence δ, check period, histogram buckets per row, smallest cut, grace period. @example `new drift.ADWIN({ delta: 0.01, clock: 16 })` */
export interface ADWINOptions {
  /** Confidence δ (default 0.002). */
  delta?: number;
  /** Check for a change every this many values (default 32). */
  clock?: number;
  /** Buckets of each size before two are merged (default 5). */
  maxBuckets?: number;
  /** Smallest sub-window length of a cut (default 5). */
  minWindowLength?: number;
  /** No check until the window holds more than this many values (default 10). */
  gracePeriod?: number;
}

type Resolved = Required<ADWINOptions>;

/** One row of the histogram: buckets of 2^row values, oldest first. */
interface Row { sums: Float64Array; variances: Float64Array; count: number }

/**
 * ADWIN change detector on any bounded numeric stream.
 * @example
 * const adwin = new drift.ADWIN();
 * for (const e of errors) if (adwin.update(e).drift) console.log('mean now', adwin.estimation);
 */
export class ADWIN extends DetectorBase<Resolved> {
  private rows: Row[] = [];
  private total = 0;
  private variance = 0;
  private widthValue = 0;
  private tick = 0;
  private detections = 0;
  private lastCut = { n0: 0, n1: 0, meanDifference: 0, epsilon: 0 };

  constructor(opts: ADWINOptions = {}) {
    const o: Resolved = { delta: opts.delta ?? 0.002, clock: opts.clock ?? 32, maxBuckets: opts.maxBuckets ?? 5, minWindowLength: opts.minWindowLength ?? 5, gracePeriod: opts.gracePeriod ?? 10 };
    checkOption('ADWIN', 'delta', o.delta, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    checkOption('ADWIN', 'clock', o.clock, { min: 1, integer: true });
    checkOption('ADWIN', 'maxBuckets', o.maxBuckets, { min: 2, integer: true });
    checkOption('ADWIN', 'minWindowLength', o.minWindowLength, { min: 1, integer: true });
    checkOption('ADWIN', 'gracePeriod', o.gracePeriod, { min: 0, integer: true });
    super('ADWIN', o);
    this.clear();
  }

  /** Values in the window. @example `adwin.width` */
  get width(): number { return this.widthValue; }
  /** Mean of the window (0 when empty). @example `adwin.estimation` */
  get estimation(): number { return this.widthValue === 0 ? 0 : this.total / this.widthValue; }
  /** Drifts found since construction or the last reset. @example `adwin.nDetections` */
  get nDetections(): number { return this.detections; }
  /** Buckets held (O(log W)). @example `adwin.nBuckets` */
  get nBuckets(): number { return this.rows.reduce((s, r) => s + r.count, 0); }

  private newRow(): Row {
    const m = this.options.maxBuckets + 1;
    return { sums: new Float64Array(m), variances: new Float64Array(m), count: 0 };
  }

  protected step(x: number): void {
    this.insert(x);
    this.drift = this.detectChange();
  }

  private insert(x: number): void {
    const row0 = this.rows[0];
    row0.sums[row0.count] = x;
    row0.variances[row0.count] = 0;
    row0.count++;
    this.widthValue++;
    if (this.widthValue > 1) {
      const d = x - this.total / (this.widthValue - 1);
      this.variance += (this.widthValue - 1) * d * d / this.widthValue;
    }
    this.total += x;
    this.compress();
  }

  /** Merges the two oldest buckets of a full row into one of the next row, cascading up. */
  private compress(): void {
    const m = this.options.maxBuckets;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row.count <= m) return;
      if (i + 1 === this.rows.length) this.rows.push(this.newRow());
      const next = this.rows[i + 1];
      const size = 2 ** i;
      const d = row.sums[0] / size - row.sums[1] / size;
      next.sums[next.count] = row.sums[0] + row.sums[1];
      next.variances[next.count] = row.variances[0] + row.variances[1] + size * size * d * d / (2 * size);
      next.count++;
      row.sums.copyWithin(0, 2, row.count);
      row.variances.copyWithin(0, 2, row.count);
      row.count -= 2;
    }
  }

  /** Drops the oldest bucket; returns its length. */
  private deleteOldest(): number {
    const last = this.rows.length - 1;
    const row = this.rows[last];
    const n = 2 ** last;
    const u = row.sums[0];
    this.widthValue -= n;
    this.total -= u;
    const d = u / n - this.total / this.widthValue;
    this.variance -= row.variances[0] + n * this.widthValue * d * d / (n + this.widthValue);
    row.sums.copyWithin(0, 1, row.count);
    row.variances.copyWithin(0, 1, row.count);
    row.count--;
    if (row.count === 0 && last > 0) this.rows.pop();
    return n;
  }

  private detectChange(): boolean {
    const o = this.options;
    this.tick++;
    if (this.tick % o.clock !== 0 || this.widthValue <= o.gracePeriod) return false;
    let changed = false;
    let shrink = true;
    while (shrink) {
      shrink = false;
      let n0 = 0, n1 = this.widthValue, u0 = 0, u1 = this.total;
      // Constant over one scan: δ' and the window variance.
      const deltaPrime = Math.log(2 * Math.log(this.widthValue) / o.delta);
      const varianceW = this.variance / this.widthValue;
      scan: for (let i = this.rows.length - 1; i >= 0; i--) {
        const row = this.rows[i];
        const size = 2 ** i;
        for (let k = 0; k < row.count; k++) {
          n0 += size; n1 -= size;
          u0 += row.sums[k]; u1 -= row.sums[k];
          if (i === 0 && k === row.count - 1) break scan;
          if (n0 >= o.minWindowLength && n1 >= o.minWindowLength && this.cutHolds(n0, n1, u0 / n0 - u1 / n1, deltaPrime, varianceW)) {
            changed = true;
            shrink = this.widthValue > 0;
            if (shrink) this.deleteOldest();
            break scan;
          }
        }
      }
    }
    if (changed) this.detections++;
    return changed;
  }

  private cutHolds(n0: number, n1: number, meanDifference: number, deltaPrime: number, varianceW: number): boolean {
    const L = this.options.minWindowLength;
    const m = 1 / (n0 - L + 1) + 1 / (n1 - L + 1);
    const gap = Math.abs(meanDifference), linear = (2 / 3) * deltaPrime * m;
    // Most cuts fail: skip the square root when the linear term alone already exceeds the gap.
    if (gap <= linear) return false;
    const epsilon = Math.sqrt(2 * m * varianceW * deltaPrime) + linear;
    if (gap <= epsilon) return false;
    this.lastCut = { n0, n1, meanDifference, epsilon };
    return true;
  }

  /** Window width, mean, variance and the last cut that fired (n0, n1, |μ0 − μ1|, ε). @example `adwin.evidence().epsilon` */
  evidence(): Record<string, number> {
    return { width: this.widthValue, mean: this.estimation, variance: this.widthValue ? this.variance / this.widthValue : 0, detections: this.detections, ...this.lastCut };
  }

  protected clear(): void {
    this.rows = [this.newRow()];
    this.total = 0; this.variance = 0; this.widthValue = 0; this.tick = 0; this.detections = 0;
    this.lastCut = { n0: 0, n1: 0, meanDifference: 0, epsilon: 0 };
  }

  protected saveState(): Record<string, unknown> {
    return {
      rows: this.rows.map((r) => ({ sums: Array.from(r.sums.subarray(0, r.count)), variances: Array.from(r.variances.subarray(0, r.count)) })),
      total: this.total, variance: this.variance, width: this.widthValue, tick: this.tick, detections: this.detections,
    };
  }

  protected restoreState(s: Record<string, unknown>): void {
    const rows = s.rows;
    if (!Array.isArray(rows) || rows.length === 0) throw new ArgumentError(`ADWIN.loadStateDict: state.rows must be a non-empty array, got ${fmtArg(rows)}`);
    this.rows = rows.map((r: { sums?: unknown; variances?: unknown }, i) => {
      if (!Array.isArray(r?.sums) || !Array.isArray(r?.variances) || r.sums.length !== r.variances.length || r.sums.length > this.options.maxBuckets) {
        throw new ArgumentError(`ADWIN.loadStateDict: state.rows[${i}] must hold equal sums and variances arrays of at most maxBuckets (${this.options.maxBuckets}) numbers`);
      }
      const row = this.newRow();
      row.sums.set(r.sums as number[]);
      row.variances.set(r.variances as number[]);
      row.count = r.sums.length;
      return row;
    });
    this.total = stateNumber(this.name, s, 'total'); this.variance = stateNumber(this.name, s, 'variance');
    this.widthValue = stateNumber(this.name, s, 'width'); this.tick = stateNumber(this.name, s, 'tick');
    this.detections = stateNumber(this.name, s, 'detections');
  }
}
