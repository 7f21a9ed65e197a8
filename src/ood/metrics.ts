/**
 * Detection and calibration metrics. Detection takes the scores of
 * in-distribution inputs (the positives) and of OOD inputs, higher meaning
 * more in-distribution, as the scores of ./scores.ts:
 *
 * - AUROC: P(s_in > s_out) + ½ P(s_in = s_out), the Mann-Whitney statistic
 * - AUPR: average precision Σ_k (R_k − R_{k−1}) P_k over descending
 *   thresholds (scikit-learn's average_precision_score), with either side as
 *   the positive class ("AUPR-In", "AUPR-Out")
 * - FPR at 95% TPR: the share of OOD inputs accepted at the highest threshold
 *   that still accepts 95% of in-distribution inputs
 *
 * Calibration: the expected calibration error of Guo et al. 2017 over equal-width
 * confidence bins (lower, upper], ECE = Σ_b (n_b / N) |acc_b − conf_b|, with the
 * per-bin values a reliability diagram plots.
 */
import { ArgumentError, fmtArg } from '../errors';
import { Tensor } from '../tensor/tensor';

/** Scores as a tensor [N] or an array. */
export type Scores = Tensor | ArrayLike<number>;

function valuesOf(op: string, arg: string, s: Scores): Float64Array {
  const v = s instanceof Tensor ? s.values : s;
  if (!v || typeof v.length !== 'number') throw new ArgumentError(`${op}: ${arg} must be a tensor or an array of numbers`);
  if (v.length === 0) throw new ArgumentError(`${op}: ${arg} is empty`);
  const out = Float64Array.from(v as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) throw new ArgumentError(`${op}: ${arg}[${i}] is NaN`);
  return out;
}

/**
 * Area under the ROC curve with in-distribution as positive (ties count ½).
 * @example `ood.auroc(ood.mspScore(idLogits), ood.mspScore(oodLogits)) // 0.5 = chance, 1 = perfect`
 */
