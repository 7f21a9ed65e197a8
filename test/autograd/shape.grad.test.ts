/** Views and copies: reshape, flatten, squeeze, unsqueeze, expand, transpose, permute, narrow, cat, stack, split, chunk, clone, dtype casts. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import type { Tensor } from '../../src/index';
import { expectBoth, expectGrad, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(3));

// The ops are linear, so gradgradcheck runs on a product with the input, which makes the second derivative non-zero.
const viewCases: [string, number[], (x: Tensor) => Tensor | Tensor[]][] = [
  ['reshape', [2, 3, 4], (x) => x.reshape([4, -1])],
  ['view', [2, 6], (x) => x.view([3, 4])],
  ['flatten', [2, 3, 4], (x) => [x.flatten(), x.flatten(1), L.flatten(x, 0, 1)]],
  ['squeeze', [2, 1, 3, 1], (x) => [x.squeeze(), x.squeeze(1), x.squeeze(-1)]],
  ['unsqueeze', [2, 3], (x) => [x.unsqueeze(0), x.unsqueeze(-1), x.unsqueeze(1)]],
  ['expand', [3, 1], (x) => [x.expand([2, 3, 4]), x.expand([-1, 5])]],
  ['transpose', [2, 3, 4], (x) => [x.transpose(0, 2), x.transpose(-1, -2), x.reshape([6, 4]).t()]],
  ['permute', [2, 3, 4], (x) => [x.permute([2, 0, 1]), x.permute([1, 2, 0])]],
  ['narrow', [4, 5], (x) => [x.narrow(0, 1, 2), x.narrow(1, 2, 3), x.narrow(1, -2, 2)]],
  ['split', [5, 3], (x) => [...x.split(2), ...x.split([1, 2], 1)]],
  ['chunk', [3, 7], (x) => [...x.chunk(3, 1), ...x.chunk(2)]],
  ['clone', [2, 3], (x) => x.clone()],
];

describe('view and copy gradients', () => {
  for (const [name, shape, fn] of viewCases) {
    it(`${name}: gradcheck, and gradgradcheck through a product`, () => {
      expectGrad(fn, [leaf(shape)]);
      const squared = (x: Tensor): Tensor[] => {
        const ys = fn(x);
        return (Array.isArray(ys) ? ys : [ys]).map((y) => y.mul(y));
      };
      expectBoth(squared, [leaf(shape)]);
    });
  }

  it('cat along each dim, of tensors some of which do not require grad', () => {
    const a = leaf([2, 3]), b = leaf([2, 2]), c = L.randn([2, 1], { dtype: 'float64' });
    expectBoth((p, q) => L.cat([p, q.mul(q), c], 1), [a, b]);
    expectBoth((p, q) => L.cat([p.square(), q], 0), [leaf([1, 3]), leaf([4, 3])]);
  });

  it('cat keeps its own list for backward: the caller may change the array afterwards', () => {
    const a = leaf([2, 1]), b = leaf([2, 1]);
    const list = [a];
    const first = L.cat(list, 1);
    list.push(b);
    const second = L.cat(list, 1);
    first.sum().add(second.mul(2).sum()).backward();
    expect(Array.from(a.grad!.values)).toEqual([3, 3]);
    expect(Array.from(b.grad!.values)).toEqual([2, 2]);
  });

  it('stack along new dims', () => {
    expectBoth((p, q) => [L.stack([p, q], 0), L.stack([p.mul(q), q], 2), L.stack([p, p], -1)], [leaf([2, 3]), leaf([2, 3])]);
  });

  it('views share storage, and the gradient still lands on the base leaf', () => {
    const x = leaf([2, 3]);
    const v = x.reshape([3, 2]);
    expect(v.storage).toBe(x.storage);
    v.mul(L.arange(6, undefined, 1, { dtype: 'float64' }).reshape([3, 2])).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('float32 <-> float64 casts are differentiable and give each input its own dtype', () => {
    const x64 = leaf([3]);
    // float32 rounding is ~1e-7 relative: a larger step keeps the finite difference above it.
    expectBoth((x) => x.to('float32').to('float64').mul(x), [x64], { eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
    const x32 = L.randn([3], { requiresGrad: true });
    const y = x32.double().square().sum();
    y.backward();
    expect(x32.grad!.dtype).toBe('float32');
    const xs = x32.data();
    Array.from(x32.grad!.data()).forEach((g, i) => expect(g).toBeCloseTo(2 * xs[i], 5));
    const z = L.randn([2], { dtype: 'float64', requiresGrad: true });
    z.float().sum().backward();
    expect(z.grad!.dtype).toBe('float64');
    expect(Array.from(z.grad!.data())).toEqual([1, 1]);
  });

  it('casts to int32 and bool cut the graph', () => {
    const x = leaf([3]);
    expect(x.int().requiresGrad).toBe(false);
    expect(x.bool().requiresGrad).toBe(false);
  });
});
