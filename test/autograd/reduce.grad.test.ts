/** Gradcheck and gradgradcheck of the reductions, with dims, keepdim and the whole tensor. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import type { Tensor } from '../../src/index';
import { expectBoth, expectGrad, leaf, leafIn, leafOf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(7));

const dimCases: [string, number | number[] | undefined][] = [
  ['whole', undefined],
  ['dim 0', 0],
  ['dim -1', -1],
  ['dims [0, 2]', [0, 2]],
];

/** Distinct values (a permutation of a spread) so max/min have no ties. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const r = L.rand([n], { dtype: 'float64' }).data();
  order.sort((a, b) => r[a] - r[b]);
  order.forEach((o, i) => { v[o] = (i - n / 2) * 0.37 + 0.01; });
  return L.tensor(v, { dtype: 'float64' }).reshape(shape).detach().requiresGrad_();
}

describe('reduction gradients', () => {
  const shape = [2, 3, 4];
  for (const [tag, dim] of dimCases) {
    for (const keepdim of [false, true]) {
      const opts = { keepdim };
      const k = `${tag}, keepdim ${keepdim}`;
      it(`sum, mean: ${k}`, () => {
        expectBoth((x) => [x.sum(dim, opts), x.mean(dim, opts)], [leaf(shape)]);
      });
      it(`prod: ${k}`, () => {
        expectBoth((x) => x.prod(dim, opts), [leafIn(shape, 0.5, 1.5)]);
      });
      it(`logsumexp: ${k}`, () => {
        expectBoth((x) => x.logsumexp(dim, opts), [leaf(shape)]);
      });
      it(`amax, amin: ${k}`, () => {
        expectBoth((x) => [x.amax(dim, opts), x.amin(dim, opts)], [distinct(shape)]);
      });
      it(`var, std (correction 1 and 0): ${k}`, () => {
        expectBoth((x) => [x.var(dim, opts), x.std(dim, opts), x.var(dim, { ...opts, correction: 0 }), x.std(dim, { ...opts, correction: 0 })], [leaf(shape)]);
      });
      it(`norm p = 1, 2, inf, 3: ${k}`, () => {
        const x = distinct(shape);
        expectBoth((a) => [a.norm(1, dim, opts), a.norm(2, dim, opts), a.norm(Infinity, dim, opts), a.norm(3, dim, opts)], [x]);
      });
    }
  }

  for (const keepdim of [false, true]) {
    it(`max and min along a dim (values; keepdim ${keepdim})`, () => {
      const x = distinct([3, 4]);
      expectBoth((a) => [a.max(1, { keepdim }).values, a.min(0, { keepdim }).values, a.max(-1, { keepdim }).values], [x]);
    });
  }

  it('max and min of everything', () => {
    expectBoth((a) => [a.max(), a.min()], [distinct([3, 4])]);
  });

  it('0-d and size-1 inputs', () => {
    expectBoth((a) => [a.sum(), a.mean(), a.prod(), a.logsumexp(), a.amax()], [leaf([])]);
    expectBoth((a) => [a.sum(0), a.mean(1, { keepdim: true }), a.logsumexp(0)], [leaf([1, 3])]);
  });

  it('max along a dim sends the gradient to the first maximum; amax splits ties evenly (PyTorch)', () => {
    const x = leafOf([[1, 3, 3], [2, 2, 0]]);
    x.max(1).values.sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 1, 0, 1, 0, 0]);
    const y = leafOf([[1, 3, 3], [2, 2, 0]]);
    y.amax(1).sum().backward();
    expect(Array.from(y.grad!.data())).toEqual([0, 0.5, 0.5, 0.5, 0.5, 0]);
  });

  it('prod with zeros: the product of the others, as PyTorch', () => {
    // One zero in a row: its gradient is the product of the rest; two zeros: all zero.
    const x = leafOf([[2, 0, 3], [0, 4, 0], [1, 2, 5]]);
    x.prod(1).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 6, 0, 0, 0, 0, 10, 5, 2]);
    const w = leafOf([1.5, 0, -2]);
    w.prod().backward();
    expect(Array.from(w.grad!.data())).toEqual([-0, -3, 0]);
    // With a single zero the function is still smooth: check first and second order there.
    expectBoth((a) => a.prod(1), [leafOf([[0.7, 0, 1.3], [1.1, -0.6, 0.9]])]);
    expectBoth((a) => a.prod(), [leafOf([0.7, 0, 1.3])]);
  });

  it('var and std by hand: d var / dx = 2 (x - mean) / (N - correction)', () => {
    const x = leafOf([1, 2, 4, 7]);
    const [g] = L.grad(x.var(), [x]);
    const m = 3.5;
    [1, 2, 4, 7].forEach((v, i) => expect(g!.data()[i]).toBeCloseTo((2 * (v - m)) / 3, 14));
    expectGrad((a) => a.var(undefined, { correction: 2 }), [leaf([5])]);
  });
});

describe('norm at zero', () => {
  it('the gradient of a zero norm is 0, not NaN (PyTorch), for p = 2 and p = 3', () => {
    for (const p of [2, 3]) {
      const x = L.tensor([[0, 0, 0], [3, 0, -4]], { dtype: 'float64', requiresGrad: true });
      x.norm(p, 1).sum().backward();
      const g = Array.from(x.grad!.data());
      expect(g.slice(0, 3)).toEqual([0, 0, 0]);
      expect(g.every(Number.isFinite)).toBe(true);
    }
    const x = L.tensor([3, 0, -4], { dtype: 'float64', requiresGrad: true });
    x.norm().backward();
    expect(Array.from(x.grad!.data())).toEqual([0.6, 0, -0.8]);
  });

  it('second order through norm (gradient penalty) is finite and checks out', () => {
    expectBoth((a) => a.norm(2, 1).square(), [L.tensor([[0.3, -1.2, 0.5], [2, 0.1, -0.4]], { dtype: 'float64', requiresGrad: true })]);
  });
});
