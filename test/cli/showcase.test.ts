import { describe, expect, it } from 'vitest';
import '../../src/index';
import { buildDeepModel, runStabilityShowcase } from '../../src/cli/showcase';
import * as nn from '../../src/nn/index';

describe('stability showcase (short run)', () => {
  it('builds the W4 variants with 64 Linear layers', () => {
    for (const v of ['a', 'b', 'c', 'd', 'e', 'f'] as const) {
      const linears = buildDeepModel(v).modules().filter((m) => m instanceof nn.Linear);
      expect(linears, v).toHaveLength(64);
    }
    expect(buildDeepModel('f').modules().some((m) => m instanceof nn.BatchNorm1d)).toBe(true);
    expect(buildDeepModel('e').modules().some((m) => m instanceof nn.StochasticDepth)).toBe(true);
  });

  it('shows (a) vanishing — named by diagnose() — and (c) training', async () => {
    const lines: string[] = [];
    const [a, c] = await runStabilityShowcase({ variants: ['a', 'c'], steps: 25, testLimit: 500, log: (l) => lines.push(l) });
    expect(a.firstGradNorm0).toBe(0); // exactly 0 in float32, as in PyTorch
    expect(a.lastGradNorm0).toBeGreaterThan(0.5);
    expect(a.findings.join('\n')).toMatch(/receive gradients below 1e-7 \(vanishing\): sigmoid activations/);
    expect(c.firstGradNorm0).toBeGreaterThan(1);
    expect(c.lossFinal).toBeLessThan(c.loss0 - 0.7);
    expect(c.testAccuracy).toBeGreaterThan(0.5);
    expect(lines.some((l) => l.startsWith('(a) sigmoid, default init'))).toBe(true);
  });
});
