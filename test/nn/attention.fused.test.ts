/**
 * scaledDotProductAttention's fused path against its composite path (matmul, softmax, matmul)
 * on the active backend: values and gradients of q, k, v (float32 within 1e-5 of the scale of
 * each result, float64 within 1e-12), masks of every accepted shape, broadcast leading dims;
 * float64 gradcheck through the fused op and gradgradcheck through its createGraph backward;
 * which path runs when; that the fused path allocates nothing of L × S (every array handed to a
 * kernel is counted), and that its saved state is O(L); MultiheadAttention's two paths agree.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { backend } from '../../src/backend/index';
import type { ScaledDotProductAttentionOptions } from '../../src/nn/attention';
import { closeness } from '../helpers/backends';

const F = L.nn.functional;
type Opts = ScaledDotProductAttentionOptions & { returnWeights?: false };

/** Output and gradients of q, k, v (for the output gradient g) on one path. */
function outputsAndGrads(q: L.Tensor, k: L.Tensor, v: L.Tensor, g: L.Tensor, opts: Opts, fused: boolean): L.Tensor[] {
  const [a, b, c] = [q, k, v].map((t) => t.detach().requiresGrad_());
  const y = F.scaledDotProductAttention(a, b, c, { ...opts, fused });
  y.backward(g);
  return [y, a.grad!, b.grad!, c.grad!];
}

function expectPathsAgree(q: L.Tensor, k: L.Tensor, v: L.Tensor, opts: Opts, what: string): void {
  const y = F.scaledDotProductAttention(q, k, v, opts);
  const g = L.randn(y.shape, { dtype: y.dtype });
  const fused = outputsAndGrads(q, k, v, g, opts, true);
  const composite = outputsAndGrads(q, k, v, g, opts, false);
  const tol = q.dtype === 'float32' ? 1e-5 : 1e-12;
  ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
    expect(fused[i].shape, `${what} ${name}`).toEqual(composite[i].shape);
    const scale = Math.max(1, ...Array.from(composite[i].values, Math.abs));
    expect(closeness(fused[i].values, composite[i].values, tol * scale, tol), `${what} ${name}`).toBeLessThanOrEqual(1);
  });
}

/** Counts the largest array any kernel is handed while fn runs. */
function largestKernelArray(fn: () => void): number {
  const table = backend() as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  let largest = 0;
  for (const [name, kernel] of Object.entries(table)) {
    if (typeof kernel !== 'function') continue;
    originals.set(name, kernel);
    table[name] = (...args: unknown[]) => {
      for (const a of args) if (ArrayBuffer.isView(a)) largest = Math.max(largest, (a as Float32Array).length);
      return (kernel as (...xs: unknown[]) => unknown)(...args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, kernel] of originals) table[name] = kernel;
  }
  return largest;
}

