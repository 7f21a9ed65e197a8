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

  it('keeps the sizes used last: a full pool evicts the least recently used sizes, not the new buffer', () => {
    const kib = 1024;
    L.emptyCache({ limitBytes: 40 * kib });
    try {
      // Three sizes of 8, 12 and 16 KiB fill 36 KiB; size a is then used again (taken and given back).
      const [a, b, c] = [2 * kib, 3 * kib, 4 * kib].map((n) => L.zeros([n]));
      L.dispose([a, b, c]);
      expect(L.memory().pooledBytes).toBe(36 * kib);
      L.zeros([2 * kib]).dispose();
      // A 20 KiB buffer needs 16 KiB freed: b (least recently used, 12 KiB), then c (16 KiB); a stays.
      L.zeros([5 * kib]).dispose();
      expect(L.memory().pooledBytes).toBe(28 * kib);
      // What is left comes back from the pool; the evicted sizes are allocated afresh.
      const again = [2 * kib, 5 * kib, 3 * kib].map((n) => L.zeros([n]));
      expect(L.memory().pooledBytes).toBe(0);
      L.dispose(again);
      // A buffer larger than the whole limit is never pooled, and evicts nothing.
      const before = L.memory().pooledBytes;
      L.zeros([11 * kib]).dispose();
      expect(L.memory().pooledBytes).toBe(before);
    } finally {
      L.emptyCache({ limitBytes: 256 * 1024 * 1024 });
    }
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

describe('optimizer state starts at skewed page offsets (native backend)', () => {
  const addon = nativeAddon();
  const pageOffset = (t: L.Tensor): number => (addon!.pageOffset(t.values.buffer as ArrayBuffer) + t.values.byteOffset) % 4096;

  it.runIf(addon !== null)('Adam, AMSGrad, RMSprop and SGD state: slot k starts k KiB past a page; small state as before; never pooled', () => {
    L.emptyCache();
    const n = 70_000;
    const p = L.randn([n]).requiresGrad_();
    const small = L.randn([8]).requiresGrad_();
    for (const t of [p, small]) t.grad = L.randn(t.shape);
    const adam = new L.optim.Adam([p, small], { amsgrad: true });
    adam.step();
    const s = adam.state.get(p)!;
    expect([s.expAvg, s.expAvgSq, s.maxExpAvgSq].map((t) => pageOffset(t as L.Tensor))).toEqual([1024, 2048, 3072]);
    expect((adam.state.get(small)!.expAvg as L.Tensor).shape).toEqual([8]);
    const rms = new L.optim.RMSprop([p], { momentum: 0.9, centered: true });
    rms.step();
    const r = rms.state.get(p)!;
    expect([r.squareAvg, r.momentumBuffer, r.gradAvg].map((t) => pageOffset(t as L.Tensor))).toEqual([1024, 2048, 3072]);
    const sgd = new L.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    sgd.step();
    expect(pageOffset(sgd.state.get(p)!.momentumBuffer as L.Tensor)).toBe(1024);
    // A disposed skewed buffer does not come back from the pool as an ordinary tensor.
    const before = L.memory().pooledBytes;
    (s.expAvg as L.Tensor).dispose();
    expect(L.memory().pooledBytes).toBe(before);
    expect(pageOffset(L.zeros([n]))).toBe(0);
  });

  it('skewed state gives the same update as before: Adam against the closed form of its first step', () => {
    const p = L.tensor(Array.from({ length: 20_000 }, (_, i) => Math.sin(i)));
    p.requiresGrad_();
    p.grad = L.tensor(Array.from({ length: 20_000 }, (_, i) => Math.cos(i)));
    const before = Float32Array.from(p.values as Float32Array);
    new L.optim.Adam([p], { lr: 0.01 }).step();
    // step 1: m = 0.1 g, v = 0.001 g², p -= lr · (m / 0.1) / (sqrt(v / 0.001) + eps) = lr · g / (|g| + eps)
    for (const i of [0, 1, 777, 19_999]) {
      const g = Math.fround(Math.cos(i));
      expect(p.values[i]).toBeCloseTo(before[i] - 0.01 * g / (Math.abs(g) + 1e-8), 6);
    }
  });
});
