/**
 * Where no GPU can be used (no CUDA build, no driver, no device): CUDA says why, and moving a
 * tensor to 'cuda' throws that reason instead of failing later. On a machine with a usable
 * GPU this file is skipped and parity.test.ts runs instead.
 */
import { describe, expect, it } from 'vitest';
import { BackendError, backendInfo, cudaInfo, randn, zeros, nn } from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import type { CudaBinding } from '../../src/backend/cuda/binding';

const status = cudaInfo();

describe.skipIf(status.available)(`without a usable GPU (here: ${status.reason || 'a GPU is available'})`, () => {
  it('backendInfo() reports cuda: false with the reason, and cudaInfo() agrees', () => {
    const info = backendInfo();
    expect(info.cuda).toBe(false);
    expect(typeof info.cudaReason).toBe('string');
    expect(info.cudaReason.length).toBeGreaterThan(10);
    expect(status.available).toBe(false);
    expect(status.reason.length).toBeGreaterThan(10);
    // A CUDA build says what the runtime said; another build says it has no CUDA.
    expect(status.reason).toMatch(status.built ? /cudaGetDeviceCount|compute capability|memory pools/ : /without CUDA|not loaded/);
  });

  it("to('cuda'), a cuda fill and Module.to('cuda') throw the reason", () => {
    const x = randn([2, 3]);
    expect(() => x.to('cuda')).toThrow(BackendError);
    expect(() => x.to('cuda')).toThrow(`to: CUDA is not available: ${status.reason}`);
    expect(() => zeros([4], { device: 'cuda' })).toThrow(/CUDA is not available/);
    const layer = new nn.Linear(3, 2);
    expect(() => layer.to('cuda')).toThrow(/CUDA is not available/);
    expect(layer.parameters().every((p) => p.device === 'cpu')).toBe(true);  // nothing half-moved
    expect(x.device).toBe('cpu');
  });

  it('reports no CUDA GEMM engine, and the float32 matmul precision', () => {
    expect(backendInfo()).toMatchObject({ cudaGemm: 'none', float32MatmulPrecision: 'highest' });
  });

  // A CUDA build without a device: the norm and CTC bindings refuse bad arguments before any CUDA call.
  it.skipIf(!status.built)('the norm and CTC bindings of a CUDA build reject handles that are not live buffers', () => {
    const b = nativeAddon() as unknown as CudaBinding;
    expect(b.cudaInfo().gemm).toBe('none');
    expect(() => b.cudaLayerNormForward(7, null, null, 7, 7, 7, 1, 1, 1e-5, false)).toThrow(/cudaLayerNormForward: x is not a live cuda buffer \(handle 7\)/);
    expect(() => b.cudaBatchNormBackward(7, 7, 7, 7, null, null, null, null, 1, 1, 1, true, null)).toThrow(/cudaBatchNormBackward: dy is not a live cuda buffer/);
    expect(() => b.cudaGroupNormForward(0, null, null, 0, 0, 0, 1, 1, 1, 1, 1e-5)).toThrow(/cudaGroupNormForward: x must be an integer in \[1,/);
    expect(() => b.cudaCtcLoss(7, 1, 1, 2, Int32Array.of(1), Int32Array.of(0), Int32Array.of(1), Int32Array.of(1), 0, false, 7, null))
      .toThrow(/cudaCtcLoss: logProbs is not a live cuda buffer/);
    expect(() => b.cudaGemm(false, false, 1, 1, 1, 1, 7, Int32Array.of(0), 1, 7, Int32Array.of(0), 1, 0, 7, Int32Array.of(0), 1, true))
      .toThrow(/cudaGemm: a is not a live cuda buffer/);
  });
});
