// The GEMM kernel through the backend interface: transposes, alpha/beta
// accumulation, padded leading dimensions, batches with offsets, odd and
// degenerate sizes, float32 and float64, on every ISA, and thread-count
// determinism. (test/kernels/matmul.parity.test.ts covers the public matmul.)
import { describe, expect, it } from 'vitest';
import { setGemmPath, setNumThreads } from '../../src/index';
import { nativeAddon, referenceBackend, backend } from '../../src/backend/index';
import { PhiloxStream } from '../../src/backend/philox';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

type F = Float32Array | Float64Array;

function random(n: number, f64: boolean, seed: number): F {
  const u = new PhiloxStream(seed).uniform(n, 'float64');
  const out = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * u[i] - 1;
  return out;
}

interface Case { M: number; N: number; K: number; tA: boolean; tB: boolean; alpha: number; beta: number; pad: number; batch: number }

function run(c: Case, f64: boolean, which: 'native' | 'reference'): F {
  const lda = (c.tA ? c.M : c.K) + c.pad, ldb = (c.tB ? c.K : c.N) + c.pad, ldc = c.N + c.pad;
  const aRows = c.tA ? c.K : c.M, bRows = c.tB ? c.N : c.K;
  const aSize = Math.max(1, aRows * lda), bSize = Math.max(1, bRows * ldb), cSize = Math.max(1, c.M * ldc);
  const a = random(aSize * c.batch, f64, 1), b = random(bSize * c.batch, f64, 2), out = random(cSize * c.batch, f64, 3);
  const offs = (size: number) => Int32Array.from({ length: c.batch }, (_, p) => p * size);
  const be = which === 'native' ? backend() : referenceBackend;
  be.gemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, a, offs(aSize), lda, b, offs(bSize), ldb, c.beta, out, offs(cSize), ldc);
  return out;
}

const SHAPES: [number, number, number][] = [
  [0, 5, 3], [4, 0, 3], [3, 4, 0], [1, 1, 1], [1, 17, 9], [17, 1, 9], [7, 9, 1], [13, 31, 17], [33, 65, 29],
  [64, 64, 64], [100, 37, 513], [129, 130, 131], [12, 10, 256], [300, 33, 9], [5, 300, 700],
  // K past one KC block (1024 where L2 is 1 MiB; 128 to 1024 elsewhere): C accumulates the K blocks in order.
  [100, 37, 1100], [33, 65, 2050],
  // Narrow N with K >= 32 (fp32 dot-product path on AVX-512): groups of 4, 2 and 1 rows, K tails.
  [7, 3, 45], [33, 1, 100], [130, 6, 37], [9, 12, 64], [11, 13, 40],
  // ... with op(B)^T's rows padded apart (K a multiple of 64, where they would share L1 sets).
  [5, 10, 1024], [6, 4, 256], [3, 12, 2048],
  // Narrow slivers side by side (fp64 N = 20, fp32 N = 40: a PINN's 20- or 40-unit layers).
  [257, 20, 20], [70, 40, 11],
  // Tiny K with op(B) held in registers (AVX-512): K * ceil(N / W) <= 20 vectors, at and past the limits.
  [500, 32, 9], [301, 17, 10], [257, 48, 6], [100, 5, 20], [99, 16, 21], [64, 40, 2], [130, 33, 1],
  // ... and a wide N in blocks of 2 or 3 vectors (channels-first im2col: [out channels, 9] x [9, positions]).
  [32, 676, 9], [7, 100, 10], [5, 200, 6], [33, 49, 1], [20, 600, 11],
  // Small M (1, 2, 4 or 8-row tiles reading A, and row-major B, in place): one sample through a Linear layer and a few.
  [1, 256, 784], [2, 70, 300], [3, 33, 40], [4, 64, 64], [5, 130, 77], [8, 300, 129], [1, 10, 256], [6, 17, 600],
  // ... 9 to 16 rows: two row-major tiles of ceil(M / 2) rows (the second short), one tile of M rows with B stored [N, K].
  [9, 33, 70], [11, 130, 300], [12, 64, 129], [15, 40, 600], [16, 256, 784], [7, 50, 33],
  // A read in place with rows a multiple of 4 KiB apart (fp32 K = 1024, fp64 K = 512, 1024): copied to a
  // better stride first, short last tiles included (narrow, wide with few slivers, small M).
  [26, 16, 1024], [27, 40, 1024], [25, 70, 1024], [5, 300, 1024], [13, 17, 512], [14, 100, 2048],
];

