import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';

describe('buffer pool', () => {
  it('reuses a disposed large buffer, zeroed, for the next tensor of that size', () => {
    L.emptyCache();
    const a = L.randn([256, 256]);
    const buffer = a.values.buffer;
    a.dispose();
    expect(L.memory().pooledBytes).toBe(256 * 256 * 4);
    const b = L.randn([256, 256]).mul(0); // mul allocates its output through the pool
    expect(b.values.buffer).toBe(buffer);
    expect(L.memory().pooledBytes).toBe(0);
    const c = L.relu(L.full([256, 256], -1));
    expect(Array.from(c.values.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it('zeros, ones and full take pooled buffers too: zeroed or filled, never stale', () => {
    L.emptyCache();
    const a = L.randn([300, 300]);
    const buffer = a.values.buffer;
    a.dispose();
    const z = L.zeros([300, 300]);
    expect(z.values.buffer).toBe(buffer);
    expect(z.values.every((v) => v === 0)).toBe(true);
    z.add_(5);
    z.dispose();
    const f = L.full([300, 300], -2);
    expect(f.values.buffer).toBe(buffer);
    expect(f.values.every((v) => v === -2)).toBe(true);
    expect(L.memory().pooledBytes).toBe(0);
  });

  it('never lets a recycled buffer reach backward: a disposed saved tensor is an error, not stale data', () => {
    L.emptyCache();
    const x = L.randn([128, 256], { requiresGrad: true });
    const y = L.tidy(() => x.mul(2).exp().sum()); // exp's saved output is disposed with the tidy
    L.randn([128, 256]).mul(1); // takes the pooled buffer
    expect(() => y.backward()).toThrow(/exp saved float32\[128,256\] .* disposed/);
    // Inside the tidy, the same graph differentiates correctly.
    const g = L.tidy(() => { x.grad = null; x.mul(2).exp().sum().backward(); return x.grad!; });
    const expected = L.noGrad(() => x.mul(2).exp().mul(2));
    expect(Array.from(g.values.subarray(0, 8))).toEqual(Array.from(expected.values.subarray(0, 8)));
  });

  it('carves small tensors from shared slabs: zeroed, disjoint, and independent of each other', () => {
    const a = L.zeros([3]), b = L.zeros([5], { dtype: 'float64' }), c = L.ones([7], { dtype: 'int32' });
    for (const t of [a, b, c]) expect(t.values.buffer.byteLength).toBe(16384); // views of a 16 KiB slab
    const sameSlab = [a, b, c].filter((t) => t.values.buffer === c.values.buffer);
    const ranges = sameSlab.map((t) => [t.values.byteOffset, t.values.byteOffset + t.values.byteLength]);
    ranges.sort((p, q) => p[0] - q[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
    expect(b.values.byteOffset % 8).toBe(0);
    a.values.fill(9);
    expect(Array.from(b.values)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(c.values)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    // Many small tensors: each starts zeroed, also across a slab boundary.
    for (let i = 0; i < 100; i++) expect(Array.from(L.add(L.zeros([50]), 0).values).every((v) => v === 0)).toBe(true);
  });

  it('keeps a buffer while a view holds it', () => {
    const v = L.randn([128, 256]);
    const view = v.reshape([256, 128]);
    const first = view.values[0];
    v.dispose();
    L.randn([128, 256]).mul(0);
    expect(view.values.length).toBe(128 * 256);
    expect(view.values[0]).toBe(first);
  });

  it('emptyCache frees pooled buffers and can turn pooling off', () => {
    L.randn([512, 512]).dispose();
    expect(L.memory().pooledBytes).toBeGreaterThan(0);
    L.emptyCache({ limitBytes: 0 });
    expect(L.memory().pooledBytes).toBe(0);
    L.randn([512, 512]).dispose();
    expect(L.memory().pooledBytes).toBe(0);
    L.emptyCache({ limitBytes: 256 * 1024 * 1024 });
  });
});

describe('large buffers start on a page boundary (native backend)', () => {
  const addon = nativeAddon();
  const pageOffset = (t: L.Tensor): number => (addon!.pageOffset(t.values.buffer as ArrayBuffer) + t.values.byteOffset) % 4096;

  it.runIf(addon !== null)('creation ops, random ops, op outputs and pooled buffers, for every dtype', () => {
    L.emptyCache();
    const n = 70_000; // 280 KB of float32: above the 64 KiB threshold
    const made: L.Tensor[] = [
      L.zeros([n]), L.ones([n], { dtype: 'float64' }), L.full([n], 3, { dtype: 'int32' }), L.zeros([n], { dtype: 'bool' }),
      L.randn([n]), L.rand([n], { dtype: 'float64' }), L.randint(0, 5, [n]),
    ];
    made.push(L.add(made[4], made[4]), L.to(made[4], 'float64'));
    for (const t of made) {
      expect(pageOffset(t), t.describe()).toBe(0);
      expect(t.values.length).toBe(n);
    }
    expect(made[0].values.every((v) => v === 0)).toBe(true);
    expect(made[1].values.every((v) => v === 1)).toBe(true);
    // A disposed buffer comes back from the pool, still aligned and zeroed.
    const buffer = made[7].values.buffer;
    made[7].dispose();
    const again = L.zeros([n]);
    expect(again.values.buffer).toBe(buffer);
    expect(pageOffset(again)).toBe(0);
    expect(again.values.every((v) => v === 0)).toBe(true);
  });

  it.runIf(addon !== null)('pageOffset rejects what is not an ArrayBuffer', () => {
    expect(() => addon!.pageOffset(new Float32Array(4) as unknown as ArrayBuffer)).toThrow(/pageOffset: buffer must be an ArrayBuffer/);
  });
});
