/**
 * softmax / logSoftmax (the fused `softmax` kernel) through the public API:
 * native vs reference on every ISA, float32 and float64, along each dim, with
 * empty and size-1 dims, ±inf and NaN, huge logits, large rows, int32 input
 * (promoted), and thread-count independence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, expectBackendsAgree, onBackend, withIsa } from '../helpers/backends';

const SHAPES: number[][] = [[], [0], [1], [5], [17], [33, 5], [2, 1, 3], [4, 0, 3], [3, 17, 7], [2, 3, 4, 5]];

function sample(shape: number[], dtype: 'float32' | 'float64', seed: number, scale = 3): L.Tensor {
  L.manualSeed(seed);
  return L.randn(shape, { dtype }).mul(scale);
}

function expectSame(name: string, fn: () => L.Tensor, tol: number): void {
  expectBackendsAgree(name, fn, tol);
}

/** Index of the first element whose bits differ (NaN equals NaN), or -1; cheaper than toEqual on big arrays. */
function firstBitDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const FNS = { softmax: L.softmax, logSoftmax: L.logSoftmax };

describe.runIf(nativeAddon() !== null)('softmax parity: native vs reference', () => {
  const threads = L.getNumThreads();
  afterAll(() => L.setNumThreads(threads));

  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      const tol = dtype === 'float32' ? 2e-6 : 1e-13;

      it(`along every dim, ${dtype} (${isa})`, () => withIsa(isa, () => {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, k);
          const rank = Math.max(shape.length, 1);
          for (let d = -rank; d < rank; d++) {
            for (const [name, f] of Object.entries(FNS)) expectSame(`${name} ${dtype}${JSON.stringify(shape)} dim ${d}`, () => f(x, d), tol);
          }
        }
      }));

      it(`special values: ±inf, NaN, all -inf rows, 1e4 logits, ${dtype} (${isa})`, () => withIsa(isa, () => {
        const rows = [
          [0, 1, 2, 3],
          [-Infinity, 0, 1, -Infinity],
          [-Infinity, -Infinity, -Infinity, -Infinity],
          [Infinity, 0, 1, 2],
          [NaN, 0, 1, 2],
          [1e4, -1e4, 0, 1e4],
          [-1e4, -1e4 - 1, -1e4 + 1, -1e4],
          [88, 89, 90, 710],
        ];
        const x = L.tensor(rows, { dtype });
        for (const [name, f] of Object.entries(FNS)) {
          expectSame(`${name} rows`, () => f(x, 1), tol);
          expectSame(`${name} columns`, () => f(x, 0), tol);
        }
        // Stability: large logits stay finite where a naive exp would overflow.
        const y = onBackend('native', () => L.softmax(x, 1)).toArray() as number[][];
        expect(y[5][0]).toBeCloseTo(0.5, 6);
        expect(y[6].every(Number.isFinite)).toBe(true);
      }));

      it(`large rows and many rows, not multiples of a SIMD width, ${dtype} (${isa})`, () => withIsa(isa, () => {
        const long = sample([100003], dtype, 21, 10);
        for (const [name, f] of Object.entries(FNS)) expectSame(`${name} [100003]`, () => f(long, 0), tol);
        const wide = sample([1031, 97], dtype, 22, 10);
        for (const [name, f] of Object.entries(FNS)) {
          expectSame(`${name} [1031,97] dim 1`, () => f(wide, 1), tol);
          expectSame(`${name} [1031,97] dim 0`, () => f(wide, 0), tol);
        }
      }));
    }

    it(`int32 input is promoted to float32 on both backends (${isa})`, () => withIsa(isa, () => {
      const x = L.randint(-5, 5, [6, 9]);
      for (const [name, f] of Object.entries(FNS)) expectSame(`${name} int32`, () => f(x, 1), 2e-6);
      expect(L.softmax(x, 1).dtype).toBe('float32');
    }));
  }

  it('results are bitwise identical with 1 and 2 threads', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = sample([513, 1027], dtype, 31, 5);
      for (const [name, f] of Object.entries(FNS)) {
        for (const dim of [0, 1]) {
          L.setNumThreads(1);
          const one = f(x, dim);
          L.setNumThreads(2);
          const two = f(x, dim);
          expect(firstBitDifference(two.values, one.values), `${name} ${dtype} dim ${dim}`).toBe(-1);
        }
      }
    }
  });
});
