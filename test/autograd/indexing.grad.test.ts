/** indexSelect, gather, scatterAdd, indexAdd: gradcheck and gradgradcheck, repeated indices included. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { expectBoth, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(21));

const int = (v: number[] | number[][]) => L.tensor(v, { dtype: 'int32' });

describe('indexing gradients', () => {
  it('indexSelect along dims 0 and 1, with a repeated index', () => {
    const idx = int([2, 0, 2]);
    expectBoth((x) => [L.indexSelect(x, 0, idx).square(), x.indexSelect(1, int([1, 1])).square()], [leaf([3, 4])]);
  });

  it('gather along dims 0 and 1', () => {
    expectBoth((x) => x.gather(1, int([[0, 0, 3], [2, 1, 1]])).square(), [leaf([2, 4])]);
    expectBoth((x) => L.gather(x, 0, int([[1, 0], [1, 1], [0, 1]])).square(), [leaf([2, 2])]);
  });

  it('scatterAdd: gradient to base and src', () => {
    const idx = int([[0, 2, 2], [1, 1, 0]]);
    expectBoth((base, src) => L.scatterAdd(base, 1, idx, src).square(), [leaf([2, 3]), leaf([2, 3])]);
  });

  it('indexAdd: gradient to base and src', () => {
    const idx = int([3, 0, 3]);
    expectBoth((base, src) => L.indexAdd(base, 0, idx, src).square(), [leaf([4, 2]), leaf([3, 2])]);
    expectBoth((base, src) => L.indexAdd(base, 1, int([1, 1]), src).square(), [leaf([2, 3]), leaf([2, 2])]);
  });

  it('a repeated index accumulates its gradient', () => {
    const x = L.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    L.indexSelect(x, 0, int([2, 2, 0, 2])).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([1, 0, 3]);
  });
});
