import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

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
