/**
 * The linear-algebra kernels (cholesky, triangularSolve, luFactor, luSolve, qr, eigh, svd) through the
 * public linalg functions: native vs reference on every ISA, float32 and float64, for empty, 1x1, small,
 * non-multiple-of-SIMD-width and medium sizes, batches (empty ones included), tall and wide matrices,
 * every option (triangles, sides, unit diagonals, QR modes, full/reduced SVD, values-only paths).
 * Both backends run the same algorithms loop for loop, so the results agree to rounding. Also: results
 * do not depend on the thread count (the batch split, and the row split of one large factorisation),
 * and malformed calls into the raw bindings throw instead of reaching a kernel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import * as linalg from '../../src/ops/linalg';
import { availableIsas, expectBackendsAgree, onBackend, withIsa } from '../helpers/backends';

type Dt = 'float32' | 'float64';
const DTYPES: Dt[] = ['float32', 'float64'];
const SQUARE: number[][] = [[0, 0], [1, 1], [2, 2], [5, 5], [17, 17], [3, 4, 4], [0, 3, 3], [2, 1, 6, 6], [40, 40]];
const RECT: number[][] = [[7, 3], [3, 7], [1, 5], [5, 1], [0, 4], [4, 0], [2, 9, 4], [33, 17]];

const mT = (x: L.Tensor): L.Tensor => L.transpose(x, -2, -1);

/** Normal values made in float64 and cast, so both dtypes see the same matrices. */
function normal(shape: number[], dtype: Dt, seed: number): L.Tensor {
  L.manualSeed(seed);
  return L.randn(shape, { dtype: 'float64' }).to(dtype);
}
/** Well-conditioned: normal plus n on the diagonal. */
function dominant(shape: number[], dtype: Dt, seed: number): L.Tensor {
  const n = shape[shape.length - 1];
  L.manualSeed(seed);
  return L.randn(shape, { dtype: 'float64' }).add(L.eye(n, n, { dtype: 'float64' }).mul(n)).to(dtype);
}
function spd(shape: number[], dtype: Dt, seed: number): L.Tensor {
  const x = normal(shape, 'float64', seed), n = shape[shape.length - 1];
  return x.matmul(mT(x)).add(L.eye(n, n, { dtype: 'float64' }).mul(n)).to(dtype);
}
function symmetric(shape: number[], dtype: Dt, seed: number): L.Tensor {
  const x = normal(shape, 'float64', seed);
  return x.add(mT(x)).to(dtype);
}

const TOL: Record<Dt, number> = { float32: 1e-6, float64: 1e-12 };

function expectSame(name: string, dtype: Dt, fn: () => L.Tensor | L.Tensor[]): void {
  expectBackendsAgree(name, fn, TOL[dtype]);
}

