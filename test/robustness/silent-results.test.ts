/**
 * Results that used to be silently wrong, now right or refused: a createGraph
 * CTC gradient sharing a buffer that tidy() handed back to the pool, narrow()
 * (and the other documented copies) returning its input for the full range,
 * emptyCache({ limitBytes: NaN }) making the pool unbounded, int32 pow with a
 * negative exponent giving 0, and `p.grad = null` leaking one tensor per step.
 */
import { describe, expect, it } from 'vitest';
import {
  ctcLoss, emptyCache, expand, full, grad, logSoftmax, manualSeed, memory, mseLoss, narrow, permute, pow, randn, tensor, tidy, transpose,
} from '../../src/index';
import * as nn from '../../src/nn/index';
import { SGD } from '../../src/optim/sgd';

describe('a gradient never shares a buffer tidy() gave back', () => {
  it('grad(ctcLoss, { createGraph: true }) inside tidy survives the next allocation of its size', () => {
    manualSeed(4);
    const lp = logSoftmax(randn([50, 2, 10]), -1).detach().requiresGrad_();
    const targets = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 1], { dtype: 'int32' }).reshape([2, 5]);
    const g = tidy(() => grad(ctcLoss(lp, targets, [50, 50], [5, 5]), [lp], { createGraph: true })[0]!);
    const expected = grad(ctcLoss(lp, targets, [50, 50], [5, 5]), [lp])[0]!.data();
    full([50, 2, 10], 7);  // takes a pooled buffer of this size, if the gradient had lost its own
    expect(Array.from(g.data())).toEqual(Array.from(expected));
    expect(Array.from(g.data()).some((v) => v === 7)).toBe(false);
  });
});

describe('documented copies are copies, even when nothing moves', () => {
  const cases: [string, (x: ReturnType<typeof tensor>) => ReturnType<typeof tensor>][] = [
    ['narrow over the full range', (x) => narrow(x, 0, 0, 2)],
    ['permute by the identity', (x) => permute(x, [0, 1])],
    ['expand to its own shape', (x) => expand(x, [2, 3])],
    ['transpose of a 1-D tensor', () => transpose(tensor([1, 2]), 0, 1)],
  ];
  for (const [what, op] of cases) {
    it(`${what}: add_ and dispose() on the result leave x alone`, () => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      const before = Array.from(x.data());
      const y = op(x);
      expect(y).not.toBe(x);
      y.add_(100);
      y.dispose();
      expect(x.isDisposed).toBe(false);
      expect(Array.from(x.data())).toEqual(before);
    });
  }

  it('reshape to the same shape is a view (shares data) but a tensor of its own: dispose() leaves x alive', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const v = x.reshape([2, 2]);
    expect(v).not.toBe(x);
    v.add_(1);
    expect(Array.from(x.data())).toEqual([2, 3, 4, 5]);
    v.dispose();
    expect(x.isDisposed).toBe(false);
    expect(x.squeeze(0)).not.toBe(x);
  });
});

describe('refused instead of wrong', () => {
  it('emptyCache refuses a NaN, negative or non-number limit (NaN made the pool unbounded), before freeing anything', () => {
    expect(() => emptyCache({ limitBytes: NaN })).toThrow('emptyCache: limitBytes must be a number >= 0 (Infinity for no limit), got NaN');
    expect(() => emptyCache({ limitBytes: -1 })).toThrow('got -1');
    expect(() => emptyCache({ limitBytes: '5' as never })).toThrow('got string');
    emptyCache({ limitBytes: 256 * 1024 * 1024 });
  });

  it('int32 pow with a negative exponent throws as in PyTorch (it returned 0); non-negative and float exponents still work', () => {
    const xi = tensor([2, 3], { dtype: 'int32' });
    expect(() => pow(xi, -1)).toThrow('pow: integers to negative integer powers are not allowed (int32 exponent -1); cast the base to float first');
    expect(() => pow(xi, tensor([1, -2], { dtype: 'int32' }))).toThrow('int32[2] holds -2 at element 1');
    expect(() => xi.pow(-3)).toThrow(/negative integer powers/);
    expect(pow(xi, 2).toArray()).toEqual([4, 9]);
    expect(pow(xi.float(), -1).toArray()).toEqual([0.5, 1 / 3].map(Math.fround));
    expect(pow(xi, -0.5).dtype).toBe('float32');
  });
});

describe('p.grad = null frees the gradient backward() made', () => {
  it('200 steps with the PyTorch idiom keep memory().numTensors flat', () => {
    manualSeed(5);
    const model = new nn.Linear(4, 2);
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const x = randn([8, 4]), y = randn([8, 2]);
    const step = (): void => {
      for (const p of model.parameters()) p.grad = null;
      tidy(() => mseLoss(model.call(x), y).backward());
      opt.step();
    };
    step();
    const start = memory().numTensors;
    for (let i = 0; i < 200; i++) step();
    expect(memory().numTensors).toBe(start);
  });

  it('a gradient the caller assigned stays the caller\'s: clearing it does not dispose it', () => {
    const w = randn([3]).requiresGrad_();
    const mine = tensor([1, 2, 3]);
    w.grad = mine;
    w.grad = null;
    expect(mine.isDisposed).toBe(false);
    w.mul(2).sum().backward();
    const made = w.grad!;
    w.grad = tensor([0, 0, 0]);
    expect(made.isDisposed).toBe(true);
  });
});
