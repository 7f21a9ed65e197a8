/**
 * The CUDA kernels against the CPU backend, on a GPU: every case of cases.ts on both
 * devices, compared with its family's float32 tolerance (copies, indexing and Philox bit for
 * bit), then the device allocator and the raw bindings' argument checks. Skipped, with the
 * reason in its name, where no GPU can be used: only because the hardware is absent there
 * (scripts/cuda-check.sh runs it on a GPU machine). A summary of the worst error per family
 * is printed, and written as JSON to $LATTICE_CUDA_REPORT when set.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cudaInfo, cudaMemory, cudaEmptyCache, cudaSynchronize, memory, randn } from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import type { CudaBinding } from '../../src/backend/cuda/binding';
import { CASES, deviceGradcheck, type Family, worstError } from './cases';

const status = cudaInfo();
const worst = new Map<Family, { cases: number; passed: number; worst: number; tol: number; worstCase: string }>();

describe.skipIf(!status.available)(`CUDA parity on the GPU (skipped: ${status.reason || 'none'})`, () => {
  afterAll(() => {
    const rows = [...worst.entries()].map(([family, r]) => ({ family, ...r }));
    console.log(`\nCUDA parity on ${status.name} (sm_${status.capability.replace('.', '')}):`);
    console.table(rows.map((r) => ({ family: r.family, cases: r.cases, passed: r.passed, worst: r.worst.toExponential(2), tolerance: r.tol, worstCase: r.worstCase })));
    if (process.env.LATTICE_CUDA_REPORT) writeFileSync(process.env.LATTICE_CUDA_REPORT, JSON.stringify({ device: status, rows }, null, 2));
  });

  for (const c of CASES) {
    it(`${c.family}: ${c.name}`, () => {
      const cpu = c.run('cpu'), dev = c.run('cuda');
      const err = Math.max(0, ...cpu.map((a, i) => worstError(a, dev[i] ?? new Float64Array(0))));
      const row = worst.get(c.family) ?? { cases: 0, passed: 0, worst: 0, tol: c.tol, worstCase: '' };
      row.cases++;
      if (err <= c.tol) row.passed++;
      if (err >= row.worst) { row.worst = err; row.worstCase = c.name; }
      worst.set(c.family, row);
      expect(dev.length).toBe(cpu.length);
      expect(err).toBeLessThanOrEqual(c.tol);
    });
  }

  it('gradcheck in float64 through the device kernels', () => {
    expect(deviceGradcheck()).toBe(true);
  });

  it('returns device memory on dispose: memory().deviceBytes and the allocator agree', () => {
    cudaSynchronize();
    const before = memory().deviceBytes, live = cudaMemory().liveBytes;
    const t = randn([1 << 20]).to('cuda');
    expect(memory().deviceBytes - before).toBe(4 << 20);
    expect(cudaMemory().liveBytes - live).toBe(4 << 20);
    t.dispose();
    expect(memory().deviceBytes).toBe(before);
    expect(cudaMemory().liveBytes).toBe(live);
    expect(cudaMemory().reservedBytes).toBeGreaterThanOrEqual(cudaMemory().usedBytes);  // freed blocks stay cached
    cudaEmptyCache();
  });

  it('rejects bad raw calls with errors, never a device fault', () => {
    const b = nativeAddon() as unknown as CudaBinding;
    const h = b.cudaAlloc(0, 10);
    expect(() => b.cudaUnary(0, h, 987654, 0, 0)).toThrow(/not a live cuda buffer/);
    const small = b.cudaAlloc(0, 5);
    expect(() => b.cudaUnary(0, h, small, 0, 0)).toThrow(/holds 5 elements, needs 10/);
    expect(() => b.cudaReduce(0, h, small, 1, 11, 1)).toThrow(/needs 11/);
    expect(() => b.cudaGemm(false, false, 4, 4, 4, 1, h, Int32Array.of(0), 4, h, Int32Array.of(0), 4, 0, h, Int32Array.of(0), 4)).toThrow(/too short/);
    expect(() => b.cudaUpload(h, new Float32Array(3))).toThrow(/does not match/);
    // The norms and CTC: statistics must be float64 and long enough; labels are checked on the host.
    const stats = b.cudaAlloc(1, 1), f32Stats = b.cudaAlloc(0, 2);
    expect(() => b.cudaLayerNormForward(h, null, null, h, stats, stats, 2, 5, 1e-5, false)).toThrow(/mean holds 1 elements, needs 2/);
    expect(() => b.cudaLayerNormForward(h, null, null, h, f32Stats, f32Stats, 2, 5, 1e-5, false)).toThrow(/mean is float32, expected float64/);
    expect(() => b.cudaGroupNormForward(h, null, null, h, stats, stats, 1, 4, 2, 3, 1e-5)).toThrow(/groups \(3\) must divide C \(4\)/);
    expect(() => b.cudaBatchNormBackward(h, h, stats, stats, null, null, null, null, 2, 2, 3, true, null)).toThrow(/needs 12/);
    const ctc = (labels: number[], inLen = 5) => b.cudaCtcLoss(h, 5, 1, 2, Int32Array.from(labels), Int32Array.of(0), Int32Array.of(labels.length),
      Int32Array.of(inLen), 0, false, small, null);
    expect(() => ctc([1, 0])).toThrow(/holds label 0, not a non-blank class/);
    expect(() => ctc([1, 2])).toThrow(/holds label 2, not a non-blank class/);
    expect(() => ctc([1], 6)).toThrow(/inputLength 6 outside \[0, maxTime\]/);
    b.cudaFree(stats);
    b.cudaFree(f32Stats);
    b.cudaFree(h);
    b.cudaFree(small);
    expect(() => b.cudaFree(h)).toThrow(/not a live cuda buffer/);
    cudaSynchronize();  // nothing above reached the device
  });

  it('reports the GEMM engine: cuBLAS where libcublas loads (LATTICE_CUBLAS=0 keeps it off), else the built-in kernels', () => {
    const info = cudaInfo();
    const engine = (nativeAddon() as unknown as CudaBinding).cudaInfo();
    expect(['cublas', 'builtin']).toContain(engine.gemm);
    console.log(`CUDA GEMM: ${engine.gemm} (${engine.gemmDetail}); device ${info.name}`);
  });
});
