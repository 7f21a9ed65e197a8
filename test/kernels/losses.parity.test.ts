/** Fused softmax cross-entropy: native vs reference kernels, random shapes and edge cases, every ISA. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

type DT = 'float32' | 'float64';

interface Case { name: string; shape: number[]; probs?: boolean; weight?: boolean; smoothing?: number; ignore?: boolean; scale?: number; specials?: boolean }

const CASES: Case[] = [
  { name: 'small', shape: [4, 5] },
  { name: 'one class', shape: [3, 1] },
  { name: 'empty batch', shape: [0, 4] },
  { name: 'many classes', shape: [7, 1000], weight: true, smoothing: 0.1 },
  { name: 'spatial', shape: [3, 6, 5, 7], weight: true, ignore: true },
  { name: 'spatial smoothing', shape: [2, 4, 33], smoothing: 0.25, ignore: true },
  { name: 'probabilities', shape: [9, 17], probs: true, weight: true, smoothing: 0.2 },
  { name: 'probabilities spatial', shape: [2, 5, 3, 3], probs: true },
  { name: 'large batch', shape: [513, 10], ignore: true },
  { name: 'extreme logits', shape: [6, 8], scale: 1e4, smoothing: 0.1 },
  { name: '-inf, +inf and NaN logits', shape: [6, 4], specials: true },
];

function sample(c: Case, dtype: DT, seed: number): { x: L.Tensor; target: L.Tensor; weight?: L.Tensor; gOut: (shape: number[]) => L.Tensor } {
  L.manualSeed(seed);
  const x = L.randn(c.shape, { dtype }).mul(c.scale ?? 3);
  if (c.specials) {
    const v = x.values;
    v[1] = -Infinity;          // one impossible class in row 0
    v[4] = v[5] = v[6] = v[7] = -Infinity;  // row 1 all -inf
    v[9] = Infinity;           // row 2 holds +inf
    v[13] = NaN;               // row 3 holds NaN
  }
  const classes = c.shape[1];
  let target: L.Tensor;
  if (c.probs) target = L.softmax(L.randn(c.shape, { dtype }), 1);
  else {
    const rows = [c.shape[0], ...c.shape.slice(2)];
    target = L.randint(0, classes, rows);
    if (c.ignore) { const t = target.values; for (let i = 0; i < t.length; i += 3) t[i] = -100; }
    if (c.specials) { const t = target.values; t[0] = 0; t[1] = 0; t[2] = 1; t[3] = 2; }
  }
  const weight = c.weight ? L.rand([classes], { dtype }).add(0.5) : undefined;
  return { x, target, weight, gOut: (shape) => L.randn(shape, { dtype }) };
}

describe.runIf(nativeAddon() !== null)('crossEntropy kernels: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`forward and backward on ${dtype} (${isa})`, () => withIsa(isa, () => {
        CASES.forEach((c, k) => {
          const { x, target, weight, gOut } = sample(c, dtype, k);
          for (const reduction of ['none', 'mean', 'sum'] as const) {
            const run = (): [L.Tensor, L.Tensor] => {
              const xi = x.detach().requiresGrad_(true);
              const loss = L.crossEntropy(xi, target, { weight, labelSmoothing: c.smoothing ?? 0, reduction });
              L.manualSeed(99);
              const g = gOut(loss.shape);
              loss.backward(g);
              return [loss, xi.grad!];
            };
            const [refLoss, refGrad] = onBackend('reference', run);
            const [natLoss, natGrad] = onBackend('native', run);
            const tol = dtype === 'float32' ? 3e-6 : 1e-12;
            const what = `${c.name} ${reduction} ${dtype}`;
            expect(natLoss.shape, what).toEqual(refLoss.shape);
            expect(closeness(natLoss.values, refLoss.values, tol, tol), `${what}: loss`).toBeLessThanOrEqual(1);
            expect(closeness(natGrad.values, refGrad.values, tol, tol), `${what}: grad`).toBeLessThanOrEqual(1);
          }
        });
      }));
    }
  }

  it('stays finite for logits of ±1e4 (the max is subtracted before exp)', () => {
    const x = L.tensor([[1e4, -1e4, 0], [-1e4, 1e4, 1e4 - 1]]);
    const loss = L.crossEntropy(x, L.tensor([1, 2], { dtype: 'int32' }), { reduction: 'none' });
    expect(loss.values[0]).toBeCloseTo(2e4, 0);
    expect(loss.values[1]).toBeCloseTo(1 + Math.log1p(Math.exp(-1)), 5);
  });
});
