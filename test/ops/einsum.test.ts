/**
 * einsum beyond the PyTorch fixture (test/ops/composite-ops.test.ts holds ~40 equations against
 * torch): its results against the ops it stands for, the grammar's corner cases, gradcheck of
 * first and second order in float64, and the errors.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError } from '../../src/index';
import { einsum } from '../../src/ops/einsum';
import { diagonal } from '../../src/ops/linalg-basic';
import { hasNative, onBackend } from '../helpers/backends';
import { expectBoth, expectGrad, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(7));

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe('einsum equals the ops it stands for', () => {
  for (const backend of backends) {
    it(`batched matmul, transposed layouts, trace, diagonal, sums and outer products (${backend})`, () => onBackend(backend, () => {
      const a = L.randn([3, 4, 5]), b = L.randn([3, 5, 6]);
      // 'bij,bjk->bik' is one batched GEMM: bit for bit matmul's result.
      expect(Array.from(einsum('bij,bjk->bik', a, b).values)).toEqual(Array.from(L.matmul(a, b).values));
      const at = a.transpose(1, 2), bt = b.transpose(1, 2);
      expect(L.sub(einsum('bji,bjk->bik', at, b), L.matmul(a, b)).abs().max().item()).toBeLessThan(1e-5);
      expect(L.sub(einsum('bij,bkj->bik', a, bt), L.matmul(a, b)).abs().max().item()).toBeLessThan(1e-5);
      const m = L.randn([4, 4]);
      expect(einsum('ii', m).item()).toBeCloseTo(diagonal(m).sum().item(), 5);
      expect(Array.from(einsum('ii->i', m).values)).toEqual(Array.from(diagonal(m).values));
      expect(einsum('ij->j', m).toArray()).toEqual(m.sum(0).toArray());
      expect(einsum('ij->', m).item()).toBeCloseTo(m.sum().item(), 5);
      const u = L.randn([3]), v = L.randn([4]);
      expect(einsum('i,j->ij', u, v).toArray()).toEqual(L.mul(u.unsqueeze(1), v.unsqueeze(0)).toArray());
    }));
  }

  it('implicit output: ellipsis dims first, then the once-seen letters, upper case before lower', () => {
    const x = L.randn([2, 3]), y = L.randn([3, 4]);
    expect(einsum('Ba,aC', x, y).shape).toEqual([2, 4]);
    expect(einsum('ba,aC', x, y).shape).toEqual([4, 2]);  // 'C' sorts before 'b'
    expect(einsum('ij', x).toArray()).toEqual(x.toArray());
    expect(einsum('ji', x).shape).toEqual([3, 2]);
    expect(einsum('i...,i', L.randn([3, 4, 5]), L.randn([3])).shape).toEqual([4, 5]);
  });

  it('ellipses broadcast from the right; explicit output without ... sums them', () => {
    const a = L.randn([2, 1, 2, 3]), b = L.randn([4, 3, 5]);
    expect(einsum('...ij,...jk->...ik', a, b).shape).toEqual([2, 4, 2, 5]);
    const s = einsum('...ij,...jk->ik', L.randn([5, 2, 3]), L.randn([5, 3, 4]));
    expect(s.shape).toEqual([2, 4]);
    expect(einsum('...->', L.ones([2, 3])).item()).toBe(6);
    expect(einsum('...', L.ones([2, 3])).shape).toEqual([2, 3]);
  });

  it('operands as a list, spaces in the equation, 0-d operands, empty dims', () => {
    const a = L.randn([2, 3]), b = L.randn([3, 4]);
    expect(einsum(' i j , j k -> i k ', [a, b]).toArray()).toEqual(einsum('ij,jk->ik', a, b).toArray());
    expect(einsum('', L.tensor(3)).item()).toBe(3);
    expect(einsum(',ij->ij', L.tensor(2), a).toArray()).toEqual(L.mul(a, 2).toArray());
    expect(einsum('ij,jk->ik', L.zeros([2, 0]), L.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(einsum('ij,jk->ik', L.zeros([0, 2]), L.zeros([2, 3])).shape).toEqual([0, 3]);
  });

  it('a result that is its operand unchanged is still a tensor of its own', () => {
    const x = L.randn([2, 3]);
    const y = einsum('ij->ij', x);
    expect(y).not.toBe(x);
    y.fill_(0);
    expect(x.abs().sum().item()).toBeGreaterThan(0);
  });

  it('three and more operands contract left to right without a broadcast product', () => {
    const a = L.randn([2, 3], { dtype: 'float64' }), b = L.randn([3, 4], { dtype: 'float64' }), c = L.randn([4, 5], { dtype: 'float64' });
    const chain = einsum('ab,bc,cd->ad', a, b, c);
    const direct = L.matmul(L.matmul(a, b), c);
    expect(L.sub(chain, direct).abs().max().item()).toBeLessThan(1e-12);
    // Bilinear form, as nn.Bilinear: x1ᵀ W_o x2 for each o.
    const x1 = L.randn([6, 3], { dtype: 'float64' }), w = L.randn([2, 3, 4], { dtype: 'float64' }), x2 = L.randn([6, 4], { dtype: 'float64' });
    const viaMatmul = L.matmul(L.matmul(x1.unsqueeze(0), w), x2.unsqueeze(0).transpose(1, 2));  // [2, 6, 6]
    const want = L.stack([0, 1].map((o) => diagonal(viaMatmul.narrow(0, o, 1).squeeze(0))), 1);
    expect(L.sub(einsum('bn,anm,bm->ba', x1, w, x2), want).abs().max().item()).toBeLessThan(1e-12);
  });
});

describe('einsum gradients (float64 gradcheck, first and second order)', () => {
  const cases: [string, number[][]][] = [
    ['ij,jk->ik', [[2, 3], [3, 4]]],
    ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]],
    ['bji,bjk->bik', [[2, 3, 2], [2, 3, 2]]],
    ['bij,bkj->bik', [[2, 2, 3], [2, 4, 3]]],
    ['ii->i', [[3, 3]]],
    ['ii', [[3, 3]]],
    ['iij->j', [[2, 2, 3]]],
    ['ij->ji', [[2, 3]]],
    ['...ij,...jk->...ik', [[2, 1, 2, 3], [3, 3, 2]]],
    ['ij,jk->ik', [[2, 1], [3, 2]]],
    ['bn,anm,bm->ba', [[2, 3], [2, 3, 4], [2, 4]]],
    ['i,j->ij', [[3], [2]]],
    [',ij->', [[], [2, 3]]],
  ];
  for (const [eq, shapes] of cases) {
    it(`${eq} ${shapes.map((s) => `[${s}]`).join(' ')}`, () => {
      expectBoth((...xs) => einsum(eq, ...xs), shapes.map(leaf));
    });
  }

  it('a repeated operand (x appears twice)', () => {
    expectGrad((x) => einsum('ij,ij->', x, x), [leaf([2, 3])]);
  });
});

describe('einsum errors name the equation, the operand and the shapes', () => {
  const a = L.ones([2, 3]), b = L.ones([3, 4]);
  const cases: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
    ['too few operands', () => einsum('ij,jk->ik', a), ArgumentError, /equation 'ij,jk->ik' has 2 operand terms but 1 operand was given/],
    ['too many operands', () => einsum('ij->i', a, b), ArgumentError, /has 1 operand term but 2 operands were given/],
    ['no operands', () => einsum('ij'), ArgumentError, /has 1 operand term but 0 operands were given/],
    ['an invalid character', () => einsum('i1,jk', a, b), ArgumentError, /invalid character "1" at index 1 of equation 'i1,jk'/],
    ['a lone dot', () => einsum('i.j', a), ArgumentError, /'\.' is not part of an ellipsis '\.\.\.' at index 1/],
    ['two ellipses', () => einsum('...i...', a), ArgumentError, /a second '\.\.\.' in one term/],
    ['two arrows', () => einsum('ij->j->i', a), ArgumentError, /a second '->' at index 5/],
    ['a comma in the output', () => einsum('ij->i,j', a), ArgumentError, /',' after '->'/],
    ['a repeated output subscript', () => einsum('ij->ii', a), ArgumentError, /output subscript 'i' appears more than once in 'ii'/],
    ['an output subscript in no input', () => einsum('ij->k', a), ArgumentError, /output subscript 'k' of 'ij->k' appears in no input term/],
    ['too many subscripts for the operand', () => einsum('ijk', a), ShapeError, /operand 0 is float32\[2,3\] with 2 dims but its term 'ijk' in 'ijk' names 3 and has no '\.\.\.'/],
    ['too few subscripts without an ellipsis', () => einsum('i', a), ShapeError, /names 1 and has no '\.\.\.'/],
    ['more subscripts than dims with an ellipsis', () => einsum('ijk...', a), ShapeError, /names 3 \(more than it has\)/],
    ['mismatched sizes', () => einsum('ij,jk', a, L.ones([4, 4])), ShapeError, /subscript 'j' has size 4 in operand 1 \[4,4\] but 3 in operand 0 \[2,3\]/],
    ['a diagonal of unequal sizes', () => einsum('ii', a), ShapeError, /subscript 'i' repeats in operand 0 \[2,3\] \(term 'ii'\) with sizes 2 and 3/],
    ['mismatched ellipsis dims', () => einsum('...i,...i', L.ones([2, 3]), L.ones([4, 3])), ShapeError, /subscript \.\.\. dim 0 has size 4 in operand 1/],
    ['a bool operand', () => einsum('i', L.tensor([true])), DTypeError, /einsum: operand 0 is bool\[1\]/],
    ['a non-string equation', () => einsum(3 as unknown as string, a), ArgumentError, /equation must be a string, got 3/],
    ['a non-tensor operand', () => einsum('ij', [1, 2] as unknown as L.Tensor), ArgumentError, /einsum: operands\[0\]/],
  ];
  for (const [what, fn, cls, message] of cases) {
    it(what, () => {
      expect(fn).toThrow(cls);
      expect(fn).toThrow(message);
    });
  }
});
