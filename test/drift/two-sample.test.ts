/** The KS test (exact and asymptotic p-values) and the two shift tests. */
import { describe, expect, it } from 'vitest';
import { PhiloxStream } from '../../src/backend/philox';
import { ks2Samp, ksPerFeature, mmdPermutationTest } from '../../src/drift/index';
import { ksPValue, kolmogorovSurvival } from '../../src/drift/ks';
import { tensor } from '../../src/index';

/** P(D >= d) by listing every arrangement of the pooled (distinct) values: the definition of the exact p-value. */
function bruteForceP(na: number, nb: number, scaled: number): number {
  let hit = 0, all = 0;
  const walk = (i: number, j: number, worst: number): void => {
    if (i === na && j === nb) { all++; if (worst >= scaled) hit++; return; }
    if (i < na) walk(i + 1, j, Math.max(worst, Math.abs((i + 1) * nb - j * na)));
    if (j < nb) walk(i, j + 1, Math.max(worst, Math.abs(i * nb - (j + 1) * na)));
  };
  walk(0, 0, 0);
  return hit / all;
}

describe('ks2Samp', () => {
  it('hand values: disjoint samples', () => {
    // Only the 2 of C(6,3) = 20 orderings that put one sample entirely first reach D = 1.
    expect(ks2Samp([1, 2, 3], [4, 5, 6])).toEqual({ statistic: 1, pValue: expect.closeTo(0.1, 14) });
    // Unequal sizes: 2 of C(5,2) = 10.
    expect(ks2Samp([1, 2], [3, 4, 5]).pValue).toBeCloseTo(0.2, 14);
    expect(ks2Samp([0.5, 0.1], [0.3, 0.2]).statistic).toBe(0.5);
  });

  it('ties move both CDFs before the gap is read', () => {
    expect(ks2Samp([0, 0, 1, 1], [0, 1, 1, 1]).statistic).toBe(0.25);
    expect(ks2Samp([1, 1], [1, 1])).toEqual({ statistic: 0, pValue: 1 });
  });

  it('exact p-values equal the brute-force count (equal and unequal sizes)', () => {
    for (const [na, nb] of [[5, 5], [4, 7], [6, 3], [8, 8]]) {
      for (let scaled = 1; scaled <= na * nb; scaled++) {
        // Only the attainable values matter (multiples of gcd), but every threshold must agree.
        expect(ksPValue(na, nb, scaled)).toBeCloseTo(bruteForceP(na, nb, scaled), 12);
      }
    }
  });

  it('asymptotic p-value above 10,000 = na·nb, close to the exact one', () => {
    // n = 200 each, D = 0.135: exact ≈ 0.05; the Kolmogorov limit with Stephens' correction is close.
    const p = ksPValue(200, 200, 27 * 200);
    expect(p).toBeGreaterThan(0.035);
    expect(p).toBeLessThan(0.065);
    expect(kolmogorovSurvival(0.1)).toBe(1);
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 3);
  });

  it('rejects empty samples and NaN', () => {
    expect(() => ks2Samp([], [1])).toThrow(/both samples must be non-empty, got sizes 0 and 1/);
    expect(() => ks2Samp([NaN, 1], [1])).toThrow(/NaN/);
  });
});

function normalRows(seed: number, n: number, d: number, shift: (j: number) => number): number[][] {
  const z = new PhiloxStream(seed).normal(n * d, 'float64');
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => z[i * d + j] + shift(j)));
}

describe('ksPerFeature', () => {
  it('finds the one shifted feature and Bonferroni-adjusts its p-value', () => {
    const ref = normalRows(1, 300, 6, () => 0), recent = normalRows(2, 300, 6, (j) => (j === 3 ? 0.6 : 0));
    const r = ksPerFeature(ref, recent);
    expect(r.drift).toBe(true);
    expect(r.feature).toBe(3);
    expect(r.pValue).toBeCloseTo(Math.min(1, 6 * r.pValues[3]), 14);
    expect(r.statistics).toHaveLength(6);
  });

  it('same distribution: no drift; tensors work as rows', () => {
    const r = ksPerFeature(tensor(normalRows(3, 200, 4, () => 0)), tensor(normalRows(4, 150, 4, () => 0)));
    expect(r.drift).toBe(false);
    expect(r.pValue).toBeGreaterThan(0.05);
  });

  it('names mismatched features', () => {
    expect(() => ksPerFeature([[1, 2]], [[1]])).toThrow(/reference has 2 features and recent has 1/);
    expect(() => ksPerFeature(tensor([1, 2]), [[1]])).toThrow(/must be 2-D/);
  });
});

describe('mmdPermutationTest', () => {
  it('a mean shift of 0.5 in 8 dimensions is found; the same distribution is not; seeded', () => {
    const ref = normalRows(5, 100, 8, () => 0);
    const shifted = mmdPermutationTest(ref, normalRows(6, 100, 8, () => 0.5), { numPermutations: 100 });
    expect(shifted.drift).toBe(true);
    expect(shifted.pValue).toBeCloseTo(1 / 101, 14);
    const same = mmdPermutationTest(ref, normalRows(7, 100, 8, () => 0), { numPermutations: 100 });
    expect(same.drift).toBe(false);
    expect(same.statistic).toBeLessThan(shifted.statistic);
    expect(mmdPermutationTest(ref, normalRows(7, 100, 8, () => 0), { numPermutations: 100 })).toEqual(same);
  });

  it('unbiased MMD² with a given bandwidth: hand value on 1-D points', () => {
    // x = {0, 1}, y = {3, 4}, σ = 1: k(d) = exp(−d²/2).
    // MMD² = k(1) + k(1) − (2/4)(k(3) + k(4) + k(2) + k(3)) (the unbiased within-sample terms are one pair each).
    const k = (d: number) => Math.exp(-d * d / 2);
    const expected = k(1) + k(1) - 0.5 * (2 * k(3) + k(4) + k(2));
    const r = mmdPermutationTest([[0], [1]], [[3], [4]], { bandwidth: 1, numPermutations: 20 });
    expect(r.statistic).toBeCloseTo(expected, 14);
  });

  it('bad options', () => {
    expect(() => mmdPermutationTest([[0]], [[1], [2]])).toThrow(/at least 2 rows each, got 1 and 2/);
    expect(() => mmdPermutationTest([[0], [1]], [[1], [2]], { numPermutations: 0 })).toThrow(/numPermutations must be a positive integer/);
  });
});
