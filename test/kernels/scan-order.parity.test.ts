/**
 * The scan, sort, flip, roll and triangle kernels through the public ops (cumsum, cumprod, sort, argsort,
 * topk, flip, roll, tril, triu): native vs reference on every ISA, float32/float64/int32/bool, along
 * every dim (negative too), with empty and size-1 dims, NaN, ±Inf, -0, ties, lines long enough for the
 * radix sort (>= 256) and short ones, topk's partial selection, and strided lines wider than the scan's
 * 256-column block. Also: results do not depend on the thread count, and malformed calls into the raw
 * bindings throw.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { argsort, sort, topk } from '../../src/ops/order';
import { flip, roll, tril, triu } from '../../src/ops/rearrange';
import { cumprod, cumsum } from '../../src/ops/scan';
import { availableIsas, expectBackendsAgree, withIsa } from '../helpers/backends';

type DT = 'float32' | 'float64' | 'int32' | 'bool';

const SHAPES: number[][] = [[], [0], [1], [7], [17], [33, 5], [2, 1, 3], [4, 0, 3], [3, 17, 2], [2, 3, 4, 5]];

/** Random data: normal floats with NaN, ±Inf and -0 in a few places; small integers; random bools. */
function sample(shape: number[], dtype: DT, seed: number, specials = true): L.Tensor {
  L.manualSeed(seed);
  if (dtype === 'int32') return L.randint(-6, 7, shape);
  if (dtype === 'bool') return L.rand(shape).gt(0.5);
  const x = L.randn(shape, { dtype }).mul(2);
  if (specials && x.size > 20) {
    const v = x.values;
    v[3] = NaN;
    v[11] = Infinity;
    v[x.size - 2] = -Infinity;
    v[7] = -0;
    v[8] = 0;
  }
  return x;
}

/** Values with many ties (small integers as floats) and -0/+0 pairs. */
function tied(shape: number[], dtype: 'float32' | 'float64', seed: number): L.Tensor {
  L.manualSeed(seed);
  const x = L.randint(-3, 4, shape).to(dtype);
  const v = x.values;
  for (let i = 0; i < v.length; i += 5) if (v[i] === 0) v[i] = -0;
  return x;
}

function expectSame(name: string, fn: () => L.Tensor | L.Tensor[], tol = 0): void {
  const { native: nat, reference: ref } = expectBackendsAgree(name, fn, tol);
  nat.forEach((y, k) => {
    // Exact results must agree on the sign of zero too (sort keeps -0 and +0 where they were).
    if (tol === 0) Array.from(y.values).forEach((v, i) => expect(Object.is(v, ref[k].values[i]) || (Number.isNaN(v) && Number.isNaN(ref[k].values[i])), `${name} output ${k}[${i}]`).toBe(true));
  });
}

const dimsOf = (rank: number): number[] => Array.from({ length: 2 * Math.max(rank, 1) }, (_, i) => i - Math.max(rank, 1));

