/**
 * Data movement (the `copyStrided`, `cast`, `gather`, `scatterAdd`,
 * `indexSelect` and `indexAdd` kernels) through the public API: transpose,
 * permute, narrow, cat, stack, split, chunk, expand, indexSelect, gather,
 * scatterAdd, indexAdd and dtype casts, native vs reference on every ISA.
 * Copies must be bit-exact; the adds accumulate in the same order on both
 * sides, so they are held to exact equality too.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, onBackend, withIsa } from '../helpers/backends';

type DT = 'float32' | 'float64' | 'int32' | 'bool';
const DTYPES: DT[] = ['float32', 'float64', 'int32', 'bool'];

function sample(shape: number[], dtype: DT, seed: number): L.Tensor {
  L.manualSeed(seed);
  if (dtype === 'int32') return L.randint(-1000, 1000, shape);
  if (dtype === 'bool') return L.rand(shape).gt(0.5);
  return L.randn(shape, { dtype });
}

/** Bitwise comparison: NaN equals NaN, -0 differs from 0. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectSame(name: string, fn: () => L.Tensor | L.Tensor[]): void {
  const ref = [onBackend('reference', fn)].flat();
  const nat = [onBackend('native', fn)].flat();
  expect(nat.length, name).toBe(ref.length);
  nat.forEach((t, i) => {
    expect(t.shape, `${name} [${i}]`).toEqual(ref[i].shape);
    expect(t.dtype, `${name} [${i}]`).toBe(ref[i].dtype);
    expect(sameBits(t.values, ref[i].values), `${name} [${i}] values`).toBe(true);
  });
}

const SHAPES: number[][] = [[1], [17], [0, 3], [1, 1], [33, 5], [2, 1, 3], [3, 0, 2], [4, 17, 3], [2, 3, 4, 5]];

function int32(values: number[]): L.Tensor {
  return L.tensor(values, { dtype: 'int32' });
}

describe.runIf(nativeAddon() !== null)('copy and indexing parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    it(`transpose, permute, narrow, expand on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, k);
          const tag = `${dtype}${JSON.stringify(shape)}`;
          const n = shape.length;
          if (n >= 2) {
            expectSame(`transpose ${tag}`, () => L.transpose(x, 0, n - 1));
            expectSame(`transpose -1 -2 ${tag}`, () => L.transpose(x, -1, -2));
          }
          const reversed = shape.map((_, i) => n - 1 - i);
          expectSame(`permute reversed ${tag}`, () => L.permute(x, reversed));
          const rotated = shape.map((_, i) => (i + 1) % n);
          if (n >= 3) expectSame(`permute rotate ${tag}`, () => L.permute(x, rotated));
          for (let d = 0; d < n; d++) {
            const size = shape[d];
            if (size >= 2) expectSame(`narrow ${tag} dim ${d}`, () => L.narrow(x, d, 1, size - 1));
            expectSame(`narrow empty ${tag} dim ${d}`, () => L.narrow(x, d, size, 0));
          }
          expectSame(`expand ${tag}`, () => L.expand(x.reshape([1, ...shape]), [3, ...shape]));
          const ones = shape.map((s) => (s === 1 ? 4 : s));
          expectSame(`expand size-1 dims ${tag}`, () => L.expand(x, ones));
        }
      }
    }));

    it(`cat, stack, split, chunk on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const a = sample([3, 5, 2], dtype, 1), b = sample([3, 2, 2], dtype, 2), c = sample([3, 0, 2], dtype, 3);
        expectSame(`cat dim 1 ${dtype}`, () => L.cat([a, b, c, a], 1));
        expectSame(`cat dim -1 ${dtype}`, () => L.cat([a, a], -1));
        expectSame(`cat dim 0 ${dtype}`, () => L.cat([a, a, a], 0));
        expectSame(`stack dim 0 ${dtype}`, () => L.stack([a, a, a], 0));
        expectSame(`stack dim 3 ${dtype}`, () => L.stack([b, b], 3));
        expectSame(`stack dim 1 ${dtype}`, () => L.stack([b, b, b], 1));
        const long = sample([17, 33], dtype, 4);
        expectSame(`split 4 dim 0 ${dtype}`, () => L.split(long, 4, 0));
        expectSame(`split sections dim 1 ${dtype}`, () => L.split(long, [1, 0, 15, 17], 1));
        expectSame(`chunk 3 dim 1 ${dtype}`, () => L.chunk(long, 3, 1));
        expectSame(`chunk 5 dim 0 ${dtype}`, () => L.chunk(long, 5, 0));
      }
    }));

    it(`indexSelect and gather on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const x = sample([4, 17, 3], dtype, 5);
        expectSame(`indexSelect dim 0 ${dtype}`, () => L.indexSelect(x, 0, int32([3, 0, 0, 2])));
        expectSame(`indexSelect dim 1 ${dtype}`, () => L.indexSelect(x, 1, int32([16, 1, 5, 5, 0])));
        expectSame(`indexSelect dim 2 ${dtype}`, () => L.indexSelect(x, 2, int32([2])));
        expectSame(`indexSelect empty ${dtype}`, () => L.indexSelect(x, 1, int32([])));
        for (let d = 0; d < 3; d++) {
          const idxShape = x.shape.slice();
          idxShape[d] = 6;
          L.manualSeed(50 + d);
          const index = L.randint(0, x.shape[d], idxShape);
          expectSame(`gather dim ${d} ${dtype}`, () => L.gather(x, d, index));
        }
      }
    }));

    it(`scatterAdd and indexAdd with repeated indices, float32/float64 (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const base = sample([5, 7, 3], dtype, 6);
        for (let d = 0; d < 3; d++) {
          const idxShape = base.shape.slice();
          idxShape[d] = 9;
          L.manualSeed(60 + d);
          const index = L.randint(0, base.shape[d], idxShape);
          const src = sample(idxShape, dtype, 70 + d);
          expectSame(`scatterAdd dim ${d} ${dtype}`, () => L.scatterAdd(base, d, index, src));
          const rows = int32([0, base.shape[d] - 1, 0, 1, 0]);
          const srcShape = base.shape.slice();
          srcShape[d] = 5;
          const src2 = sample(srcShape, dtype, 80 + d);
          expectSame(`indexAdd dim ${d} ${dtype}`, () => L.indexAdd(base, d, rows, src2));
        }
        expectSame(`scatterAdd empty ${dtype}`, () => L.scatterAdd(base, 1, L.zeros([5, 0, 3], { dtype: 'int32' }), L.zeros([5, 0, 3], { dtype })));
      }
    }));

    it(`casts between every pair of dtypes, special values included (${isa})`, () => withIsa(isa, () => {
      const specials = [0, -0, 1, -1, 0.5, -0.5, 1.5, -2.7, 255.9, 256, -129, 2147483647, -2147483648, 3e9, -3e9, 1e-40, Infinity, -Infinity, NaN];
      for (const from of DTYPES) {
        let x: L.Tensor;
        if (from === 'bool') x = L.tensor(specials.map((v) => v !== 0 && !Number.isNaN(v)));
        else x = L.tensor(specials, { dtype: 'float64' }).to(from);
        for (const to of DTYPES) expectSame(`cast ${from} -> ${to}`, () => x.to(to));
      }
    }));

    it(`large copies (${isa})`, () => withIsa(isa, () => {
      const x = sample([301, 343], 'float32', 9);
      expectSame('transpose [301,343]', () => L.transpose(x, 0, 1));
      expectSame('narrow [301,343]', () => L.narrow(x, 1, 17, 300));
      expectSame('expand [301,1]->[301,343]', () => L.expand(L.narrow(x, 1, 0, 1), [301, 343]));
      const y = sample([1000003], 'float64', 10);
      expectSame('cast [1000003] float64->float32', () => y.to('float32'));
      expectSame('chunk [1000003]', () => L.chunk(y, 7, 0));
    }));
  }

  it('known values: transpose, cat, gather, scatterAdd, indexAdd', () => {
    const x = L.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(L.transpose(x, 0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(L.cat([x, x], 1).toArray()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(L.gather(x, 1, L.tensor([[2, 0], [1, 1]], { dtype: 'int32' })).toArray()).toEqual([[3, 1], [5, 5]]);
    expect(L.scatterAdd(L.zeros([2, 3]), 1, L.tensor([[0, 0], [2, 1]], { dtype: 'int32' }), L.tensor([[1, 2], [3, 4]])).toArray())
      .toEqual([[3, 0, 0], [0, 4, 3]]);
    expect(L.indexAdd(L.zeros([3, 2]), 0, int32([2, 0, 2]), L.tensor([[1, 1], [2, 2], [3, 3]])).toArray()).toEqual([[2, 2], [0, 0], [4, 4]]);
    expect(L.split(L.arange(5), 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(L.chunk(L.arange(6), 4).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
  });
});
