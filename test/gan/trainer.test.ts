/**
 * GanTrainer (step ratios, weight clipping, gradient clipping, EMA, frozen
 * critic during the generator step), GanMonitor's warnings, mode coverage and
 * the Fréchet distance against hand-computed cases.
 */
import { describe, expect, it } from 'vitest';
import { gan, manualSeed, nn, noGrad, optim, randn, tensor } from '../../src/index';

function parts(seed: number) {
  manualSeed(seed);
  const G = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2));
  const D = new nn.Sequential(new nn.Linear(2, 8), new nn.LeakyReLU(0.2), new nn.Linear(8, 1));
  const counts = { g: 0, d: 0 };
  const gOptimizer = new optim.Adam(G.parameters(), { lr: 1e-3 });
  const dOptimizer = new optim.Adam(D.parameters(), { lr: 1e-3 });
  const gStep = gOptimizer.step.bind(gOptimizer), dStep = dOptimizer.step.bind(dOptimizer);
  gOptimizer.step = () => { counts.g++; return gStep(); };
  dOptimizer.step = () => { counts.d++; return dStep(); };
  return { G, D, gOptimizer, dOptimizer, counts, sampleReal: (n: number) => gan.ringOfGaussians(n), sampleLatent: (n: number) => randn([n, 2]) };
}