describe('scaledDotProductAttention: fused vs composite path', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: masks of every shape, causal, scale, Ev != E`, () => {
      L.manualSeed(11);
      const [B, H, Lq, S, E, Ev] = [2, 3, 33, 70, 17, 9];
      const q = L.randn([B, H, Lq, E], { dtype }), k = L.randn([B, H, S, E], { dtype }), v = L.randn([B, H, S, Ev], { dtype });
      const bool = (shape: number[]): L.Tensor => L.rand(shape).gt(0.25).logicalOr(L.arange(S).eq(0));
      expectPathsAgree(q, k, v, {}, 'plain');
      expectPathsAgree(q, k, v, { isCausal: true }, 'causal');
      expectPathsAgree(q, k, v, { scale: 0.05 }, 'scale');
      expectPathsAgree(q, k, v, { attnMask: bool([Lq, S]) }, 'bool [L,S]');
      expectPathsAgree(q, k, v, { attnMask: bool([B, 1, Lq, S]) }, 'bool [B,1,L,S]');
      expectPathsAgree(q, k, v, { attnMask: bool([B, H, Lq, S]) }, 'bool [B,H,L,S]');
      expectPathsAgree(q, k, v, { attnMask: bool([B, 1, 1, S]) }, 'bool key padding [B,1,1,S]');
      expectPathsAgree(q, k, v, { attnMask: L.randn([Lq, S], { dtype }) }, 'float [L,S]');
      expectPathsAgree(q, k, v, { attnMask: L.randn([B, H, Lq, S], { dtype }) }, 'float [B,H,L,S]');
    });
  }

  it('batch 1, a single query or key, and leading dims that broadcast (k, v shared by heads)', () => {
    L.manualSeed(12);
    expectPathsAgree(L.randn([1, 1, 8]), L.randn([1, 1, 8]), L.randn([1, 1, 8]), {}, 'one by one');
    expectPathsAgree(L.randn([1, 1, 8]), L.randn([1, 130, 8]), L.randn([1, 130, 8]), { isCausal: true }, 'one query, causal');
    expectPathsAgree(L.randn([2, 4, 7, 8]), L.randn([2, 1, 9, 8]), L.randn([2, 1, 9, 5]), {}, 'k, v broadcast over heads');
    expectPathsAgree(L.randn([7, 8]), L.randn([3, 9, 8]), L.randn([3, 9, 8]), {}, 'unbatched q');
  });

  it('a row that may attend to nothing is NaN on both paths', () => {
    L.manualSeed(13);
    const q = L.randn([4, 8]), k = L.randn([5, 8]), v = L.randn([5, 3]);
    const mask = L.ones([4, 5], { dtype: 'bool' }).logicalAnd(L.tensor([1, 0, 1, 1]).reshape([4, 1]).ne(0));
    for (const fused of [true, false]) {
      const y = F.scaledDotProductAttention(q, k, v, { attnMask: mask, fused });
      const rows = [0, 1, 2, 3].map((i) => Array.from(y.values.slice(i * 3, i * 3 + 3)).every(Number.isNaN));
      expect(rows, `fused ${fused}`).toEqual([false, true, false, false]);
    }
  });

  it('passes float64 gradcheck through the fused kernels (causal, bool and float masks)', () => {
    L.manualSeed(14);
    const make = (shape: number[]): L.Tensor => L.randn(shape, { dtype: 'float64' }).requiresGrad_();
    const [q, k, v] = [make([2, 5, 6]), make([2, 7, 6]), make([2, 7, 3])];
    const bool = L.rand([5, 7]).gt(0.3).logicalOr(L.arange(7).eq(0));
    const additive = L.randn([2, 5, 7], { dtype: 'float64' });
    for (const opts of [{ isCausal: true }, { attnMask: bool }, { attnMask: additive, scale: 0.7 }] as Opts[]) {
      expect(L.gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, opts), [q, k, v])).toBe(true);
    }
  });

  it('second derivatives: gradgradcheck through the fused op (its createGraph backward is written with ops)', () => {
    L.manualSeed(15);
    const make = (shape: number[]): L.Tensor => L.randn(shape, { dtype: 'float64' }).requiresGrad_();
    const [q, k, v] = [make([1, 3, 4]), make([1, 4, 4]), make([1, 4, 2])];
    expect(L.gradgradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { isCausal: true }), [q, k, v])).toBe(true);
  });

  it('runs the fused op only where it applies: dropout, returned weights and a learned mask take the composite path', () => {
    L.manualSeed(16);
    const q = L.randn([2, 4, 3], { requiresGrad: true }), k = L.randn([2, 5, 3]), v = L.randn([2, 5, 2]);
    const name = (opts: Opts): string | undefined => {
      const y = F.scaledDotProductAttention(q, k, v, opts);
      return (Array.isArray(y) ? y[0] : y).gradFn?.name;
    };
    expect(name({})).toBe('scaledDotProductAttention');
    expect(name({ isCausal: true })).toBe('scaledDotProductAttention');
    expect(name({ dropoutP: 0.1 })).not.toBe('scaledDotProductAttention');
    expect(F.scaledDotProductAttention(q, k, v, { returnWeights: true })[0].gradFn?.name).not.toBe('scaledDotProductAttention');
    expect(name({ attnMask: L.randn([4, 5], { requiresGrad: true }) })).not.toBe('scaledDotProductAttention');
    expect(name({ fused: false })).not.toBe('scaledDotProductAttention');
    // No keys: the composite path's zeros (a softmax over nothing, then an empty sum).
    const empty = F.scaledDotProductAttention(L.randn([3, 4]), L.randn([0, 4]), L.randn([0, 2]));
    expect(Array.from(empty.values)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('memory: the fused path hands no kernel an array of L x S, and keeps O(L) besides its inputs and output', () => {
    L.manualSeed(17);
    const [B, H, Lq, S, E] = [1, 2, 256, 256, 16];
    const q = L.randn([B, H, Lq, E], { requiresGrad: true }), k = L.randn([B, H, S, E], { requiresGrad: true });
    const v = L.randn([B, H, S, E], { requiresGrad: true });
    const step = (fused: boolean): void => {
      const y = F.scaledDotProductAttention(q, k, v, { isCausal: true, fused });
      y.sum().backward();
    };
    const fusedLargest = largestKernelArray(() => step(true));
    const compositeLargest = largestKernelArray(() => step(false));
    expect(compositeLargest).toBeGreaterThanOrEqual(B * H * Lq * S);
    expect(fusedLargest).toBeLessThanOrEqual(B * H * Math.max(Lq, S) * E);
    // Live bytes after the forward: the output only (lse is a plain array of B*H*L doubles, out of memory()'s count).
    const before = L.memory().numBytes;
    const y = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    expect(L.memory().numBytes - before).toBe(y.size * 4);
    const yc = F.scaledDotProductAttention(q, k, v, { isCausal: true, fused: false });
    expect(L.memory().numBytes - before - y.size * 4).toBeGreaterThan(B * H * Lq * S * 4);
    yc.dispose();
    y.dispose();
  });

  it('MultiheadAttention: needWeights false (fused) equals needWeights true (composite), gradients too', () => {
    L.manualSeed(18);
    const mha = new L.nn.MultiheadAttention(16, 4, { batchFirst: true });
    const x = L.randn([2, 9, 16]);
    const pad = L.tensor([[0, 0, 0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0]]).ne(0);
    const run = (needWeights: boolean): L.Tensor[] => {
      mha.zeroGrad();
      const [y] = mha.call(x, x, x, { keyPaddingMask: pad, needWeights });
      y.square().sum().backward();
      return [y, ...mha.parameters().map((p) => p.grad!.clone())];
    };
    const fused = run(false), composite = run(true);
    fused.forEach((t, i) => expect(closeness(t.values, composite[i].values, 1e-5, 1e-5), `tensor ${i}`).toBeLessThanOrEqual(1));
  });
});
