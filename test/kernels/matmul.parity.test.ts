/**
 * matmul through the public API (the `gemm` kernel): native vs reference on
 * every ISA for 1-D, 2-D, batched and broadcast-batch operands, float32,
 * float64 and mixed, with empty and size-1 dims and sizes that are not
 * multiples of a SIMD width. Deeper GEMM tests (strides, alpha/beta, packing
 * edges) live in gemm.parity.test.ts.
 *
 * Tolerance: the reference accumulates in double and rounds once; a native
 * kernel accumulates in the element type, in another order, with FMA. Both
 * are within K·u·(|A||B|)_ij of the exact product (u the unit roundoff), so
 * each element is held to 2·K·u·(|A||B|)_ij.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, onBackend, withIsa } from '../helpers/backends';

const CASES: [number[], number[]][] = [
  [[5], [5]],                 // dot product
  [[17], [17, 3]],            // vector @ matrix
  [[4, 17], [17]],            // matrix @ vector
  [[1, 1], [1, 1]],
  [[3, 4], [4, 5]],
  [[17, 33], [33, 9]],
  [[33, 1], [1, 17]],         // K = 1: outer product
  [[0, 4], [4, 3]],           // M = 0
  [[3, 4], [4, 0]],           // N = 0
  [[3, 0], [0, 5]],           // K = 0: zeros
  [[2, 5, 7], [2, 7, 3]],     // batched
  [[2, 1, 3, 4], [5, 4, 6]],  // broadcast batch
  [[1, 3, 4], [7, 4, 2]],
  [[6, 5, 7], [7, 3]],        // batch @ matrix
  [[7], [2, 7, 3]],           // vector @ batch
  [[2, 3, 7], [7]],           // batch @ vector
  [[0, 3, 4], [4, 2]],        // empty batch
  [[65, 129], [129, 67]],     // larger than one register block in every dim
];

function unitRoundoff(dtype: 'float32' | 'float64'): number {
  return dtype === 'float32' ? 2 ** -24 : 2 ** -53;
}

function checkProduct(a: L.Tensor, b: L.Tensor, tag: string): void {
  const ref = onBackend('reference', () => L.matmul(a, b));
  const nat = onBackend('native', () => L.matmul(a, b));
  expect(nat.shape, tag).toEqual(ref.shape);
  expect(nat.dtype, tag).toEqual(ref.dtype);
  const bound = onBackend('reference', () => L.matmul(L.abs(a), L.abs(b))).values;
  const K = a.shape[a.ndim - 1];
  const u = unitRoundoff(nat.dtype as 'float32' | 'float64');
  const nv = nat.values, rv = ref.values;
  for (let i = 0; i < nv.length; i++) {
    const allowed = 2 * Math.max(K, 1) * u * bound[i] + 1e-300;
    if (!(Math.abs(nv[i] - rv[i]) <= allowed)) {
      expect.fail(`${tag}: element ${i} native ${nv[i]} vs reference ${rv[i]} (allowed ${allowed})`);
    }
  }
}

describe.runIf(nativeAddon() !== null)('matmul parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`shapes and broadcasting, ${dtype} (${isa})`, () => withIsa(isa, () => {
        for (const [k, [sa, sb]] of CASES.entries()) {
          L.manualSeed(k);
          const a = L.randn(sa, { dtype }), b = L.randn(sb, { dtype });
          checkProduct(a, b, `${dtype} ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`);
        }
      }));
    }

    it(`mixed float32 @ float64 promotes to float64 (${isa})`, () => withIsa(isa, () => {
      L.manualSeed(40);
      const a = L.randn([9, 13]), b = L.randn([13, 5], { dtype: 'float64' });
      checkProduct(a, b, 'mixed');
      expect(L.matmul(a, b).dtype).toBe('float64');
    }));

    it(`a large product, float32 and float64 (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        L.manualSeed(41);
        const a = L.randn([127, 301], { dtype }), b = L.randn([301, 97], { dtype });
        checkProduct(a, b, `large ${dtype}`);
      }
    }));

    it(`non-finite values propagate the same way (${isa})`, () => withIsa(isa, () => {
      const a = L.tensor([[1, 2, 3], [4, NaN, 6], [0, 0, 0]]);
      const b = L.tensor([[1, 0], [Infinity, 1], [2, 3]]);
      const ref = onBackend('reference', () => L.matmul(a, b)).toArray() as number[][];
      const nat = onBackend('native', () => L.matmul(a, b)).toArray() as number[][];
      // Row 0 meets inf; row 1 meets NaN; row 2 is 0 * inf = NaN in the first column.
      expect(nat.flat().map(String)).toEqual(ref.flat().map(String));
      expect(Number.isNaN(nat[1][0]) && Number.isNaN(nat[1][1])).toBe(true);
    }));
  }

  it('the result is the same with 1 and 2 threads', () => {
    const threads = L.getNumThreads();
    try {
      L.manualSeed(42);
      const a = L.randn([3, 129, 257]), b = L.randn([257, 131]);
      L.setNumThreads(1);
      const one = L.matmul(a, b);
      L.setNumThreads(2);
      const two = L.matmul(a, b);
      expect(Array.from(two.values)).toEqual(Array.from(one.values));
    } finally {
      L.setNumThreads(threads);
    }
  });

  it('known values and output shapes of PyTorch rules', () => {
    expect(L.matmul(L.tensor([1, 2, 3]), L.tensor([4, 5, 6])).toArray()).toBe(32);
    expect(L.matmul(L.tensor([[1, 2], [3, 4]]), L.tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(L.matmul(L.zeros([2, 1, 3, 4]), L.zeros([5, 4, 6])).shape).toEqual([2, 5, 3, 6]);
    expect(L.matmul(L.zeros([4]), L.zeros([2, 4, 3])).shape).toEqual([2, 3]);
    expect(L.matmul(L.zeros([2, 3, 4]), L.zeros([4])).shape).toEqual([2, 3]);
    expect(Array.from(L.matmul(L.ones([3, 0]), L.ones([0, 2])).values)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
