/** The foreach kernels of clipGradNorm (foreachNorm, foreachScale): native vs reference, ISAs, thread counts, edge values. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { foreachNorm, foreachScale_ } from '../../src/ops/foreach';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

// Sizes around the 8-lane unroll, the 32768-element chunk and enough work for two threads.
const SIZES = [0, 1, 7, 8, 9, 33, 1000, 32768, 32769, 70001, 140000];
const P = [0.5, 1, 2, 3, Infinity];

const bytes = (t: L.Tensor): Buffer => Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength);
const sameBits = (a: L.Tensor, b: L.Tensor): boolean => bytes(a).equals(bytes(b));

function make(dtype: 'float32' | 'float64', seed: number): L.Tensor[] {
  L.manualSeed(seed);
  return SIZES.map((n) => L.randn([n], { dtype }).mul(3));
}

describe.runIf(nativeAddon() !== null)('foreach kernels: native vs reference', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`foreachNorm, p in ${P.join(', ')}, at 1 and 2 threads (${dtype})`, () => {
      const ts = make(dtype, 1);
      const threads = L.backendInfo().threads;
      for (const p of P) {
        const ref = onBackend('reference', () => foreachNorm(ts, p));
        // Fixed chunks added in order: the same bits at any thread count.
        const one = onBackend('native', () => { L.setNumThreads(1); return foreachNorm(ts, p); });
        const two = onBackend('native', () => { L.setNumThreads(2); return foreachNorm(ts, p); });
        expect(two, `p=${p} threads`).toEqual(one);
        // Every ISA sums the same lanes in the same order: the same bits.
        for (const isa of availableIsas()) expect(onBackend('native', () => withIsa(isa, () => foreachNorm(ts, p))), `p=${p} ${isa}`).toEqual(one);
        expect(closeness(one, ref, 0, 1e-12), `p=${p}`).toBeLessThanOrEqual(1);
        // Against the norm op (float32 norms are rounded to float32 there; its max of an empty
        // tensor is an error, the max of no |x| >= 0 here is 0).
        const viaOp = ts.map((t) => (t.size === 0 ? 0 : L.norm(t, p).item()));
        expect(closeness(one, viaOp, 1e-6, dtype === 'float32' ? 1e-5 : 1e-12), `p=${p} vs norm`).toBeLessThanOrEqual(1);
      }
      L.setNumThreads(threads);
    });

    it(`foreachScale_ is bitwise the reference and mul_ (${dtype})`, () => {
      const ts = make(dtype, 2);
      for (const scale of [0.3, 1 / 3, -2.5e-3, 0]) {
        const ref = ts.map((t) => t.clone()), nat = ts.map((t) => t.clone()), viaMul = ts.map((t) => t.clone());
        onBackend('reference', () => foreachScale_(ref, scale));
        onBackend('native', () => foreachScale_(nat, scale));
        L.noGrad(() => viaMul.forEach((t) => t.mul_(scale)));
        nat.forEach((t, i) => {
          expect(sameBits(t, ref[i]), `scale ${scale} tensor ${i}`).toBe(true);
          expect(sameBits(t, viaMul[i]), `scale ${scale} tensor ${i} vs mul_`).toBe(true);
        });
      }
    });
  }

  it('NaN and Infinity: NaN for a tensor holding NaN (every p), Infinity for an infinite element', () => {
    const big = L.zeros([40000]);
    (big.values as Float32Array)[35000] = NaN;
    const inf = L.tensor([1, -Infinity, 2]);
    const fine = L.tensor([3, 4]);
    for (const backend of ['reference', 'native'] as const) {
      for (const p of [1, 2, 3, Infinity]) {
        const [a, b, c] = onBackend(backend, () => foreachNorm([big, inf, fine], p));
        expect(a, `${backend} p=${p}`).toBeNaN();
        expect(b, `${backend} p=${p}`).toBe(Infinity);
        expect(c, `${backend} p=${p}`).toBeCloseTo(p === 1 ? 7 : p === 2 ? 5 : p === Infinity ? 4 : Math.cbrt(91), 12);
      }
    }
  });

  it('mixed dtypes keep their order; the version of every scaled tensor is bumped', () => {
    const a = L.tensor([3, 4]), b = L.tensor([6, 8], { dtype: 'float64' }), c = L.tensor([1, 2, 2], { dtype: 'int32' });
    expect(foreachNorm([a, b, c])).toEqual([5, 10, 3]);
    const versions = [a, b].map((t) => t.storage.version);
    foreachScale_([a, b], 0.5);
    expect([a, b].map((t) => t.storage.version)).toEqual(versions.map((v) => v + 1));
    expect(Array.from(b.values)).toEqual([3, 4]);
  });

  it('bad input names the op and the argument', () => {
    expect(() => foreachNorm([L.zeros([2]), 3 as never])).toThrow(/foreachNorm: tensors\[1\] must be a Tensor, got number/);
    expect(() => foreachNorm([L.zeros([2])], 0)).toThrow(/foreachNorm: p must be a positive number or Infinity, got 0/);
    expect(() => foreachNorm(null as never)).toThrow(/foreachNorm: tensors must be an array of Tensors/);
    expect(() => foreachScale_([L.zeros([2])], '2' as never)).toThrow(/foreachScale_: scale must be a number/);
    const leaf = L.zeros([2]).requiresGrad_();
    expect(() => foreachScale_([leaf], 2)).toThrow(/foreachScale_: tensors\[0\] .* requires grad/);
    // The raw binding: wrong lists, lengths and p are errors, not crashes.
    const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => void>;
    expect(() => addon.foreachNorm([new Float32Array(2), new Float64Array(2)], 2, new Float64Array(2))).toThrow(/foreachNorm/);
    expect(() => addon.foreachNorm([new Float32Array(2)], 2, new Float64Array(3))).toThrow(/foreachNorm/);
    expect(() => addon.foreachNorm([new Float32Array(2)], -1, new Float64Array(1))).toThrow(/foreachNorm: p must be > 0/);
    expect(() => addon.foreachScale([new Int32Array(2)], 2)).toThrow(/foreachScale/);
    expect(() => addon.foreachScale(new Float32Array(2), 2)).toThrow(/foreachScale/);
  });
});
