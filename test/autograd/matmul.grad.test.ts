/** matmul in every rank combination PyTorch defines, first and second order. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { expectBoth, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(11));

const cases: [string, number[], number[]][] = [
  ['1-D · 1-D (dot)', [4], [4]],
  ['1-D · 2-D', [3], [3, 2]],
  ['2-D · 1-D', [2, 3], [3]],
  ['2-D · 2-D', [2, 3], [3, 4]],
  ['batched · 2-D', [2, 3, 4], [4, 2]],
  ['2-D · batched', [3, 4], [2, 4, 2]],
  ['batched · batched', [2, 3, 4], [2, 4, 5]],
  ['broadcast batch dims', [2, 1, 3, 4], [3, 4, 2]],
  ['1-D · batched', [4], [2, 4, 3]],
  ['batched · 1-D', [2, 3, 4], [4]],
];

describe('matmul gradients', () => {
  for (const [tag, sa, sb] of cases) {
    it(`${tag}: [${sa}] @ [${sb}]`, () => {
      expectBoth((a, b) => a.matmul(b), [leaf(sa), leaf(sb)]);
    });
  }

  it('one operand constant, and the same operand twice (x @ x)', () => {
    const w = L.randn([3, 3], { dtype: 'float64' });
    expectBoth((a) => L.matmul(a, w), [leaf([2, 3])]);
    expectBoth((a) => L.matmul(a, a), [leaf([3, 3])]);
  });

  it('d(a @ b)/da = g @ bᵀ by hand', () => {
    const a = L.tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const b = L.tensor([[5, 6], [7, 8]], { dtype: 'float64', requiresGrad: true });
    a.matmul(b).sum().backward();
    expect(a.grad!.toArray()).toEqual([[11, 15], [11, 15]]);
    expect(b.grad!.toArray()).toEqual([[4, 4], [6, 6]]);
  });
});
