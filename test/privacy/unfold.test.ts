import { describe, expect, it } from 'vitest';
import { captureGrads } from '../../src/privacy/grad-sample';
import * as L from '../../src/index';
import { nn, privacy } from '../../src/index';

const D = { dtype: 'float64' as const };

/** The conv layers' calls of one batch, with their output gradients (a summed loss). */
function record(model: L.nn.Module, x: L.Tensor): privacy.LayerCall[] {
  const hooks = new privacy.GradSampleHooks(model);
  const out = model.call(x.detach().requiresGrad_()) as L.Tensor;
  const loss = L.sum(L.mul(out, out));
  captureGrads(loss, hooks.calls);
  hooks.remove();
  return hooks.calls;
}

describe('conv per-sample work without a graph (patches by strided copy, weight gradients by the native kernel)', () => {
  it('gives the same clipped sums and norms as the one-hot conv unfold (padding, stride, dilation, groups, Conv1d)', () => {
    L.manualSeed(3);
    const cases: [L.nn.Module, L.Tensor][] = [
      [new nn.Conv2d(4, 6, 3, { ...D, groups: 2, padding: 1 }), L.randn([3, 4, 6, 5], D)],
      [new nn.Conv2d(2, 3, [2, 3], { ...D, stride: [2, 1], dilation: [1, 2], padding: [1, 0] }), L.randn([4, 2, 7, 8], D)],
      [new nn.Conv2d(3, 2, 3, { ...D, padding: 'valid' }), L.randn([2, 3, 5, 5], D)],
      [new nn.Conv1d(3, 4, 3, { ...D, stride: 2, padding: 2, dilation: 2 }), L.randn([5, 3, 11], D)],
      [new nn.Conv2d(2, 4, [3, 2], { ...D, padding: 'same', dilation: [2, 1], groups: 2 }), L.randn([3, 2, 6, 5], D)],
      [new nn.Conv1d(2, 2, 4, { ...D, padding: 'same' }), L.randn([3, 2, 9], D)],
    ];
    for (const [model, x] of cases) {
      const calls = record(model, x);
      for (const mode of ['ghost', 'materialize'] as const) {
        const opts = { maxGradNorm: 0.5, lossReduction: 'sum' as const, modeOf: () => mode };
        // With grad on and a graph input: the one-hot conv unfold and a GEMM; under noGrad: the copy and the kernel.
        const viaConv = privacy.clipAndSum(calls, opts);
        const viaCopy = L.noGrad(() => privacy.clipAndSum(calls, opts));
        const close = (got: L.Tensor, want: L.Tensor): void => {
          const w = Array.from(want.values);
          expect(got.shape).toEqual(want.shape);
          Array.from(got.values).forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(w[i]))));
        };
        close(viaCopy.norms[0], viaConv.norms[0]);
        for (const [p, s] of viaConv.sums) close(viaCopy.sums.get(p)!, s);
      }
    }
  });
});
