/** softmax and logSoftmax: first and second order along every dim. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { expectBoth, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(5));

describe('softmax gradients', () => {
  for (const dim of [0, 1, -1]) {
    it(`softmax and logSoftmax along dim ${dim}`, () => {
      expectBoth((x) => [x.softmax(dim), x.logSoftmax(dim)], [leaf([2, 3, 4])]);
    });
  }

  it('1-D and size-1 dims', () => {
    expectBoth((x) => [L.softmax(x, 0), L.logSoftmax(x, 0)], [leaf([5])]);
    expectBoth((x) => [L.softmax(x, 1), L.logSoftmax(x, 0)], [leaf([1, 3])]);
  });

  it('large logits stay finite in value and gradient', () => {
    const x = L.tensor([[1000, 0, -1000], [50, 51, 52]], { dtype: 'float64', requiresGrad: true });
    const y = x.logSoftmax(1);
    expect(Array.from(y.data()).every(Number.isFinite)).toBe(true);
    y.mul(L.tensor([[1, 2, 3], [1, 0, 0]], { dtype: 'float64' })).sum().backward();
    expect(Array.from(x.grad!.data()).every(Number.isFinite)).toBe(true);
    // Row 0: softmax is [1, 0, 0]; d/dx = v - softmax * sum(v) = [1 - 6, 2, 3].
    expect(Array.from(x.grad!.data()).slice(0, 3)).toEqual([-5, 2, 3]);
  });

  it('softmax rows sum to 1, so the gradient of their sum is 0', () => {
    const x = leaf([3, 4]);
    const [g] = L.grad(x.softmax(1).sum(), [x]);
    for (const v of g!.data()) expect(Math.abs(v)).toBeLessThan(1e-15);
  });
});
