/**
 * Distribution-shift tests between a reference window and a recent window of
 * inputs or embeddings, the two that "Failing Loudly" (Rabanser et al. 2019)
 * found best: a univariate KS test per feature with a Bonferroni correction,
 * and the kernel MMD with a permutation test (on a model's penultimate-layer
 * embeddings). They need no labels, so a shift shows before the errors do.
 */
import { ArgumentError, fmtArg } from '../errors';
import { PhiloxStream } from '../backend/philox';
import { Tensor } from '../tensor/tensor';
import { ksPValue, ksStatisticScaled } from './ks';

/** A sample of N rows of F features: a 2-D tensor [N, F] or an array of rows. */
export type SampleMatrix = Tensor | ArrayLike<number>[];

interface Matrix { rows: number; cols: number; data: Float64Array }

function toMatrix(op: string, arg: string, x: SampleMatrix): Matrix {
  if (x instanceof Tensor) {
    if (x.shape.length !== 2) throw new ArgumentError(`${op}: ${arg} must be 2-D [N, features], got ${x.describe()}`);
    return { rows: x.shape[0], cols: x.shape[1], data: Float64Array.from(x.values as ArrayLike<number>) };
  }
  if (!Array.isArray(x)) throw new ArgumentError(`${op}: ${arg} must be a 2-D Tensor or an array of rows, got ${fmtArg(x)}`);
  const rows = x.length, cols = rows ? x[0].length : 0;
  const data = new Float64Array(rows * cols);
  x.forEach((r, i) => {
    if (!r || r.length !== cols) throw new ArgumentError(`${op}: ${arg}[${i}] has ${r?.length} features but ${arg}[0] has ${cols}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
  });
  return { rows, cols, data };
}

function checkPair(op: string, a: Matrix, b: Matrix, minRows: number): void {
  if (a.rows < minRows || b.rows < minRows) throw new ArgumentError(`${op}: reference and recent need at least ${minRows} rows each, got ${a.rows} and ${b.rows}`);
  if (a.cols !== b.cols || a.cols === 0) throw new ArgumentError(`${op}: reference has ${a.cols} features and recent has ${b.cols}; they must match and be > 0`);
  for (const m of [a, b]) for (const v of m.data) if (!Number.isFinite(v)) throw new ArgumentError(`${op}: the samples contain a non-finite value (${v})`);
}

/** Options of `ksPerFeature`: the family-wise significance alpha, split over the features by Bonferroni. @example `drift.ksPerFeature(ref, recent, { alpha: 0.01 })` */
export interface KsPerFeatureOptions {
  /** Family-wise significance (default 0.05). */
  alpha?: number;
}

/** What a two-sample shift test returns: the decision at alpha, the p-value it rests on, and the statistic. @example `const { drift: shifted, pValue } = drift.mmdPermutationTest(ref, recent)` */
export interface ShiftTestResult {
  /** Whether the test rejects "same distribution" at alpha. */
  drift: boolean;
  /** The p-value the decision uses (Bonferroni-adjusted for KS; permutation p for MMD). */
  pValue: number;
  /** The test statistic (max D over features for KS; MMD² for MMD). */
  statistic: number;
}

/** The result of `ksPerFeature`: the Bonferroni-adjusted decision, plus each feature's D (`statistics`) and raw p-value (`pValues`) and the most shifted feature. @example `const r = drift.ksPerFeature(ref, recent); console.log(r.feature, r.pValues[r.feature])` */
export interface KsPerFeatureResult extends ShiftTestResult {
  /** D and raw p-value per feature. */
  statistics: number[];
  pValues: number[];
  /** The feature with the smallest p-value. */
  feature: number;
}

/**
 * A KS test per feature; rejects when min p · F < alpha (Bonferroni).
 * @example `const r = drift.ksPerFeature(referenceInputs, recentInputs); if (r.drift) console.log('feature', r.feature)`
 */
export function ksPerFeature(reference: SampleMatrix, recent: SampleMatrix, opts: KsPerFeatureOptions = {}): KsPerFeatureResult {
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new ArgumentError(`ksPerFeature: alpha must be in (0, 1), got ${alpha}`);
  const a = toMatrix('ksPerFeature', 'reference', reference), b = toMatrix('ksPerFeature', 'recent', recent);
  checkPair('ksPerFeature', a, b, 1);
  const colA = new Float64Array(a.rows), colB = new Float64Array(b.rows);
  const statistics: number[] = [], pValues: number[] = [];
  for (let f = 0; f < a.cols; f++) {
    for (let i = 0; i < a.rows; i++) colA[i] = a.data[i * a.cols + f];
    for (let i = 0; i < b.rows; i++) colB[i] = b.data[i * b.cols + f];
    colA.sort(); colB.sort();
    const scaled = ksStatisticScaled(colA, colB);
    statistics.push(scaled / (a.rows * b.rows));
    pValues.push(ksPValue(a.rows, b.rows, scaled));
  }
  let feature = 0;
  for (let f = 1; f < pValues.length; f++) if (pValues[f] < pValues[feature]) feature = f;
  const pValue = Math.min(1, pValues[feature] * a.cols);
  return { drift: pValue < alpha, pValue, statistic: Math.max(...statistics), statistics, pValues, feature };
}

/** Options of `mmdPermutationTest`: significance, number of permutations, RBF bandwidth σ (default: median pairwise distance of the pooled sample) and the permutations' seed. @example `drift.mmdPermutationTest(ref, recent, { numPermutations: 500, seed: 3 })` */
export interface MmdOptions {
  /** Significance (default 0.05). */
  alpha?: number;
  /** Random relabelings for the null distribution (default 200). */
  numPermutations?: number;
  /** RBF bandwidth σ in k(x, y) = exp(−|x − y|² / (2σ²)); default the median pairwise distance of the pooled sample. */
  bandwidth?: number;
  /** Seed of the permutations (default 0). */
  seed?: number;
}

/** The result of `mmdPermutationTest`: decision, permutation p-value and MMD², plus the bandwidth σ used and the number of permutations. @example `const r = drift.mmdPermutationTest(ref, recent); console.log(r.statistic, r.bandwidth)` */
export interface MmdResult extends ShiftTestResult {
  bandwidth: number;
  numPermutations: number;
}

/** Unbiased MMD² of the split (first n of `order` vs the rest) from the pooled kernel matrix. */
function mmd2(kernel: Float64Array, total: number, order: Int32Array, n: number): number {
  const m = total - n;
  let xx = 0, yy = 0, xy = 0;
  for (let a = 0; a < total; a++) {
    const ia = order[a] * total;
    for (let b = a + 1; b < total; b++) {
      const k = kernel[ia + order[b]];
      if (b < n) xx += k;
      else if (a >= n) yy += k;
      else xy += k;
    }
  }
  return 2 * xx / (n * (n - 1)) + 2 * yy / (m * (m - 1)) - 2 * xy / (n * m);
}

/**
 * Kernel two-sample test: unbiased MMD² with a Gaussian kernel, p-value from
 * seeded permutations of the pooled sample, p = (1 + #{MMD²_perm >= MMD²}) / (1 + P).
 * @example `const r = drift.mmdPermutationTest(refEmbeddings, recentEmbeddings, { numPermutations: 100 })`
 */
export function mmdPermutationTest(reference: SampleMatrix, recent: SampleMatrix, opts: MmdOptions = {}): MmdResult {
  const alpha = opts.alpha ?? 0.05, numPermutations = opts.numPermutations ?? 200, seed = opts.seed ?? 0;
  if (!(alpha > 0 && alpha < 1)) throw new ArgumentError(`mmdPermutationTest: alpha must be in (0, 1), got ${alpha}`);
  if (!Number.isInteger(numPermutations) || numPermutations < 1) throw new ArgumentError(`mmdPermutationTest: numPermutations must be a positive integer, got ${numPermutations}`);
  if (opts.bandwidth !== undefined && !(opts.bandwidth > 0 && Number.isFinite(opts.bandwidth))) throw new ArgumentError(`mmdPermutationTest: bandwidth must be a positive number, got ${opts.bandwidth}`);
  const a = toMatrix('mmdPermutationTest', 'reference', reference), b = toMatrix('mmdPermutationTest', 'recent', recent);
  checkPair('mmdPermutationTest', a, b, 2);
  const total = a.rows + b.rows, d = a.cols;
  const row = (i: number) => (i < a.rows ? a.data.subarray(i * d, (i + 1) * d) : b.data.subarray((i - a.rows) * d, (i - a.rows + 1) * d));
  const dist2 = new Float64Array(total * total);
  const upper: number[] = [];
  for (let i = 0; i < total; i++) {
    const x = row(i);
    for (let j = i + 1; j < total; j++) {
      const y = row(j);
      let s = 0;
      for (let k = 0; k < d; k++) { const t = x[k] - y[k]; s += t * t; }
      dist2[i * total + j] = dist2[j * total + i] = s;
      upper.push(s);
    }
  }
  let bandwidth = opts.bandwidth;
  if (bandwidth === undefined) {
    upper.sort((p, q) => p - q);
    const median = Math.sqrt(upper[Math.floor(upper.length / 2)]);
    bandwidth = median > 0 ? median : 1;
  }
  const kernel = new Float64Array(total * total);
  const scale = -1 / (2 * bandwidth * bandwidth);
  for (let i = 0; i < kernel.length; i++) kernel[i] = Math.exp(dist2[i] * scale);
  const order = Int32Array.from({ length: total }, (_, i) => i);
  const observed = mmd2(kernel, total, order, a.rows);
  const rng = new PhiloxStream(seed);
  const words = new Uint32Array(total);
  let exceed = 0;
  for (let p = 0; p < numPermutations; p++) {
    rng.nextUint32(total, words);
    for (let i = total - 1; i > 0; i--) {
      const j = Math.floor(words[i] * (i + 1) / 4294967296);
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    if (mmd2(kernel, total, order, a.rows) >= observed) exceed++;
  }
  const pValue = (1 + exceed) / (1 + numPermutations);
  return { drift: pValue < alpha, pValue, statistic: observed, bandwidth, numPermutations };
}
