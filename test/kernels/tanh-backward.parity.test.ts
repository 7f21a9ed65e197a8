/** The fused tanh gradient kernels: native vs reference on every ISA, float32 and float64, and bad input. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { tanhBackward, tanhBackwardBackward } from '../../src/ops/tanh-backward';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

// Lengths around the SIMD widths and past one thread chunk (32768 elements).
const SHAPES: number[][] = [[0], [1], [7], [17], [33, 5], [2, 1, 3], [70001]];

function sample(shape: number[], dtype: 'float32' | 'float64', seed: number, squash = false): L.Tensor {
  L.manualSeed(seed);
  const x = L.randn(shape, { dtype }).mul(2);
  const v = x.values;
  const specials = [0, -0, Infinity, -Infinity, NaN, 1, -1, 1e-30];
  for (let i = 0; i < Math.min(v.length, specials.length); i++) v[i] = specials[(i + seed) % specials.length];
  return squash ? x.tanh() : x;
}

describe('tanhBackward kernels', () => {
  it('compute g (1 - y²) and -2abc on the reference backend', () => {
    const g = L.tensor([1, -2, 0.5], { dtype: 'float64' }), y = L.tensor([0.5, 0, -0.9], { dtype: 'float64' });
    expect(Array.from(onBackend('reference', () => tanhBackward(g, y)).values)).toEqual([0.75, -2, 0.5 * (1 - 0.81)]);
    const c = L.tensor([3, 1, 2], { dtype: 'float64' });
    expect(Array.from(onBackend('reference', () => tanhBackwardBackward(g, y, c)).values)).toEqual([-3, 0, 1.8]);
  });

  it('match tanh\'s unfused gradient formula bit for bit in float64', () => {
    const g = sample([1000], 'float64', 1), y = sample([1000], 'float64', 2, true);
    expect(Array.from(tanhBackward(g, y).values)).toEqual(Array.from(g.mul(L.sub(1, y.mul(y))).values));
  });

  it('name the op, the argument and the shapes on bad input', () => {
    const a = L.randn([2, 3], { dtype: 'float64' });
    expect(() => tanhBackward(a, L.randn([3, 2], { dtype: 'float64' }))).toThrow(/tanhBackward: g is float64\[2,3\], y is float64\[3,2\].*shapes must be equal/);
    expect(() => tanhBackward(a, L.randn([2, 3]))).toThrow(/tanhBackward: .*one dtype/);
    expect(() => tanhBackwardBackward(a, a, L.zeros([2, 3], { dtype: 'int32' }))).toThrow(/tanhBackwardBackward: .*c is int32\[2,3\]/);
    expect(() => tanhBackward(a, 3 as unknown as L.Tensor)).toThrow(/tanhBackward: y must be a Tensor/);
  });
});

describe.runIf(nativeAddon() !== null)('tanhBackward parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`both kernels on ${dtype} (${isa})`, () => withIsa(isa, () => {
        const tol = dtype === 'float32' ? 2e-6 : 1e-13;
        for (const [k, shape] of SHAPES.entries()) {
          const a = sample(shape, dtype, 3 * k), b = sample(shape, dtype, 3 * k + 1, true), c = sample(shape, dtype, 3 * k + 2);
          for (const [name, call] of [['tanhBackward', () => tanhBackward(a, b)], ['tanhBackwardBackward', () => tanhBackwardBackward(a, b, c)]] as const) {
            const ref = onBackend('reference', call), nat = onBackend('native', call);
            expect(nat.shape).toEqual(shape);
            expect(closeness(nat.values, ref.values, tol, tol), `${name} ${dtype} ${JSON.stringify(shape)}`).toBeLessThanOrEqual(1);
          }
        }
      }));
    }
  }

  it('the native tanh (no libm call) stays within 4 ulp of Math.tanh, and keeps -0, ±Inf and NaN', () => {
    const n = 200001;
    const x = new Float64Array(n);
    // A dense sweep of [-25, 25] (both branches and the saturation), then tiny and huge magnitudes.
    for (let i = 0; i < n; i++) x[i] = i < 150000 ? -25 + (50 * i) / 150000 : (i % 2 ? -1 : 1) * 10 ** (-300 + (310 * (i - 150000)) / 50000);
    const y = L.tanh(L.Tensor.fromData(x, [n], 'float64')).values;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.tanh(x[i]);
      const ulp = want === 0 ? Number.MIN_VALUE : Math.abs(want) * Number.EPSILON;
      worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(4);
    const special = L.tanh(L.tensor([-0, Infinity, -Infinity, NaN], { dtype: 'float64' })).values;
    expect(Object.is(special[0], -0)).toBe(true);
    expect(Array.from(special.slice(1))).toEqual([1, -1, NaN]);
  });

  it('the raw binding refuses mismatched arrays with a clear error', () => {
    const addon = nativeAddon()!;
    const f = new Float64Array(4);
    expect(() => addon.tanhBackward(f, new Float64Array(3), null, new Float64Array(4))).toThrow(/tanhBackward: b has 3 elements, expected 4/);
    expect(() => addon.tanhBackward(f, new Float32Array(4), null, new Float64Array(4))).toThrow(/tanhBackward: a is a Float64Array but b is a Float32Array/);
    expect(() => addon.tanhBackward(new Int32Array(4), new Int32Array(4), null, new Int32Array(4))).toThrow(/tanhBackward: a must be a Float32Array or Float64Array/);
    expect(() => addon.tanhBackward(f, f, new Float64Array(2), f)).toThrow(/tanhBackward: c has 2 elements, expected 4/);
    expect(() => addon.tanhBackward(f, f, null, 'x')).toThrow(/tanhBackward/);
  });
});
