/** Gradcheck and gradgradcheck of the broadcasting binary ops, scalars and where. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import type { Tensor } from '../../src/index';
import { expectBoth, expectGrad, leaf, leafAway, leafIn, leafOf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(99));

// Pairs of shapes that broadcast: equal, trailing, leading 1s, both sides expanding, 0-d.
const shapePairs: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[1, 3], [2, 1]],
  [[], [2, 3]],
  [[2, 3], []],
];

describe('binary gradients with broadcasting', () => {
  for (const [sa, sb] of shapePairs) {
    const tag = `[${sa}] and [${sb}]`;
    it(`add, sub, mul: ${tag}`, () => {
      expectBoth((a, b) => [a.add(b), a.sub(b), a.mul(b)], [leaf(sa), leaf(sb)]);
    });
    it(`div: ${tag}`, () => {
      expectBoth((a, b) => a.div(b), [leaf(sa), leafAway(sb, [0], 0.5)]);
    });
    it(`pow (positive base, both differentiable): ${tag}`, () => {
      expectBoth((a, b) => a.pow(b), [leafIn(sa, 0.3, 2), leafIn(sb, -1.5, 2.5)]);
    });
    it(`maximum, minimum: ${tag}`, () => {
      // Distinct values: a in (-3, -0.2) ∪ (0.2, 3), b near 0, so no ties.
      expectBoth((a, b) => [a.maximum(b), a.minimum(b)], [leafAway(sa, [0], 0.3), leafIn(sb, -0.1, 0.1)]);
    });
  }

  it('plain numbers on either side', () => {
    const x = leafAway([2, 3], [0], 0.3);
    expectBoth((a) => [a.add(2), L.sub(1.5, a), a.mul(-3), L.div(2, a), a.div(4)], [x]);
    expectBoth((a) => [a.pow(3), L.pow(a.abs(), 0.5)], [x]);
    expectBoth((a) => L.pow(2.5, a), [x]);
  });

  it('one operand without requiresGrad gets no gradient, the other does', () => {
    const a = leaf([2, 3]);
    const b = L.randn([3], { dtype: 'float64' });
    expectGrad((p, q) => p.mul(q).add(q), [a, b]);
    const [ga, gb] = L.grad(a.mul(b).sum(), [a, b].filter((t) => t.requiresGrad));
    expect(gb).toBeUndefined();
    expect(ga!.shape).toEqual([2, 3]);
  });

  it('the same tensor on both sides (x * x, x / x)', () => {
    expectBoth((a) => [a.mul(a), a.sub(a), a.add(a)], [leaf([4])]);
    expectBoth((a) => a.div(a.add(3)), [leafIn([4], 0, 1)]);
  });

  it('maximum and minimum split the gradient evenly on ties (PyTorch)', () => {
    const a = leafOf([1, 2, 3]), b = leafOf([1, 0, 5]);
    a.maximum(b).sum().backward();
    expect(Array.from(a.grad!.data())).toEqual([0.5, 1, 0]);
    expect(Array.from(b.grad!.data())).toEqual([0.5, 0, 1]);
  });

  it('pow: d/db is 0 where the base is 0 (PyTorch), d/da of x^2 at 0 is 0', () => {
    const a = leafOf([0, 2]), b = leafOf([2, 3]);
    a.pow(b).sum().backward();
    expect(Array.from(a.grad!.data())).toEqual([0, 12]);
    expect(b.grad!.data()[0]).toBe(0);
    expect(b.grad!.data()[1]).toBeCloseTo(8 * Math.log(2), 12);
  });

  it('where: gradient to the chosen side, with broadcasting of cond, a and b', () => {
    const cond = L.tensor([[true], [false], [true]]);
    expectBoth((a, b) => L.where(cond, a.mul(a), b.mul(b)), [leaf([3, 4]), leaf([4])]);
    expectBoth((a) => L.where(cond, a.square(), 0), [leaf([1, 4])]);
    expectBoth((b) => L.where(L.tensor([false, true]), 2, b.exp()), [leaf([3, 2])]);
    const a = leaf([3, 2]), b = leaf([2]);
    L.where(L.tensor([[true, false], [true, true], [false, false]]), a, b).sum().backward();
    expect(Array.from(a.grad!.data())).toEqual([1, 0, 1, 1, 0, 0]);
    expect(Array.from(b.grad!.data())).toEqual([1, 2]);
  });

  it('mixed float32 and float64 operands: each gradient has its input dtype', () => {
    const a = L.randn([3], { requiresGrad: true });
    const b = L.randn([3], { dtype: 'float64', requiresGrad: true });
    const y = a.mul(b);
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
  });
});

/** Keeps TypeScript from flagging the shared Tensor import as unused when tests change. */
export type { Tensor };

describe('binary ops build only the gradients that are needed', () => {
  // A mask, a scalar or a constant operand needs no gradient: building it anyway cost a full
  // product and a reduction to its shape per backward (dropout's and stochastic depth's masks).
  it.each([
    ['add', (x: L.Tensor, c: L.Tensor) => L.add(x, c)],
    ['sub', (x: L.Tensor, c: L.Tensor) => L.sub(c, x)],
    ['mul', (x: L.Tensor, c: L.Tensor) => L.mul(x, c)],
    ['div', (x: L.Tensor, c: L.Tensor) => L.div(c, x)],
    ['pow', (x: L.Tensor, c: L.Tensor) => L.pow(x, c)],
    ['maximum', (x: L.Tensor, c: L.Tensor) => L.maximum(x, c)],
  ])('%s: no tensor is made for the constant operand, and x gets its gradient', (_name, f) => {
    const x = L.rand([4, 5], { requiresGrad: true }).add(0.5).detach().requiresGrad_(true);
    const c = L.rand([4, 1]).add(0.5);
    const y = f(x, c).sum();
    const count = (): number => L.memory().numTensors;
    // Reference: the same backward with c also requiring grad makes the extra tensors.
    const cg = c.detach().requiresGrad_(true);
    const y2 = f(x.detach().requiresGrad_(true), cg).sum();
    const before2 = count();
    y2.backward();
    const made2 = count() - before2;
    const before = count();
    y.backward();
    const made = count() - before;
    expect(x.grad).not.toBeNull();
    expect(c.grad ?? null).toBeNull();
    expect(made).toBeLessThan(made2);
  });
});
