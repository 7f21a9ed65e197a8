/**
 * Fused attention kernels: native (every ISA the CPU has) vs the float64 reference kernel, forward
 * and backward (dq, dk, dv), on odd lengths (1, 7, 33, 130: below, across and beyond the 32-query
 * and 64-key tiles), head dims 8, 17, 64 (off and on the SIMD widths), no mask, bool, float,
 * causal and broadcast masks, batch 1; results identical for 1 and 2 threads; the raw bindings'
 * argument checks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { fusedAttention, type AttentionOptions } from '../../src/ops/attention';
import { availableIsas, closeness, hasNative, onBackend, withIsa } from '../helpers/backends';

type Dt = 'float32' | 'float64';
type MaskKind = 'none' | 'bool' | 'float' | 'causal' | 'bool [L,S] broadcast' | 'float [B,1,L,S]';

interface Case { B: number; H: number; L: number; S: number; E: number; Ev: number; mask: MaskKind }

/** A bool mask that keeps key 0 for every query, so no row is fully masked. */
function boolMask(shape: number[]): L.Tensor {
  const S = shape[shape.length - 1];
  return L.rand(shape).gt(0.3).logicalOr(L.arange(S).eq(0).reshape([...shape.map(() => 1).slice(1), S]));
}

/**
 * Inputs of dtype dt; `from32` rounds them through float32 first, so the float64 reference sees
 * exactly the values a float32 run gets.
 */
function inputs(c: Case, dt: Dt, seed: number, from32: boolean): { q: L.Tensor; k: L.Tensor; v: L.Tensor; g: L.Tensor; opts: AttentionOptions } {
  L.manualSeed(seed);
  const draw = (shape: number[]): L.Tensor => {
    const x = L.randn(shape, { dtype: from32 ? 'float32' : dt });
    return x.dtype === dt ? x : x.to(dt);
  };
  const q = draw([c.B, c.H, c.L, c.E]), k = draw([c.B, c.H, c.S, c.E]), v = draw([c.B, c.H, c.S, c.Ev]), g = draw([c.B, c.H, c.L, c.Ev]);
  const opts: AttentionOptions = {};
  if (c.mask === 'causal') opts.isCausal = true;
  if (c.mask === 'bool') opts.attnMask = boolMask([c.B, c.H, c.L, c.S]);
  if (c.mask === 'bool [L,S] broadcast') opts.attnMask = boolMask([c.L, c.S]);
  if (c.mask === 'float') opts.attnMask = draw([c.B, c.H, c.L, c.S]);
  if (c.mask === 'float [B,1,L,S]') opts.attnMask = draw([c.B, 1, c.L, c.S]).mul(2);
  return { q, k, v, g, opts };
}

/** Output, then dq, dk, dv for the output gradient g. */
function run(c: Case, dt: Dt, seed: number, from32 = dt === 'float32'): Float64Array[] {
  const { q, k, v, g, opts } = inputs(c, dt, seed, from32);
  for (const t of [q, k, v]) t.requiresGrad = true;
  const y = fusedAttention(q, k, v, opts);
  y.backward(g);
  return [y, q.grad!, k.grad!, v.grad!].map((t) => Float64Array.from(t.values));
}

const CASES: Case[] = [];
for (const [Lq, S] of [[1, 1], [7, 7], [33, 130], [130, 33], [1, 130], [130, 7]] as const) {
  for (const E of [8, 17, 64]) {
    const mask = (['none', 'bool', 'float', 'causal', 'bool [L,S] broadcast', 'float [B,1,L,S]'] as const)[(Lq + S + E) % 6];
    CASES.push({ B: 1, H: Lq * S > 1000 ? 1 : 2, L: Lq, S, E, Ev: E === 17 ? 9 : E, mask });
  }
}
for (const mask of ['none', 'bool', 'float', 'causal', 'bool [L,S] broadcast', 'float [B,1,L,S]'] as const) CASES.push({ B: 2, H: 2, L: 33, S: 70, E: 16, Ev: 16, mask });

