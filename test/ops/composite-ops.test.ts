/**
 * The composite ops (einsum, linalg-basic, elementwise-extra, shape-extra) against PyTorch 2.13:
 * every case of test/fixtures/composite_ops_torch.json, values and the gradients of
 * sum(out · r), in float64 and float32 on the native and the reference backend; then the
 * dtype rules and special values PyTorch users rely on.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { einsum } from '../../src/ops/einsum';
import * as E from '../../src/ops/elementwise-extra';
import * as LA from '../../src/ops/linalg-basic';
import * as S from '../../src/ops/shape-extra';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';
import { call, decode, fixture, num, type TypedEnc } from './composite-fixture';

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`composite ops match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 1e-5 });

  /** Float results within tolerance (non-finite elements must match exactly); int32 and bool exactly. */
  function expectMatch(actual: L.Tensor, expected: TypedEnc, dtype: Dt, what: string): void {
    const want = expected.values.map(num);
    if (expected.dtype !== 'float') {
      expect(actual.dtype, `${what} dtype`).toBe(expected.dtype);
      expect(actual.shape, `${what} shape`).toEqual(expected.shape);
      expect(Array.from(actual.values), what).toEqual(want);
      return;
    }
    const finite = want.map(Number.isFinite);
    if (finite.every(Boolean)) {
      expectClose(actual, expected as Enc, dtype, what);
      return;
    }
    expect(actual.shape, `${what} shape`).toEqual(expected.shape);
    const got = Array.from(actual.values);
    want.forEach((w, i) => { if (!finite[i]) expect(got[i], `${what}[${i}]`).toBe(w); });
    const keep = (v: number[]): number[] => v.filter((_, i) => finite[i]);
    expectClose(L.tensor(Float64Array.from(keep(got)), { dtype }), { shape: [keep(want).length], values: keep(want) }, dtype, `${what} (finite elements)`);
  }

  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`every case: values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        let checked = 0;
        for (const [name, c] of Object.entries(fixture.cases)) {
          const differentiable = c.grads !== undefined;
          const xs = c.inputs.map((e) => {
            const t = decode(e, dtype);
            return differentiable && e.dtype === 'float' ? t.requiresGrad_() : t;
          });
          const result = call[c.op](xs, c.args);
          if (typeof result === 'boolean') {
            expect(result, name).toBe(c.value);
            checked++;
            continue;
          }
          const outs = Array.isArray(result) ? result : [result];
          const expected = (dtype === 'float32' ? c.outputs32 : undefined) ?? c.outputs!;
          expect(outs.length, `${name} outputs`).toBe(expected.length);
          outs.forEach((o, k) => expectMatch(o, expected[k], dtype, `${name} output ${k}`));
          if (differentiable) {
            const leaves = xs.filter((x) => x.requiresGrad);
            const total = outs.map((o, k) => o.mul(decode(c.r![k], dtype)).sum()).reduce((p, q) => p.add(q));
            const grads = L.grad(total, leaves, { allowUnused: true });
            grads.forEach((g, i) => expectMatch(g ?? L.zerosLike(leaves[i]), c.grads![i], dtype, `${name} gradient ${i}`));
          }
          checked++;
        }
        expect(checked).toBe(Object.keys(fixture.cases).length);
      }));
    }
  }
});

describe('dtype rules', () => {
  const ints = L.tensor([-7, 0, 7], { dtype: 'int32' });

  it('isnan, isinf and isfinite give bool, also for int32 and bool inputs', () => {
    for (const x of [ints, L.tensor([true, false])]) {
      expect(E.isnan(x).dtype).toBe('bool');
      expect(E.isnan(x).toArray()).toEqual(x.shape[0] === 3 ? [false, false, false] : [false, false]);
      expect(E.isinf(x).toArray()).toEqual(x.shape[0] === 3 ? [false, false, false] : [false, false]);
      expect(E.isfinite(x).toArray()).toEqual(x.shape[0] === 3 ? [true, true, true] : [true, true]);
    }
  });

  it('trunc, remainder, fmod, floorDivide and nanToNum keep int32; logit and xlogy compute int32 in float32', () => {
    expect(E.trunc(ints).dtype).toBe('int32');
    expect(E.remainder(ints, 3).toArray()).toEqual([2, 0, 1]);
    expect(E.fmod(ints, 3).toArray()).toEqual([-1, 0, 1]);
    expect(E.floorDivide(ints, 2).toArray()).toEqual([-4, 0, 3]);
    expect(E.remainder(-7, L.tensor([3, -3], { dtype: 'int32' })).toArray()).toEqual([2, -1]);
    expect(E.nanToNum(ints).toArray()).toEqual([-7, 0, 7]);
    expect(E.nanToNum(ints)).not.toBe(ints);
    expect(E.logit(L.tensor([0, 1], { dtype: 'int32' })).dtype).toBe('float32');
    expect(E.xlogy(L.tensor([0, 2], { dtype: 'int32' }), L.tensor([0, 3], { dtype: 'int32' })).toArray()).toEqual([0, Math.fround(2 * Math.log(3))]);
  });

  it('einsum, tensordot, kron, outer, diag and trace keep int32; kron and outer keep bool', () => {
    const a = L.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(einsum('ij,jk->ik', a, a).toArray()).toEqual([[7, 10], [15, 22]]);
    expect(einsum('ij,jk->ik', a, a).dtype).toBe('int32');
    expect(LA.tensordot(a, a, 1).dtype).toBe('int32');
    expect(LA.trace(a).toArray()).toEqual(5);
    expect(LA.diag(L.tensor([1, 2], { dtype: 'int32' })).toArray()).toEqual([[1, 0], [0, 2]]);
    expect(LA.diag(L.tensor([1, 2], { dtype: 'int32' })).dtype).toBe('int32');
    expect(LA.diag(L.tensor([true, false]), 1).toArray()).toEqual([[false, true, false], [false, false, false], [false, false, false]]);
    expect(LA.outer(L.tensor([true, false]), L.tensor([true, true])).toArray()).toEqual([[true, true], [false, false]]);
    expect(LA.kron(L.tensor([true, false]), L.tensor([true])).dtype).toBe('bool');
  });

  it('float operands of different widths promote in einsum and tensordot', () => {
    const a = L.ones([2, 3]), b = L.ones([3, 2], { dtype: 'float64' });
    expect(einsum('ij,jk', a, b).dtype).toBe('float64');
    expect(LA.tensordot(a, b, 1).dtype).toBe('float64');
  });

  it('maskedFill casts the value to x\'s dtype (int32 truncates) and keeps bool', () => {
    const m = L.tensor([true, false]);
    expect(E.maskedFill(L.ones([2], { dtype: 'int32' }), m, 2.7).toArray()).toEqual([2, 1]);
    expect(E.maskedFill(L.tensor([false, false]), m, 5).toArray()).toEqual([true, false]);
    expect(E.maskedFill(L.ones([2], { dtype: 'float64' }), m, -Infinity).toArray()).toEqual([-Infinity, 1]);
  });

  it('the shape ops keep the dtype', () => {
    const x = L.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(S.repeat(x, [1, 2]).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(S.repeatInterleave(x, 2, 0).toArray()).toEqual([[1, 2], [1, 2], [3, 4], [3, 4]]);
    expect(S.meshgrid(L.tensor([true, false]), L.tensor([false]))[0].dtype).toBe('bool');
  });
});

describe('special values and gradients', () => {
  it('lerp with weight 1 gives end exactly and weight 0 start exactly', () => {
    const a = L.tensor([0.1, 1e8, -3]), b = L.tensor([0.3, 1, 7]);
    expect(Array.from(E.lerp(a, b, 1).values)).toEqual(Array.from(b.values));
    expect(Array.from(E.lerp(a, b, 0).values)).toEqual(Array.from(a.values));
  });

  it('logaddexp is stable far from 0', () => {
    expect(E.logaddexp(L.tensor([1000], { dtype: 'float64' }), L.tensor([1000], { dtype: 'float64' })).item()).toBeCloseTo(1000 + Math.log(2), 10);
    expect(E.logaddexp(L.tensor([-1000], { dtype: 'float64' }), L.tensor([-1001], { dtype: 'float64' })).item()).toBeCloseTo(-1000 + Math.log1p(Math.exp(-1)), 10);
  });

  it('trunc has a zero gradient, frac a unit one, floorDivide none (PyTorch defines none)', () => {
    const x = L.tensor([-1.5, 2.7], { dtype: 'float64', requiresGrad: true });
    expect(L.grad(E.trunc(x).sum(), [x])[0]!.toArray()).toEqual([0, 0]);
    expect(L.grad(E.frac(x).sum(), [x])[0]!.toArray()).toEqual([1, 1]);
    expect(E.floorDivide(x, 2).requiresGrad).toBe(false);
  });

  it('remainder and fmod take the gradient -q with respect to b, q rounded as each op rounds', () => {
    const a = L.tensor([7, -7], { dtype: 'float64', requiresGrad: true }), b = L.tensor([2, 2], { dtype: 'float64', requiresGrad: true });
    const [ga, gb] = L.grad(E.remainder(a, b).sum(), [a, b]);
    expect(ga!.toArray()).toEqual([1, 1]);
    expect(gb!.toArray()).toEqual([-3, 4]);
    expect(L.grad(E.fmod(a, b).sum(), [b])[0]!.toArray()).toEqual([-3, 3]);
  });

  it('nanToNum defaults to the dtype\'s finite extremes, and passes the gradient only where x is finite', () => {
    expect(E.nanToNum(L.tensor([Infinity, -Infinity])).toArray()).toEqual([3.4028234663852886e38, -3.4028234663852886e38]);
    expect(E.nanToNum(L.tensor([Infinity], { dtype: 'float64' })).toArray()).toEqual([Number.MAX_VALUE]);
    const x = L.tensor([1, NaN, Infinity], { dtype: 'float64', requiresGrad: true });
    expect(L.grad(E.nanToNum(x).sum(), [x])[0]!.toArray()).toEqual([1, 0, 0]);
  });

  it('maskedFill with a 0-d tensor value sends the masked gradient to it', () => {
    const x = L.ones([2, 3], { dtype: 'float64', requiresGrad: true }), v = L.tensor(2, { dtype: 'float64', requiresGrad: true });
    const m = L.tensor([true, false, true]);
    const [gx, gv] = L.grad(E.maskedFill(x, m, v).sum(), [x, v]);
    expect(gx!.toArray()).toEqual([[0, 1, 0], [0, 1, 0]]);
    expect(gv!.item()).toBe(4);
  });

  it('cdist: the gradient at a zero distance is 0 and finite for every p, in both compute modes', () => {
    for (const mode of ['donot_use_mm_for_euclid_dist', 'use_mm_for_euclid_dist'] as const) {
      for (const p of [2, 1, 0.5, 3, Infinity]) {
        if (mode === 'use_mm_for_euclid_dist' && p !== 2) continue;
        const a = L.tensor([[1, 2], [1, 3]], { dtype: 'float64', requiresGrad: true });
        const g = L.grad(LA.cdist(a, a, p, { computeMode: mode }).sum(), [a])[0]!;
        const v = Array.from(g.values);
        expect(v.every(Number.isFinite), `p ${p} ${mode}: ${v}`).toBe(true);
        // Only the pair (0, 1) at distance 1 contributes, along the second coordinate: -2 and +2.
        expect(v, `p ${p} ${mode}`).toEqual([0, -2, 0, 2]);
      }
    }
  });

  it('cdist chooses the GEMM form for p = 2 past 25 rows, as PyTorch, and it agrees with the direct form', () => {
    L.manualSeed(3);
    const a = L.randn([30, 4], { dtype: 'float64' }), b = L.randn([5, 4], { dtype: 'float64' });
    const mm = LA.cdist(a, b), direct = LA.cdist(a, b, 2, { computeMode: 'donot_use_mm_for_euclid_dist' });
    expect(E.allclose(mm, direct, { rtol: 1e-12, atol: 1e-12 })).toBe(true);
  });

  it('allclose and isclose treat equal infinities as close and NaN only with equalNan', () => {
    const a = L.tensor([Infinity, NaN]), b = L.tensor([Infinity, NaN]);
    expect(E.isclose(a, b).toArray()).toEqual([true, false]);
    expect(E.allclose(a, b, { equalNan: true })).toBe(true);
    expect(E.equal(L.zeros([0]), L.zeros([0]))).toBe(true);
  });
});
