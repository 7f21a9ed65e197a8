/** clipGradNorm / clipGradValue against torch.nn.utils (test/fixtures/optim/clip.json). */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, clipGradNorm, clipGradValue, optim } from '../../src/index';
import fixture from '../fixtures/optim/clip.json';
import { closeness } from '../helpers/backends';

function params(): L.Tensor[] {
  return fixture.grads.map((g, i) => {
    const p = L.zeros(fixture.shapes[i]).requiresGrad_();
    p.grad = L.tensor(g).reshape(fixture.shapes[i]);
    return p;
  });
}

describe('clipGradNorm', () => {
  for (const c of fixture.norm) {
    it(`maxNorm ${c.maxNorm}, normType ${c.normType}`, () => {
      const ps = params();
      const normType = c.normType === 'Infinity' ? Infinity : (c.normType as number);
      const total = clipGradNorm(ps, c.maxNorm, { normType });
      expect(typeof total).toBe('number');
      expect(Math.abs(total - c.total) / c.total).toBeLessThan(1e-6);
      ps.forEach((p, i) => expect(closeness(p.grad!.values, c.grads[i], 1e-7, 1e-6), `grad ${i}`).toBeLessThanOrEqual(1));
    });
  }

  it('is the same function as optim.clipGradNorm, skips missing gradients and returns 0 without any', () => {
    expect(optim.clipGradNorm).toBe(clipGradNorm);
    const a = L.zeros([2]).requiresGrad_();
    expect(clipGradNorm([a], 1)).toBe(0);
    a.grad = L.tensor([3, 4]);
    expect(clipGradNorm([a, L.zeros([3]).requiresGrad_()], 1)).toBeCloseTo(5, 5);
    expect(Array.from(a.grad.values).map((x) => +x.toFixed(5))).toEqual([0.6, 0.8]);
    expect(clipGradNorm(a, 10)).toBeCloseTo(1, 5);
  });

  it('non-finite norms: NaN gradients by default, an error with errorIfNonfinite', () => {
    const a = L.zeros([2]).requiresGrad_();
    a.grad = L.tensor([Infinity, 1]);
    expect(() => clipGradNorm([a], 1, { errorIfNonfinite: true })).toThrow(/total norm of order 2 of the gradients is Infinity/);
    expect(Array.from(a.grad.values)).toEqual([Infinity, 1]);
    expect(clipGradNorm([a], 1)).toBe(Infinity);
    expect(Array.from(a.grad.values).map(Number.isNaN)).toEqual([true, false]);
  });

  it('bad arguments', () => {
    expect(() => clipGradNorm([L.zeros([1])], -1)).toThrow(ArgumentError);
    expect(() => clipGradNorm([L.zeros([1])], 1, { normType: 0 })).toThrow(/normType must be a positive number or Infinity, got 0/);
    expect(() => clipGradNorm([3 as never], 1)).toThrow(/params\[0\] must be a Tensor, got number/);
    expect(() => clipGradNorm(null as never, 1)).toThrow(/params must be a Tensor or an iterable of Tensors/);
  });
});

describe('clipGradValue', () => {
  it('matches torch.nn.utils.clip_grad_value_', () => {
    const ps = params();
    clipGradValue(ps, fixture.value.clipValue);
    ps.forEach((p, i) => expect(Array.from(p.grad!.values)).toEqual(fixture.value.grads[i]));
  });

  it('bumps the gradient version and rejects a bad clipValue', () => {
    const a = L.zeros([2]).requiresGrad_();
    a.grad = L.tensor([3, -4]);
    const v = a.grad.storage.version;
    clipGradValue([a], 1);
    expect(a.grad.storage.version).toBe(v + 1);
    expect(() => clipGradValue([a], -1)).toThrow(/clipValue must be a finite number >= 0, got -1/);
    expect(() => clipGradValue([a], NaN)).toThrow(ArgumentError);
  });
});
