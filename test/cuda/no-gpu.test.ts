/**
 * Where no GPU can be used (no CUDA build, no driver, no device): CUDA says why, and moving a
 * tensor to 'cuda' throws that reason instead of failing later. On a machine with a usable
 * GPU this file is skipped and parity.test.ts runs instead.
 */
import { describe, expect, it } from 'vitest';
import { BackendError, backendInfo, cudaInfo, randn, zeros, nn } from '../../src/index';

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
});