/** Every shape in SHAPES, each transpose pair, against the reference, on the current ISA and GEMM path. */
function checkShapes(isa: string, f64: boolean): void {
  let k = 0;
  for (const [M, N, K] of SHAPES) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      const c: Case = { M, N, K, tA, tB, alpha: [1, -0.5, 2][k % 3], beta: [0, 1, 0.25][(k >> 1) % 3], pad: k % 3 === 0 ? 3 : 0, batch: k % 4 === 0 ? 3 : 1 };
      k++;
      const nat = onBackend('native', () => run(c, f64, 'native'));
      const ref = run(c, f64, 'reference');
      // Error bound grows with K (float32 accumulation in the kernel, double in the reference).
      const tol = f64 ? 1e-12 * Math.max(1, K) : 2e-6 * Math.max(1, Math.sqrt(K));
      expect(closeness(nat, ref, tol, tol), `${isa} ${JSON.stringify(c)}`).toBeLessThanOrEqual(1);
    }
  }
}

describe.runIf(nativeAddon() !== null)('GEMM parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const f64 of [false, true]) {
      it(`${f64 ? 'dgemm' : 'sgemm'} on ${isa}: transposes, alpha/beta, padding, batches`, () => withIsa(isa, () => {
        // The built-in kernels: in 'auto' a linked system BLAS would take the shapes its table gives it.
        setGemmPath('builtin');
        try { checkShapes(isa, f64); } finally { setGemmPath('auto'); }
      }));
    }
  }

  it('a few rows give the bits of the same rows in a larger product (small-M tiles keep the wide tile\'s FMA chains)', () => {
    // With the built-in GEMM, a Linear layer's output for one sample does not depend on the batch
    // it is in (a linked system BLAS makes no such promise).
    const N = 300, K = 700, z = Int32Array.of(0);
    setGemmPath('builtin');
    try {
      for (const f64 of [false, true]) for (const tB of [false, true]) {
        const a = random(64 * K, f64, 7), b = random(K * N, f64, 8);
        const ldb = tB ? K : N;
        const full = f64 ? new Float64Array(64 * N) : new Float32Array(64 * N);
        backend().gemm(false, tB, 64, N, K, 1, a, z, K, b, z, ldb, 0, full, z, N);
        for (const M of [1, 2, 3, 5, 6, 8, 9, 12, 13, 16]) {
          const few = f64 ? new Float64Array(M * N) : new Float32Array(M * N);
          backend().gemm(false, tB, M, N, K, 1, a, z, K, b, z, ldb, 0, few, z, N);
          expect(Buffer.compare(Buffer.from(few.buffer), Buffer.from(full.buffer, 0, few.byteLength)), `M=${M} tB=${tB} f64=${f64}`).toBe(0);
        }
      }
    } finally { setGemmPath('auto'); }
  });

  it('beta = 0 ignores NaN already in C; K = 0 scales C by beta', () => {
    const a = new Float32Array(6).fill(1), b = new Float32Array(6).fill(1);
    const c = new Float32Array(4).fill(NaN);
    const z = Int32Array.of(0);
    backend().gemm(false, false, 2, 2, 3, 1, a, z, 3, b, z, 2, 0, c, z, 2);
    expect(Array.from(c)).toEqual([3, 3, 3, 3]);
    backend().gemm(false, false, 2, 2, 0, 1, a, z, 1, b, z, 2, 0.5, c, z, 2);
    expect(Array.from(c)).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it('tiny K (op(B) in registers): beta = 0 ignores NaN already in C, and beta = 1 accumulates into it', () => {
    const M = 100, N = 32, K = 9, z = Int32Array.of(0);
    const a = random(M * K, false, 4), b = random(K * N, false, 5);
    const c = new Float32Array(M * N).fill(NaN);
    backend().gemm(false, false, M, N, K, 1, a, z, K, b, z, N, 0, c, z, N);
    const want = new Float32Array(M * N);
    referenceBackend.gemm(false, false, M, N, K, 1, a, z, K, b, z, N, 0, want, z, N);
    expect(closeness(c, want, 2e-6, 2e-6)).toBeLessThanOrEqual(1);
    backend().gemm(false, false, M, N, K, 1, a, z, K, b, z, N, 1, c, z, N);
    expect(closeness(c, want.map((v) => 2 * v), 4e-6, 4e-6)).toBeLessThanOrEqual(1);
  });

  it('gives bitwise identical results with 1 and 2 threads', () => {
    for (const [M, N, K] of [[512, 512, 512], [128, 128, 128], [64, 128, 128], [1000, 70, 300], [43264 / 8, 32, 9], [43264, 16, 9], [32, 676, 9], [16, 5000, 4], [1, 4096, 784], [8, 1000, 300], [128, 256, 784], [1001, 10, 300], [999, 5, 64], [2000, 20, 20]] as [number, number, number][]) {
      for (const tA of [false, true]) {
        const c: Case = { M, N, K, tA, tB: !tA, alpha: 1, beta: 0.5, pad: 0, batch: 1 };
        setNumThreads(1);
        const one = run(c, false, 'native');
        setNumThreads(2);
        const two = run(c, false, 'native');
        expect(Buffer.compare(Buffer.from(one.buffer), Buffer.from(two.buffer)), JSON.stringify(c)).toBe(0);
      }
    }
  });

  it('2 threads give the same bits when the worker is asleep (the caller then runs the chunks it has not claimed)', () => {
    const c: Case = { M: 128, N: 128, K: 128, tA: false, tB: false, alpha: 1, beta: 0, pad: 0, batch: 1 };
    setNumThreads(1);
    const one = run(c, false, 'native');
    setNumThreads(2);
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 20; i++) {
      // The pool's workers spin ~100 us after a task and then sleep: after 2 ms they are asleep.
      Atomics.wait(sleep, 0, 0, 2);
      const two = run(c, false, 'native');
      expect(Buffer.compare(Buffer.from(one.buffer), Buffer.from(two.buffer)), `call ${i}`).toBe(0);
    }
  });

  it('the raw binding rejects bad lengths, leading dims, offsets and aliasing', () => {
    const addon = nativeAddon()!;
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4), z = Int32Array.of(0);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a.subarray(0, 5), z, 3, b, z, 2, 0, c, z, 2)).toThrow(/gemm: a batch entry 0 reaches element 5 of 5/);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, z, 2, b, z, 2, 0, c, z, 2)).toThrow(/leading dimension of a/);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, Int32Array.of(4), 3, b, z, 2, 0, c, z, 2)).toThrow(/reaches element/);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, z, 3, b, z, 2, 0, c, Int32Array.of(0, 0), 2)).toThrow(/differ in length/);
    const shared = new Float32Array(16);
    expect(() => addon.gemm(false, false, 2, 2, 2, 1, shared.subarray(0, 4), z, 2, shared.subarray(4, 8), z, 2, 0, shared.subarray(2, 6), z, 2)).toThrow(/must not share memory/);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, new Float64Array(6), z, 3, b, z, 2, 0, c, z, 2)).toThrow(/Float64Array but b is a Float32Array/);
    expect(() => addon.gemm(false, false, -1, 2, 3, 1, a, z, 3, b, z, 2, 0, c, z, 2)).toThrow(/M must be an integer/);
  });
});
