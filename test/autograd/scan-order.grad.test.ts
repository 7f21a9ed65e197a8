/**
 * cumsum, cumprod (zeros included), flip, roll, tril, triu, sort and topk: gradcheck and gradgradcheck
 * in float64, and the gradients' known values where the rule matters (cumprod at zeros, sort's scatter).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { sort, topk } from '../../src/ops/order';
import { flip, roll, tril, triu } from '../../src/ops/rearrange';
import { cumprod, cumsum } from '../../src/ops/scan';
import { expectBoth, leaf, leafOf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(31));

/** A float64 leaf of normal values kept at least 0.3 away from 0, with exact zeros at `zeros`. */
function leafWithZeros(shape: number[], zeros: number[]): L.Tensor {
  const x = L.randn(shape, { dtype: 'float64' });
  const v = x.values as Float64Array;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < 0.3) v[i] = v[i] < 0 ? -0.3 : 0.3;
  for (const i of zeros) v[i] = 0;
  return x.requiresGrad_();
}

describe('scan gradients', () => {
  it('cumsum along each dim (its gradient is the reverse scan, whose gradient is cumsum again)', () => {
    const x = leaf([3, 4, 2]);
    for (const d of [0, 1, 2, -1]) expectBoth((t) => cumsum(t, d).square(), [x]);
    expectBoth((t) => t.cumsum(0).mul(t), [leaf([5])]);
  });

  it('cumsum with dtype float64 from a float32 input is differentiable through the cast', () => {
    const x = L.randn([4], { requiresGrad: true });
    const [g] = L.grad(cumsum(x, 0, { dtype: 'float64' }).sum(), [x]);
    expect(g!.dtype).toBe('float32');
    expect(Array.from(g!.values)).toEqual([4, 3, 2, 1]);
  });

  it('cumprod without zeros', () => {
    for (const d of [0, 1, -1]) expectBoth((t) => cumprod(t, d), [leafWithZeros([3, 4, 2], [])]);
  });

  it('cumprod with zeros: one per line, two per line, first and last positions, along dims 0 and 1', () => {
    // [4, 5]: line 0 has a zero first, line 1 one in the middle, line 2 two zeros, line 3 a zero last.
    const x = leafWithZeros([4, 5], [0, 7, 11, 13, 19]);
    expectBoth((t) => cumprod(t, 1), [x]);
    expectBoth((t) => cumprod(t, 0), [x]);
    expectBoth((t) => cumprod(t, 1).mul(t), [leafWithZeros([2, 4], [1, 6])]);
  });

  it('cumprod at zeros: the known gradient, the same on the first-order path and the graph-building path', () => {
    // y = [x0, x0 x1, x0 x1 x2] at x = [2, 0, 3]: d sum(y)/dx = [1 + x1 + x1 x2, x0 + x0 x2, x0 x1] = [1, 8, 0].
    const x = leafOf([2, 0, 3]);
    const [g] = L.grad(cumprod(x, 0).sum(), [x]);
    expect(Array.from(g!.values)).toEqual([1, 8, 0]);
    const [gGraph] = L.grad(cumprod(x, 0).sum(), [x], { createGraph: true });
    expect(Array.from(gGraph!.values)).toEqual([1, 8, 0]);
    // d²/dx1 dx2 of sum(y) is x0 = 2, though x1 is the zero: the masked first-order form would say 0.
    const [h] = L.grad(gGraph!.mul(L.tensor([0, 0, 1], { dtype: 'float64' })).sum(), [x]);
    expect(Array.from(h!.values)).toEqual([0, 2, 0]);
    const x2 = leafWithZeros([3, 6], [2, 3, 8, 14, 17]);
    const r = L.randn([3, 6], { dtype: 'float64' });
    const [first] = L.grad(cumprod(x2, 1).mul(r).sum(), [x2]);
    const [graphed] = L.grad(cumprod(x2, 1).mul(r).sum(), [x2], { createGraph: true });
    Array.from(first!.values).forEach((v, i) => expect(v).toBeCloseTo(graphed!.values[i], 12));
  });
});

describe('rearrangement gradients', () => {
  it('flip over one, several and adjacent dims', () => {
    const x = leaf([2, 3, 4]);
    for (const dims of [[0], [-1], [0, 2], [1, 2], [0, 1, 2]]) expectBoth((t) => flip(t, dims).square(), [x]);
  });

  it('roll flattened, along dims, with shifts past the size and negative', () => {
    const x = leaf([3, 4]);
    expectBoth((t) => roll(t, 5).square(), [x]);
    expectBoth((t) => roll(t, [-1, 6], [0, 1]).square(), [x]);
    expectBoth((t) => t.roll(2, 1).mul(t), [x]);
  });

  it('tril and triu with diagonals below, on and above the main one, batched', () => {
    const x = leaf([2, 3, 4]);
    for (const k of [-1, 0, 2]) {
      expectBoth((t) => tril(t, k).square(), [x]);
      expectBoth((t) => triu(t, k).square(), [x]);
    }
  });
});

describe('sort and topk gradients', () => {
  it('sort values, ascending and descending, along each dim', () => {
    const x = leaf([3, 4]);
    for (const d of [0, 1]) for (const descending of [false, true]) expectBoth((t) => sort(t, d, { descending }).values.square(), [x]);
  });

  it('topk values, largest and smallest', () => {
    const x = leaf([3, 6]);
    expectBoth((t) => topk(t, 2).values.square(), [x]);
    expectBoth((t) => topk(t, 3, 0, { largest: false }).values.mul(2), [leaf([4, 2])]);
  });

  it('the gradient of the sorted values lands where each value came from', () => {
    const x = leafOf([3, 1, 2]);
    const [g] = L.grad(sort(x).values.mul(L.tensor([1, 10, 100], { dtype: 'float64' })).sum(), [x]);
    expect(Array.from(g!.values)).toEqual([100, 1, 10]);
    const [gk] = L.grad(topk(x, 2).values.mul(L.tensor([1, 10], { dtype: 'float64' })).sum(), [x]);
    expect(Array.from(gk!.values)).toEqual([1, 0, 10]);
  });
});
