// The per-storage cache behind linear's transposed weight and conv2d's Winograd filter:
// when an array is kept, rebuilt, rewritten in place or built lazily.
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { DerivedArrays } from '../../src/ops/derived-arrays';

function counting(): { cache: DerivedArrays<Float32Array>; fills: number[]; allocs: number[]; get: (t: L.Tensor, layout: string, slot: string, lazy?: boolean) => Float32Array | null } {
  const cache = new DerivedArrays<Float32Array>();
  const fills: number[] = [], allocs: number[] = [];
  const get = (t: L.Tensor, layout: string, slot: string, lazy = false) => cache.get(t.storage, layout, slot,
    () => { allocs.push(1); return new Float32Array(t.size); },
    (out) => { fills.push(1); out.set(t.values as Float32Array); }, lazy);
  return { cache, fills, allocs, get };
}

describe('DerivedArrays', () => {
  it('keeps an array while the storage is unchanged and rebuilds it, into the same array, after an in-place update', () => {
    const { fills, allocs, get } = counting();
    const w = L.tensor([1, 2, 3]);
    const a = get(w, 'f32 3', 'copy')!;
    expect(Array.from(a)).toEqual([1, 2, 3]);
    expect(get(w, 'f32 3', 'copy')).toBe(a);
    expect([fills.length, allocs.length]).toEqual([1, 1]);
    L.noGrad(() => L.mul_(w, 2));  // bumps the version
    const b = get(w, 'f32 3', 'copy')!;
    expect(b).toBe(a);  // the stale array, rewritten
    expect(Array.from(b)).toEqual([2, 4, 6]);
    expect([fills.length, allocs.length]).toEqual([2, 1]);
  });

  it('keeps slots apart, and a new layout gets new arrays (no spare of another size)', () => {
    const { fills, allocs, get } = counting();
    const w = L.tensor([1, 2, 3, 4]);
    const f = get(w, 'a', 'forward')!, t = get(w, 'a', 'transposed')!;
    expect(f).not.toBe(t);
    expect(get(w, 'a', 'forward')).toBe(f);
    const g = get(w, 'b', 'forward')!;
    expect(g).not.toBe(f);
    expect([fills.length, allocs.length]).toEqual([3, 3]);
    // Back to layout 'a': its arrays went with the switch, so they are built afresh.
    expect(get(w, 'a', 'forward')).not.toBe(f);
  });

  it('lazy: the first ask after a change builds nothing; the next one builds', () => {
    const { fills, get } = counting();
    const w = L.tensor([5, 6]);
    expect(get(w, 'x', 'wt', true)).toBeNull();
    expect(fills.length).toBe(0);
    const a = get(w, 'x', 'wt', true)!;
    expect(Array.from(a)).toEqual([5, 6]);
    expect(get(w, 'x', 'wt', true)).toBe(a);
    L.noGrad(() => L.add_(w, 1));
    expect(get(w, 'x', 'wt', true)).toBeNull();  // a training step: no copy
    expect(get(w, 'x', 'wt', true)).toBe(a);  // inference after it: the spare, rewritten
    expect(Array.from(a)).toEqual([6, 7]);
  });

  it('two storages do not share entries', () => {
    const { get } = counting();
    const u = L.tensor([1, 1]), v = L.tensor([2, 2]);
    expect(Array.from(get(u, 'x', 's')!)).toEqual([1, 1]);
    expect(Array.from(get(v, 'x', 's')!)).toEqual([2, 2]);
    expect(Array.from(get(u, 'x', 's')!)).toEqual([1, 1]);
  });

  it('a fill that throws leaves no half-built array behind', () => {
    const cache = new DerivedArrays<Float32Array>();
    const w = L.tensor([1, 2]);
    expect(() => cache.get(w.storage, 'x', 's', () => new Float32Array(2), () => { throw new Error('boom'); })).toThrow('boom');
    const a = cache.get(w.storage, 'x', 's', () => new Float32Array(2), (out) => out.set([1, 2]))!;
    expect(Array.from(a)).toEqual([1, 2]);
  });
});
