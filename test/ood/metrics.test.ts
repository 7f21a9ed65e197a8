/** AUROC, AUPR-In/Out, FPR@95TPR and ECE against cases computed by hand (ties included). */
import { describe, expect, it } from 'vitest';
import { ood, tensor } from '../../src/index';

const inScores = [0.9, 0.8, 0.4], outScores = [0.5, 0.4, 0.1];

describe('detection metrics', () => {
  it('AUROC counts pairs, a tie as one half', () => {
    // 0.9 and 0.8 beat all three (6 pairs); 0.4 beats 0.1, ties 0.4, loses to 0.5: 7.5 / 9.
    expect(ood.auroc(inScores, outScores)).toBeCloseTo(7.5 / 9, 12);
    expect(ood.auroc(tensor(inScores), tensor(outScores))).toBeCloseTo(7.5 / 9, 6);
    expect(ood.auroc([1, 2], [3, 4])).toBe(0);
    expect(ood.auroc([3, 4], [1, 2])).toBe(1);
    expect(ood.auroc([1, 1], [1, 1])).toBe(0.5);
  });

  it('AUPR-In and AUPR-Out are average precision over descending thresholds', () => {
    // In: thresholds 0.9 (R 1/3, P 1), 0.8 (R 2/3, P 1), 0.5 (R 2/3), 0.4 (R 1, P 3/5): 1/3 + 1/3 + 1/3 · 3/5.
    expect(ood.aupr(inScores, outScores)).toBeCloseTo(2 / 3 + 0.2, 12);
    // Out (scores negated, OOD positive): -0.1 (R 1/3, P 1), -0.4 (R 2/3, P 2/3), -0.5 (R 1, P 3/4).
    expect(ood.aupr(inScores, outScores, { positive: 'out' })).toBeCloseTo(1 / 3 + 2 / 9 + 1 / 4, 12);
  });

  it('FPR at a TPR uses the highest threshold that keeps that share of in-distribution scores', () => {
    // 95% of 3 needs all 3: threshold 0.4 accepts 0.5 and 0.4 of the OOD scores.
    expect(ood.fprAtTpr(inScores, outScores)).toBeCloseTo(2 / 3, 12);
    // 50% needs 2: threshold 0.8 accepts none.
    expect(ood.fprAtTpr(inScores, outScores, 0.5)).toBe(0);
    // 20 in-distribution scores 1..20: 95% is 19 of them, threshold 2.
    const ins = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(ood.fprAtTpr(ins, [1.5, 2, 2.5, 0])).toBe(0.5);
    const all = ood.detectionMetrics(inScores, outScores);
    expect(all.auroc).toBeCloseTo(7.5 / 9, 12);
    expect(all.fpr95).toBeCloseTo(2 / 3, 12);
  });

  it('rejects empty or NaN scores', () => {
    expect(() => ood.auroc([], [1])).toThrow(/inScores is empty/);
    expect(() => ood.auroc([1], [NaN])).toThrow(/outScores\[0\] is NaN/);
    expect(() => ood.fprAtTpr([1], [1], 0)).toThrow(/tpr/);
  });
});

describe('expectedCalibrationError', () => {
  it('weights each bin gap by its share of examples', () => {
    const conf = [0.2, 0.4, 0.6, 0.9, 1.0], correct = [0, 1, 1, 0, 1];
    // bin (0, 0.5]: conf 0.3, acc 0.5, 2 of 5; bin (0.5, 1]: conf 0.8333, acc 0.6667, 3 of 5.
    const r = ood.expectedCalibrationError(conf, correct, { bins: 2 });
    expect(r.ece).toBeCloseTo(0.4 * 0.2 + 0.6 * (2.5 / 3 - 2 / 3), 12);
    expect(r.mce).toBeCloseTo(0.2, 12);
    expect(r.bins.map((b) => b.count)).toEqual([2, 3]);
    expect(r.bins[1].accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('puts a confidence on a bin edge into the lower bin, 0 into the first, and leaves empty bins NaN', () => {
    const r = ood.expectedCalibrationError([0, 0.5, 0.5], [1, 1, 0], { bins: 4 });
    expect(r.bins.map((b) => b.count)).toEqual([1, 2, 0, 0]);
    expect(Number.isNaN(r.bins[3].confidence)).toBe(true);
    // bin 0: conf 0, acc 1 (weight 1/3); bin 1: conf 0.5, acc 0.5.
    expect(r.ece).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 for a perfectly calibrated set and rejects confidences outside [0, 1]', () => {
    expect(ood.expectedCalibrationError([1, 1, 0.5, 0.5], [1, 1, 1, 0], { bins: 10 }).ece).toBeCloseTo(0, 12);
    expect(() => ood.expectedCalibrationError([1.5], [1])).toThrow(/outside \[0, 1\]/);
    expect(() => ood.expectedCalibrationError([0.5, 0.4], [1])).toThrow(/2 confidences but 1/);
  });
});