describe.runIf(nativeAddon() !== null)('scan/sort/flip/roll/triangle parity: native vs reference', () => {
  const threads = L.getNumThreads();
  afterAll(() => L.setNumThreads(threads));

  for (const isa of availableIsas()) {
    it(`cumsum and cumprod along every dim, float32/float64/int32/bool (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, k);
          for (const d of dimsOf(shape.length)) {
            const tag = `${dtype}${JSON.stringify(shape)} dim=${d}`;
            // Both backends accumulate in double and round each output once: equal bits.
            expectSame(`cumsum ${tag}`, () => cumsum(x, d));
            expectSame(`cumprod ${tag}`, () => cumprod(dtype === 'int32' || dtype === 'bool' ? x : x.div(2), d));
          }
        }
      }
    }));

    it(`cumsum's reverse scan (its gradient) and cumprod's gradient, with zeros (${isa})`, () => withIsa(isa, () => {
      for (const [k, shape] of [[5, 9], [3, 4, 6], [2, 300, 3]].entries()) {
        for (const dtype of ['float32', 'float64'] as const) {
          const x = sample(shape, dtype, 50 + k, false);
          const v = x.values;
          for (let i = 0; i < v.length; i += 7) v[i] = 0;
          const r = sample(shape, dtype, 60 + k, false);
          for (const d of dimsOf(shape.length)) {
            const tag = `${dtype}${JSON.stringify(shape)} dim=${d}`;
            const gradOf = (f: (t: L.Tensor) => L.Tensor) => (): L.Tensor => {
              const xl = x.detach().requiresGrad_();
              return L.grad(f(xl).mul(r).sum(), [xl])[0]!;
            };
            expectSame(`cumsum gradient ${tag}`, gradOf((t) => cumsum(t, d)));
            expectSame(`cumprod gradient ${tag}`, gradOf((t) => cumprod(t, d)), dtype === 'float32' ? 1e-6 : 1e-14);
          }
        }
      }
    }));

    it(`sort, argsort and topk along every dim, both orders, k from 0 to the dim's size (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, 100 + k);
          for (const d of dimsOf(shape.length)) {
            const tag = `${dtype}${JSON.stringify(shape)} dim=${d}`;
            for (const descending of [false, true]) {
              expectSame(`sort ${tag} descending=${descending}`, () => { const s = sort(x, d, { descending }); return [s.values, s.indices]; });
              expectSame(`argsort ${tag} descending=${descending}`, () => argsort(x, d, { descending }));
            }
            const size = shape.length ? shape[(d + shape.length) % shape.length] : 1;
            for (const kk of new Set(shape.length ? [0, 1, size >> 1, size - 1, size].filter((v) => v >= 0 && v <= size) : [1])) {
              for (const largest of [true, false]) {
                expectSame(`topk ${tag} k=${kk} largest=${largest}`, () => { const t = topk(x, kk, d, { largest }); return [t.values, t.indices]; });
              }
            }
          }
        }
      }
    }));
  }

  it('sorts long lines (the radix path) and short ones with ties, -0/+0, NaN and Inf the same way', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [k, shape] of [[4, 255], [3, 256], [600, 2], [3, 400, 2], [1, 2000]].entries()) {
        for (const x of [tied(shape, dtype, 200 + k), sample(shape, dtype, 300 + k)]) {
          for (const d of [-1, 0]) {
            for (const descending of [false, true]) {
              expectSame(`sort ${dtype}${JSON.stringify(shape)} dim=${d} descending=${descending}`, () => {
                const s = sort(x, d, { descending });
                return [s.values, s.indices];
              });
            }
            const n = x.shape[(d + x.ndim) % x.ndim];
            for (const kk of new Set([1, 10, Math.floor(n / 16), Math.floor(n / 3), n - 1].filter((v) => v <= n))) {
              expectSame(`topk ${dtype}${JSON.stringify(shape)} dim=${d} k=${kk}`, () => { const t = topk(x, kk, d); return [t.values, t.indices]; });
            }
          }
        }
      }
    }
    // int32 across the whole range: the key's sign-bit flip orders negatives first.
    L.manualSeed(9);
    const wide = L.tensor(Int32Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? -1 : 1) * ((i * 2654435761) % 2147483647)));
    expectSame('sort int32 full range', () => { const s = sort(wide); return [s.values, s.indices]; });
  });

  it('stable order: ties keep their positions, in both orders and on both sorting paths', () => {
    for (const n of [10, 300]) {
      const x = L.tensor(Array.from({ length: n }, (_, i) => [1, -0, 0, NaN, 1][i % 5]));
      for (const descending of [false, true]) {
        const { values, indices } = sort(x, { descending });
        const idx = Array.from(indices.values);
        // Within each run of equal values (NaN with NaN, -0 with +0), the indices rise.
        for (let i = 1; i < n; i++) {
          const a = values.values[i - 1], b = values.values[i];
          if (a === b || (Number.isNaN(a) && Number.isNaN(b))) expect(idx[i], `n=${n} descending=${descending} at ${i}`).toBeGreaterThan(idx[i - 1]);
        }
        expect(Number.isNaN(values.values[descending ? 0 : n - 1]), 'NaN sorts as the largest').toBe(true);
      }
    }
  });

  it('flip along every subset of dims, every dtype', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      for (const [k, shape] of [...SHAPES, [2, 3, 1, 4], [3, 1, 5], [5, 600]].entries()) {
        const x = sample(shape, dtype, 400 + k);
        const rank = shape.length;
        for (let mask = 0; mask < 1 << Math.max(rank, 1); mask++) {
          const dims = Array.from({ length: Math.max(rank, 1) }, (_, i) => i).filter((i) => mask & (1 << i));
          expectSame(`flip ${dtype}${JSON.stringify(shape)} dims=${JSON.stringify(dims)}`, () => flip(x, dims));
        }
      }
    }
  });

  it('roll along every dim and several, tril and triu with every kind of diagonal, every dtype', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      for (const [k, shape] of [[7], [3, 4], [2, 3, 5], [4, 0, 3], [1, 1], [2, 1, 6, 3]].entries()) {
        const x = sample(shape, dtype, 500 + k);
        for (const shift of [-3, 0, 1, 13]) expectSame(`roll flat ${dtype}${JSON.stringify(shape)} ${shift}`, () => roll(x, shift));
        for (let d = 0; d < shape.length; d++) expectSame(`roll dim ${d} ${dtype}${JSON.stringify(shape)}`, () => roll(x, d + 1, d - shape.length));
        expectSame(`roll dims ${dtype}${JSON.stringify(shape)}`, () => roll(x, shape.map((_, i) => 2 * i - 1), shape.map((_, i) => i)));
        if (shape.length >= 2) {
          for (const diagonal of [-7, -2, 0, 1, 5, 2 ** 31 - 1]) {
            expectSame(`tril ${dtype}${JSON.stringify(shape)} ${diagonal}`, () => tril(x, diagonal));
            expectSame(`triu ${dtype}${JSON.stringify(shape)} ${diagonal}`, () => triu(x, diagonal));
          }
        }
      }
    }
  });

  it('large inputs: strided lines wider than the scan block (256 columns), and results independent of the thread count', () => {
    const x = sample([2, 20, 600], 'float32', 600);
    const at = (n: number, f: () => L.Tensor | L.Tensor[]): L.Tensor[] => { L.setNumThreads(n); return [f()].flat(); };
    const cases: [string, () => L.Tensor | L.Tensor[]][] = [
      ['cumsum dim 1', () => cumsum(x, 1)], ['cumprod dim 0', () => cumprod(x.div(2), 0)], ['cumsum dim -1', () => cumsum(x, -1)],
      ['sort dim -1', () => { const s = sort(x, -1); return [s.values, s.indices]; }],
      ['sort dim 1', () => { const s = sort(x, 1, { descending: true }); return [s.values, s.indices]; }],
      ['topk dim -1', () => { const t = topk(x, 9); return [t.values, t.indices]; }],
      ['flip', () => flip(x, [0, 2])], ['roll', () => roll(x, [5, -7], [1, 2])], ['tril', () => tril(x, 3)],
    ];
    for (const [name, f] of cases) {
      expectSame(name, f);
      const one = at(1, f), many = at(4, f);
      one.forEach((t, i) => expect(Array.from(many[i].values), `${name} with 1 vs 4 threads`).toEqual(Array.from(t.values)));
    }
    L.setNumThreads(threads);
  });
});

