import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { maxPool2dRelu } from '../../src/ops/pool';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

type DType = 'float32' | 'float64';

interface PoolCase { name: string; shape: number[]; f: (x: L.Tensor) => L.Tensor }

const CASES: PoolCase[] = [
  { name: 'max 2', shape: [2, 3, 8, 8], f: (x) => L.maxPool2d(x, 2) },
  { name: 'max 3 stride 2 pad 1, odd', shape: [2, 2, 9, 7], f: (x) => L.maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  { name: 'max dilation 2', shape: [1, 3, 11, 10], f: (x) => L.maxPool2d(x, [3, 2], { dilation: 2, padding: 1, stride: [1, 2] }) },
  { name: 'max ceil mode', shape: [2, 2, 7, 6], f: (x) => L.maxPool2d(x, 2, { ceilMode: true }) },
  { name: 'max kernel = input', shape: [2, 4, 5, 3], f: (x) => L.maxPool2d(x, [5, 3]) },
  { name: 'max unbatched, C=1', shape: [1, 6, 6], f: (x) => L.maxPool2d(x, 3, { stride: 1 }) },
  { name: 'max 1d', shape: [2, 3, 13], f: (x) => L.maxPool1d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }) },
  { name: 'avg 2', shape: [2, 3, 8, 8], f: (x) => L.avgPool2d(x, 2) },
  { name: 'avg 3 stride 2 pad 1', shape: [2, 2, 9, 7], f: (x) => L.avgPool2d(x, 3, { stride: 2, padding: 1 }) },
  { name: 'avg pad excluded, ceil', shape: [1, 3, 7, 8], f: (x) => L.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }) },
  { name: 'avg ceil, pad included', shape: [1, 2, 6, 7], f: (x) => L.avgPool2d(x, [3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true }) },
  { name: 'avg divisor override', shape: [2, 2, 6, 6], f: (x) => L.avgPool2d(x, 3, { stride: 2, padding: 1, divisorOverride: 5 }) },
  { name: 'avg 1d', shape: [2, 3, 10], f: (x) => L.avgPool1d(x, 4, { stride: 3, padding: 2, countIncludePad: false }) },
  { name: 'adaptive 1', shape: [2, 5, 7, 9], f: (x) => L.adaptiveAvgPool2d(x, 1) },
  { name: 'adaptive uneven', shape: [2, 3, 10, 7], f: (x) => L.adaptiveAvgPool2d(x, [4, 3]) },
  { name: 'adaptive larger than input', shape: [1, 2, 3, 5], f: (x) => L.adaptiveAvgPool2d(x, [5, 7]) },
  { name: 'adaptive keeps a dim', shape: [1, 2, 6, 5], f: (x) => L.adaptiveAvgPool2d(x, [null, 2]) },
  { name: 'adaptive 1d', shape: [2, 3, 11], f: (x) => L.adaptiveAvgPool1d(x, 4) },
  { name: 'big planes', shape: [8, 32, 16, 16], f: (x) => L.maxPool2d(x, 2) },
  // The ReLU inside the 2x2 kernel (forward and backward), an odd size leaving a row and column uncovered.
  { name: 'max 2 + relu, odd', shape: [2, 3, 7, 9], f: (x) => maxPool2dRelu(x, 2) },
  { name: 'max 2 + relu, big planes', shape: [8, 32, 26, 26], f: (x) => maxPool2dRelu(x, 2) },
];

function withGrad(x: L.Tensor, f: (x: L.Tensor) => L.Tensor, gySeed: number): L.Tensor[] {
  const y = f(x);
  L.manualSeed(gySeed);
  const gy = L.randn(y.shape, { dtype: y.dtype as DType });
  const [gx] = L.grad(y, [x], { gradOutputs: [gy] });
  return [y, gx!];
}

