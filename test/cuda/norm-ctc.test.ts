/**
 * The plumbing of the CUDA norms, CTC and the TF32 switch, against the host emulation of the
 * bindings (emulator.ts): the ops reach the CUDA kernels (binding call counts), results and
 * gradients stay on the device with the right shapes, statistics live in float64 device buffers,
 * mixed devices are refused with the op and both devices named, and gradients through the
 * device kernels pass a float64 gradcheck. The kernels' numbers are parity.test.ts's, on a GPU.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, backendInfo, ctcLoss, getFloat32MatmulPrecision, gradcheck, gradgradcheck, logSoftmax, manualSeed, matmul, memory, nn, optim, randn,
  setFloat32MatmulPrecision, sum, tensor, tidy,
} from '../../src/index';
import { withEmulatedCuda } from './with-emulation';

const cuda = withEmulatedCuda();

const F = nn.functional;
/** Calls of one binding made by fn. */
function callsOf(name: string, fn: () => void): number {
  const before = cuda.emu.calls.get(name) ?? 0;
  fn();
  return (cuda.emu.calls.get(name) ?? 0) - before;
}

describe('norms on cuda (host emulation of the bindings)', () => {
  it('layerNorm runs the CUDA forward and backward kernels and keeps results on the device', () => {
    tidy(() => {
      const x = randn([4, 6, 10]).to('cuda').requiresGrad_();
      const w = randn([10]).to('cuda').requiresGrad_(), b = randn([10]).to('cuda').requiresGrad_();
      let y = x;
      expect(callsOf('cudaLayerNormForward', () => { y = F.layerNorm(x, [10], w, b); })).toBe(1);
      expect(y.device).toBe('cuda');
      expect(y.shape).toEqual([4, 6, 10]);
      expect(callsOf('cudaLayerNormBackward', () => sum(y).backward())).toBe(1);
      for (const t of [x, w, b]) {
        expect(t.grad!.device).toBe('cuda');
        expect(t.grad!.shape).toEqual(t.shape);
      }
    });
  });

  it('batchNorm in training updates the running statistics on the device, in place', () => {
    manualSeed(1);
    const bn = new nn.BatchNorm2d(3).to('cuda');
    const rm = bn.runningMean!, rv = bn.runningVar!;
    const version = rm.storage.version;
    const x = randn([5, 3, 4, 4]).to('cuda');
    tidy(() => {
      expect(callsOf('cudaBatchNormForward', () => sum(bn.forward(x)).backward())).toBe(1);
    });
    expect(bn.runningMean).toBe(rm);
    expect(rm.device).toBe('cuda');
    expect(rm.storage.version).toBeGreaterThan(version);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // running = 0.9 running + 0.1 batch (unbiased variance), as on the cpu.
    const xc = x.to('cpu');
    const cpu = new nn.BatchNorm2d(3);
    cpu.forward(xc);
    expect(Array.from(rm.data() as Float32Array)).toEqual(Array.from(cpu.runningMean!.data() as Float32Array));
    expect(Array.from(rv.data() as Float32Array)).toEqual(Array.from(cpu.runningVar!.data() as Float32Array));
    // Evaluation reads them and leaves them alone.
    bn.eval();
    const before = rm.data();
    tidy(() => {
      expect(callsOf('cudaBatchNormForward', () => bn.forward(x))).toBe(1);
    });
    expect(rm.data()).toEqual(before);
  });

  it('groupNorm runs its CUDA kernels; nn.GroupNorm and nn.LayerNorm work after model.to("cuda")', () => {
    manualSeed(2);
    const model = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.GroupNorm(2, 4), new nn.Flatten(), new nn.LayerNorm(4 * 5 * 5)).to('cuda');
    const x = randn([3, 2, 5, 5]).to('cuda');
    tidy(() => {
      let y = x;
      expect(callsOf('cudaGroupNormForward', () => { y = model.forward(x); })).toBe(1);
      expect(y.device).toBe('cuda');
      expect(y.shape).toEqual([3, 100]);
      expect(callsOf('cudaGroupNormBackward', () => sum(y).backward())).toBe(1);
      expect(model.parameters().every((p) => p.grad !== null && p.grad.device === 'cuda')).toBe(true);
    });
  });

  it('keeps no device buffers after tidy() (statistics included)', () => {
    const before = memory().deviceBytes, live = cuda.emu.live();
    const x = randn([4, 3, 5]).to('cuda').requiresGrad_();
    const w = randn([3]).to('cuda').requiresGrad_();
    tidy(() => {
      sum(F.batchNorm(x, null, null, w, null, { training: true })).backward();
      sum(F.groupNorm(x, 3, w)).backward();
      sum(F.layerNorm(x, 5)).backward();
    });
    for (const t of [x, w]) {
      t.grad!.dispose();
      t.grad = null;
      t.dispose();
    }
    expect(memory().deviceBytes).toBe(before);
    expect(cuda.emu.live()).toBe(live);
  });

  it('refuses mixed devices, naming the op and both tensors', () => {
    const x = randn([2, 3, 4]).to('cuda');
    expect(() => F.layerNorm(x, [4], randn([4]))).toThrow(ArgumentError);
    expect(() => F.layerNorm(x, [4], randn([4]))).toThrow(/layerNorm: x is on cuda and weight is on cpu/);
    expect(() => F.batchNorm(x, randn([3]), randn([3]).abs(), null, null)).toThrow(/batchNorm: x is on cuda and runningMean is on cpu/);
    expect(() => F.groupNorm(x, 3, null, randn([3]))).toThrow(/groupNorm: x is on cuda and bias is on cpu/);
    expect(() => F.batchNorm(randn([2, 3, 4]), null, null, randn([3]).to('cuda'), null, { training: true }))
      .toThrow(/batchNorm: x is on cpu and weight is on cuda/);
  });

  it('differentiates through the device kernels (gradcheck in float64 across to(cuda) and back)', () => {
    manualSeed(3);
    const opts = { dtype: 'float64' as const, requiresGrad: true };
    const x = randn([3, 4, 5], opts), w = randn([4], opts), b = randn([4], opts), wl = randn([5], opts);
    const cuda = (t: typeof x) => t.to('cuda');
    expect(gradcheck((a, g, h) => F.batchNorm(cuda(a), null, null, cuda(g), cuda(h), { training: true }).to('cpu'), [x, w, b])).toBe(true);
    expect(gradcheck((a, g, h) => F.groupNorm(cuda(a), 2, cuda(g), cuda(h)).to('cpu'), [x, w, b])).toBe(true);
    expect(gradcheck((a, g) => F.layerNorm(cuda(a), 5, cuda(g)).to('cpu'), [x, wl])).toBe(true);
  });

  it('takes second derivatives on the device (the backward written with ops under createGraph)', () => {
    manualSeed(7);
    const opts = { dtype: 'float64' as const, requiresGrad: true };
    const x = randn([2, 3, 4], opts), w = randn([3], opts);
    expect(gradgradcheck((a, g) => F.batchNorm(a.to('cuda'), null, null, g.to('cuda'), null, { training: true }).to('cpu'), [x, w])).toBe(true);
    expect(gradgradcheck((a) => F.layerNorm(a.to('cuda'), 4).to('cpu'), [x])).toBe(true);
  });
});

