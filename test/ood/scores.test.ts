/** MSP, energy, ODIN and Mahalanobis scores against their formulas on small cases. */
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, noGrad, ood, randn, tensor } from '../../src/index';

describe('OOD scores', () => {
  const logits = tensor([[2, 0, 0], [1, 1, 1]], { dtype: 'float64' });

  it('MSP is the largest softmax probability; energy is T·logsumexp(logits/T)', () => {
    const e2 = Math.exp(2);
    expect(Array.from(ood.mspScore(logits).values)).toEqual([e2 / (e2 + 2), 1 / 3].map((v) => expect.closeTo(v, 12)));
    expect(ood.energyScore(logits).values[0]).toBeCloseTo(Math.log(e2 + 2), 12);
    expect(ood.energyScore(logits, { temperature: 2 }).values[1]).toBeCloseTo(2 * Math.log(3 * Math.exp(0.5)), 12);
    expect(() => ood.mspScore(tensor([1, 2]))).toThrow(/\[N, classes\]/);
    expect(() => ood.energyScore(logits, { temperature: 0 })).toThrow(/temperature/);
  });

  it('ODIN with epsilon 0 is the tempered MSP, and its perturbation raises the confidence', () => {
    manualSeed(1);
    const net = new nn.Sequential(new nn.Linear(4, 8, { dtype: 'float64' }), new nn.Tanh(), new nn.Linear(8, 3, { dtype: 'float64' }));
    const x = randn([5, 4], { dtype: 'float64' });
    const plain = ood.odinScore((v) => net.call(v), x, { temperature: 10, epsilon: 0 });
    const msp = noGrad(() => ood.mspScore(net.call(x), { temperature: 10 }));
    Array.from(plain.values).forEach((v, i) => expect(v).toBeCloseTo(msp.values[i], 12));
    const nudged = ood.odinScore((v) => net.call(v), x, { temperature: 10, epsilon: 0.01 });
    Array.from(nudged.values).forEach((v, i) => expect(v).toBeGreaterThan(plain.values[i]));
    expect(x.requiresGrad).toBe(false);
  });

  it('Mahalanobis is minus the smallest squared distance under the tied covariance', () => {
    // Two classes at (0,0) and (4,0); within-class deviations ±1 on x and ±2 on y: Σ = diag(1, 4).
    const f = tensor([[1, 0], [-1, 0], [0, 2], [0, -2], [5, 0], [3, 0], [4, 2], [4, -2]], { dtype: 'float64' });
    const det = new ood.MahalanobisDetector({ ridge: 0 }).fit(f, [0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(det.means)).toEqual([0, 0, 4, 0]);
    const s = det.score(tensor([[0, 0], [1, 2], [2, 0], [10, 0]], { dtype: 'float64' }));
    // Σ = diag(0.5, 2) (each axis: 4 deviations of ±1 or ±2 over 8 examples).
    expect(Array.from(s.values)).toEqual([0, -(1 / 0.5 + 4 / 2), -(4 / 0.5), -(36 / 0.5)].map((v) => expect.closeTo(v, 9)));
    expect(() => new ood.MahalanobisDetector().score(f)).toThrow(/fit\(\) first/);
    expect(() => det.score(tensor([[1, 2, 3]], { dtype: 'float64' }))).toThrow(/\[N, 2\]/);
  });
});
