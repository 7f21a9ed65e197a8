/**
 * The device plumbing on every machine: tensors on 'cuda', dispatch, mixed-device errors,
 * memory accounting, Module.to, autograd and optimizers, run against a host emulation of
 * the CUDA bindings (emulator.ts; its kernels are the reference kernels). The CUDA kernels
 * themselves are compared with the CPU by parity.test.ts, on a GPU only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, BackendError, cudaInfo, cudaMemory, manualSeed, matmul, memory, mul, nn, optim, randn, sum,
  tanh, tensor, tidy, zeros, softmax, exp, ctcGreedyDecode,
} from '../../src/index';
import { loadSafetensors, saveSafetensors } from '../../src/train/safetensors';
import { cudaBackend } from '../../src/backend/cuda/index';
import { CASES, deviceGradcheck, worstError } from './cases';
import { withEmulatedCuda } from './with-emulation';

const cuda = withEmulatedCuda();

describe('cuda tensors (host emulation of the bindings)', () => {
  it('moves to cuda and back, and reads back through data(), item(), toArray() and toString()', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const d = x.to('cuda');
    expect(x.device).toBe('cpu');
    expect(d.device).toBe('cuda');
    expect(d.to('cuda')).toBe(d);
    expect(Array.from(d.data() as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(d.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(d.sum().item()).toBe(10);
    expect(String(d)).toContain("device='cuda'");
    const back = d.to('cpu');
    expect(back.device).toBe('cpu');
    expect(back.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([1, 2], { device: 'cuda:0' }).device).toBe('cuda');
    expect(zeros([3], { device: 'cuda' }).device).toBe('cuda');
  });

  it('keeps results on the device and views on the same device buffer', () => {
    const d = randn([4, 6]).to('cuda');
    const y = tanh(mul(d, 2)).reshape([6, 4]);
    expect(y.device).toBe('cuda');
    expect(matmul(y, d).device).toBe('cuda');
    expect(softmax(d, 1).sum(1).to('cpu').toArray()).toEqual([1, 1, 1, 1].map((v) => expect.closeTo(v, 6)));
  });

  it('refuses mixed devices, naming the op and both devices', () => {
    const a = randn([2, 3]).to('cuda'), b = randn([2, 3]);
    expect(() => mul(a, b)).toThrow(ArgumentError);
    expect(() => mul(a, b)).toThrow(/mul: a is on cuda and b is on cpu/);
    expect(() => matmul(b, randn([3, 2]).to('cuda'))).toThrow(/matmul: a is on cpu and b is on cuda/);
  });

  it('names the kernel an op lacks on cuda, and the op that reads device memory on the host', () => {
    const x = randn([2, 3, 5, 5]).to('cuda');
    // A Backend kernel the CUDA backend lacks names itself.
    expect(() => cudaBackend().tanhBackward(x.deviceValues as Float32Array, x.deviceValues as Float32Array, null,
      x.deviceValues as Float32Array)).toThrow(/tanhBackward: no CUDA kernel yet/);
    // An op that reads the elements on the host is named by the refusal.
    expect(() => ctcGreedyDecode(x.reshape([2, 3, 25]))).toThrow(/ctcGreedyDecode: tensor float32\[2,3,25\] is on cuda, and this op has no CUDA kernel/);
    expect(() => x.values).toThrow(/is on cuda, and .* has no CUDA kernel/);
  });

  it('counts device bytes in memory() and frees them on dispose() and in tidy()', () => {
    const before = memory().deviceBytes, liveBefore = cuda.emu.live();
    const d = zeros([1000]).to('cuda');
    expect(memory().deviceBytes - before).toBe(4000);
    d.dispose();
    expect(memory().deviceBytes).toBe(before);
    tidy(() => { exp(mul(randn([256]).to('cuda'), 2)); });
    expect(memory().deviceBytes).toBe(before);
    expect(cuda.emu.live()).toBe(liveBefore);
    expect(cudaMemory().buffers).toBe(liveBefore);
  });

  it('moves a module\'s parameters and buffers with Module.to, keeping the Parameter objects', () => {
    manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));
    const params = model.parameters();
    model.to('cuda');
    expect(model.parameters()).toEqual(params);
    expect(params.every((p) => p.device === 'cuda' && p.requiresGrad && p.isLeaf)).toBe(true);
    expect(model.buffers().every((b) => b.device === 'cuda')).toBe(true);
    model.to('cpu');
    expect(params.every((p) => p.device === 'cpu')).toBe(true);
  });

  it('differentiates through device ops (gradcheck in float64 across to(cuda) and back)', () => {
    expect(deviceGradcheck()).toBe(true);
  });

  it('saves a cuda model to safetensors and loads it back into a cuda model (copy_ crosses devices)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-cuda-'));
    try {
      manualSeed(4);
      const a = new nn.Linear(5, 3).to('cuda');
      const opt = new optim.Adam(a.parameters(), { lr: 0.1 });
      sum(a.forward(randn([2, 5]).to('cuda'))).backward();
      opt.step();
      const file = join(dir, 'm.safetensors');
      saveSafetensors(file, a.stateDict());
      manualSeed(5);
      const b = new nn.Linear(5, 3).to('cuda');
      b.loadStateDict(loadSafetensors(file).tensors);
      expect(b.parameters().every((p) => p.device === 'cuda')).toBe(true);
      b.parameters().forEach((p, i) => expect(p.toArray()).toEqual(a.parameters()[i].toArray()));
      const state = opt.stateDict();  // the optimizer's state copies stay on the device
      const saved = Object.values(state.state)[0] as Record<string, unknown>;
      expect(Object.values(saved).some((v) => v instanceof Object && (v as { device?: string }).device === 'cuda')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the emulated device through cudaInfo()', () => {
    expect(cudaInfo()).toMatchObject({ available: true, built: true, name: 'host emulation' });
  });

  // The parity cases against the emulation: the cases run, and the plumbing gives the CPU's numbers.
  for (const c of CASES) {
    it(`${c.family}: ${c.name} matches the cpu`, () => {
      const cpu = c.run('cpu'), dev = c.run('cuda');
      expect(dev.length).toBe(cpu.length);
      cpu.forEach((a, i) => expect(worstError(a, dev[i])).toBeLessThanOrEqual(Math.max(c.tol, 1e-5)));
    }, 120_000);  // the emulation runs the reference kernels: the CNN case takes a while
  }
});