describe('ctcLoss on cuda (host emulation of the bindings)', () => {
  it('runs the CUDA kernel; the loss and the gradient stay on the device', () => {
    manualSeed(4);
    const logits = randn([12, 2, 5]).to('cuda').requiresGrad_();
    const targets = tensor([[1, 2, 2], [3, 4, 0]], { dtype: 'int32' }).to('cuda');
    tidy(() => {
      let loss = logits;
      expect(callsOf('cudaCtcLoss', () => { loss = ctcLoss(logSoftmax(logits, 2), targets, [12, 9], [3, 2]); })).toBe(1);
      expect(loss.device).toBe('cuda');
      expect(loss.shape).toEqual([]);
      loss.backward();
      expect(logits.grad!.device).toBe('cuda');
      expect(logits.grad!.shape).toEqual([12, 2, 5]);
    });
    // The same numbers as the cpu (the emulation's kernel is the reference).
    const cpu = ctcLoss(logSoftmax(logits.to('cpu'), 2), targets.to('cpu'), [12, 9], [3, 2]).item();
    expect(tidy(() => ctcLoss(logSoftmax(logits, 2), targets, [12, 9], [3, 2]).item())).toBeCloseTo(cpu, 5);
  });

  it('takes the lengths as int32 tensors on the device too, and checks labels on the host', () => {
    const lp = logSoftmax(randn([6, 2, 4]), 2).to('cuda');
    const targets = tensor([1, 2, 3], { dtype: 'int32' }).to('cuda');
    const lens = tensor([6, 5], { dtype: 'int32' }).to('cuda'), tl = tensor([2, 1], { dtype: 'int32' }).to('cuda');
    expect(ctcLoss(lp, targets, lens, tl, { reduction: 'none' }).shape).toEqual([2]);
    expect(() => ctcLoss(lp, tensor([1, 0, 3], { dtype: 'int32' }).to('cuda'), lens, tl)).toThrow(/holds the blank label 0/);
  });

  it('refuses logProbs and targets on different devices', () => {
    const lp = logSoftmax(randn([6, 2, 4]), 2).to('cuda');
    expect(() => ctcLoss(lp, tensor([[1, 2], [3, 1]], { dtype: 'int32' }), [6, 6], [2, 2]))
      .toThrow(/ctcLoss: logProbs is on cuda and targets is on cpu/);
  });

  it('gradchecks in float64 through the device kernel', () => {
    manualSeed(5);
    const logits = randn([7, 2, 4], { dtype: 'float64', requiresGrad: true });
    const targets = tensor([[1, 1, 3], [2, 3, 0]], { dtype: 'int32' }).to('cuda');
    expect(gradcheck((l) => ctcLoss(logSoftmax(l.to('cuda'), 2), targets, [7, 5], [3, 2]).to('cpu'), [logits])).toBe(true);
  });
});

