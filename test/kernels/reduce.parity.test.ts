/**
 * Reductions (the `reduce` and `argReduce` kernels) through the public API:
 * native vs reference on every ISA, float32/float64/int32, along each dim,
 * several dims, keepdim and whole-tensor, with empty and size-1 dims, NaN,
 * ±inf, sizes that are not multiples of a SIMD width and one large input.
 * Also: the result does not depend on the thread count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, expectBackendsAgree, onBackend, withIsa } from '../helpers/backends';

type DT = 'float32' | 'float64' | 'int32';

const SHAPES: number[][] = [[], [0], [1], [7], [17], [33, 5], [2, 1, 3], [4, 0, 3], [3, 17, 2], [2, 3, 4, 5]];

/** Random data with NaN / ±inf in a few places (floats) or small integers (int32). */
function sample(shape: number[], dtype: DT, seed: number, specials = true): L.Tensor {
  L.manualSeed(seed);
  if (dtype === 'int32') return L.randint(-6, 7, shape);
  const x = L.randn(shape, { dtype }).mul(2);
  if (specials && x.size > 20) {
    const v = x.values;
    v[3] = NaN;
    v[11] = Infinity;
    v[x.size - 2] = -Infinity;
  }
  return x;
}

/** Every way of choosing `dim` for a tensor of rank n: undefined, each dim (also negative), pairs, all. */
function dimChoices(n: number): (number | number[] | undefined)[] {
  const out: (number | number[] | undefined)[] = [undefined];
  for (let d = 0; d < n; d++) out.push(d, d - n);
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) out.push([a, b]);
  if (n >= 3) out.push([0, n - 1, 1]);
  if (n >= 1) out.push(Array.from({ length: n }, (_, i) => i));
  return out;
}

function expectSame(name: string, fn: () => L.Tensor, tol: number): void {
  expectBackendsAgree(name, fn, tol);
}

const tolOf = (dtype: DT): number => (dtype === 'float64' ? 1e-13 : dtype === 'float32' ? 2e-6 : 0);

const SUM_LIKE = {
  sum: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.sum(x, d, { keepdim: k }),
  mean: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.mean(x, d, { keepdim: k }),
  prod: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.prod(x, d, { keepdim: k }),
  logsumexp: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.logsumexp(x, d, { keepdim: k }),
};
const EXTREMA = {
  amax: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.amax(x, d, { keepdim: k }),
  amin: (x: L.Tensor, d: number | number[] | undefined, k: boolean) => L.amin(x, d, { keepdim: k }),
};

