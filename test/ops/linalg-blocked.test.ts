/**
 * The blocked paths of the native linalg kernels (native/kernels/linalg_blocked.cc: from order 32 on,
 * Cholesky by panels with a SYRK update, recursive triangular solves and LU, QR with compact-WY block
 * reflectors, the O(n^3) work in GEMM), at orders 130, 257 and 300 and on tall and wide QR, float32 and
 * float64: native (on every ISA the CPU has) vs the reference backend (whose loops are unblocked, so
 * the two agree to rounding, and LU picks the same pivots); reconstructions (L Lᵀ = A, P A = L U, Q R = A, QᵀQ = I, A X = B,
 * A A⁻¹ = I); PyTorch's (LAPACK's) results at order 130 from test/fixtures/linalg_blocked_torch.json
 * (written by test/fixtures/generators/linalg_blocked_torch.py); the not-positive-definite and singular
 * errors at large size, naming the same minor and pivot as the reference; and results that are
 * bitwise the same with 1 and 2 threads.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as linalg from '../../src/ops/linalg';
import { luRaw } from '../../src/ops/linalg-kernels';
import { availableIsas, expectBackendsAgree, hasNative, onBackend, withIsa } from '../helpers/backends';
import { type Dt, torchFixtureChecker } from '../helpers/torch-fixture';

const DTYPES: Dt[] = ['float32', 'float64'];
const mT = (x: L.Tensor): L.Tensor => L.transpose(x, -2, -1);
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

/** Normal values made in float64 and cast, so both dtypes see the same matrices. */
function normal(shape: number[], dtype: Dt, seed: number): L.Tensor {
  L.manualSeed(seed);
  return L.randn(shape, { dtype: 'float64' }).to(dtype);
}
const eye = (n: number): L.Tensor => L.eye(n, n, { dtype: 'float64' });
/** Normal plus n on the diagonal: well-conditioned for the solvers. */
const dominant = (shape: number[], dtype: Dt, seed: number): L.Tensor =>
  normal(shape, 'float64', seed).add(eye(shape[shape.length - 1]).mul(shape[shape.length - 1])).to(dtype);
function spd(shape: number[], dtype: Dt, seed: number): L.Tensor {
  const x = normal(shape, 'float64', seed), n = shape[shape.length - 1];
  return x.matmul(mT(x)).add(eye(n).mul(n)).to(dtype);
}
/** A unit-triangular matrix that stays well-conditioned: normal / n off the diagonal. */
const unitFriendly = (n: number, dtype: Dt, seed: number): L.Tensor => normal([n, n], 'float64', seed).div(n).add(eye(n)).to(dtype);

