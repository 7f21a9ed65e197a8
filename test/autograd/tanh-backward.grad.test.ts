/** Gradcheck and gradgradcheck of the fused tanh gradients, and tanh's derivatives to third order against closed forms. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { tanhBackward, tanhBackwardBackward } from '../../src/ops/tanh-backward';
import { expectBoth, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(77));

describe('fused tanh gradients', () => {
  it('tanhBackward passes gradcheck and gradgradcheck in g and y', () => {
    expectBoth((g, y) => tanhBackward(g, y), [leaf([3, 4]), leaf([3, 4]).detach().tanh().requiresGrad_()]);
  });

  it('tanhBackwardBackward passes gradcheck and gradgradcheck in all three inputs', () => {
    expectBoth((a, b, c) => tanhBackwardBackward(a, b, c), [leaf([2, 5]), leaf([2, 5]), leaf([2, 5])]);
  });

  it('skips the inputs that need no gradient', () => {
    const g = leaf([4]), y = L.randn([4], { dtype: 'float64' }).tanh();
    const [gg] = L.grad(tanhBackward(g, y).sum(), [g]);
    expect(Array.from(gg!.values)).toEqual(Array.from(L.sub(1, y.mul(y)).values));
  });

  it('tanh\'s first, second and third derivatives match the closed forms to 1e-13', () => {
    const x = leaf([50]);
    const t = L.tanh(x.detach()).values as Float64Array;
    const [d1] = L.grad(x.tanh().sum(), [x], { createGraph: true });
    const [d2] = L.grad(d1!.sum(), [x], { createGraph: true });
    const [d3] = L.grad(d2!.sum(), [x]);
    for (let i = 0; i < t.length; i++) {
      const s = 1 - t[i] * t[i];
      expect(d1!.values[i]).toBeCloseTo(s, 13);
      expect(d2!.values[i]).toBeCloseTo(-2 * t[i] * s, 13);
      expect(d3!.values[i]).toBeCloseTo(-2 * s * (1 - 3 * t[i] * t[i]), 13);
    }
  });

  it('gradgradcheck of tanh through its fused backward', () => {
    expectBoth((x) => x.tanh().mul(x), [leaf([3, 3])]);
  });
});