describe('float32 matmul precision (TF32) on cuda', () => {
  it("passes allowTf32 to the CUDA GEMM: off at 'highest' (the default), on at 'high' and 'medium'", () => {
    expect(getFloat32MatmulPrecision()).toBe('highest');
    const a = randn([8, 16]).to('cuda'), b = randn([16, 4]).to('cuda');
    try {
      tidy(() => { matmul(a, b); });
      expect(cuda.emu.lastGemmAllowTf32).toBe(false);
      setFloat32MatmulPrecision('high');
      tidy(() => { matmul(a, b); });
      expect(cuda.emu.lastGemmAllowTf32).toBe(true);
      setFloat32MatmulPrecision('medium');
      expect(backendInfo().float32MatmulPrecision).toBe('medium');
    } finally {
      setFloat32MatmulPrecision('highest');
    }
  });

  it('refuses an unknown precision', () => {
    expect(() => setFloat32MatmulPrecision('low' as never)).toThrow(/setFloat32MatmulPrecision: precision must be 'highest', 'high' or 'medium', got "low"/);
  });

  it('backendInfo() reports the CUDA GEMM engine', () => {
    const info = backendInfo();
    expect(['cublas', 'builtin', 'none']).toContain(info.cudaGemm);
    expect(typeof info.cudaGemmDetail).toBe('string');
  });

  it('an optimizer step over BatchNorm parameters on cuda uses the fused CUDA Adam kernel', () => {
    manualSeed(6);
    const bn = new nn.BatchNorm1d(4).to('cuda');
    const opt = new optim.Adam(bn.parameters(), { lr: 0.1 });
    tidy(() => {
      sum(bn.forward(randn([6, 4]).to('cuda'))).backward();
      expect(callsOf('cudaAdamStep', () => opt.step())).toBe(1);
    });
  });
});