/** max |x - y| / max |y|. */
function relativeError(x: L.Tensor, y: L.Tensor): number {
  const a = x.to('float64').values, b = y.to('float64').values;
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Native vs reference agreement: both compute in double, so float32 differs by at most an ulp or so. */
const AGREE: Record<Dt, number> = { float32: 2e-6, float64: 1e-10 };
/** Reconstruction residuals relative to the largest entry (float32 factors are rounded, then multiplied in float32). */
const RESIDUAL: Record<Dt, number> = { float32: 2e-5, float64: 1e-13 };

describe.runIf(hasNative())('blocked linalg kernels: native vs reference above the crossover, on every ISA', () => {
  for (const [isa, dtype] of availableIsas().flatMap((i) => DTYPES.map((d) => [i, d] as const))) {
    it(`cholesky, lower and upper, one matrix and a batch (${isa}, ${dtype})`, () => withIsa(isa, () => {
      for (const shape of [[130, 130], [257, 257], [2, 130, 130]]) {
        const a = spd(shape, dtype, shape[0]);
        expectBackendsAgree(`cholesky ${dtype}${JSON.stringify(shape)}`, () => [linalg.cholesky(a), linalg.cholesky(a, { upper: true })], AGREE[dtype]);
      }
    }));

    it(`solveTriangular: both triangles, both sides, unit diagonal, many and one right-hand side (${isa}, ${dtype})`, () => withIsa(isa, () => {
      for (const n of [130, 257]) {
        const a = dominant([n, n], dtype, n), unit = unitFriendly(n, dtype, n + 1);
        for (const k of [1, 40]) {
          const left = normal([n, k], dtype, 2 * n + k), right = normal([k, n], dtype, 3 * n + k);
          for (const upper of [false, true]) {
            const tag = `${dtype} n=${n} k=${k} upper=${upper}`;
            expectBackendsAgree(`solveTriangular left ${tag}`, () => [linalg.solveTriangular(a, left, { upper }), linalg.solveTriangular(unit, left, { upper, unitriangular: true })], AGREE[dtype]);
            expectBackendsAgree(`solveTriangular right ${tag}`, () => [linalg.solveTriangular(a, right, { upper, left: false }), linalg.solveTriangular(unit, right, { upper, left: false, unitriangular: true })], AGREE[dtype]);
          }
        }
      }
    }));

    it(`LU: the same pivots as the unblocked loop; solve, inv, det and slogdet (${isa}, ${dtype})`, () => withIsa(isa, () => {
      for (const n of [130, 257]) {
        const a = normal([n, n], dtype, 10 + n), d = dominant([n, n], dtype, 20 + n), b = normal([n, 3], dtype, 30 + n);
        const native = onBackend('native', () => luRaw('test', a)), reference = onBackend('reference', () => luRaw('test', a));
        expect(Array.from(native.pivots), `pivots ${dtype} n=${n}`).toEqual(Array.from(reference.pivots));
        expectBackendsAgree(`lu factors ${dtype} n=${n}`, () => luRaw('test', d).lu, AGREE[dtype]);
        expectBackendsAgree(`solve ${dtype} n=${n}`, () => [linalg.solve(d, b), linalg.solve(d, mT(b), { left: false }), linalg.inv(d)], AGREE[dtype]);
        expectBackendsAgree(`det and slogdet ${dtype} n=${n}`, () => { const s = linalg.slogdet(a); return [linalg.det(d.div(n)), s.sign, s.logabsdet]; }, AGREE[dtype]);
      }
      const batch = dominant([2, 130, 130], dtype, 5);
      expectBackendsAgree(`inv batch ${dtype}`, () => linalg.inv(batch), AGREE[dtype]);
    }));

    it(`qr: reduced, complete and r; square, tall, wide and batched (${isa}, ${dtype})`, () => withIsa(isa, () => {
      for (const shape of [[130, 130], [257, 257], [300, 130], [130, 300], [2, 130, 100]]) {
        const a = normal(shape, dtype, shape[0] + shape[1]);
        expectBackendsAgree(`qr ${dtype}${JSON.stringify(shape)}`, () => {
          const r = linalg.qr(a), c = linalg.qr(a, { mode: 'complete' });
          return [r.Q, r.R, c.Q, c.R, linalg.qr(a, { mode: 'r' }).R];
        }, AGREE[dtype]);
      }
    }));
  }
});

describe('blocked linalg kernels: reconstructions', () => {
  for (const backend of backends) {
    for (const dtype of DTYPES) {
      it(`L Lᵀ = A, P A = L U, A X = B, A A⁻¹ = I at orders 130 and 300 (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const n of [130, 300]) {
          const a = spd([n, n], dtype, n), g = normal([n, n], dtype, n + 1), b = normal([n, 5], dtype, n + 2);
          const l = linalg.cholesky(a), u = linalg.cholesky(a, { upper: true });
          expect(relativeError(l.matmul(mT(l)), a), `L Lᵀ ${n}`).toBeLessThan(RESIDUAL[dtype]);
          expect(relativeError(mT(u).matmul(u), a), `Uᵀ U ${n}`).toBeLessThan(RESIDUAL[dtype]);
          expect(Array.from(L.triu(l, 1).values).every((v) => v === 0), 'L is lower triangular').toBe(true);

          const { lu, pivots } = luRaw('test', g);
          const lower = L.tril(lu, -1).add(L.eye(n, n, { dtype })), upperU = L.triu(lu);
          const rows = Array.from({ length: n }, (_, i) => i);
          pivots.forEach((p, i) => { [rows[i], rows[p]] = [rows[p], rows[i]]; });
          const pa = L.indexSelect(g, 0, L.tensor(rows, { dtype: 'int32' }));
          expect(relativeError(lower.matmul(upperU), pa), `P A = L U ${n}`).toBeLessThan(RESIDUAL[dtype]);

          const d = dominant([n, n], dtype, n + 3);
          expect(relativeError(d.matmul(linalg.solve(d, b)), b), `A X = B ${n}`).toBeLessThan(RESIDUAL[dtype]);
          expect(relativeError(d.matmul(linalg.inv(d)), L.eye(n, n, { dtype })), `A A⁻¹ ${n}`).toBeLessThan(RESIDUAL[dtype]);
          const t = L.tril(d);
          expect(relativeError(t.matmul(linalg.solveTriangular(t, b, { upper: false })), b), `L X = B ${n}`).toBeLessThan(RESIDUAL[dtype]);
          expect(relativeError(linalg.solveTriangular(mT(t), mT(b), { upper: true, left: false }).matmul(mT(t)), mT(b)), `X U = B ${n}`)
            .toBeLessThan(RESIDUAL[dtype]);
        }
      }));

      it(`Q R = A and QᵀQ = I: square, tall, wide, complete (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [m, n] of [[257, 257], [300, 130], [130, 300]]) {
          const a = normal([m, n], dtype, m * n);
          for (const mode of ['reduced', 'complete'] as const) {
            const { Q, R } = linalg.qr(a, { mode });
            const k = Q.shape[1];
            expect(relativeError(Q.matmul(R), a), `Q R ${m}x${n} ${mode}`).toBeLessThan(RESIDUAL[dtype]);
            expect(relativeError(mT(Q).matmul(Q), L.eye(k, k, { dtype })), `QᵀQ ${m}x${n} ${mode}`).toBeLessThan(RESIDUAL[dtype]);
            expect(Array.from(L.tril(R, -1).values).every((v) => v === 0), `R is upper triangular ${m}x${n} ${mode}`).toBe(true);
          }
        }
      }));
    }
  }
});

