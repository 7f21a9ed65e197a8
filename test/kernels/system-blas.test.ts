// The optional system BLAS behind matmul (native/kernels/system_blas.*): reported by
// backendInfo(), forced on and off with setGemmPath, parity with the reference matmul
// on the BLAS path, and thread-count determinism of both paths. Where the addon was
// built without a BLAS (no libopenblas-dev, or a prebuilt addon), the BLAS-path cases
// check instead that forcing it is refused and matmul still works.
import { afterEach, describe, expect, it } from 'vitest';
import { backendInfo, manualSeed, matmul, randn, setGemmPath, setNumThreads, type Tensor } from '../../src/index';
import { nativeAddon, referenceBackend } from '../../src/backend/index';
import { BackendError } from '../../src/errors';
import { closeness, onBackend } from '../helpers/backends';

const native = nativeAddon() !== null;
const linked = native && backendInfo().blas !== 'none';

afterEach(() => {
  if (native) setGemmPath('auto');
  setNumThreads(2);
});

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [7, 9, 1], [13, 31, 17], [128, 10, 256], [300, 33, 9], [129, 130, 131], [43264 / 16, 32, 9],
];

describe.runIf(native)('system BLAS: what the addon reports', () => {
  it('backendInfo names the linked BLAS or says none, and the GEMM path in use', () => {
    const info = backendInfo();
    expect(typeof info.blas).toBe('string');
    if (info.blas !== 'none') expect(info.blas).toMatch(/OpenBLAS/);
    expect(info.gemmPath).toBe('auto');
    setGemmPath('builtin');
    expect(backendInfo().gemmPath).toBe('builtin');
  });

  it('forcing the BLAS path is accepted where one is linked and refused where none is', () => {
    if (linked) {
      setGemmPath('blas');
      expect(backendInfo().gemmPath).toBe('blas');
    } else {
      expect(() => setGemmPath('blas')).toThrow(BackendError);
      expect(() => setGemmPath('blas')).toThrow(/built without one \(blas: none\)/);
      expect(backendInfo().gemmPath).toBe('auto');
    }
    // Either way matmul keeps working.
    expect(matmul(randn([5, 4]), randn([4, 3])).shape).toEqual([5, 3]);
  });

  it('setGemmPath rejects unknown paths', () => {
    expect(() => setGemmPath('fast' as never)).toThrow(/setGemmPath: path must be 'auto', 'builtin' or 'blas', got "fast"/);
  });
});

describe.runIf(linked)('system BLAS: linked', () => {
  function product(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
    return matmul(tA ? a.t() : a, tB ? b.t() : b);
  }

  it('matches the reference matmul on the forced BLAS path (transposes, float32 and float64, batches)', () => {
    manualSeed(3);
    setGemmPath('blas');
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [M, N, K] of SHAPES) {
        for (const tA of [false, true]) for (const tB of [false, true]) {
          const a = randn(tA ? [K, M] : [M, K], { dtype }), b = randn(tB ? [N, K] : [K, N], { dtype });
          const got = product(a, b, tA, tB).values;
          const want = onBackend('reference', () => product(a, b, tA, tB).values);
          const tol = dtype === 'float64' ? 1e-12 * K : 2e-6 * Math.sqrt(K);
          expect(closeness(got, want, tol, tol), `${dtype} ${M}x${N}x${K} tA=${tA} tB=${tB}`).toBeLessThanOrEqual(1);
        }
      }
      const a = randn([3, 20, 30], { dtype }), b = randn([30, 7], { dtype });
      const want = onBackend('reference', () => matmul(a, b).values);
      expect(closeness(matmul(a, b).values, want, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    }
  });

  it('accumulates with beta and ignores NaN in C when beta = 0, like the built-in kernel', () => {
    setGemmPath('blas');
    const addon = nativeAddon()!;
    const a = new Float32Array(6).fill(1), b = new Float32Array(6).fill(1), z = Int32Array.of(0);
    const c = new Float32Array(4).fill(NaN);
    addon.gemm(false, false, 2, 2, 3, 1, a, z, 3, b, z, 2, 0, c, z, 2);
    expect(Array.from(c)).toEqual([3, 3, 3, 3]);
    addon.gemm(false, false, 2, 2, 3, 2, a, z, 3, b, z, 2, 0.5, c, z, 2);
    expect(Array.from(c)).toEqual([7.5, 7.5, 7.5, 7.5]);
    const ref = new Float32Array(4).fill(1);
    referenceBackend.gemm(false, false, 2, 2, 3, 2, a, z, 3, b, z, 2, 0.5, ref, z, 2);
    expect(Array.from(ref)).toEqual([6.5, 6.5, 6.5, 6.5]);
  });

  it('gives bitwise identical results with 1 and 2 threads on the BLAS and the auto path', () => {
    manualSeed(4);
    for (const path of ['blas', 'auto'] as const) {
      setGemmPath(path);
      for (const [M, N, K] of [[512, 512, 512], [43264 / 4, 32, 9], [1000, 70, 300], [128, 10, 256]] as [number, number, number][]) {
        const a = randn([M, K]), b = randn([K, N]);
        setNumThreads(1);
        const one = matmul(a, b).values as Float32Array;
        setNumThreads(2);
        const two = matmul(a, b).values as Float32Array;
        expect(Buffer.compare(Buffer.from(one.buffer, one.byteOffset, one.byteLength), Buffer.from(two.buffer, two.byteOffset, two.byteLength)), `${path} ${M}x${N}x${K}`).toBe(0);
      }
    }
  });

  it('the built-in path stays available and agrees with the BLAS path', () => {
    manualSeed(5);
    const a = randn([200, 300]), b = randn([300, 50]);
    setGemmPath('builtin');
    const builtin = matmul(a, b).values;
    setGemmPath('blas');
    const blas = matmul(a, b).values;
    expect(closeness(builtin, blas, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  });
});