describe.runIf(nativeAddon() !== null)('linalg kernels: native vs reference', () => {
  for (const isa of availableIsas()) {
    it(`cholesky, lower and upper (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        SQUARE.forEach((shape, i) => {
          const a = spd(shape, dtype, i);
          expectSame(`cholesky ${dtype}${JSON.stringify(shape)}`, dtype, () => [linalg.cholesky(a), linalg.cholesky(a, { upper: true })]);
        });
      }
    }));

    it(`triangularSolve: both triangles, both sides, unit diagonal, broadcast (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        SQUARE.forEach((shape, i) => {
          const a = dominant(shape, dtype, i), n = shape[shape.length - 1], batch = shape.slice(0, -2);
          for (const k of [1, 3]) {
            const left = normal([...batch, n, k], dtype, 100 + i), right = normal([...batch, k, n], dtype, 200 + i);
            for (const upper of [false, true]) {
              for (const unitriangular of [false, true]) {
                const tag = `${dtype}${JSON.stringify(shape)} k=${k} upper=${upper} unit=${unitriangular}`;
                expectSame(`solveTriangular left ${tag}`, dtype, () => linalg.solveTriangular(a, left, { upper, unitriangular }));
                expectSame(`solveTriangular right ${tag}`, dtype, () => linalg.solveTriangular(a, right, { upper, left: false, unitriangular }));
              }
            }
          }
        });
        const a = dominant([2, 1, 4, 4], dtype, 7);
        expectSame(`solveTriangular broadcast ${dtype}`, dtype, () => linalg.solveTriangular(a, normal([3, 4, 2], dtype, 8), { upper: false }));
      }
    }));

    it(`luFactor and luSolve: solve (matrix, vector, right side, broadcast), inv, det, slogdet (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        SQUARE.forEach((shape, i) => {
          const a = normal(shape, dtype, i), n = shape[shape.length - 1], batch = shape.slice(0, -2);
          const tag = `${dtype}${JSON.stringify(shape)}`;
          if (n > 0) {
            const d = dominant(shape, dtype, i);
            expectSame(`solve ${tag}`, dtype, () => [linalg.solve(d, normal([...batch, n, 3], dtype, 300 + i)), linalg.solve(d, normal([...batch, n], dtype, 400 + i))]);
            expectSame(`solve right ${tag}`, dtype, () => linalg.solve(d, normal([...batch, 2, n], dtype, 500 + i), { left: false }));
            expectSame(`inv ${tag}`, dtype, () => linalg.inv(d));
          }
          expectSame(`det and slogdet ${tag}`, dtype, () => { const s = linalg.slogdet(a); return [linalg.det(a), s.sign, s.logabsdet]; });
        });
        expectSame(`solve broadcast ${dtype}`, dtype, () => linalg.solve(dominant([3, 3], dtype, 9), normal([2, 2, 3, 1], dtype, 10)));
        // Pivoting: a zero leading entry must swap rows; a singular matrix still factors (det 0).
        expectSame(`pivoting ${dtype}`, dtype, () => [linalg.det(L.tensor([[0, 1, 2], [3, 0, 1], [1, 1, 0]], { dtype })), linalg.det(L.tensor([[1, 2], [2, 4]], { dtype }))]);
      }
    }));

    it(`qr: reduced, complete and r, tall, wide and batched (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        [...RECT, ...SQUARE].forEach((shape, i) => {
          const a = normal(shape, dtype, i);
          expectSame(`qr ${dtype}${JSON.stringify(shape)}`, dtype, () => {
            const r = linalg.qr(a), c = linalg.qr(a, { mode: 'complete' });
            return [r.Q, r.R, c.Q, c.R, linalg.qr(a, { mode: 'r' }).R];
          });
        });
        // A column already zero below the diagonal (tau = 0) and a zero matrix.
        expectSame(`qr special ${dtype}`, dtype, () => [linalg.qr(L.tensor([[2, 1], [0, 3], [0, 4]], { dtype })).R, linalg.qr(L.zeros([3, 2], { dtype })).Q]);
      }
    }));

    it(`eigh: both triangles, with and without vectors (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        SQUARE.forEach((shape, i) => {
          const a = symmetric(shape, dtype, i), raw = normal(shape, dtype, 50 + i);
          expectSame(`eigh ${dtype}${JSON.stringify(shape)}`, dtype, () => {
            const l = linalg.eigh(a), u = linalg.eigh(raw, { uplo: 'U' });
            return [l.eigenvalues, l.eigenvectors, u.eigenvalues, u.eigenvectors, linalg.eigvalsh(a), linalg.eigvalsh(raw, { uplo: 'U' })];
          });
        });
        // Repeated eigenvalues and an already diagonal matrix.
        expectSame(`eigh special ${dtype}`, dtype, () => [linalg.eigh(L.eye(4, 4, { dtype })).eigenvectors, linalg.eigh(L.tensor([[2, 0], [0, 1]], { dtype })).eigenvectors]);
      }
    }));

    it(`svd: full and reduced, values only, tall, wide and batched (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        [...RECT, ...SQUARE].forEach((shape, i) => {
          const a = normal(shape, dtype, i);
          expectSame(`svd ${dtype}${JSON.stringify(shape)}`, dtype, () => {
            const f = linalg.svd(a), r = linalg.svd(a, { fullMatrices: false });
            return [f.U, f.S, f.Vh, r.U, r.S, r.Vh, linalg.svdvals(a)];
          });
        });
        // Rank-deficient and repeated singular values.
        expectSame(`svd special ${dtype}`, dtype, () => {
          const low = linalg.svd(L.tensor([[1, 2, 1], [3, 4, 3], [5, -6, 5], [7, 8, 7]], { dtype }));
          return [low.S, linalg.svd(L.eye(3, 3, { dtype }).mul(2)).U, linalg.svdvals(L.zeros([2, 3], { dtype }))];
        });
      }
    }));
  }

  describe('results do not depend on the thread count', () => {
    const threads = L.getNumThreads();
    afterAll(() => L.setNumThreads(threads));
    const at = (n: number, f: () => L.Tensor[]): L.Tensor[] => { L.setNumThreads(n); return f(); };

    it('batches split across threads, and one large factorisation whose row updates split', () => {
      const batch = normal([9, 30, 30], 'float64', 1), sym = symmetric([9, 30, 30], 'float64', 2), pos = spd([9, 30, 30], 'float64', 3);
      const large = dominant([600, 600], 'float64', 4), largeSpd = spd([600, 600], 'float64', 5), rhs = normal([600, 2], 'float64', 6);
      const run = (): L.Tensor[] => onBackend('native', () => {
        const s = linalg.svd(batch), e = linalg.eigh(sym), q = linalg.qr(batch);
        return [s.U, s.S, s.Vh, e.eigenvalues, e.eigenvectors, q.Q, q.R, linalg.cholesky(pos), linalg.inv(batch),
          linalg.solveTriangular(pos, batch, { upper: true }), linalg.solve(large, rhs), linalg.cholesky(largeSpd)];
      });
      const one = at(1, run), many = at(3, run);
      one.forEach((t, i) => expect(Array.from(many[i].values), `output ${i} with 1 vs 3 threads`).toEqual(Array.from(t.values)));
    });
  });
});