describe('blocked linalg kernels match PyTorch (LAPACK) at order 130', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/linalg_blocked_torch.json', import.meta.url), 'utf8')) as {
    torch: string; n: number; samples: Record<string, number[]>;
  };
  const n = fixture.n;
  /** The generator's integer matrix: ((37 i + 91 j + (i j mod 13)) mod 61 - 30) / 32, exact in both dtypes. */
  function base(m: number, cols: number, dtype: Dt): L.Tensor {
    const v = new Float64Array(m * cols);
    for (let i = 0; i < m; i++) for (let j = 0; j < cols; j++) v[i * cols + j] = (((37 * i + 91 * j + ((i * j) % 13)) % 61) - 30) / 32;
    return L.tensor(v, { dtype }).reshape([m, cols]);
  }
  /** Rows 0, n/2, n-1 and the diagonal of a square matrix, or the whole tensor: the generator's sample. */
  function sample(t: L.Tensor): L.Tensor {
    if (t.ndim < 2 || t.shape[t.ndim - 1] < 8) return t.reshape([-1]);
    const rows = t.shape[0];
    const row = (i: number): L.Tensor => L.narrow(t, 0, i, 1).reshape([-1]);
    return L.cat([row(0), row(Math.floor(rows / 2)), row(rows - 1), L.diagonal(t, 0, 0, 1)]);
  }
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 1e-5 });

  for (const backend of backends) {
    for (const dtype of DTYPES) {
      it(`cholesky, solve, inv, slogdet and qr (${backend}, ${dtype}; torch ${fixture.torch})`, () => onBackend(backend, () => {
        const a = base(n, n, dtype), I = L.eye(n, n, { dtype });
        const dom = a.add(I.mul(n)), spdA = a.to('float64').matmul(mT(a.to('float64'))).add(eye(n).mul(n)).to(dtype);
        const rhs = mT(base(3, n, dtype));
        const { Q, R } = linalg.qr(dom);
        const s = L.sign(L.diagonal(R, 0, -2, -1));
        const { sign, logabsdet } = linalg.slogdet(dom);
        const outputs: Record<string, L.Tensor> = {
          cholesky: linalg.cholesky(spdA), choleskyUpper: linalg.cholesky(spdA, { upper: true }), solve: linalg.solve(dom, rhs),
          inv: linalg.inv(dom), slogdet: L.stack([sign, logabsdet]), qrQs: Q.mul(s), qrRs: L.unsqueeze(s, -1).mul(R),
        };
        for (const [name, t] of Object.entries(outputs)) {
          const got = sample(t), expected = fixture.samples[name];
          expectClose(got, { shape: [expected.length], values: expected }, dtype, `${name} (${backend})`);
        }
      }));
    }
  }
});

