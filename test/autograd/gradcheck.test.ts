/** The checkers themselves: they pass correct gradients and catch wrong ones, first and second order. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, AutogradError } from '../../src/index';
import { leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(8));

describe('gradcheck and gradgradcheck', () => {
  it('catch a wrong first derivative, naming the input and element', () => {
    const wrong = L.customOp({ name: 'wrongSquare', forward: (x) => x.square(), backward: (g, [x]) => [g.mul(x).mul(2.01)] });
    expect(() => L.gradcheck(wrong, [leaf([3])])).toThrow(/gradcheck: gradient mismatch for input 0 \(float64\[3\]\) at element 0: analytic .*, numeric/);
    const wrongSecond = L.customOp({ name: 'wrongSecond', forward: (x, y) => x.mul(y), backward: (g, [x, y]) => [g.mul(y), g.mul(y)] });
    expect(() => L.gradcheck(wrongSecond, [leaf([2]), leaf([2])])).toThrow(/for input 1 /);
  });

  it('catch a gradient that is right in value but not differentiable (a backward that is not written with ops)', () => {
    // The backward computes 3x² on raw numbers, so its result carries no graph: fine for gradcheck, wrong for gradgradcheck.
    const opaqueCube = L.customOp({
      name: 'opaqueCube',
      forward: (x) => x.mul(x).mul(x),
      backward: (g, [x]) => [g.mul(L.tensor(Array.from(x.data(), (v) => 3 * v * v), { dtype: 'float64' }))],
    });
    const x = leaf([3]);
    expect(L.gradcheck(opaqueCube, [x])).toBe(true);
    expect(() => L.gradgradcheck(opaqueCube, [x])).toThrow(AutogradError);
  });

  it('pass for several inputs and outputs, integer outputs ignored, unused inputs as zero', () => {
    const a = leaf([2, 3]), b = leaf([3]), unused = leaf([2]);
    expect(L.gradcheck((p, q, _u) => [p.mul(q), p.sum(1), p.argmax(1)], [a, b, unused])).toBe(true);
    expect(L.gradgradcheck((p, q) => [p.mul(q).exp(), q.square()], [a, b])).toBe(true);
  });

  it('gradgradcheck passes for ops whose second derivative is zero (relu, linear ops)', () => {
    const x = L.tensor([-1, 0.5, 2], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((t) => t.relu(), [x])).toBe(true);
    expect(L.gradgradcheck((t) => t.mul(3).add(1), [x])).toBe(true);
  });

  it('reject float32 inputs that require grad, and calls with nothing to check', () => {
    expect(() => L.gradcheck((x) => x.exp(), [L.randn([2], { requiresGrad: true })])).toThrow(/use float64 for finite differences/);
    expect(() => L.gradcheck((x) => x.exp(), [L.randn([2], { dtype: 'float64' })])).toThrow(ArgumentError);
  });

  it('leave the inputs as they were', () => {
    const x = leaf([4]);
    const before = Array.from(x.data());
    L.gradcheck((t) => t.sin(), [x]);
    L.gradgradcheck((t) => t.sin(), [x]);
    expect(Array.from(x.data())).toEqual(before);
    expect(x.grad).toBeNull();
  });
});
