/**
 * Gradchecks of the norm ops in float64 (first and second order), on both backends, and the
 * fused backward kernel against the ops-level backward used under createGraph.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { batchNorm, groupNorm, layerNorm } from '../../src/ops/norm';
import { closeness, hasNative, onBackend } from '../helpers/backends';

const d = (shape: number[], scale = 1, shift = 0): L.Tensor => L.randn(shape, { dtype: 'float64' }).mul(scale).add(shift).requiresGrad_();
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

type Case = [string, () => L.Tensor[], (...t: L.Tensor[]) => L.Tensor];
const CASES: Case[] = [
  ['layerNorm affine', () => [d([3, 2, 4], 2, 5), d([2, 4]), d([2, 4])], (x, w, b) => layerNorm(x, [2, 4], w, b)],
  ['layerNorm plain', () => [d([4, 5])], (x) => layerNorm(x, 5)],
  ['layerNorm weight only', () => [d([2, 6]), d([6])], (x, w) => layerNorm(x, [6], w, null, { eps: 1e-3 })],
  ['batchNorm training', () => [d([4, 3, 2], 2, -1), d([3]), d([3])], (x, w, b) => batchNorm(x, null, null, w, b, { training: true })],
  ['batchNorm training 2-D no affine', () => [d([5, 3])], (x) => batchNorm(x, null, null, null, null, { training: true })],
  ['batchNorm eval', () => [d([3, 2, 2, 2]), d([2]), d([2])],
    (x, w, b) => batchNorm(x, L.tensor([0.5, -1], { dtype: 'float64' }), L.tensor([2, 0.5], { dtype: 'float64' }), w, b)],
  ['groupNorm affine', () => [d([2, 6, 3], 1, 2), d([6]), d([6])], (x, w, b) => groupNorm(x, 3, w, b)],
  ['groupNorm 4-D plain', () => [d([2, 4, 2, 2])], (x) => groupNorm(x, 2)],
];

describe('norm ops gradcheck (float64)', () => {
  for (const backend of backends) {
    for (const [name, inputs, fn] of CASES) {
      it(`${name}: first and second derivatives (${backend})`, () => onBackend(backend, () => {
        L.manualSeed(name.length);
        const xs = inputs();
        expect(L.gradcheck(fn, xs)).toBe(true);
        expect(L.gradgradcheck(fn, xs)).toBe(true);
      }));
    }
  }

  it('the fused backward kernel equals the ops-level backward', () => {
    for (const [name, inputs, fn] of CASES) {
      L.manualSeed(3);
      const xs = inputs();
      const y = fn(...xs);
      const v = L.randn(y.shape, { dtype: 'float64' });
      const fused = L.grad(y.mul(v).sum(), xs, { retainGraph: true });
      const composite = L.grad(fn(...xs).mul(v).sum(), xs, { createGraph: true });
      fused.forEach((g, i) => {
        expect(closeness(g!.values, composite[i]!.values, 1e-11, 1e-9), `${name} input ${i}`).toBeLessThanOrEqual(1);
      });
    }
  });

  it('float32 gradients match float64 ones to float32 accuracy', () => {
    L.manualSeed(4);
    const x64 = d([8, 16], 3, 100), w64 = d([16]), b64 = d([16]);
    const g64 = L.grad(layerNorm(x64, [16], w64, b64).square().sum(), [x64, w64, b64]);
    const [x32, w32, b32] = [x64, w64, b64].map((t) => t.detach().to('float32').requiresGrad_());
    const g32 = L.grad(layerNorm(x32, [16], w32, b32).square().sum(), [x32, w32, b32]);
    g32.forEach((g, i) => expect(closeness(g!.values, g64[i]!.values, 1e-4, 1e-4), `input ${i}`).toBeLessThanOrEqual(1));
  });
});
