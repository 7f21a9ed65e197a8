import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../src/nn/init';
import {
  computeRdp, createAccountant, DEFAULT_ORDERS, noiseForTarget, prvEpsilon, PrvAccountant, RdpAccountant, rdpToEpsilon,
} from '../../src/privacy/index';

interface Setting {
  name: string; sigma: number; q: number; steps: number; published: number | null; source: string; delta: number;
  classic: number; classicOrder: number; balle2020: number; balle2020Order: number; prv: number;
}
interface Phase { noiseMultiplier: number; sampleRate: number; steps: number }
const fx = JSON.parse(readFileSync(new URL('../fixtures/privacy_accountants.json', import.meta.url), 'utf8')) as {
  defaultOrders: number[]; settings: Setting[];
  composition: { history: Phase[]; orders: number[]; delta: number; published: number; publishedOrder: number; classic: number; balle2020: number };
  prvComposition: { history: Phase[]; delta: number; prv: number; balle2020: number };
  rdpValues: { q: number; sigma: number; steps: number; orders: number[]; published: number[]; computed: number[] }[];
  noiseForTarget: { targetEpsilon: number; delta: number; sampleRate: number; steps: number; accountant: 'rdp' | 'prv'; sigma: number }[];
};

describe('RDP of the sampled Gaussian mechanism', () => {
  it('uses Opacus default orders', () => {
    expect(DEFAULT_ORDERS.length).toBe(fx.defaultOrders.length);
    DEFAULT_ORDERS.forEach((a, k) => expect(a).toBeCloseTo(fx.defaultOrders[k], 12));
  });

  it('reproduces the per-order values published in TF-Privacy rdp_accountant_test (integer and fractional orders)', () => {
    for (const c of fx.rdpValues) {
      const got = computeRdp(c.q, c.sigma, c.steps, c.orders);
      got.forEach((v, k) => {
        expect(Math.abs(v - c.published[k]) / c.published[k]).toBeLessThan(1e-4);
        expect(Math.abs(v - c.computed[k]) / c.computed[k]).toBeLessThan(1e-9);
      });
    }
  });

  it('q = 1 is the plain Gaussian, α/(2σ²) per step; q = 0 costs nothing', () => {
    expect(computeRdp(1, 10, 1, [20])[0]).toBeCloseTo(0.1, 14);
    expect(computeRdp(0, 1, 100, [2, 3.5])).toEqual([0, 0]);
  });

  for (const s of fx.settings) {
    it(`${s.name}: classic and Balle et al. conversions match Opacus's code${s.published !== null ? ` and the published ε = ${s.published}` : ''}`, () => {
      const classic = new RdpAccountant({ conversion: 'classic' });
      classic.step({ noiseMultiplier: s.sigma, sampleRate: s.q, steps: s.steps });
      const c = classic.getPrivacySpent(s.delta);
      // Published values (TF-Privacy's tutorial and Opacus's older README) were computed with the classic conversion.
      if (s.published !== null) expect(Math.abs(c.epsilon - s.published)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(c.epsilon).toBeCloseTo(s.classic, 9);
      expect(c.order).toBe(s.classicOrder);
      const improved = new RdpAccountant();
      improved.step({ noiseMultiplier: s.sigma, sampleRate: s.q, steps: s.steps });
      expect(improved.getEpsilon(s.delta)).toBeCloseTo(s.balle2020, 9);
      // Opacus's conversion is never looser than the classic one.
      expect(improved.getEpsilon(s.delta)).toBeLessThan(c.epsilon);
    });
  }

  it('composes over a change of sample rate and noise (TF-Privacy test_check_composition: 8.509656 at order 2.5)', () => {
    const c = fx.composition;
    const rdp = c.history.map((p) => computeRdp(p.sampleRate, p.noiseMultiplier, p.steps, c.orders)).reduce((a, b) => a.map((v, k) => v + b[k]));
    const r = rdpToEpsilon(c.orders, rdp, c.delta, 'classic');
    expect(r.epsilon).toBeCloseTo(c.published, 5);
    expect(r.order).toBe(c.publishedOrder);
    const acc = new RdpAccountant();
    for (const p of c.history) acc.step(p);
    expect(acc.getEpsilon(c.delta)).toBeCloseTo(c.balle2020, 9);
  });

  it('records steps one at a time the same as in bulk, and restores from its state dict', () => {
    const a = new RdpAccountant(), b = new RdpAccountant();
    for (let i = 0; i < 50; i++) a.step({ noiseMultiplier: 1.1, sampleRate: 0.01 });
    for (let i = 0; i < 30; i++) a.step({ noiseMultiplier: 0.9, sampleRate: 0.02 });
    b.step({ noiseMultiplier: 1.1, sampleRate: 0.01, steps: 50 });
    b.step({ noiseMultiplier: 0.9, sampleRate: 0.02, steps: 30 });
    expect(a.history).toEqual(b.history);
    expect(a.getEpsilon(1e-5)).toBe(b.getEpsilon(1e-5));
    const c = new RdpAccountant();
    c.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(c.getEpsilon(1e-5)).toBe(a.getEpsilon(1e-5));
    expect(new RdpAccountant().getEpsilon(1e-5)).toBe(0);
  });

  it('rejects bad arguments with the argument named', () => {
    expect(() => computeRdp(1.5, 1, 1)).toThrow(/sampleRate/);
    expect(() => computeRdp(0.1, 1, 1, [0.5])).toThrow(/order/);
    expect(() => new RdpAccountant().step({ noiseMultiplier: -1, sampleRate: 0.1 })).toThrow(/noiseMultiplier/);
    expect(() => rdpToEpsilon([2], [1], 0)).toThrow(/delta/);
    expect(() => noiseForTarget({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01 })).toThrow(/steps and epochs/);
  });
});

describe('PRV accountant', () => {
  // Keep the slow (large-grid) PRV settings to a few: each composes ~1M points by FFT.
  for (const s of fx.settings.filter((x) => /tutorial, sigma 1.1, 60|README, sigma 1.3, 15/.test(x.name))) {
    it(`${s.name}: ε upper bound matches Opacus's PRVAccountant and is below the RDP bound`, () => {
      const acc = new PrvAccountant();
      acc.step({ noiseMultiplier: s.sigma, sampleRate: s.q, steps: s.steps });
      expect(Math.abs(acc.getEpsilon(s.delta) - s.prv)).toBeLessThan(1e-4);
      expect(acc.getEpsilon(s.delta)).toBeLessThan(s.balle2020);
    });
  }

  it('composes phases with different sample rates and noise like Opacus', () => {
    const c = fx.prvComposition;
    const acc = createAccountant('prv');
    for (const p of c.history) acc.step(p);
    expect(Math.abs(acc.getEpsilon(c.delta) - c.prv)).toBeLessThan(1e-3);
    expect(acc.getEpsilon(c.delta)).toBeLessThan(c.balle2020);
  });

  it('brackets the exact ε of composed Gaussian mechanisms (q = 1)', () => {
    // k-fold Gaussian with noise σ is the Gaussian with μ = √k/σ; δ(ε) = Φ(-ε/μ + μ/2) - e^ε Φ(-ε/μ - μ/2).
    const sigma = 8, k = 50, mu = Math.sqrt(k) / sigma, delta = 1e-6;
    const deltaOf = (e: number): number => normalCdf(-e / mu + mu / 2) - Math.exp(e) * normalCdf(-e / mu - mu / 2);
    let lo = 0, hi = 20;
    for (let i = 0; i < 200; i++) { const m = (lo + hi) / 2; if (deltaOf(m) > delta) lo = m; else hi = m; }
    const exact = (lo + hi) / 2;
    const b = prvEpsilon([{ noiseMultiplier: sigma, sampleRate: 1, steps: k }], delta);
    expect(b.lower).toBeLessThanOrEqual(exact);
    expect(b.upper).toBeGreaterThanOrEqual(exact);
    expect(Math.abs(b.estimate - exact)).toBeLessThan(0.01);
  });
});

describe('noiseForTarget', () => {
  for (const c of fx.noiseForTarget.filter((x) => x.accountant === 'rdp')) {
    it(`finds Opacus's σ = ${c.sigma} for ε = ${c.targetEpsilon} (${c.accountant})`, () => {
      const sigma = noiseForTarget({ targetEpsilon: c.targetEpsilon, delta: c.delta, sampleRate: c.sampleRate, steps: c.steps, accountant: c.accountant });
      expect(sigma).toBeCloseTo(c.sigma, 9);
      const acc = new RdpAccountant();
      acc.step({ noiseMultiplier: sigma, sampleRate: c.sampleRate, steps: c.steps });
      const eps = acc.getEpsilon(c.delta);
      expect(eps).toBeLessThanOrEqual(c.targetEpsilon);
      expect(eps).toBeGreaterThan(c.targetEpsilon - 0.01);
    });
  }
});
