/** CTC kernel: native (scaled recursion with a log-space fallback) vs the log-space reference, every ISA. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

interface Case { name: string; T: number; N: number; C: number; S: number; blank?: number; scale?: number; edit?: (lp: Float32Array | Float64Array, T: number, N: number, C: number) => void; lengths?: [number[], number[]]; zeroInfinity?: boolean }

const CASES: Case[] = [
  { name: 'tiny', T: 3, N: 2, C: 3, S: 2 },
  { name: 'W5 shape', T: 100, N: 16, C: 28, S: 20 },
  { name: 'long and wide', T: 150, N: 3, C: 60, S: 40, blank: 7 },
  { name: 'peaked (huge gaps between classes: the fallback path)', T: 30, N: 4, C: 5, S: 6, scale: 400 },
  { name: '-inf entries', T: 20, N: 3, C: 4, S: 5, edit: (lp, T, N, C) => { for (let i = 0; i < T * N * C; i += 7) lp[i] = -Infinity; } },
  { name: 'NaN in one item', T: 10, N: 3, C: 4, S: 3, edit: (lp, _T, N, C) => { lp[5 * N * C + 1 * C + 2] = NaN; } },
  { name: 'impossible, empty and zero-length items', T: 8, N: 4, C: 4, S: 6, lengths: [[8, 3, 0, 0], [6, 3, 0, 2]] },
  { name: 'the same with zeroInfinity', T: 8, N: 4, C: 4, S: 6, lengths: [[8, 3, 0, 0], [6, 3, 0, 2]], zeroInfinity: true },
  { name: 'repeats', T: 25, N: 2, C: 2, S: 8 },
];

function sample(c: Case, dtype: 'float32' | 'float64', seed: number) {
  L.manualSeed(seed);
  const lp = L.logSoftmax(L.randn([c.T, c.N, c.C], { dtype }).mul(c.scale ?? 2), 2);
  c.edit?.(lp.values as Float32Array, c.T, c.N, c.C);
  const blank = c.blank ?? 0;
  // Labels drawn from the non-blank classes.
  const raw = L.randint(0, c.C - 1, [c.N, c.S]).values as Int32Array;
  const targets = L.tensor(Array.from({ length: c.N }, (_, n) => Array.from({ length: c.S }, (_, j) => {
    const k = raw[n * c.S + j];
    return k >= blank ? k + 1 : k;
  })), { dtype: 'int32' });
  const [il, tl] = c.lengths ?? [
    Array.from({ length: c.N }, (_, n) => c.T - (n % 3)),
    Array.from({ length: c.N }, (_, n) => Math.max(0, c.S - (n % 4))),
  ];
  return { lp, targets, il, tl, blank };
}

describe.runIf(nativeAddon() !== null)('ctcLoss kernel: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`loss and gradient on ${dtype} (${isa})`, () => withIsa(isa, () => {
        CASES.forEach((c, k) => {
          const { lp, targets, il, tl, blank } = sample(c, dtype, k);
          const run = (): [L.Tensor, L.Tensor] => {
            const x = lp.detach().requiresGrad_(true);
            const loss = L.ctcLoss(x, targets, il, tl, { blank, reduction: 'none', zeroInfinity: c.zeroInfinity ?? false });
            loss.backward(L.linspace(0.5, 1.5, c.N, { dtype }));
            return [loss, x.grad!];
          };
          const [refLoss, refGrad] = onBackend('reference', run);
          const [natLoss, natGrad] = onBackend('native', run);
          const tol = dtype === 'float32' ? 2e-5 : 1e-10;
          expect(closeness(natLoss.values, refLoss.values, tol, tol), `${c.name} ${dtype}: loss ${natLoss.values} vs ${refLoss.values}`).toBeLessThanOrEqual(1);
          expect(closeness(natGrad.values, refGrad.values, tol, tol), `${c.name} ${dtype}: grad`).toBeLessThanOrEqual(1);
        });
      }));
    }
  }

  it('stays exact where emissions underflow a double (the log-space fallback)', () => {
    // "1 2" in 2 frames has one alignment, through label 2 at log-probability -1000 beside a blank at 0:
    // exp(-1000) is 0 in double, so the scaled recursion loses all mass and the exact one takes over.
    const lp = L.tensor([[[0, -5, -6]], [[0, -3, -1000]]], { dtype: 'float64' });
    for (const backend of ['reference', 'native'] as const) {
      const x = lp.detach().requiresGrad_(true);
      const loss = onBackend(backend, () => L.ctcLoss(x, L.tensor([[1, 2]], { dtype: 'int32' }), [2], [2], { reduction: 'sum' }));
      expect(loss.item(), backend).toBe(1005);
      loss.backward();
      expect(Array.from(x.grad!.values, (g) => g + 0), backend).toEqual([0, -1, 0, 0, 0, -1]);
    }
  });

  it('gives the same result for any thread count (items are independent)', () => {
    const { lp, targets, il, tl } = sample(CASES[1], 'float32', 1);
    const before = L.getNumThreads();
    const runWith = (n: number): number[] => {
      L.setNumThreads(n);
      const x = lp.detach().requiresGrad_(true);
      const loss = L.ctcLoss(x, targets, il, tl, { reduction: 'sum' });
      loss.backward();
      return [loss.item(), ...Array.from(x.grad!.values)];
    };
    try {
      expect(runWith(1)).toEqual(runWith(2));
    } finally {
      L.setNumThreads(before);
    }
  });
});
