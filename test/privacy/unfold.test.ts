import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, privacy } from '../../src/index';

const D = { dtype: 'float64' as const };

/** The conv layers' calls of one batch, with their output gradients (a summed loss). */
function record(model: L.nn.Module, x: L.Tensor): privacy.LayerCall[] {
  const hooks = new privacy.GradSampleHooks(model);
  const out = model.call(x.detach().requiresGrad_()) as L.Tensor;
  const loss = L.sum(L.mul(out, out));
  const calls = hooks.calls;
  const gs = L.grad(loss, calls.map((c) => c.output));
  calls.forEach((c, i) => { c.grad = gs[i]; });
  hooks.remove();
  return calls;
}

describe('conv patches by strided copy (no graph)', () => {
  it('give the same clipped sums and norms as the one-hot conv unfold (padding, stride, dilation, groups, Conv1d)', () => {
    L.manualSeed(3);
    const cases: [L.nn.Module, L.Tensor][] = [
      [new nn.Conv2d(4, 6, 3, { ...D, groups: 2, padding: 1 }), L.randn([3, 4, 6, 5], D)],
      [new nn.Conv2d(2, 3, [2, 3], { ...D, stride: [2, 1], dilation: [1, 2], padding: [1, 0] }), L.randn([4, 2, 7, 8], D)],
      [new nn.Conv2d(3, 2, 3, { ...D, padding: 'valid' }), L.randn([2, 3, 5, 5], D)],
      [new nn.Conv1d(3, 4, 3, { ...D, stride: 2, padding: 2, dilation: 2 }), L.randn([5, 3, 11], D)],
    ];
    for (const [model, x] of cases) {
      const calls = record(model, x);
      for (const mode of ['ghost', 'materialize'] as const) {
        const opts = { maxGradNorm: 0.5, lossReduction: 'sum' as const, modeOf: () => mode };
        // With grad on and a graph input, patches come from the conv; under noGrad from the copy.
        const viaConv = privacy.clipAndSum(calls, opts);
        const viaCopy = L.noGrad(() => privacy.clipAndSum(calls, opts));
        expect(Array.from(viaCopy.norms[0].values)).toEqual(Array.from(viaConv.norms[0].values));
        for (const [p, s] of viaConv.sums) {
          const got = Array.from(viaCopy.sums.get(p)!.values), want = Array.from(s.values);
          got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]))));
        }
      }
    }
  });
});
