/**
 * Known values of each op family against PyTorch (fixtures from
 * test/fixtures/generators/foundation_torch.py) or hand-computed numbers, on
 * the reference backend and, when it loads, the native one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { closeness, onBackend } from '../helpers/backends';

interface Encoded { shape: number[]; values: (number | string)[] }
const FIX = JSON.parse(readFileSync(join(__dirname, '../fixtures/foundation_torch.json'), 'utf8'));
const dec = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const decAll = (vs: (number | string)[]): number[] => vs.map(dec);
const fromFix = (e: Encoded, dtype: L.DType = 'float64'): L.Tensor => L.tensor(decAll(e.values), { dtype }).reshape(e.shape);

function expectClose(actual: L.Tensor, expected: (number | string)[], tol: number, tag: string): void {
  expect(closeness(actual.values, decAll(expected), tol, tol), `${tag}: got ${Array.from(actual.values)}, want ${expected}`).toBeLessThanOrEqual(1);
}

const BACKENDS = nativeAddon() !== null ? (['reference', 'native'] as const) : (['reference'] as const);

for (const be of BACKENDS) {
  const run = <T>(fn: () => T): T => onBackend(be, fn);

  describe(`known values (${be} backend)`, () => {
    it('var and std with correction 0, 1, 2 over all dims and along each', () => run(() => {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = fromFix(FIX.var_std.x, dtype);
        const tol = dtype === 'float64' ? 1e-12 : 2e-6;
        for (const c of FIX.var_std.cases as { dim: number | null; correction: number; var: Encoded; std: Encoded }[]) {
          const dim = c.dim ?? undefined;
          const tag = `${dtype} dim=${c.dim} correction=${c.correction}`;
          const v = L.variance(x, dim, { correction: c.correction });
          expect(v.shape, tag).toEqual(c.var.shape);
          expectClose(v, c.var.values, tol, `var ${tag}`);
          expectClose(L.std(x, dim, { correction: c.correction }), c.std.values, tol, `std ${tag}`);
        }
      }
      // Default correction is 1 (unbiased), keepdim keeps the reduced dim.
      expect(L.variance(L.tensor([1, 2, 3, 4])).item()).toBeCloseTo(5 / 3, 6);
      expect(L.std(L.tensor([[1, 3], [5, 7]]), 1, { keepdim: true }).shape).toEqual([2, 1]);
    }));

    it('max/min along a dim give values and indices; NaN wins, first index on ties', () => run(() => {
      const m = FIX.max_min;
      const x = fromFix(m.x, 'float32');
      const mx = L.max(x, 1);
      expectClose(mx.values, m.max.values, 0, 'max values');
      expect(Array.from(mx.indices.values)).toEqual(m.max.indices);
      expect(mx.indices.dtype).toBe('int32');
      const mn = L.min(x, 1);
      expectClose(mn.values, m.min.values, 0, 'min values');
      expect(Array.from(mn.indices.values)).toEqual(m.min.indices);
      const m0 = L.max(x, 0);
      expectClose(m0.values, m.max0.values, 0, 'max dim 0');
      expect(Array.from(m0.indices.values)).toEqual(m.max0.indices);
      expectClose(L.amax(x, 1), m.amax, 0, 'amax');
      expect(Number.isNaN(L.max(x).item())).toBe(true);
      expect(L.max(x, 1, { keepdim: true }).values.shape).toEqual([4, 1]);
    }));

    it('argmax/argmin ties pick the first index', () => run(() => {
      const t = FIX.argmax_ties;
      const x = fromFix(t.x, 'float32');
      expect(Array.from(L.argmax(x, 1).values)).toEqual(t.argmax1);
      expect(Array.from(L.argmin(x, 1).values)).toEqual(t.argmin1);
      expect(Array.from(L.argmax(x, 0).values)).toEqual(t.argmax0);
      expect(L.argmax(x).item()).toBe(t.argmaxAll);
      expect(L.argmax(L.tensor([1, 1, 1], { dtype: 'int32' })).item()).toBe(0);
    }));

    it('logsumexp handles -inf rows, +inf, and huge values without overflow', () => run(() => {
      const x = fromFix(FIX.logsumexp.x);
      expectClose(L.logsumexp(x, 1), FIX.logsumexp.dim1, 1e-13, 'logsumexp');
      const f32 = L.logsumexp(L.tensor([1e4, 1e4]), 0).item();
      expect(f32).toBeCloseTo(1e4 + Math.LN2, 2);
      expect(L.logsumexp(L.zeros([0])).item()).toBe(-Infinity);
    }));

    it('softmax and logSoftmax stay finite and exact with 1e4 logits', () => run(() => {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = fromFix(FIX.softmax.x, dtype);
        const tol = dtype === 'float64' ? 1e-13 : 2e-6;
        const s = L.softmax(x, 1);
        expectClose(s, FIX.softmax.softmax1, tol, `softmax ${dtype}`);
        expectClose(L.logSoftmax(x, 1), FIX.softmax.logSoftmax1, dtype === 'float64' ? 1e-12 : 1e-3, `logSoftmax ${dtype}`);
        expect(Array.from(s.values).every(Number.isFinite)).toBe(true);
        // Rows sum to one.
        Array.from(L.sum(s, 1).values).forEach((v) => expect(v).toBeCloseTo(1, 6));
      }
    }));

    it('norm for p = 1, 2, inf, 3 over all dims and along each', () => run(() => {
      const x = fromFix(FIX.norm.x);
      for (const c of FIX.norm.cases as (Encoded & { p: number | string; dim: number | null })[]) {
        const p = dec(c.p);
        const got = L.norm(x, p, c.dim ?? undefined);
        expect(got.shape, `p=${p} dim=${c.dim}`).toEqual(c.shape);
        expectClose(got, c.values, 1e-12, `norm p=${p} dim=${c.dim}`);
      }
      expect(L.norm(L.tensor([3, 4])).item()).toBe(5);
    }));

    it('round is half-to-even, like torch.round', () => run(() => {
      const x = L.tensor(decAll(FIX.round.x), { dtype: 'float64' });
      const y = L.round(x);
      decAll(FIX.round.y).forEach((v, i) => expect(Object.is(y.values[i], v) || y.values[i] === v, `round(${FIX.round.x[i]}) = ${y.values[i]}, want ${v}`).toBe(true));
      expect(L.round(L.tensor([0.5, 1.5, 2.5, -0.5])).toArray()).toEqual([0, 2, 2, -0]);
    }));

    it('gelu: exact (erf) and tanh approximation', () => run(() => {
      const x = L.tensor(decAll(FIX.gelu.x), { dtype: 'float64' });
      expectClose(L.gelu(x), FIX.gelu.none, 1e-12, 'gelu exact');
      expectClose(L.gelu(x, { approximate: 'tanh' }), FIX.gelu.tanh, 1e-12, 'gelu tanh');
      // The two differ measurably somewhere (they are not the same function).
      const diff = L.amax(L.abs(L.sub(L.gelu(x), L.gelu(x, { approximate: 'tanh' })))).item();
      expect(diff).toBeGreaterThan(1e-5);
    }));

    it('where broadcasts cond, a and b', () => run(() => {
      const cond = L.tensor([[true], [false], [true]]);
      const y = L.where(cond, L.tensor([1, 2, 3, 4]), L.tensor([[10], [20], [30]]));
      expect(y.shape).toEqual(FIX.where.y.shape);
      expect(Array.from(y.values)).toEqual(decAll(FIX.where.y.values));
      expect(L.where(L.tensor([true, false]), 1, 0).toArray()).toEqual([1, 0]);
      expect(L.where(L.tensor([true, false]), L.tensor([1.5, 2.5], { dtype: 'float64' }), 0).dtype).toBe('float64');
    }));

    it('int32 arithmetic wraps like int32 and promotes like PyTorch', () => run(() => {
      const f = FIX.int32;
      const a = L.tensor(f.a, { dtype: 'int32' }), b = L.tensor(f.b, { dtype: 'int32' });
      for (const op of ['add', 'sub', 'mul'] as const) {
        const y = L[op](a, b);
        expect(y.dtype, op).toBe('int32');
        expect(Array.from(y.values), op).toEqual(f[op]);
      }
      const q = L.div(a, b);
      expect(q.dtype).toBe(f.divDtype);
      expectClose(q, f.div, 1e-7, 'int div');
      expect(L.add(a, 2).dtype).toBe(f.addDtype);
      const half = L.add(a, 0.5);
      expect(half.dtype).toBe(f.addFloatDtype);
      expectClose(half, f.addFloat, 1e-7, 'int + 0.5');
      expect(Array.from(L.mul(a, 3).values)).toEqual(f.mulInt);
      expect(L.add(a, L.tensor([1], { dtype: 'float64' })).dtype).toBe(f.promoteF64);
      expect(L.add(L.tensor([true]), L.tensor([true])).dtype).toBe('int32');
      expect(L.sum(L.tensor([2147483647, 1], { dtype: 'int32' })).item()).toBe(-2147483648);
      expect(L.mean(a).dtype).toBe('float32');
    }));

    it('comparisons give bool, NaN compares unequal', () => run(() => {
      const a = L.tensor([1, 2, NaN, 4]), b = L.tensor([1, 3, NaN, 0]);
      for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
        const y = L[op](a, b);
        expect(y.dtype, op).toBe('bool');
        expect(y.toArray(), op).toEqual(FIX.compare[op]);
      }
      expect(L.gt(L.tensor([1, 2, 3], { dtype: 'int32' }), 1.5).toArray()).toEqual([false, true, true]);
      expect(L.logicalAnd(L.tensor([1, 0, 2]), L.tensor([true, true, false])).toArray()).toEqual([true, false, false]);
      expect(L.logicalNot(L.tensor([0, 3])).toArray()).toEqual([true, false]);
    }));

    it('hand-computed values of the remaining families', () => run(() => {
      const x = L.tensor([[1, 2, 3], [4, 5, 6]]);
      expect(L.sum(x, 0).toArray()).toEqual([5, 7, 9]);
      expect(L.mean(x, 1).toArray()).toEqual([2, 5]);
      expect(L.prod(x, 1, { keepdim: true }).toArray()).toEqual([[6], [120]]);
      expect(L.sum(x, [0, 1]).item()).toBe(21);
      expect(L.sum(L.zeros([2, 0]), 1).toArray()).toEqual([0, 0]);
      expect(Number.isNaN(L.mean(L.zeros([0])).item())).toBe(true);
      expect(L.prod(L.zeros([0])).item()).toBe(1);
      expect(L.clamp(L.tensor([-2, 0.5, 3]), { min: 0, max: 1 }).toArray()).toEqual([0, 0.5, 1]);
      expect(L.relu(L.tensor([-1, 2], { dtype: 'int32' })).toArray()).toEqual([0, 2]);
      expect(L.maximum(L.tensor([1, NaN]), L.tensor([2, 0])).toArray().toString()).toBe('2,NaN');
      expect(L.pow(L.tensor([2, 3], { dtype: 'int32' }), 2).toArray()).toEqual([4, 9]);
      expect(L.sigmoid(L.tensor([-1000, 0, 1000])).toArray()).toEqual([0, 0.5, 1]);
      expect(L.softplus(L.tensor([100])).item()).toBe(100);
      expect(L.leakyRelu(L.tensor([-10]), 0.1).item()).toBeCloseTo(-1, 6);
    }));
  });
}
