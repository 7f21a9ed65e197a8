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
