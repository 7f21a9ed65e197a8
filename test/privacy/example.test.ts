/**
 * The DP Fashion-MNIST example (examples/dp-fashion-mnist.ts), shortened to a 1,200-image
 * subset and one epoch with seeded noise: it must train above chance and spend no more than
 * the planned ε, as both accountants report.
 */
import { describe, expect, it } from 'vitest';
import { runDpExample, temperedCnn } from '../../examples/dp-fashion-mnist';

describe('DP Fashion-MNIST example', () => {
  it('the tempered-sigmoid CNN maps [N, 1, 28, 28] to 10 logits', () => {
    const m = temperedCnn();
    expect(m.parameters().reduce((s, p) => s + p.size, 0)).toBe(16 * 64 + 16 + 32 * 16 * 16 + 32 + 512 * 32 + 32 + 32 * 10 + 10);
  });

  it('trains privately above chance within the planned ε (seeded, shortened)', () => {
    const lines: string[] = [];
    const r = runDpExample({
      eps: 3, delta: 1e-5, epochs: 1, batch: 120, lr: 2, clip: 0.5, baselineEpochs: 1, budgetSeconds: 600,
      subset: 1200, seed: 7, log: (l) => lines.push(l),
    });
    expect(r.private.steps).toBe(10);
    expect(r.private.epsilon).toBeLessThanOrEqual(3);
    expect(r.private.epsilon).toBeGreaterThan(2.9);
    expect(r.private.epsilonPrv).toBeLessThan(r.private.epsilon);
    expect(r.private.accuracy).toBeGreaterThan(0.3);
    expect(r.baseline.accuracy).toBeGreaterThan(0.3);
    expect(lines.some((l) => /private: .*ε = /.test(l))).toBe(true);
  });
});