export function auroc(inScores: Scores, outScores: Scores): number {
  const pos = valuesOf('auroc', 'inScores', inScores), neg = valuesOf('auroc', 'outScores', outScores);
  // Rank-sum over the pooled scores, ties sharing their mean rank.
  const all = [...Array.from(pos, (s) => ({ s, p: 1 })), ...Array.from(neg, (s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const meanRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSum += meanRank;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/**
 * Average precision (area under the precision-recall curve). `positive: 'in'`
 * (default) scores detection of in-distribution inputs ("AUPR-In");
 * `'out'` flips the scores and scores OOD detection ("AUPR-Out").
 * @example `ood.aupr(idScores, oodScores, { positive: 'out' })`
 */
export function aupr(inScores: Scores, outScores: Scores, opts: { positive?: 'in' | 'out' } = {}): number {
  const positive = opts.positive ?? 'in';
  if (positive !== 'in' && positive !== 'out') throw new ArgumentError(`aupr: positive must be 'in' or 'out', got ${fmtArg(positive)}`);
  let pos = valuesOf('aupr', 'inScores', inScores), neg = valuesOf('aupr', 'outScores', outScores);
  if (positive === 'out') [pos, neg] = [neg.map((s) => -s), pos.map((s) => -s)];
  const all = [...Array.from(pos, (s) => ({ s, p: 1 })), ...Array.from(neg, (s) => ({ s, p: 0 }))].sort((a, b) => b.s - a.s);
  let tp = 0, fp = 0, prevRecall = 0, ap = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) { if (all[j].p) tp++; else fp++; j++; }
    const recall = tp / pos.length;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/**
 * The false-positive rate (share of OOD inputs accepted) at the highest
 * threshold whose true-positive rate (share of in-distribution inputs
 * accepted, score >= threshold) is at least `tpr` (default 0.95).
 * @example `ood.fprAtTpr(idScores, oodScores) // FPR@95TPR`
 */
export function fprAtTpr(inScores: Scores, outScores: Scores, tpr = 0.95): number {
  if (typeof tpr !== 'number' || !(tpr > 0 && tpr <= 1)) throw new ArgumentError(`fprAtTpr: tpr must be in (0, 1], got ${fmtArg(tpr)}`);
  const pos = valuesOf('fprAtTpr', 'inScores', inScores).sort((a, b) => b - a), neg = valuesOf('fprAtTpr', 'outScores', outScores);
  const threshold = pos[Math.ceil(tpr * pos.length - 1e-9) - 1];
  let accepted = 0;
  for (const s of neg) if (s >= threshold) accepted++;
  return accepted / neg.length;
}

/** The result of `detectionMetrics`: AUROC, AUPR with in-distribution and with OOD inputs as positives, and the FPR at 95% TPR. @example `const { auroc, auprIn, auprOut, fpr95 } = ood.detectionMetrics(idScores, oodScores)` */
export interface OodReport {
  auroc: number;
  auprIn: number;
  auprOut: number;
  fpr95: number;
}

/**
 * All four detection metrics at once.
 * @example `const { auroc, fpr95 } = ood.detectionMetrics(idScores, oodScores)`
 */
export function detectionMetrics(inScores: Scores, outScores: Scores): OodReport {
  return {
    auroc: auroc(inScores, outScores),
    auprIn: aupr(inScores, outScores, { positive: 'in' }),
    auprOut: aupr(inScores, outScores, { positive: 'out' }),
    fpr95: fprAtTpr(inScores, outScores, 0.95),
  };
}

/** One bin (lower, upper] of a reliability diagram: its bounds, how many predictions fell in it, and their mean confidence and accuracy (NaN when empty). @example `for (const b of ood.expectedCalibrationError(conf, correct).bins) console.log(b.upper, b.accuracy - b.confidence)` */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence and accuracy in the bin (NaN when empty). */
  confidence: number;
  accuracy: number;
}

/** The result of `expectedCalibrationError`: ECE (the count-weighted mean |accuracy − confidence| over bins), MCE (the largest gap) and the bins of the reliability diagram. @example `const { ece, mce } = ood.expectedCalibrationError(ood.mspScore(logits), correct, { bins: 15 })` */
export interface CalibrationReport {
  ece: number;
  /** The largest |accuracy − confidence| over non-empty bins. */
  mce: number;
  bins: ReliabilityBin[];
}

/**
 * Expected calibration error of confidences in [0, 1] (e.g. max softmax
 * probability) against whether each prediction was correct, over `bins`
 * equal-width bins (default 15), with the reliability-diagram data.
 * @example `const { ece, bins } = ood.expectedCalibrationError(ood.mspScore(logits), correct)`
 */
export function expectedCalibrationError(confidences: Scores, correct: Scores, opts: { bins?: number } = {}): CalibrationReport {
  const op = 'expectedCalibrationError';
  const conf = valuesOf(op, 'confidences', confidences), ok = valuesOf(op, 'correct', correct);
  if (conf.length !== ok.length) throw new ArgumentError(`${op}: ${conf.length} confidences but ${ok.length} correctness values`);
  const nBins = opts.bins ?? 15;
  if (!Number.isInteger(nBins) || nBins < 1) throw new ArgumentError(`${op}: bins must be a positive integer, got ${fmtArg(nBins)}`);
  const count = new Float64Array(nBins), confSum = new Float64Array(nBins), accSum = new Float64Array(nBins);
  for (let i = 0; i < conf.length; i++) {
    const c = conf[i];
    if (!(c >= 0 && c <= 1)) throw new ArgumentError(`${op}: confidences[${i}] is ${c}, outside [0, 1]`);
    // Bins are (lower, upper]; a confidence of exactly 0 joins the first.
    const b = Math.min(nBins - 1, Math.max(0, Math.ceil(c * nBins) - 1));
    count[b]++;
    confSum[b] += c;
    accSum[b] += ok[i] ? 1 : 0;
  }
  let ece = 0, mce = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const confidence = count[b] ? confSum[b] / count[b] : NaN, accuracy = count[b] ? accSum[b] / count[b] : NaN;
    if (count[b]) {
      const gap = Math.abs(accuracy - confidence);
      ece += (count[b] / conf.length) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lower: b / nBins, upper: (b + 1) / nBins, count: count[b], confidence, accuracy });
  }
  return { ece, mce, bins };
}
