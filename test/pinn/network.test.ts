/** The PINN network builder, input normalisation and the SVG heatmap. */
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, pinn, Tensor } from '../../src/index';

describe('pinn network', () => {
  it('InputNormalization maps the box onto [-1, 1], and derivatives through it carry the scale', () => {
    const norm = new pinn.InputNormalization([-1, 0], [1, 4]);
    const x = Tensor.fromData(Float64Array.from([-1, 0, 1, 4, 0, 2]), [3, 2], 'float64');
    expect(Array.from(norm.call(x).values)).toEqual([-1, -1, 1, 1, 0, 0]);
    // u = sum of the normalised columns: du/dx = 2/2 = 1, du/dt = 2/4 = 0.5.
    x.requiresGrad = true;
    const u = norm.call(x).sum(1, { keepdim: true });
    expect(Array.from(pinn.gradient(u, x).values)).toEqual([1, 0.5, 1, 0.5, 1, 0.5]);
    expect(norm.stateDict()).toHaveProperty('center');
    expect(() => new pinn.InputNormalization([0], [0])).toThrow(/lower < upper/);
  });

  it('mlp: Glorot-normal weights, zero biases, tanh between layers, float64 by default', () => {
    manualSeed(3);
    const omega = new pinn.Rectangle([0, 0], [2, 2]);
    const net = pinn.mlp([2, 50, 50, 1], { normalize: omega });
    const mods = [...net.children()];
    expect(mods[0]).toBeInstanceOf(pinn.InputNormalization);
    expect(mods.filter((m) => m instanceof nn.Tanh).length).toBe(2);
    const fc = mods[3] as nn.Linear;
    expect(fc.weight.dtype).toBe('float64');
    expect(Array.from(fc.bias!.values).every((v) => v === 0)).toBe(true);
    // Glorot normal: std sqrt(2 / (fanIn + fanOut)) = sqrt(0.02) for 50 x 50.
    const w = fc.weight.values;
    const std = Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0) / w.length);
    expect(Math.abs(std - Math.sqrt(0.02))).toBeLessThan(0.01);
    expect(() => pinn.mlp([2])).toThrow(/at least an input and an output/);
    expect(() => pinn.mlp([3, 4, 1], { normalize: omega })).toThrow(/input width is 3/);
  });

  it('heatmapSvg draws one cell per value and a colour bar, and checks the grid size', () => {
    const svg = pinn.heatmapSvg([0, 1, 2, 3, 4, 5], 3, 2, { title: 'u' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect((svg.match(/<rect /g) ?? []).length).toBe(6 + 1 + 50);
    expect(svg).toContain('>u</text>');
    expect(() => pinn.heatmapSvg([1, 2, 3], 2, 2)).toThrow(/3 entries for a 2 x 2 grid/);
  });
});