describe.runIf(nativeAddon() !== null)('pool parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`pooling forward and gradients, ${dtype} (${isa})`, () => withIsa(isa, () => {
        CASES.forEach((c, k) => {
          L.manualSeed(k);
          const x = L.randn(c.shape, { dtype, requiresGrad: true });
          // Ties and a NaN exercise max pooling's tie-breaking and NaN propagation.
          x.values[1] = x.values[0];
          if (k % 3 === 0) x.values[5] = NaN;
          const ref = onBackend('reference', () => withGrad(x, c.f, 50 + k));
          const nat = onBackend('native', () => withGrad(x, c.f, 50 + k));
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          ['out', 'grad'].forEach((what, i) => {
            expect(nat[i].shape, `${c.name} ${what}`).toEqual(ref[i].shape);
            expect(closeness(nat[i].values, ref[i].values, tol, tol), `${c.name} ${what} ${dtype} ${isa}`).toBeLessThanOrEqual(1);
          });
        });
      }));
    }
  }

  // The 3x3 / stride 2 window runs vectorised loops of its own (the interior: simd/pool_loops_impl.h; AVX-512, the whole plane: simd/avx512/pool_avx512.cc):
  // the same values and indices as the reference, tap for tap, on ties, NaNs and -Infinity.
  it('3x3 stride 2 max pool: values and indices match the reference (ties, NaN, -Infinity, pads, ceil mode)', () => {
    const geometries: [number[], L.MaxPool2dOptions][] = [
      [[2, 3, 13, 12], { stride: 2, padding: 1 }], [[2, 3, 12, 13], { stride: 2, padding: 0 }],
      [[1, 2, 9, 9], { stride: 2, padding: 1, ceilMode: true }], [[1, 2, 3, 3], { stride: 2 }], [[1, 1, 4, 40], { stride: 2, padding: 1 }],
      // AVX-512 runs whole planes 16 windows a vector: 35 windows a row (16, 16, 3; lane 15's third tap
      // from memory), 32 ending on the row's last column, a ceil-mode window past the row's end.
      [[1, 2, 7, 70], { stride: 2, padding: 1 }], [[1, 2, 8, 66], { stride: 2 }], [[1, 1, 6, 34], { stride: 2, ceilMode: true }],
      [[1, 1, 5, 33], { stride: 2, padding: 1, ceilMode: true }],
    ];
    for (const isa of availableIsas()) {
      withIsa(isa, () => {
        geometries.forEach(([shape, opts], k) => {
          for (const dtype of ['float32', 'float64'] as const) {
            L.manualSeed(100 + k);
            // Integers in [-2, 2]: many windows have tied maxima.
            const x = L.round(L.mul(L.randn(shape, { dtype }), 1.5));
            const v = x.values as Float32Array | Float64Array;
            for (let i = 7; i < v.length; i += 23) v[i] = NaN;
            for (let i = 3; i < v.length; i += 17) v[i] = -Infinity;
            // A run of -Infinity: windows, corner ones among them, whose every tap inside is -Infinity
            // (the index is then the first tap inside the input, never a padding position).
            v.fill(-Infinity, 0, Math.min(v.length, 3 * shape[3]));
            const [ry, ri] = onBackend('reference', () => L.maxPool2d(x, 3, { ...opts, returnIndices: true }));
            const [ny, ni] = onBackend('native', () => L.maxPool2d(x, 3, { ...opts, returnIndices: true }));
            const what = `${JSON.stringify(shape)} ${JSON.stringify(opts)} ${dtype} ${isa}`;
            expect(Array.from(ni.values), what).toEqual(Array.from(ri.values));
            expect(Array.from(ny.values), what).toEqual(Array.from(ry.values));
          }
        });
      });
    }
  });

  // The 2x2 / stride 2 plane loops (AVX-512: intrinsics over up to 16 windows with masked row
  // ends; AVX2 and scalar: plain loops): values, indices and gradients bit for bit the
  // reference's, with and without the fused ReLU, on ties (-0 and +0 among them), NaNs in
  // every tap position and -Infinity, for row widths around the vector width.
  it('2x2 stride 2 max pool: values, indices and gradients bit for bit (ties, ±0, NaN, -Infinity, row widths)', () => {
    const widths = [2, 3, 10, 11, 26, 30, 31, 32, 33, 34, 35, 64, 66, 67];
    for (const isa of availableIsas()) {
      withIsa(isa, () => {
        widths.forEach((w, k) => {
          for (const dtype of ['float32', 'float64'] as const) {
            L.manualSeed(200 + k);
            const shape = [2, 2, 5 + (k % 2), w];
            const x = L.round(L.mul(L.randn(shape, { dtype }), 1.5));
            const v = x.values as Float32Array | Float64Array;
            for (let i = 0; i < v.length; i++) if (v[i] === 0 && i % 2 === 1) v[i] = -0;
            for (let i = 7 + k; i < v.length; i += 19) v[i] = NaN;
            for (let i = 3; i < v.length; i += 13) v[i] = -Infinity;
            const what = `${JSON.stringify(shape)} ${dtype} ${isa}`;
            const [ry, ri] = onBackend('reference', () => L.maxPool2d(x, 2, { returnIndices: true }));
            const [ny, ni] = onBackend('native', () => L.maxPool2d(x, 2, { returnIndices: true }));
            expect(Array.from(ni.values), what).toEqual(Array.from(ri.values));
            expect(Array.from(ny.values), what).toEqual(Array.from(ry.values));
            for (const f of [(t: L.Tensor) => L.maxPool2d(t, 2), (t: L.Tensor) => maxPool2dRelu(t, 2)]) {
              const xg = L.detach(x).requiresGrad_();
              const ref = onBackend('reference', () => withGrad(xg, f, 7));
              const nat = onBackend('native', () => withGrad(xg, f, 7));
              expect(Array.from(nat[0].values), `${what} out`).toEqual(Array.from(ref[0].values));
              expect(Array.from(nat[1].values), `${what} grad`).toEqual(Array.from(ref[1].values));
            }
          }
        });
      });
    }
  });

  it('the raw bindings reject bad lengths and geometry without crashing', () => {
    const addon = nativeAddon()!;
    const geom = Int32Array.of(2, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1);
    const x = new Float32Array(32), out = new Float32Array(8), idx = new Int32Array(8);
    expect(() => addon.maxPool2d(x, out, idx, geom)).not.toThrow();
    expect(() => addon.maxPool2d(x, out, idx, geom, true)).toThrow(/relu needs indices null/);
    expect(() => addon.maxPool2d(x, out, null, geom, 1 as unknown as boolean)).toThrow(/relu/);
    expect(() => addon.maxPool2d(x, out, new Int32Array(7), geom)).toThrow(/indices has 7 elements/);
    expect(() => addon.maxPool2d(x, new Float64Array(8), idx, geom)).toThrow(/out/);
    expect(() => addon.maxPool2d(x, out, idx, Int32Array.of(1, 2))).toThrow(/13 ints/);
    const bad = geom.slice(); bad[5] = 0;
    expect(() => addon.maxPool2d(x, out, idx, bad)).toThrow(/kh must be >= 1/);
    // Out-of-range indices are skipped, never followed.
    const wild = Int32Array.of(-5, 99, 1 << 30, 0, 1, 2, 3, 4);
    const gi = new Float32Array(32);
    addon.maxPool2dBackward(new Float32Array(8).fill(1), wild, gi, geom);
    expect(gi.reduce((s, v) => s + v, 0)).toBe(5);
    // The 2x2 path's tap codes: 0-3 for the max's tap, 4 where relu blocks the gradient (max not > 0).
    // Eight windows (taps a b / c d each) laid into two 4x4 planes.
    const windows = [[1, 5, 2, 0], [3, 4, 1, 2], [-1, -2, 7, 8], [-3, -4, 0, 0], [0, 0, -1, -2], [NaN, 1, 0, 0], [2, 2, 9, 2], [6, 6, 6, 6]];
    const planes = new Float32Array(32);
    windows.forEach((t, k) => {
      const p = k >> 2, y = (k >> 1) & 1, xo = k & 1;
      t.forEach((v, tap) => { planes[p * 16 + (2 * y + (tap >> 1)) * 4 + 2 * xo + (tap & 1)] = v; });
    });
    const taps = new Uint8Array(8);
    addon.maxPool2d(planes, out, null, geom, false, taps);
    expect(Array.from(taps)).toEqual([1, 1, 3, 2, 0, 0, 2, 0]);
    addon.maxPool2d(planes, out, null, geom, true, taps);
    expect(Array.from(taps)).toEqual([1, 1, 3, 4, 4, 4, 2, 0]);
    expect(() => addon.maxPool2d(x, out, idx, geom, false, taps)).toThrow(/taps needs indices null/);
    expect(() => addon.maxPool2d(x, out, null, geom, false, new Uint8Array(7))).toThrow(/taps has 7 elements/);
    expect(() => addon.maxPool2d(x, out, null, geom, false, new Float32Array(8))).toThrow(/taps must be a/);
    // The backward from codes: the gradient at the max tap; a code past 3 (relu's block, or any
    // other byte) gives the window none, and is never used as a position.
    const gi2 = new Float32Array(32).fill(NaN);
    addon.maxPool2x2Backward(Uint8Array.of(0, 1, 2, 3, 4, 5, 200, 255), new Float32Array(8).fill(2), gi2, geom);
    expect(gi2.reduce((s, v) => s + v, 0)).toBe(8);
    expect([gi2[0], gi2[3], gi2[12], gi2[15]]).toEqual([2, 2, 2, 2]);
    expect(() => addon.maxPool2x2Backward(new Uint8Array(7), new Float32Array(8), gi2, geom)).toThrow(/taps has 7 elements/);
    expect(() => addon.maxPool2x2Backward(new Int32Array(8), new Float32Array(8), gi2, geom)).toThrow(/taps must be a/);
    expect(() => addon.maxPool2x2Backward(taps, new Float32Array(8), new Float32Array(31), geom)).toThrow(/gradInput has 31/);
    expect(() => addon.avgPool2d(x, out, geom, true, -1)).toThrow(/divisor/);
    expect(() => addon.adaptiveAvgPool2d(x, new Float32Array(3), 2, 4, 4, 2, 2)).toThrow(/out has 3/);
  });
});
