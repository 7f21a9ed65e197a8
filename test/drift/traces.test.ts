/**
 * Hand-computed step-by-step traces on short streams (the numbers in the
 * comments were worked out by hand from each method's formulas).
 */
import { describe, expect, it } from 'vitest';
import { ADWIN, DDM, PageHinkley } from '../../src/drift/index';

describe('Page-Hinkley trace', () => {
  it('minInstances 3, delta 0.1, threshold 1, alpha 1, up: [0, 0, 0, 2, 2]', () => {
    const ph = new PageHinkley({ minInstances: 3, delta: 0.1, threshold: 1, alpha: 1, mode: 'up' });
    // m_t = m_{t-1} + x_t - mean_t - 0.1: -0.1, -0.2, -0.3 (the minimum), then mean 0.5, m = -0.3 + 1.5 - 0.1 = 1.1;
    // m - M = 1.4 > 1: drift on the 4th value. The 5th value starts over (n = 1, mean 2).
    const seen = [0, 0, 0, 2].map((x) => ph.update(x).drift);
    expect(seen).toEqual([false, false, false, true]);
    expect(ph.evidence().increase).toBeCloseTo(1.4, 12);
    expect(ph.evidence().mean).toBe(0.5);
    expect(ph.update(2).drift).toBe(false);
    expect(ph.evidence()).toMatchObject({ n: 1, mean: 2, increase: 0 });
  });

  it('alpha 0.5 forgets, and the decrease sum: [1, 0, 0]', () => {
    const ph = new PageHinkley({ minInstances: 1, delta: 0, threshold: 100, alpha: 0.5, mode: 'both' });
    // m⁻: 0 (mean 1), 0.5·0 − 0.5 = −0.5 (mean 0.5), 0.5·(−0.5) − 1/3 = −0.58333 (mean 1/3); M⁻ stays 0.
    ph.update(1);
    ph.update(0);
    expect(ph.evidence().decrease).toBeCloseTo(0.5, 12);
    ph.update(0);
    expect(ph.evidence().decrease).toBeCloseTo(0.25 + 1 / 3, 12);
    expect(ph.evidence().increase).toBe(0);
  });
});

describe('DDM trace', () => {
  it('warmStart 2 on [0,1,0,0, then eleven 1s]: warnings from the 6th value, drift on the 15th', () => {
    const ddm = new DDM({ warmStart: 2 });
    const xs = [0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const out = xs.map((x) => { const s = ddm.update(x); return s.drift ? 'D' : s.warning ? 'W' : '.'; }).join('');
    // n=4: p = 0.25, s = sqrt(0.25·0.75/4) = 0.216506 is the minimum of p + s, so the warning line is
    // 0.25 + 2·0.216506 = 0.683013 and the drift line 0.25 + 3·0.216506 = 0.899519.
    // n=6: p + s = 0.5 + 0.204124 = 0.704124 > 0.683013 (warning); n=15: 0.8 + 0.103280 = 0.903280 > 0.899519 (drift).
    expect(out).toBe('.....WWWWWWWWWD');
    expect(ddm.evidence().pMin).toBe(0.25);
    expect(ddm.evidence().sMin).toBeCloseTo(Math.sqrt(0.1875 / 4), 14);
    expect(ddm.evidence().p + ddm.evidence().s).toBeCloseTo(0.903280, 5);
  });
});

describe('ADWIN trace', () => {
  it('exponential histogram: 7 values with maxBuckets 2 leave one bucket each of 1, 2 and 4 values', () => {
    const adwin = new ADWIN({ maxBuckets: 2 });
    for (let i = 0; i < 7; i++) adwin.update(i);
    // {0,1,2,3} (sum 6, squared deviations 5), {4,5} (sum 9, 0.5), {6}
    expect(adwin.stateDict().state.rows).toEqual([{ sums: [6], variances: [0] }, { sums: [9], variances: [0.5] }, { sums: [6], variances: [5] }]);
    expect(adwin.width).toBe(7);
    expect(adwin.nBuckets).toBe(3);
  });

  it('delta 0.1, clock 1, minWindowLength 1 on ten 0s then 10, 10', () => {
    const adwin = new ADWIN({ delta: 0.1, clock: 1, maxBuckets: 100, minWindowLength: 1 });
    const xs = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10];
    const flags = xs.map((x) => adwin.update(x).drift);
    // W = 11: the best cut 10|1 has eps = sqrt(2·1.1·8.2645·3.8703) + (2/3)·3.8703·1.1 = 11.23 > 10.
    // W = 12: mean 5/3, variance 13.889, δ' = ln(2 ln 12 / 0.1) = 3.90597; cut 10|2: m = 0.6,
    // eps = sqrt(2·0.6·13.889·3.90597) + (2/3)·3.90597·0.6 = 8.068 + 1.562 = 9.631 < 10: drop the oldest 0.
    // W = 11 (9 zeros): cut 9|2, m = 0.6111, eps = 8.389 + 1.577 = 9.9655 < 10: drop again.
    // W = 10 (8 zeros): cut 8|2, eps = 8.752 + 1.596 = 10.35 > 10, no other cut holds: stop.
    expect(flags).toEqual([...Array(11).fill(false), true]);
    const e = adwin.evidence();
    expect(e.width).toBe(10);
    expect(e.mean).toBe(2);
    expect(e.variance).toBeCloseTo(16, 10);
    expect([e.n0, e.n1, e.meanDifference]).toEqual([9, 2, -10]);
    expect(e.epsilon).toBeCloseTo(9.96545, 4);
  });
});
