/**
 * nn.init: statistics over large tensors against the formulas, structure (orthogonal, eye,
 * dirac), determinism from the seed on both backends, and the layers' default init.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { normalCdf, normalQuantile } from '../../src/nn/init';
import { hasNative, onBackend } from '../helpers/backends';

const { init } = nn;

function moments(t: L.Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.values;
  let s = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < v.length; i++) { s += v[i]; min = Math.min(min, v[i]); max = Math.max(max, v[i]); }
  const mean = s / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)), min, max };
}

/** std within 3% and mean within 3% of std (about 10 standard errors for these sizes). */
function expectStats(t: L.Tensor, std: number, what: string): void {
  const m = moments(t);
  expect(Math.abs(m.std / std - 1), `${what}: std ${m.std} vs ${std}`).toBeLessThan(0.03);
  expect(Math.abs(m.mean), `${what}: mean ${m.mean}`).toBeLessThan(0.03 * std);
}

describe('nn.init', () => {
  it('calculateGain follows PyTorch\'s table', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as 'relu')).toThrow(/unsupported nonlinearity 'swish'/);
  });

  it('fans: [out, in] and conv [out, in, k, k]', () => {
    expect(init.calculateFanInAndFanOut(L.zeros([64, 32]))).toEqual({ fanIn: 32, fanOut: 64 });
    expect(init.calculateFanInAndFanOut(L.zeros([16, 3, 5, 5]))).toEqual({ fanIn: 75, fanOut: 400 });
    expect(() => init.calculateFanInAndFanOut(L.zeros([5]))).toThrow(/at least 2 dims/);
  });

  it('uniform, normal, xavier and kaiming have the formulas\' spread over 256k samples', () => {
    L.manualSeed(0);
    const w = L.zeros([512, 512]);
    init.uniform(w, { a: -2, b: 1 });
    const u = moments(w);
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(1);
    expect(Math.abs(u.mean + 0.5)).toBeLessThan(0.01);
    expectStats(init.normal(w, { mean: 0, std: 0.02 }), 0.02, 'normal');
    expectStats(init.xavierUniform(w, { gain: 2 }), 2 * Math.sqrt(2 / 1024), 'xavierUniform');
    expectStats(init.xavierNormal(w), Math.sqrt(2 / 1024), 'xavierNormal');
    const conv = L.zeros([64, 32, 3, 3]);
    expectStats(init.kaimingNormal(conv, { nonlinearity: 'relu' }), Math.SQRT2 / Math.sqrt(32 * 9), 'kaimingNormal fanIn');
    expectStats(init.kaimingNormal(conv, { mode: 'fanOut', nonlinearity: 'relu' }), Math.SQRT2 / Math.sqrt(64 * 9), 'kaimingNormal fanOut');
    init.kaimingUniform(conv, { a: 0.1 });
    const gain = Math.sqrt(2 / 1.01), bound = gain * Math.sqrt(3 / (32 * 9));
    const k = moments(conv);
    expect(k.max).toBeLessThanOrEqual(bound);
    expect(k.min).toBeGreaterThanOrEqual(-bound);
    expectStats(conv, bound / Math.sqrt(3), 'kaimingUniform');
  });

  it('truncNormal stays in [a, b] with the truncated distribution\'s moments', () => {
    L.manualSeed(1);
    const t = L.zeros([200000], { dtype: 'float64' });
    init.truncNormal(t, { mean: 1, std: 2, a: 0, b: 3 });
    const m = moments(t);
    expect(m.min).toBeGreaterThanOrEqual(0);
    expect(m.max).toBeLessThanOrEqual(3);
    // Truncated normal on [α, β] (std units): mean μ + σ (φ(α) - φ(β)) / Z, variance σ²(1 + (αφ(α) - βφ(β))/Z - ((φ(α) - φ(β))/Z)²).
    const phi = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    const al = -0.5, be = 1, Z = normalCdf(be) - normalCdf(al);
    const d = (phi(al) - phi(be)) / Z;
    const mean = 1 + 2 * d, std = 2 * Math.sqrt(1 + (al * phi(al) - be * phi(be)) / Z - d * d);
    expect(Math.abs(m.mean - mean)).toBeLessThan(0.01);
    expect(Math.abs(m.std / std - 1)).toBeLessThan(0.01);
    // Far in the upper tail: still inside the bounds and near the lower one.
    init.truncNormal(t, { a: 6, b: 7 });
    const tail = moments(t);
    expect(tail.min).toBeGreaterThanOrEqual(6);
    expect(tail.max).toBeLessThanOrEqual(7);
    expect(tail.mean).toBeLessThan(6.3);
    expect(() => init.truncNormal(t, { a: 2, b: 1 })).toThrow(/a < b/);
  });

  it('the normal CDF and quantile are inverse to near double precision', () => {
    for (const p of [1e-300, 1e-12, 0.001, 0.02, 0.3, 0.5, 0.77, 0.99, 1 - 1e-10]) {
      const x = normalQuantile(p);
      expect(Math.abs(normalCdf(x) - p) / Math.min(p, 1 - p)).toBeLessThan(1e-9);
    }
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 14);
  });

  it('orthogonal gives QᵀQ = I (tall) or QQᵀ = I (wide), scaled by gain', () => {
    L.manualSeed(2);
    for (const [shape, gain] of [[[40, 12], 1], [[12, 40], 2], [[8, 2, 3, 3], 1]] as [number[], number][]) {
      const w = L.zeros(shape, { dtype: 'float64' });
      init.orthogonal(w, { gain });
      const m = w.reshape([shape[0], -1]);
      const gram = shape[0] >= m.shape[1] ? m.t().matmul(m) : m.matmul(m.t());
      const n = gram.shape[0], g = gram.values;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(g[i * n + j]).toBeCloseTo(i === j ? gain * gain : 0, 12);
    }
  });

  it('eye, dirac, constant, zeros and ones', () => {
    const e = init.eye(L.randn([2, 3]));
    expect(e.toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(() => init.eye(L.zeros([2, 2, 2]))).toThrow(/2-D/);
    // A dirac-initialised conv copies its input channels.
    const conv = new nn.Conv2d(3, 3, 3, { padding: 1, bias: false });
    init.dirac(conv.weight);
    const x = L.randn([2, 3, 5, 5]);
    expect(Array.from(conv.call(x).values)).toEqual(Array.from(x.values));
    const grouped = init.dirac(L.zeros([4, 1, 3]), { groups: 2 });
    expect(grouped.toArray()).toEqual([[[0, 1, 0]], [[0, 0, 0]], [[0, 1, 0]], [[0, 0, 0]]]);
    expect(() => init.dirac(L.zeros([4, 2]))).toThrow(/3-, 4- or 5-D/);
    expect(Array.from(init.constant(L.zeros([3]), 0.5).values)).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(init.ones(L.zeros([2])).values)).toEqual([1, 1]);
    expect(Array.from(init.zeros(L.ones([2])).values)).toEqual([0, 0]);
  });

  it('works on parameters while recording, without recording', () => {
    const p = nn.parameter(L.zeros([3, 3]));
    init.normal(p);
    expect(p.gradFn).toBeNull();
    expect(p.requiresGrad).toBe(true);
    expect(() => init.normal(L.zeros([2], { dtype: 'int32' }))).toThrow(L.DTypeError);
  });

  it('the same seed gives the same weights, on both backends', () => {
    const draw = (): number[][] => {
      L.manualSeed(7);
      const w = L.zeros([33, 17]);
      return [init.kaimingUniform(w), init.xavierNormal(w), init.truncNormal(w), init.orthogonal(w)].map((t) => Array.from(t.values));
    };
    const ref = onBackend('reference', draw);
    if (hasNative()) expect(onBackend('native', draw)).toEqual(ref);
    expect(draw()).toEqual(ref);
    const g = new L.PhiloxStream(3);
    const a = Array.from(init.uniform(L.zeros([5]), { generator: g }).values);
    const b = Array.from(init.uniform(L.zeros([5]), { generator: new L.PhiloxStream(3) }).values);
    expect(a).toEqual(b);
  });

  it('layers use PyTorch\'s default init: weights and biases in ±1/√fanIn', () => {
    L.manualSeed(3);
    const fc = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    const w = moments(fc.weight), b = moments(fc.bias!);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expectStats(fc.weight, bound / Math.sqrt(3), 'Linear weight');
    expect(b.max).toBeLessThanOrEqual(bound);
    expect(b.min).toBeGreaterThanOrEqual(-bound);
    const conv = new nn.Conv2d(16, 64, 5);
    expectStats(conv.weight, 1 / Math.sqrt(16 * 25) / Math.sqrt(3), 'Conv2d weight');
    const emb = new nn.Embedding(1000, 64, { paddingIdx: 3 });
    expect(Array.from(emb.weight.values.slice(3 * 64, 4 * 64)).every((v) => v === 0)).toBe(true);
    expect(Math.abs(moments(emb.weight).std - 1)).toBeLessThan(0.03);
    const bn = new nn.BatchNorm2d(4);
    expect(Array.from(bn.weight!.values)).toEqual([1, 1, 1, 1]);
    expect(Array.from(bn.bias!.values)).toEqual([0, 0, 0, 0]);
  });
});