describe('blocked linalg kernels: errors at large size', () => {
  for (const backend of backends) {
    for (const dtype of DTYPES) {
      it(`a matrix that is not positive-definite names its minor; a singular one its pivot (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const n = 300;
        const values = spd([n, n], 'float64', 7).values.slice();
        values[200 * n + 200] = -1e4;
        const notPd = L.tensor(values, { dtype }).reshape([n, n]);
        expect(() => linalg.cholesky(notPd)).toThrow(L.ArgumentError);
        expect(() => linalg.cholesky(notPd)).toThrow(/linalg\.cholesky: A .*\[300,300\].*the leading minor of order 201 is not positive-definite/);
        expect(() => linalg.cholesky(notPd, { upper: true })).toThrow(/leading minor of order 201 is not positive-definite/);
        expect(() => linalg.cholesky(L.stack([spd([n, n], dtype, 8), notPd]))).toThrow(/batch element 1\).*leading minor of order 201/);

        // A zero column stays exactly zero through the elimination: U[250, 250] is exactly 0.
        const dense = dominant([n, n], 'float64', 9).values.slice();
        for (let i = 0; i < n; i++) dense[i * n + 250] = 0;
        const singular = L.tensor(dense, { dtype }).reshape([n, n]);
        expect(() => linalg.solve(singular, normal([n, 2], dtype, 10))).toThrow(L.ArgumentError);
        expect(() => linalg.solve(singular, normal([n, 2], dtype, 10))).toThrow(/linalg\.solve: .*singular \(U\[250,250\] of its LU factorization is zero\)/);
        expect(() => linalg.inv(singular)).toThrow(/linalg\.inv: .*the diagonal element 251 is zero/);
        expect(linalg.det(singular.div(n)).item()).toBe(0);
        expect(linalg.slogdet(singular).logabsdet.item()).toBe(-Infinity);
        expect(Array.from(singular.values)).toEqual(Array.from(L.tensor(dense, { dtype }).values));
      }));
    }
  }
});

describe.runIf(hasNative())('blocked linalg kernels: results do not depend on the thread count', () => {
  const threads = L.getNumThreads();
  afterAll(() => L.setNumThreads(threads));

  it('1 and 2 threads give the same bits for one large matrix (GEMMs and row updates split) and for a batch', () => {
    const big = dominant([300, 300], 'float64', 1), pos = spd([300, 300], 'float64', 2), rhs = normal([300, 40], 'float64', 3);
    const wide = normal([130, 300], 'float32', 4), batch = dominant([3, 130, 130], 'float32', 5);
    const run = (): L.Tensor[] => onBackend('native', () => {
      const q = linalg.qr(big), w = linalg.qr(wide, { mode: 'complete' }), s = linalg.slogdet(big);
      return [linalg.cholesky(pos), linalg.cholesky(pos, { upper: true }), linalg.solve(big, rhs), linalg.inv(big), s.logabsdet,
        linalg.solveTriangular(big, rhs, { upper: true }), linalg.solveTriangular(big, mT(rhs), { upper: false, left: false }),
        q.Q, q.R, w.Q, w.R, linalg.inv(batch), linalg.cholesky(batch.matmul(mT(batch))), linalg.qr(batch).Q];
    });
    L.setNumThreads(1);
    const one = run();
    L.setNumThreads(2);
    const two = run();
    one.forEach((t, i) => expect(Array.from(two[i].values), `output ${i} with 1 vs 2 threads`).toEqual(Array.from(t.values)));
  });
});
