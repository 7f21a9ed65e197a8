/**
 * grad(outputs, inputs) tells each backward which of its inputs' gradients lead to
 * `inputs` (PyTorch's needs_input_grad): grad(u, [x]) through a Linear computes no
 * weight gradient and no bias sum, and the gradients it returns are unchanged.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { backend } from '../../src/backend/index';

function countingKernels<T>(names: string[], fn: () => T): { result: T; calls: Record<string, number> } {
  const be = backend() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const calls: Record<string, number> = {};
  const originals = names.map((n) => be[n]);
  names.forEach((n, i) => { calls[n] = 0; be[n] = (...args: unknown[]) => { calls[n]++; return originals[i].apply(be, args); }; });
  try {
    return { result: fn(), calls };
  } finally {
    names.forEach((n, i) => { be[n] = originals[i]; });
  }
}

describe('needs-input-grad pruning in grad()', () => {
  it('grad(y, [x]) through Linear layers runs only the input-gradient GEMMs', () => {
    L.manualSeed(5);
    const net = new L.nn.Sequential(new L.nn.Linear(3, 4, { dtype: 'float64' }), new L.nn.Tanh(), new L.nn.Linear(4, 2, { dtype: 'float64' }));
    const x = L.randn([6, 3], { dtype: 'float64', requiresGrad: true });
    const y = net.call(x);
    const { result: [gx], calls } = countingKernels(['gemm', 'reduce'], () => L.grad(y, [x], { gradOutputs: [L.onesLike(y)], retainGraph: true }));
    // One GEMM per Linear (dX = G W), no dW = Gᵀ X, and no bias sum.
    expect(calls.gemm).toBe(2);
    expect(calls.reduce).toBe(0);
    // The same gradient as a full backward gives.
    const x2 = x.detach().requiresGrad_();
    net.call(x2).sum().backward();
    expect(Array.from(gx!.values)).toEqual(Array.from(x2.grad!.values));
  });

  it('grad(y, [x]) through conv layers runs no weight-gradient pass and no bias sum; grad(y, [w]) no input-gradient pass', () => {
    L.manualSeed(7);
    const conv1 = new L.nn.Conv2d(2, 3, 3, { padding: 1 }), conv2 = new L.nn.Conv2d(3, 2, 3);
    const x = L.randn([2, 2, 6, 6], { requiresGrad: true });
    const y = conv2.call(L.relu(conv1.call(x)));
    const kernels = ['conv2dBackwardInput', 'conv2dBackwardWeight', 'reduce'];
    L.setConvAlgorithm('direct');
    try {
      const { result: [gx], calls } = countingKernels(kernels, () => L.grad(y, [x], { gradOutputs: [L.onesLike(y)], retainGraph: true }));
      expect(calls).toEqual({ conv2dBackwardInput: 2, conv2dBackwardWeight: 0, reduce: 0 });
      const { result: [gw], calls: wCalls } = countingKernels(kernels, () => L.grad(y, [conv1.weight], { gradOutputs: [L.onesLike(y)], retainGraph: true }));
      // conv2's input gradient leads to conv1's weight; conv1's input gradient leads nowhere.
      expect(wCalls.conv2dBackwardInput).toBe(1);
      expect(wCalls.conv2dBackwardWeight).toBe(1);
      // The same gradients as a full backward gives.
      y.sum().backward();
      expect(Array.from(gx!.values)).toEqual(Array.from(x.grad!.values));
      expect(Array.from(gw!.values)).toEqual(Array.from(conv1.weight.grad!.values));
    } finally {
      L.setConvAlgorithm('auto');
    }
  });

  it('backward() still fills every parameter gradient, and a second-order grad stays right', () => {
    L.manualSeed(6);
    const lin = new L.nn.Linear(2, 3, { dtype: 'float64' });
    const x = L.randn([5, 2], { dtype: 'float64', requiresGrad: true });
    const u = lin.call(x).tanh().sum(1);
    const [ux] = L.grad(u, [x], { gradOutputs: [L.onesLike(u)], createGraph: true });
    ux!.square().sum().backward();
    expect(lin.weight.grad).not.toBeNull();
    expect(lin.bias!.grad).not.toBeNull();
    // d/dW of sum((tanh'(xWᵀ + b) W)²) against a central difference.
    const w = lin.weight.values as Float64Array;
    const loss = (): number => L.noGrad(() => {
      const xx = x.detach().requiresGrad_();
      return L.enableGrad(() => {
        const uu = lin.call(xx).tanh().sum(1);
        const [g] = L.grad(uu, [xx], { gradOutputs: [L.onesLike(uu)] });
        return g!.square().sum().item();
      });
    });
    const h = 1e-6, w0 = w[1];
    w[1] = w0 + h; const up = loss();
    w[1] = w0 - h; const down = loss();
    w[1] = w0;
    expect(lin.weight.grad!.values[1]).toBeCloseTo((up - down) / (2 * h), 7);
  });
});