describe.runIf(nativeAddon() !== null)('reduction parity: native vs reference', () => {
  const threads = L.getNumThreads();
  afterAll(() => L.setNumThreads(threads));

  it('the addon exports the reduce op list of the TS code', async () => {
    const { REDUCE_OPS } = await import('../../src/backend/opcodes');
    expect(nativeAddon()!.opNames().reduce).toEqual([...REDUCE_OPS]);
  });

  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      it(`sum/mean/prod/logsumexp/amax/amin over every dim choice, ${dtype} (${isa})`, () => withIsa(isa, () => {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, k);
          for (const dim of dimChoices(shape.length)) {
            for (const keepdim of [false, true]) {
              const tag = `${dtype}${JSON.stringify(shape)} dim=${JSON.stringify(dim)} keepdim=${keepdim}`;
              for (const [name, f] of Object.entries(SUM_LIKE)) {
                // prod of many values overflows float32; both sides must then agree on ±inf/0 anyway.
                expectSame(`${name} ${tag}`, () => f(x, dim, keepdim), tolOf(dtype) * (name === 'mean' ? 1 : 4));
              }
              const dims = dim === undefined ? shape.map((_, i) => i) : Array.isArray(dim) ? dim : [dim];
              const reducesEmpty = dims.some((d) => shape[(d + shape.length) % Math.max(shape.length, 1)] === 0);
              for (const [name, f] of Object.entries(EXTREMA)) {
                if (reducesEmpty) expect(() => f(x, dim, keepdim), `${name} ${tag}`).toThrow(L.ShapeError);
                else expectSame(`${name} ${tag}`, () => f(x, dim, keepdim), 0);
              }
            }
          }
        }
      }));

      it(`max/min/argmax/argmin along each dim, ${dtype} (${isa})`, () => withIsa(isa, () => {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, 100 + k);
          for (let d = -Math.max(shape.length, 1); d < Math.max(shape.length, 1); d++) {
            if (shape.length > 0 && shape[(d + shape.length) % shape.length] === 0) {
              expect(() => L.max(x, d), `max of empty dim ${d} of ${shape}`).toThrow(L.ShapeError);
              continue;
            }
            for (const keepdim of [false, true]) {
              const tag = `${dtype}${JSON.stringify(shape)} dim=${d} keepdim=${keepdim}`;
              for (const isMax of [true, false]) {
                const f = isMax ? L.max : L.min;
                const ref = onBackend('reference', () => f(x, d, { keepdim }));
                const nat = onBackend('native', () => f(x, d, { keepdim }));
                expect(nat.values.shape, tag).toEqual(ref.values.shape);
                expect(Array.from(nat.indices.values), `${isMax ? 'max' : 'min'} indices ${tag}`).toEqual(Array.from(ref.indices.values));
                expect(closeness(nat.values.values, ref.values.values, 0, 0), `${isMax ? 'max' : 'min'} values ${tag}`).toBeLessThanOrEqual(1);
                const arg = isMax ? L.argmax : L.argmin;
                expectSame(`arg ${tag}`, () => arg(x, d, { keepdim }), 0);
              }
            }
          }
          if (x.size > 0) {
            expectSame(`argmax whole ${shape}`, () => L.argmax(x), 0);
            expectSame(`argmin whole ${shape}`, () => L.argmin(x), 0);
            expectSame(`max whole ${shape}`, () => L.max(x), 0);
            expectSame(`min whole ${shape}`, () => L.min(x), 0);
          }
        }
      }));
    }

    it(`bool inputs: sum counts, max/argmax work (${isa})`, () => withIsa(isa, () => {
      L.manualSeed(5);
      const m = L.rand([6, 17]).gt(0.5);
      expectSame('sum bool', () => L.sum(m, 1), 0);
      expectSame('sum bool all', () => L.sum(m), 0);
      const ref = onBackend('reference', () => L.max(m, 1));
      const nat = onBackend('native', () => L.max(m, 1));
      expect(Array.from(nat.indices.values)).toEqual(Array.from(ref.indices.values));
      expect(Array.from(nat.values.values)).toEqual(Array.from(ref.values.values));
    }));

    it(`large inputs, not multiples of a SIMD width (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const flat = sample([1000003], dtype, 7, false);
        for (const name of ['sum', 'mean', 'logsumexp'] as const) expectSame(`${name} ${dtype} [1000003]`, () => L[name](flat), tolOf(dtype) * 4);
        expectSame(`amax ${dtype} [1000003]`, () => L.amax(flat), 0);
        expectSame(`argmin ${dtype} [1000003]`, () => L.argmin(flat), 0);
        const m = flat.narrow(0, 0, 333 * 301).reshape([333, 301]);
        for (const dim of [0, 1]) {
          expectSame(`sum ${dtype} [333,301] dim ${dim}`, () => L.sum(m, dim), tolOf(dtype) * 4);
          expectSame(`logsumexp ${dtype} [333,301] dim ${dim}`, () => L.logsumexp(m, dim), tolOf(dtype) * 4);
          expectSame(`argmax ${dtype} [333,301] dim ${dim}`, () => L.argmax(m, dim), 0);
        }
      }
      const ints = L.randint(-1000, 1000, [100003]);
      expectSame('sum int32 [100003]', () => L.sum(ints), 0);
      expectSame('amax int32 [100003]', () => L.amax(ints), 0);
    }));
  }

  it('float sums and means do not depend on the thread count (bitwise)', () => {
    const x = sample([3, 70, 300], 'float32', 11, false), y = sample([5, 1000], 'float64', 12, false);
    const all = (): number[] => [
      ...[0, 1, 2, [0, 2]].flatMap((d) => Array.from(L.sum(x, d).values)), ...Array.from(L.mean(x, 1).values),
      L.sum(x).item(), ...Array.from(L.sum(y, 1).values), ...Array.from(L.mean(y, 0).values),
    ];
    L.setNumThreads(1);
    const one = all();
    L.setNumThreads(2);
    expect(all()).toEqual(one);
    L.setNumThreads(threads);
  });

  it('int32 sums and products that overflow wrap the same way on both backends', () => {
    // Expected: PyTorch's int64 result cast to int32, i.e. the value modulo 2^32.
    const cases: [string, () => L.Tensor, number][] = [
      ['prod 5^30', () => L.prod(L.full([30], 5, { dtype: 'int32' })), 433305513],
      ['prod 5^40', () => L.prod(L.full([40], 5, { dtype: 'int32' })), -1413876383],
      ['sum 40 * 2^30', () => L.sum(L.full([40], 2 ** 30, { dtype: 'int32' })), 0],
      ['sum 3 * (2^31 - 1)', () => L.sum(L.full([3], 2 ** 31 - 1, { dtype: 'int32' })), 2147483645],
    ];
    for (const [name, f, want] of cases) {
      expect(onBackend('reference', f).item(), `${name} reference`).toBe(want);
      expect(onBackend('native', f).item(), `${name} native`).toBe(want);
    }
    const wide = L.full([3, 40], 5, { dtype: 'int32' });
    expectSame('prod int32 [3,40] dim 1', () => L.prod(wide, 1), 0);
  });

  it('var/std/norm agree (they compose the kernels)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = sample([5, 17, 3], dtype, 9, false);
      for (const dim of [undefined, 0, 1, [0, 2]] as const) {
        const d = dim as number | number[] | undefined;
        expectSame(`var ${dtype} ${JSON.stringify(dim)}`, () => L.variance(x, d, { correction: 1 }), tolOf(dtype) * 8);
        expectSame(`std ${dtype} ${JSON.stringify(dim)}`, () => L.std(x, d, { correction: 0, keepdim: true }), tolOf(dtype) * 8);
        for (const p of [1, 2, 3, Infinity]) expectSame(`norm p=${p} ${dtype} ${JSON.stringify(dim)}`, () => L.norm(x, p, d), tolOf(dtype) * 8);
      }
    }
  });

  it('results are bitwise identical with 1 and 2 threads on large inputs', () => {
    const cases: [string, (x: L.Tensor) => L.Tensor][] = [
      ['sum all', (x) => L.sum(x)],
      ['sum dim0', (x) => L.sum(x, 0)],
      ['sum dim1', (x) => L.sum(x, 1)],
      ['mean [0,1]', (x) => L.mean(x, [0, 1])],
      ['logsumexp dim1', (x) => L.logsumexp(x, 1)],
      ['amax dim0', (x) => L.amax(x, 0)],
      ['prod dim1', (x) => L.prod(x.mul(0.01).add(1), 1)],
      ['argmax dim0', (x) => L.argmax(x, 0)],
      ['argmin dim1', (x) => L.argmin(x, 1)],
      ['var dim1', (x) => L.variance(x, 1)],
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      const x = sample([517, 1031], dtype, 11, false);
      for (const [name, f] of cases) {
        L.setNumThreads(1);
        const one = f(x);
        L.setNumThreads(2);
        const two = f(x);
        let differ = -1;
        for (let i = 0; i < one.size && differ < 0; i++) if (!Object.is(one.values[i], two.values[i])) differ = i;
        expect(differ, `${name} ${dtype}: first element that differs`).toBe(-1);
      }
    }
  });
});