describe('GanTrainer', () => {
  it('takes dSteps critic updates per generator update and logs both players', () => {
    const p = parts(1);
    const trainer = new gan.GanTrainer({ generator: p.G, discriminator: p.D, gOptimizer: p.gOptimizer, dOptimizer: p.dOptimizer,
      sampleReal: p.sampleReal, sampleLatent: p.sampleLatent, batchSize: 16, dSteps: 3, gSteps: 2, loss: 'wasserstein', gradientPenalty: 1 });
    const logs = trainer.fit(4);
    expect(p.counts).toEqual({ d: 12, g: 8 });
    expect(logs.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    for (const l of logs) {
      expect(Number.isFinite(l.dLoss) && Number.isFinite(l.gLoss)).toBe(true);
      expect(l.dGradNorm).toBeGreaterThan(0);
      expect(l.gGradNorm).toBeGreaterThan(0);
      expect(l.penalty).toBeGreaterThan(0);
    }
    expect(p.D.parameters().every((w) => w.requiresGrad)).toBe(true);
  });

  it('clips critic weights and gradient norms', () => {
    const p = parts(2);
    const trainer = new gan.GanTrainer({ generator: p.G, discriminator: p.D, gOptimizer: p.gOptimizer, dOptimizer: p.dOptimizer,
      sampleReal: p.sampleReal, sampleLatent: p.sampleLatent, batchSize: 16, loss: 'wasserstein', weightClip: 0.01, maxGradNorm: { d: 1e-3 } });
    trainer.step();
    for (const w of p.D.parameters()) for (const v of w.values) expect(Math.abs(v)).toBeLessThanOrEqual(0.01 + 1e-9);
    let total = 0;
    for (const w of p.D.parameters()) for (const g of w.grad!.values) total += g * g;
    expect(Math.sqrt(total)).toBeLessThanOrEqual(1e-3 * 1.0001);
  });

  it('withEmaGenerator swaps in the moving average and restores the weights', () => {
    const p = parts(3);
    const trainer = new gan.GanTrainer({ generator: p.G, discriminator: p.D, gOptimizer: p.gOptimizer, dOptimizer: p.dOptimizer,
      sampleReal: p.sampleReal, sampleLatent: p.sampleLatent, batchSize: 16, emaDecay: 0.5 });
    const w0 = Array.from(p.G.parameters()[0].values);
    trainer.step();
    const w1 = Array.from(p.G.parameters()[0].values);
    const inside = trainer.withEmaGenerator(() => Array.from(p.G.parameters()[0].values));
    inside.forEach((v, i) => expect(v).toBeCloseTo(0.5 * w0[i] + 0.5 * w1[i], 6));
    expect(Array.from(p.G.parameters()[0].values)).toEqual(w1);
  });

  it('rejects bad options', () => {
    const p = parts(4);
    const base = { generator: p.G, discriminator: p.D, gOptimizer: p.gOptimizer, dOptimizer: p.dOptimizer, sampleReal: p.sampleReal, sampleLatent: p.sampleLatent, batchSize: 8 };
    expect(() => new gan.GanTrainer({ ...base, dSteps: 0 })).toThrow(/dSteps/);
    expect(() => new gan.GanTrainer({ ...base, loss: 'bce' as never })).toThrow(/loss must be one of/);
    expect(() => new gan.GanTrainer({ ...base, gradientPenalty: -1 })).toThrow(/gradientPenalty/);
    expect(() => new gan.GanTrainer({ ...base, emaDecay: 1 })).toThrow(/emaDecay/);
  });
});

describe('GanMonitor', () => {
  const log = (step: number, over: Partial<gan.GanStepLogs> = {}): gan.GanStepLogs =>
    ({ step, dLoss: 1.2, gLoss: 0.8, dGradNorm: 1, gGradNorm: 1, penalty: 0, realScore: 0.2, fakeScore: -0.2, ...over });

  it('warns once when the discriminator wins for `patience` steps, and on non-finite values at once', () => {
    const seen: string[] = [];
    const m = new gan.GanMonitor({ patience: 5, onWarning: (w) => seen.push(w) });
    for (let s = 0; s < 4; s++) m.record(log(s, { dLoss: 1e-4, gGradNorm: 1e-5 }));
    expect(m.warnings).toEqual([]);
    for (let s = 4; s < 10; s++) m.record(log(s, { dLoss: 1e-4, gGradNorm: 1e-5 }));
    expect(m.warnings.length).toBe(1);
    expect(m.warnings[0]).toMatch(/discriminator wins/);
    m.record(log(10, { gLoss: NaN }));
    expect(seen.length).toBe(2);
    expect(seen[1]).toMatch(/non-finite/);
  });

  it('stays quiet on a healthy run and summarises the last records', () => {
    const m = new gan.GanMonitor({ every: 2 });
    for (let s = 0; s < 20; s++) m.record(log(s));
    expect(m.records.length).toBe(10);
    expect(m.warnings).toEqual([]);
    expect(m.means().dLoss).toBeCloseTo(1.2, 10);
    expect(m.summary()).toMatch(/no warnings/);
  });
});

describe('modeCoverage and frechetDistance', () => {
  it('counts high-quality samples per mode (Srivastava et al.) on a hand-made case', () => {
    const centers = [[0, 0], [10, 0]];
    const samples = tensor([[0.05, 0], [0, -0.29], [5, 0], [10.2, 0.2], [0, 0.31]]);
    // std 0.1, 3 sigma = 0.3: samples 0, 1 (mode 0) and 3 (|0.28| from mode 1) are high quality.
    const r = gan.modeCoverage(samples, centers, { std: 0.1 });
    expect(r.perMode).toEqual([2, 1]);
    expect(r.modesCovered).toBe(2);
    expect(r.highQualityFraction).toBeCloseTo(3 / 5, 12);
    expect(gan.modeCoverage(samples, centers, { std: 0.1, minSamples: 2 }).modesCovered).toBe(1);
  });

  it('the ring sampler puts its samples on the 8 modes', () => {
    manualSeed(5);
    const r = gan.modeCoverage(gan.ringOfGaussians(4000, { std: 0.02 }), gan.ringCenters(), { std: 0.02 });
    expect(r.modesCovered).toBe(8);
    // P(‖N(0, σ²I₂)‖ <= 3σ) = 1 − e^{−4.5} = 0.989.
    expect(r.highQualityFraction).toBeGreaterThan(0.98);
    expect(Math.min(...r.perMode)).toBeGreaterThan(400);
  });

  it('frechetDistance is 0 for equal statistics and matches the closed form for diagonal covariances', () => {
    const a = { dim: 2, mean: Float64Array.from([1, 2]), cov: Float64Array.from([4, 0, 0, 9]) };
    const b = { dim: 2, mean: Float64Array.from([0, 0]), cov: Float64Array.from([1, 0, 0, 16]) };
    expect(gan.frechetDistance(a, a)).toBeCloseTo(0, 10);
    // ‖μ₁−μ₂‖² + Σ (√a − √b)² = 5 + (2−1)² + (3−4)² = 7.
    expect(gan.frechetDistance(a, b)).toBeCloseTo(7, 10);
    expect(gan.frechetDistance(b, a)).toBeCloseTo(7, 10);
  });

  it('featureStatistics gives the unbiased covariance', () => {
    const s = gan.featureStatistics(tensor([[1, 0], [3, 2], [5, 1]]));
    expect(Array.from(s.mean)).toEqual([3, 1]);
    expect(Array.from(s.cov)).toEqual([4, 1, 1, 1]);
    const same = noGrad(() => gan.frechetDistance(s, s));
    expect(Math.abs(same)).toBeLessThan(1e-9);
  });
});
