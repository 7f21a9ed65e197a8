/**
 * Gradients of interpolate and gridSample through their kernels (on whichever backend is active):
 * finite-difference gradcheck for every mode, second derivatives of interpolate (its backward is
 * its adjoint op), and the clear error of a second derivative through gridSample (first order
 * only, as PyTorch's grid_sampler).
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const f64 = (shape: number[], seed: number, scale = 1): L.Tensor => {
  L.manualSeed(seed);
  const t = L.randn(shape, { dtype: 'float64' }).mul(scale);
  t.requiresGrad = true;
  return t;
};

describe('interpolate gradients', () => {
  const cases: L.InterpolateOptions[] = [
    { size: [5, 7], mode: 'bilinear' },
    { scaleFactor: 0.6, mode: 'bilinear', alignCorners: true },
    { size: [6, 2], mode: 'bicubic' },
    { scaleFactor: [1.7, 0.8], mode: 'bicubic', alignCorners: true },
    { size: [7, 3], mode: 'nearest' },
  ];
  for (const opts of cases) {
    it(`gradcheck and gradgradcheck ${JSON.stringify(opts)}`, () => {
      const x = f64([2, 2, 4, 5], 1);
      expect(L.gradcheck((t) => L.interpolate(t, opts), [x])).toBe(true);
      expect(L.gradgradcheck((t) => L.interpolate(t, opts), [x])).toBe(true);
    });
  }

  it('1-D linear and nearest', () => {
    const x = f64([2, 3, 6], 2);
    expect(L.gradcheck((t) => L.interpolate(t, { size: 11, mode: 'linear' }), [x])).toBe(true);
    expect(L.gradcheck((t) => L.interpolate(t, { scaleFactor: 0.5 }), [x])).toBe(true);
  });

  it('empty spatial dims are an error naming the op', () => {
    expect(() => L.interpolate(L.randn([1, 1, 0, 3]), { size: 2 })).toThrow(/interpolate: cannot resize the empty spatial dims of float32\[1,1,0,3\]/);
  });
});

describe('gridSample gradients', () => {
  const modes: L.GridSampleOptions[] = [
    {}, { alignCorners: true }, { paddingMode: 'border' }, { paddingMode: 'border', alignCorners: true },
  ];
  for (const opts of modes) {
    it(`gradcheck in x and grid ${JSON.stringify(opts)}`, () => {
      const x = f64([2, 3, 4, 5], 3), grid = f64([2, 3, 2, 2], 4, 0.7);
      expect(L.gradcheck((a, g) => L.gridSample(a, g, opts), [x, grid])).toBe(true);
    });
  }

  it('nearest: gradient in x, zero in the grid', () => {
    const x = f64([1, 2, 4, 4], 5), grid = f64([1, 3, 3, 2], 6, 0.7);
    expect(L.gradcheck((a) => L.gridSample(a, grid, { mode: 'nearest' }), [x])).toBe(true);
    const [, gg] = L.grad(L.gridSample(x, grid, { mode: 'nearest' }).sum(), [x, grid]);
    expect(Array.from(gg!.values).every((v) => v === 0)).toBe(true);
  });

  it('through affineGrid: a spatial transformer gets the gradient of theta', () => {
    const x = f64([2, 1, 5, 5], 7);
    // Entries chosen so that no sampling point lands on a whole pixel (where bilinear has a kink).
    const theta = L.tensor([[[0.93, 0.11, 0.052], [-0.13, 1.07, 0.013]], [[1.03, 0.21, -0.097], [0.017, 0.83, 0.107]]], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((a, t) => L.gridSample(a, L.affineGrid(t, [2, 1, 4, 4])), [x, theta])).toBe(true);
  });

  it('a second derivative throws a clear error', () => {
    const x = f64([1, 1, 3, 3], 9), grid = f64([1, 2, 2, 2], 10, 0.5);
    const [gx] = L.grad(L.gridSample(x, grid).pow(2).sum(), [x], { createGraph: true });
    expect(() => L.grad(gx!.sum(), [grid])).toThrow(/gridSample: second derivatives are not implemented/);
  });
});
