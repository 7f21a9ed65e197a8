/** Dropout, Dropout2d and StochasticDepth: training vs eval, scaling, mask structure and reproducibility. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';

const F = nn.functional;

describe('dropout family', () => {
  it('Dropout zeroes about p of the elements and scales the rest by 1/(1-p); identity in eval', () => {
    L.manualSeed(0);
    const d = new nn.Dropout(0.3);
    const x = L.ones([100000]);
    const y = d.call(x);
    const v = y.values;
    let zeros = 0, wrong = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) zeros++;
      else if (v[i] !== Math.fround(1 / 0.7)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(Math.abs(zeros / v.length - 0.3)).toBeLessThan(0.01);
    d.eval();
    expect(d.call(x)).toBe(x);
    expect(new nn.Dropout(0).call(x)).toBe(x);
    expect(Array.from(new nn.Dropout(1).call(L.ones([5])).values)).toEqual([0, 0, 0, 0, 0]);
  });

  it('the gradient is the same mask', () => {
    L.manualSeed(1);
    const x = L.randn([50], { requiresGrad: true });
    const y = F.dropout(x, 0.5);
    y.sum().backward();
    const yv = y.values, xv = x.values, g = x.grad!.values;
    for (let i = 0; i < 50; i++) expect(g[i]).toBeCloseTo(yv[i] === 0 ? 0 : 2, 6);
    for (let i = 0; i < 50; i++) if (yv[i] !== 0) expect(yv[i]).toBeCloseTo(2 * xv[i], 5);
  });

  it('a seed gives the same mask on the native and the reference backend', () => {
    const draw = (): number[] => { L.manualSeed(42); return Array.from(F.dropout(L.ones([1001]), 0.4).values); };
    const ref = onBackend('reference', draw);
    if (hasNative()) expect(onBackend('native', draw)).toEqual(ref);
    expect(draw()).toEqual(ref);
    const other = (): number[] => { L.manualSeed(43); return Array.from(F.dropout(L.ones([1001]), 0.4).values); };
    expect(other()).not.toEqual(ref);
  });

  it('Dropout2d drops whole channels', () => {
    L.manualSeed(2);
    const y = new nn.Dropout2d(0.5).call(L.ones([8, 16, 3, 3]));
    const v = y.values;
    let dropped = 0;
    for (let plane = 0; plane < 8 * 16; plane++) {
      const first = v[plane * 9];
      for (let k = 1; k < 9; k++) expect(v[plane * 9 + k]).toBe(first);
      expect([0, 2]).toContain(first);
      if (first === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(88);
    expect(new nn.Dropout2d(0.5).call(L.ones([4, 2, 2])).shape).toEqual([4, 2, 2]);
    expect(() => new nn.Dropout2d().call(L.ones([4, 4]))).toThrow(/\[N, C, H, W\] or \[C, H, W\]/);
  });

  it('StochasticDepth drops whole samples (row) or the whole batch (batch), scaled by 1/(1-p)', () => {
    L.manualSeed(3);
    const x = L.ones([400, 3, 2]);
    const row = new nn.StochasticDepth(0.25, 'row').call(x).values;
    let kept = 0;
    for (let n = 0; n < 400; n++) {
      const first = row[n * 6];
      for (let k = 1; k < 6; k++) expect(row[n * 6 + k]).toBe(first);
      if (first !== 0) { kept++; expect(first).toBeCloseTo(4 / 3, 6); }
    }
    expect(Math.abs(kept / 400 - 0.75)).toBeLessThan(0.08);
    const batch = new Set(Array.from(new nn.StochasticDepth(0.5, 'batch').call(x).values));
    expect(batch.size).toBe(1);
    expect([0, 2]).toContain([...batch][0]);
    const dp = new nn.DropPath(0.2).eval();
    expect(dp.call(x)).toBe(x);
    expect(String(new nn.DropPath(0.1))).toContain("DropPath(p=0.1, mode='row')");
    expect(() => new nn.StochasticDepth(0.1, 'col' as 'row')).toThrow(/mode must be 'row' or 'batch'/);
  });

  it('a small mask (made in one loop) has the values of the ops rand, ge, cast and mul, in both float dtypes', () => {
    // maskedScale makes masks of up to 4096 values in one loop, larger ones with ops: both are
    // rand(shape) >= p, as x's dtype, times 1/(1-p), with p and 1/(1-p) rounded to x's dtype.
    for (const dtype of ['float32', 'float64'] as const) {
      for (const p of [0.1, 1 / 3, 0.5, 0.9]) {
        for (const [shape, maskShape, run] of [
          [[128, 5], [128, 1], (x: L.Tensor) => F.stochasticDepth(x, p, 'row')],
          [[7, 3], [1, 1], (x: L.Tensor) => F.stochasticDepth(x, p, 'batch')],
          [[30, 40], [30, 40], (x: L.Tensor) => F.dropout(x, p)],
        ] as [number[], number[], (x: L.Tensor) => L.Tensor][]) {
          L.manualSeed(11);
          const x = L.randn(shape, { dtype });
          L.manualSeed(12);
          const got = run(x);
          L.manualSeed(12);
          const mask = L.mul(L.to(L.ge(L.rand(maskShape, { dtype }), p), dtype), 1 / (1 - p));
          expect(Array.from(got.values), `${dtype} p=${p} [${shape}]`).toEqual(Array.from(L.mul(x, mask).values));
        }
      }
    }
  });

  it('rejects p outside [0, 1] and non-float inputs', () => {
    expect(() => new nn.Dropout(1.5)).toThrow(/Dropout: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => new nn.Dropout(-0.1)).toThrow(L.ArgumentError);
    expect(() => F.dropout(L.ones([2], { dtype: 'int32' }), 0.5)).toThrow(L.DTypeError);
  });
});
