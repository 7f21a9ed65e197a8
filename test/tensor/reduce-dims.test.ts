// Reductions over several dims, adjacent ones merged into one kernel pass (src/ops/reduce.ts,
// mergeAdjacent): checked against nested loops written out here, on both backends, with keepdim
// and gradients, so that the merge is not only checked against itself.
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { onBackend, hasNative } from '../helpers/backends';

const SHAPE = [3, 4, 5, 6];

function naive(x: Float64Array, dims: number[], op: 'sum' | 'mean' | 'amax' | 'logsumexp'): number[] {
  const [a, b, c, d] = SHAPE;
  const keep = SHAPE.map((s, i) => (dims.includes(i) ? 1 : s));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) for (let l = 0; l < d; l++) {
    const idx = [i, j, k, l].map((v, n) => (dims.includes(n) ? 0 : v));
    const key = ((idx[0] * keep[1] + idx[1]) * keep[2] + idx[2]) * keep[3] + idx[3];
    const list = groups.get(key) ?? [];
    list.push(x[((i * b + j) * c + k) * d + l]);
    groups.set(key, list);
  }
  return [...groups.keys()].sort((p, q) => p - q).map((key) => {
    const v = groups.get(key)!;
    const s = v.reduce((p, q) => p + q, 0);
    if (op === 'sum') return s;
    if (op === 'mean') return s / v.length;
    const m = Math.max(...v);
    return op === 'amax' ? m : m + Math.log(v.reduce((p, q) => p + Math.exp(q - m), 0));
  });
}

describe('reductions over several dims (adjacent dims in one pass)', () => {
  const backends = hasNative() ? (['reference', 'native'] as const) : (['reference'] as const);
  for (const be of backends) {
    it(`sum, mean, amax and logsumexp match nested loops for every dim set (${be})`, () => onBackend(be, () => {
      L.manualSeed(3);
      const x = L.randn(SHAPE, { dtype: 'float64' });
      const sets = [[0, 2, 3], [1, 2], [0, 1, 3], [2, 3], [0, 1, 2], [0, 3], [1], [1, 2, 3]];
      for (const dims of sets) {
        for (const op of ['sum', 'mean', 'amax', 'logsumexp'] as const) {
          const got = L[op](x, dims, { keepdim: true });
          expect(got.shape).toEqual(SHAPE.map((s, i) => (dims.includes(i) ? 1 : s)));
          const want = naive(x.values as Float64Array, dims, op);
          Array.from(got.values).forEach((v, i) => expect(v, `${op} ${JSON.stringify(dims)} [${i}]`).toBeCloseTo(want[i], 12));
          expect(L[op](x, dims).shape).toEqual(SHAPE.filter((_, i) => !dims.includes(i)));
        }
      }
    }));

    it(`a conv bias gradient (sum over [0, 2, 3]) and its backward (${be})`, () => onBackend(be, () => {
      L.manualSeed(4);
      const x = L.randn([4, 3, 5, 7], { requiresGrad: true });
      const s = L.sum(x, [0, 2, 3]);
      expect(s.shape).toEqual([3]);
      const v = x.values as Float32Array;
      for (let c = 0; c < 3; c++) {
        let want = 0;
        for (let n = 0; n < 4; n++) for (let k = 0; k < 35; k++) want += v[(n * 3 + c) * 35 + k];
        expect(s.values[c]).toBeCloseTo(want, 4);
      }
      const [g] = L.grad(L.sum(L.mul(s, L.tensor([1, 2, 3]))), [x]);
      for (let i = 0; i < g!.size; i++) expect(g!.values[i]).toBe(1 + (Math.floor(i / 35) % 3));
    }));
  }
});
