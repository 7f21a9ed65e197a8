/**
 * The critic regularisers: the WGAN-GP gradient penalty and R1 against closed
 * forms on a linear critic and against central finite differences of the
 * penalty in the critic's parameters (the second-order backward through
 * grad(..., { createGraph: true })); weight clipping; and the losses' values.
 */
import { describe, expect, it } from 'vitest';
import { gan, manualSeed, nn, noGrad, randn, tensor } from '../../src/index';

describe('gradientPenalty', () => {
  it('is (‖w‖ − 1)² for a linear critic, and R1 is ‖w‖²', () => {
    const lin = new nn.Linear(3, 1, { dtype: 'float64' });
    noGrad(() => lin.weight.copy_(tensor([[0.5, -2, 1]], { dtype: 'float64' })));
    const real = randn([4, 3], { dtype: 'float64' }), fake = randn([4, 3], { dtype: 'float64' });
    const w2 = 0.25 + 4 + 1;
    expect(gan.gradientPenalty((x) => lin.call(x), real, fake).item()).toBeCloseTo((Math.sqrt(w2) - 1) ** 2, 10);
    expect(gan.gradientPenalty((x) => lin.call(x), real, fake, { target: 0 }).item()).toBeCloseTo(w2, 8);
    expect(gan.r1Penalty((x) => lin.call(x), real).item()).toBeCloseTo(w2, 10);
  });

  it('its gradient in the critic parameters matches finite differences', () => {
    manualSeed(11);
    const critic = new nn.Sequential(new nn.Linear(2, 5, { dtype: 'float64' }), new nn.Tanh(), new nn.Linear(5, 1, { dtype: 'float64' }));
    const real = randn([6, 2], { dtype: 'float64' }), fake = randn([6, 2], { dtype: 'float64' });
    const alpha = tensor([0.1, 0.3, 0.5, 0.7, 0.9, 0.25], { dtype: 'float64' });
    const penalty = (): ReturnType<typeof gan.gradientPenalty> => gan.gradientPenalty((x) => critic.call(x), real, fake, { alpha });
    critic.zeroGrad();
    penalty().backward();
    const h = 1e-6;
    let checked = 0;
    for (const p of critic.parameters()) {
      // The output bias does not move the input gradient: no gradient reaches it (null), and its difference quotient is 0.
      const analytic = p.grad ? Array.from(p.grad.values) : new Array<number>(p.size).fill(0);
      for (let i = 0; i < p.size; i++) {
        const v = p.values as Float64Array;
        const orig = v[i];
        v[i] = orig + h;
        const up = penalty().item();
        v[i] = orig - h;
        const down = penalty().item();
        v[i] = orig;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(analytic[i] - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBe(5 * 2 + 5 + 5 + 1);
  });

  it('R1 gradient matches finite differences', () => {
    manualSeed(12);
    const critic = new nn.Sequential(new nn.Linear(3, 4, { dtype: 'float64' }), new nn.Tanh(), new nn.Linear(4, 1, { dtype: 'float64' }));
    const real = randn([5, 3], { dtype: 'float64' });
    critic.zeroGrad();
    gan.r1Penalty((x) => critic.call(x), real).backward();
    const p = critic.parameters()[0];
    const v = p.values as Float64Array;
    for (const i of [0, 3, 7, 11]) {
      const orig = v[i], h = 1e-6;
      v[i] = orig + h;
      const up = gan.r1Penalty((x) => critic.call(x), real).item();
      v[i] = orig - h;
      const down = gan.r1Penalty((x) => critic.call(x), real).item();
      v[i] = orig;
      expect(p.grad!.values[i]).toBeCloseTo((up - down) / (2 * h), 6);
    }
  });

  it('rejects mismatched shapes and a critic that is not a function', () => {
    expect(() => gan.gradientPenalty((x) => x.sum(1), randn([2, 3]), randn([3, 3]))).toThrow(/same shape/);
    expect(() => gan.gradientPenalty(new nn.Linear(3, 1) as never, randn([2, 3]), randn([2, 3]))).toThrow(/function/);
    expect(() => gan.gradientPenalty((x) => x.sum(1), randn([2, 3]), randn([2, 3]), { alpha: tensor([0.5]) })).toThrow(/one weight per example/);
  });
});

describe('clipWeights and the losses', () => {
  it('clipWeights clamps every parameter to [-c, c]', () => {
    const lin = new nn.Linear(2, 2);
    noGrad(() => lin.weight.copy_(tensor([[0.5, -0.2], [0.001, -0.003]])));
    gan.clipWeights(lin.parameters(), 0.01);
    expect(Array.from(lin.weight.values).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.01, -0.01, 0.001, -0.003]);
    expect(() => gan.clipWeights(lin.parameters(), 0)).toThrow(/positive/);
  });

  it('match their formulas', () => {
    const real = tensor([2, -1], { dtype: 'float64' }), fake = tensor([0.5, -3], { dtype: 'float64' });
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(gan.discriminatorLoss(real, fake, 'nonSaturating').item()).toBeCloseTo(mean([sp(-2), sp(1)]) + mean([sp(0.5), sp(-3)]), 10);
    expect(gan.generatorLoss(fake, 'nonSaturating').item()).toBeCloseTo(mean([sp(-0.5), sp(3)]), 10);
    expect(gan.generatorLoss(fake, 'minimax').item()).toBeCloseTo(-mean([sp(0.5), sp(-3)]), 10);
    expect(gan.discriminatorLoss(real, fake, 'hinge').item()).toBeCloseTo(mean([0, 2]) + mean([1.5, 0]), 10);
    expect(gan.generatorLoss(fake, 'hinge').item()).toBeCloseTo(1.25, 10);
    expect(gan.discriminatorLoss(real, fake, 'wasserstein').item()).toBeCloseTo(-1.25 - 0.5, 10);
    expect(() => gan.generatorLoss(fake, 'logistic' as never)).toThrow(/loss must be one of/);
  });
});