describe.runIf(nativeAddon() !== null)('the raw linalg bindings refuse malformed calls', () => {
  const addon = nativeAddon()!;
  const f32 = (n: number): Float32Array => new Float32Array(n);
  const i32 = (n: number): Int32Array => new Int32Array(n);

  it('cholesky and triangularSolve', () => {
    expect(() => addon.cholesky(f32(4), f32(4), i32(1), 1, 2, false)).not.toThrow();
    expect(() => addon.cholesky(new Int32Array(4), f32(4), i32(1), 1, 2, false)).toThrow(/cholesky: a must be a Float32Array or Float64Array/);
    expect(() => addon.cholesky(f32(4), new Float64Array(4), i32(1), 1, 2, false)).toThrow(/cholesky: a is a Float32Array but out is a Float64Array/);
    expect(() => addon.cholesky(f32(4), f32(4), f32(1), 1, 2, false)).toThrow(/cholesky: info must be a Int32Array/);
    expect(() => addon.cholesky(f32(3), f32(3), i32(1), 1, 2, false)).toThrow(/cholesky: a has 3 elements, expected 4/);
    expect(() => addon.cholesky(f32(4), f32(4), i32(2), 1, 2, false)).toThrow(/cholesky: info has 2 elements, expected 1/);
    expect(() => addon.cholesky(f32(4), f32(4), i32(1), 1, 2, 1 as never)).toThrow(/cholesky: upper must be a boolean/);
    expect(() => addon.cholesky(f32(4), f32(4), i32(1), -1, 2, false)).toThrow(/cholesky: batch must be an integer/);
    const shared = f32(8);
    expect(() => addon.cholesky(shared.subarray(0, 4), shared.subarray(2, 6), i32(1), 1, 2, false)).toThrow(/cholesky: out must not share memory with a/);
    expect(() => addon.cholesky(f32(4), f32(4), i32(2 ** 16), 2 ** 16, 2 ** 16, false)).toThrow(/more than 2\^31-1/);
    expect(() => addon.triangularSolve(f32(4), f32(6), f32(6), 1, 2, 3, true, true, false)).not.toThrow();
    expect(() => addon.triangularSolve(f32(4), f32(5), f32(6), 1, 2, 3, true, true, false)).toThrow(/triangularSolve: b has 5 elements, expected 6/);
    expect(() => addon.triangularSolve(f32(4), f32(6), f32(6), 1, 2, 3, true, 'left' as never, false)).toThrow(/triangularSolve: left must be a boolean/);
    const b = f32(6);
    expect(() => addon.triangularSolve(f32(4), b, b, 1, 2, 3, true, true, false)).toThrow(/triangularSolve: out must not share memory with b/);
  });

  it('luFactor and luSolve (pivots are checked: one out of range would swap memory outside the output)', () => {
    expect(() => addon.luFactor(f32(4), f32(4), i32(2), i32(1), 1, 2)).not.toThrow();
    expect(() => addon.luFactor(f32(4), f32(4), i32(3), i32(1), 1, 2)).toThrow(/luFactor: pivots has 3 elements, expected 2/);
    const shared = i32(3);
    expect(() => addon.luFactor(f32(4), f32(4), shared.subarray(0, 2), shared.subarray(1, 2), 1, 2)).toThrow(/luFactor: pivots must not share memory with info/);
    expect(() => addon.luSolve(f32(4), Int32Array.of(0, 1), f32(2), f32(2), 1, 2, 1)).not.toThrow();
    expect(() => addon.luSolve(f32(4), Int32Array.of(0, 2), f32(2), f32(2), 1, 2, 1)).toThrow(/luSolve: pivots\[1\] is 2, outside \[0, 2\)/);
    expect(() => addon.luSolve(f32(4), Int32Array.of(-1, 1), f32(2), f32(2), 1, 2, 1)).toThrow(/luSolve: pivots\[0\] is -1, outside \[0, 2\)/);
    expect(() => addon.luSolve(f32(4), Int32Array.of(0, 1), new Float64Array(2), f32(2), 1, 2, 1)).toThrow(/luSolve: a is a Float32Array but b is a Float64Array/);
  });

  it('qr, eigh and svd', () => {
    expect(() => addon.qr(f32(6), f32(6), f32(4), 1, 3, 2, false)).not.toThrow();
    expect(() => addon.qr(f32(6), null, f32(4), 1, 3, 2, false)).not.toThrow();
    expect(() => addon.qr(f32(6), f32(6), f32(6), 1, 3, 2, true)).toThrow(/qr: q has 6 elements, expected 9/);
    expect(() => addon.qr(f32(6), f32(6), f32(5), 1, 3, 2, false)).toThrow(/qr: r has 5 elements, expected 4/);
    expect(() => addon.eigh(f32(4), f32(2), f32(4), i32(1), 1, 2, false)).not.toThrow();
    expect(() => addon.eigh(f32(4), f32(3), null, i32(1), 1, 2, false)).toThrow(/eigh: values has 3 elements, expected 2/);
    expect(() => addon.eigh(f32(4), f32(2), f32(3), i32(1), 1, 2, false)).toThrow(/eigh: vectors has 3 elements, expected 4/);
    expect(() => addon.svd(f32(6), f32(9), f32(2), f32(4), i32(1), 1, 3, 2, true)).not.toThrow();
    expect(() => addon.svd(f32(6), null, f32(2), null, i32(1), 1, 3, 2, true)).not.toThrow();
    expect(() => addon.svd(f32(6), f32(9), f32(2), null, i32(1), 1, 3, 2, true)).toThrow(/svd: u and vh must both be arrays or both be null/);
    expect(() => addon.svd(f32(6), f32(6), f32(2), f32(4), i32(1), 1, 3, 2, true)).toThrow(/svd: u has 6 elements, expected 9/);
    expect(() => addon.svd(f32(6), f32(6), f32(2), f32(4), i32(1), 1, 3, 2, false)).not.toThrow();
    expect(() => addon.svd(f32(6), f32(6), f32(3), f32(4), i32(1), 1, 3, 2, false)).toThrow(/svd: s has 3 elements, expected 2/);
  });
});
