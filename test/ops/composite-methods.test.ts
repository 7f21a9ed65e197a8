/** The composite ops as tensor methods: each method gives exactly what its function gives. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const same = (a: L.Tensor, b: L.Tensor) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(Array.from(a.values)).toEqual(Array.from(b.values));
};

describe('composite ops as tensor methods', () => {
  it('each method equals its function', () => {
    L.manualSeed(3);
    const x = L.randn([3, 4]), y = L.randn([3, 4]), v = L.randn([4]), w = L.randn([3]);
    const m = L.randn([4, 4]);
    const mask = L.rand([3, 4]).gt(0.5);
    const special = L.tensor([1, NaN, Infinity, -Infinity, -2.5]);
    const p = L.rand([3, 4]).mul(0.8).add(0.1);
    same(x.maskedFill(mask, -1), L.maskedFill(x, mask, -1));
    same(x.repeat([2, 1, 2]), L.repeat(x, [2, 1, 2]));
    same(x.tile([2]), L.tile(x, [2]));
    same(x.repeatInterleave(2, 1), L.repeatInterleave(x, 2, 1));
    same(v.expandAs(x), L.expandAs(v, x));
    same(v.broadcastTo([2, 4]), L.broadcastTo(v, [2, 4]));
    same(x.movedim(0, 1), L.movedim(x, 0, 1));
    same(x.unflatten(1, [2, 2]), L.unflatten(x, 1, [2, 2]));
    same(m.diagonal(1), L.diagonal(m, 1));
    same(v.diag(), L.diag(v));
    same(m.trace(), L.trace(m));
    same(w.outer(v), L.outer(w, v));
    same(w.kron(v), L.kron(w, v));
    same(x.lerp(y, 0.25), L.lerp(x, y, 0.25));
    same(x.addcmul(y, x, { value: 0.5 }), L.addcmul(x, y, x, { value: 0.5 }));
    same(x.addcdiv(y, p, { value: 2 }), L.addcdiv(x, y, p, { value: 2 }));
    same(special.nanToNum({ nan: 7 }), L.nanToNum(special, { nan: 7 }));
    same(p.logit(1e-6), L.logit(p, 1e-6));
    same(x.isclose(y), L.isclose(x, y));
    expect(x.allclose(x.add(1e-9))).toBe(true);
    expect(x.equal(x.clone())).toBe(true);
    expect(x.equal(y)).toBe(false);
    const sq = L.randn([2, 3, 3], { dtype: 'float64' }).add(L.eye(3, 3, { dtype: 'float64' }).mul(3));
    same(sq.det(), L.linalg.det(sq));
    same(sq.inverse(), L.linalg.inv(sq));
    same(sq.slogdet().logabsdet, L.linalg.slogdet(sq).logabsdet);
    same(sq.pinverse(), L.linalg.pinv(sq));
    for (const name of ['trunc', 'frac', 'isnan', 'isinf', 'isfinite'] as const) same(special[name](), L[name](special));
    for (const name of ['logaddexp', 'xlogy', 'fmod', 'remainder', 'floorDivide'] as const) same(x[name](p), L[name](x, p));
  });
});