const label = (c: Case): string => `B${c.B} H${c.H} L${c.L} S${c.S} E${c.E} Ev${c.Ev} ${c.mask}`;
// float32 forward and gradients vs the float64 reference, relative to their scale.
const TOL: Record<Dt, number> = { float32: 2e-4, float64: 1e-10 };

describe.runIf(hasNative())('fused attention: native vs reference', () => {
  for (const dt of ['float64', 'float32'] as const) {
    for (const [ci, c] of CASES.entries()) {
      it(`${dt} ${label(c)}`, () => {
        const ref = onBackend('reference', () => run(c, 'float64', ci, dt === 'float32'));
        for (const isa of availableIsas()) {
          const nat = withIsa(isa, () => onBackend('native', () => run(c, dt, ci)));
          ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
            const scale = Math.max(1, ...ref[i].map(Math.abs));
            expect(closeness(nat[i], ref[i], TOL[dt] * scale, TOL[dt]), `${isa} ${name}`).toBeLessThanOrEqual(1);
          });
        }
      });
    }
  }

  // B*H = 6 runs the backward per head at 1 and 2 threads; B*H = 1 runs it per head at 1 thread and
  // split into key-tile and query-tile passes at 2, which must give the same bits.
  it('gives the same bits for 1 and 2 threads (forward and backward, per-head and split backward)', () => {
    const before = L.getNumThreads();
    afterAll(() => L.setNumThreads(before));
    const cases: Case[] = [{ B: 2, H: 3, L: 130, S: 97, E: 24, Ev: 24, mask: 'float [B,1,L,S]' },
      { B: 1, H: 1, L: 200, S: 150, E: 17, Ev: 9, mask: 'causal' }, { B: 1, H: 1, L: 70, S: 130, E: 8, Ev: 8, mask: 'bool' }];
    for (const c of cases) {
      for (const dt of ['float32', 'float64'] as const) {
        L.setNumThreads(1);
        const one = run(c, dt, 7);
        L.setNumThreads(2);
        const two = run(c, dt, 7);
        one.forEach((a, i) => expect(Array.from(two[i]), `${label(c)} ${dt} output ${i}`).toEqual(Array.from(a)));
      }
    }
  });

  it('the raw bindings reject wrong lengths, mixed types and masks read out of range', () => {
    const addon = nativeAddon()!;
    const f = (n: number): Float32Array => new Float32Array(n);
    const lse = new Float64Array(2);
    // batch 1, L 2, S 3, E 4, Ev 5
    const geometry = [1, 2, 3, 4, 5, 0.5, false] as const;
    expect(() => addon.attentionForward(f(8), f(12), f(15), null, null, 0, 0, f(10), lse, ...geometry)).not.toThrow();
    expect(() => addon.attentionForward(f(7), f(12), f(15), null, null, 0, 0, f(10), lse, ...geometry)).toThrow(/attentionForward: q has 7 elements, expected 8/);
    expect(() => addon.attentionForward(f(8), new Float64Array(12), f(15), null, null, 0, 0, f(10), lse, ...geometry)).toThrow(/k is a Float64Array but q is a Float32Array/);
    expect(() => addon.attentionForward(f(8), f(12), f(15), new Uint8Array(6), new Int32Array([1]), 3, 1, f(10), lse, ...geometry)).toThrow(/mask of batch-head 0 reaches element 6 of 6/);
    expect(() => addon.attentionForward(f(8), f(12), f(15), new Int32Array(6), new Int32Array([0]), 3, 1, f(10), lse, ...geometry)).toThrow(/mask must be a Uint8Array \(bool\) or a Float32Array/);
    expect(() => addon.attentionForward(f(8), f(12), f(15), null, null, 0, 0, f(10), new Float64Array(1), ...geometry)).toThrow(/lse has 1 elements, expected 2/);
    const q = f(8);
    expect(() => addon.attentionBackward(q, f(12), f(15), f(10), f(10), lse, null, null, 0, 0, q, f(12), f(15), ...geometry)).toThrow(/dq must not share memory with q/);
  });
});