describe.runIf(nativeAddon() !== null)('the raw scan/sort/flip/roll/triangle bindings refuse malformed calls', () => {
  const addon = nativeAddon()!;
  const f32 = (n: number): Float32Array => new Float32Array(n);

  it('scan: types, lengths, overlapping output', () => {
    expect(() => addon.scan(false, false, new Uint8Array(4), new Uint8Array(4), 1, 4, 1)).toThrow(/scan: x must be a Float32Array, Float64Array or Int32Array/);
    expect(() => addon.scan(false, false, f32(4), new Float64Array(4), 1, 4, 1)).toThrow(/scan: x is a Float32Array but out is a Float64Array/);
    expect(() => addon.scan(false, false, f32(4), f32(5), 1, 4, 1)).toThrow(/scan: out has 5 elements, expected 4/);
    expect(() => addon.scan(false, false, f32(6), f32(6), 2, 4, 1)).toThrow(/scan: x has 6 elements, expected 8/);
    expect(() => addon.scan(1 as unknown as boolean, false, f32(4), f32(4), 1, 4, 1)).toThrow(/scan: isProd must be a boolean/);
    expect(() => addon.scan(false, false, f32(4), f32(4), -1, 4, 1)).toThrow(/scan: outer must be an integer/);
    const buf = f32(8);
    expect(() => addon.scan(false, false, buf.subarray(0, 4), buf.subarray(2, 6), 1, 4, 1)).toThrow(/scan: out must not share memory with x/);
    // In place (out is x itself) is allowed.
    const same = Float32Array.of(1, 2, 3);
    addon.scan(false, false, same, same, 1, 3, 1);
    expect(Array.from(same)).toEqual([1, 3, 6]);
    expect(() => addon.scan(false, false, f32(2 ** 20), f32(2 ** 20), 2 ** 20, 2 ** 20, 2 ** 20)).toThrow(/more than 2\^31-1/);
  });

  it('sort: k, lengths, index type, aliasing', () => {
    expect(() => addon.sort(f32(6), f32(6), new Int32Array(6), 2, 3, 1, 4, false)).toThrow(/sort: k must be an integer in \[0, 3\]/);
    expect(() => addon.sort(f32(6), f32(4), new Int32Array(4), 2, 3, 1, 3, false)).toThrow(/sort: values has 4 elements, expected 6/);
    expect(() => addon.sort(f32(6), f32(6), new Float32Array(6), 2, 3, 1, 3, false)).toThrow(/sort: indices must be a Int32Array/);
    expect(() => addon.sort(f32(6), new Float64Array(6), new Int32Array(6), 2, 3, 1, 3, false)).toThrow(/sort: x is a Float32Array but values is a Float64Array/);
    expect(() => addon.sort(f32(6), f32(6), new Int32Array(6), 2, 3, 1, 3, 'no' as unknown as boolean)).toThrow(/sort: descending must be a boolean/);
    const x = f32(6);
    expect(() => addon.sort(x, x, new Int32Array(6), 2, 3, 1, 3, false)).toThrow(/sort: values must not share memory with x/);
    const values = Float32Array.of(0, 0), indices = Int32Array.of(0, 0);
    addon.sort(Float32Array.of(3, NaN, -1), values, indices, 1, 3, 1, 2, true);
    expect([Number.isNaN(values[0]), values[1], ...indices]).toEqual([true, 3, 1, 0]);
  });

  it('flip: lengths, types, aliasing', () => {
    expect(() => addon.flip(f32(6), f32(5), 2, 3, 1)).toThrow(/flip: out has 5 elements, expected 6/);
    expect(() => addon.flip(f32(6), new Int32Array(6), 2, 3, 1)).toThrow(/flip: x is a Float32Array but out is a Int32Array/);
    const x = f32(6);
    expect(() => addon.flip(x, x, 2, 3, 1)).toThrow(/flip: out must not share memory with x/);
    expect(() => addon.flip([1, 2] as unknown as Float32Array, f32(2), 1, 2, 1)).toThrow(/flip: x must be a typed array/);
  });

  it('roll: shift range, lengths, aliasing', () => {
    expect(() => addon.roll(f32(6), f32(6), 2, 3, 1, 3)).toThrow(/roll: shift must be an integer in \[0, 2\]/);
    expect(() => addon.roll(f32(6), f32(6), 2, 3, 1, -1)).toThrow(/roll: shift must be an integer in \[0, 2\]/);
    expect(() => addon.roll(f32(0), f32(0), 2, 0, 1, 0)).toThrow(/roll: len must be positive/);
    expect(() => addon.roll(f32(6), f32(7), 2, 3, 1, 1)).toThrow(/roll: out has 7 elements, expected 6/);
    const x = f32(6);
    expect(() => addon.roll(x, x, 2, 3, 1, 1)).toThrow(/roll: out must not share memory with x/);
    const out = new Int32Array(4);
    addon.roll(Int32Array.of(1, 2, 3, 4), out, 1, 4, 1, 1);
    expect(Array.from(out)).toEqual([4, 1, 2, 3]);
  });

  it('triangle: sizes, lengths, diagonal, aliasing', () => {
    expect(() => addon.triangle(true, f32(6), f32(6), 1, 2, 4, 0)).toThrow(/triangle: x has 6 elements, expected 8/);
    expect(() => addon.triangle(true, f32(6), f32(6), 1, 2, 3, 2 ** 31)).toThrow(/triangle: diagonal must be an integer in/);
    expect(() => addon.triangle('yes' as unknown as boolean, f32(6), f32(6), 1, 2, 3, 0)).toThrow(/triangle: lower must be a boolean/);
    const x = f32(6);
    expect(() => addon.triangle(false, x, x, 1, 2, 3, 0)).toThrow(/triangle: out must not share memory with x/);
    const out = new Float64Array(6);
    addon.triangle(false, Float64Array.of(1, 2, 3, 4, 5, 6), out, 1, 2, 3, -2147483648);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    addon.triangle(true, Float64Array.of(1, 2, 3, 4, 5, 6), out, 1, 2, 3, -1);
    expect(Array.from(out)).toEqual([0, 0, 0, 4, 0, 0]);
  });
});
