/**
 * resample2d (interpolate) and gridSample2d, forward and backward: native vs reference, bit for
 * bit (both sum in double in the same order), for every mode and both dtypes, up- and
 * downsampling, 1-D, size-1 and empty batches, NaNs and far-away grid points; results that do not
 * depend on the thread count; and the raw bindings' argument checks.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { onBackend } from '../helpers/backends';

type DType = 'float32' | 'float64';

function bitsEqual(a: L.Tensor, b: L.Tensor): boolean {
  if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) return false;
  for (let i = 0; i < a.values.length; i++) if (!Object.is(a.values[i], b.values[i])) return false;
  return true;
}

/** The op's output and the gradients of sum(y * r) for a fixed random r, as plain tensors. */
function valueAndGrads(fn: (...xs: L.Tensor[]) => L.Tensor, inputs: L.Tensor[]): L.Tensor[] {
  const leaves = inputs.map((t) => { const c = t.clone(); c.requiresGrad = true; return c; });
  const y = fn(...leaves);
  L.manualSeed(99);
  const r = L.randn(y.shape, { dtype: y.dtype });
  const grads = L.grad(y.mul(r).sum(), leaves);
  return [y.detach(), ...grads.map((g) => g!)];
}

function input(shape: number[], dtype: DType, seed: number, scale = 1): L.Tensor {
  L.manualSeed(seed);
  const x = L.randn(shape, { dtype }).mul(scale);
  return x;
}

interface InterpCase { shape: number[]; opts: L.InterpolateOptions }
const INTERP: InterpCase[] = [
  { shape: [2, 3, 7, 5], opts: { size: [11, 4], mode: 'bilinear' } },
  { shape: [2, 3, 7, 5], opts: { scaleFactor: 2.5, mode: 'bilinear', alignCorners: true } },
  { shape: [1, 2, 9, 9], opts: { size: [4, 13], mode: 'bicubic' } },
  { shape: [1, 2, 6, 3], opts: { scaleFactor: [0.5, 3], mode: 'bicubic', alignCorners: true } },
  { shape: [3, 2, 5, 6], opts: { size: [10, 3], mode: 'nearest' } },
  { shape: [2, 4, 9], opts: { size: 20, mode: 'linear' } },
  { shape: [2, 4, 9], opts: { scaleFactor: 0.4 } },
  { shape: [1, 1, 1, 1], opts: { size: [3, 2], mode: 'bicubic' } },
  { shape: [0, 3, 4, 4], opts: { size: 2, mode: 'bilinear' } },
  { shape: [16, 32, 12, 12], opts: { size: 24, mode: 'bilinear' } },
];

interface GridCase { x: number[]; grid: number[]; opts: L.GridSampleOptions }
const GRID: GridCase[] = [
  { x: [2, 3, 5, 7], grid: [2, 4, 6, 2], opts: {} },
  { x: [2, 3, 5, 7], grid: [2, 4, 6, 2], opts: { alignCorners: true } },
  { x: [2, 3, 5, 7], grid: [2, 4, 6, 2], opts: { paddingMode: 'border' } },
  { x: [1, 2, 4, 4], grid: [1, 9, 9, 2], opts: { mode: 'nearest', paddingMode: 'border', alignCorners: true } },
  { x: [1, 2, 4, 4], grid: [1, 9, 9, 2], opts: { mode: 'nearest' } },
  { x: [3, 1, 1, 6], grid: [3, 2, 2, 2], opts: {} },
  { x: [8, 16, 20, 20], grid: [8, 30, 30, 2], opts: {} },
];

describe.skipIf(!nativeAddon())('resampling kernels: native vs reference', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const c of INTERP) {
      it(`interpolate ${JSON.stringify(c.shape)} ${JSON.stringify(c.opts)} ${dtype}: forward and backward bit-identical`, () => {
        const x = input(c.shape, dtype, 3);
        if (x.size > 4) x.values[4] = NaN;
        const run = (): L.Tensor[] => valueAndGrads((t) => L.interpolate(t, c.opts), [x]);
        const ref = onBackend('reference', run), nat = onBackend('native', run);
        nat.forEach((t, i) => expect(bitsEqual(t, ref[i]), `output ${i}`).toBe(true));
      });
    }
    for (const c of GRID) {
      it(`gridSample x ${JSON.stringify(c.x)} grid ${JSON.stringify(c.grid)} ${JSON.stringify(c.opts)} ${dtype}: bit-identical`, () => {
        const x = input(c.x, dtype, 4);
        // Reaches past the image on every side; a NaN and a huge coordinate must not read out of bounds.
        const grid = input(c.grid, dtype, 5, 0.8);
        if (grid.size > 8) { grid.values[3] = NaN; grid.values[6] = 1e30; grid.values[7] = -1e30; }
        const run = (): L.Tensor[] => valueAndGrads((a, g) => L.gridSample(a, g, c.opts), [x, grid]);
        const ref = onBackend('reference', run), nat = onBackend('native', run);
        nat.forEach((t, i) => expect(bitsEqual(t, ref[i]), `output ${i}`).toBe(true));
      });
    }
  }

  it('results do not depend on the thread count', () => {
    const x = input([6, 8, 15, 15], 'float32', 7), grid = input([6, 10, 10, 2], 'float32', 8);
    const run = (): L.Tensor[] => [
      ...valueAndGrads((t) => L.interpolate(t, { size: 31, mode: 'bicubic' }), [x]),
      ...valueAndGrads((a, g) => L.gridSample(a, g), [x, grid]),
    ];
    const before = L.getNumThreads();
    try {
      L.setNumThreads(1);
      const one = run();
      L.setNumThreads(Math.max(3, before));
      const many = run();
      one.forEach((t, i) => expect(bitsEqual(t, many[i]), `output ${i}`).toBe(true));
    } finally {
      L.setNumThreads(before);
    }
  });

  it('the raw bindings reject bad arguments with JS errors', () => {
    const addon = nativeAddon()!;
    const x = new Float32Array(2 * 3 * 4), out = new Float32Array(2 * 2 * 2);
    const rows = [Int32Array.of(0, 1, 1, 2), Float64Array.of(0.5, 0.5, 0.5, 0.5), 2] as const;
    const cols = [Int32Array.of(0, 3), Float64Array.of(1, 1), 1] as const;
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, ...rows, ...cols)).not.toThrow();
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, Int32Array.of(0, 1, 1, 3), rows[1], 2, ...cols)).toThrow(/rowIndex\[3\] = 3 is outside \[0, 3\)/);
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, ...rows, Int32Array.of(0, -1), cols[1], 1)).toThrow(/colIndex\[1\] = -1 is outside/);
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, ...rows, cols[0], new Float64Array(3), 1)).toThrow(/colWeight has 3 elements, expected 2/);
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, ...rows, cols[0], new Float32Array(2), 1)).toThrow(/colWeight must be a Float64Array/);
    expect(() => addon.resample2d(x, new Float32Array(7), 2, 3, 4, 2, 2, ...rows, ...cols)).toThrow(/out has 7 elements, expected 8/);
    expect(() => addon.resample2d(x, new Float64Array(8), 2, 3, 4, 2, 2, ...rows, ...cols)).toThrow(/x is a Float32Array but out is a Float64Array/);
    expect(() => addon.resample2d(x, x, 2, 3, 4, 2, 2, ...rows, ...cols)).toThrow();
    expect(() => addon.resample2d(x, out, 2, 3, 4, 2, 2, ...rows, cols[0], cols[1], 0)).toThrow(/kx must be an integer in \[1, 64\]/);
    expect(() => addon.resample2dBackward(out, new Float32Array(5), 2, 3, 4, 2, 2, ...rows, ...cols)).toThrow(/gradIn has 5 elements, expected 24/);
    const geometry = Int32Array.of(2, 3, 1, 4, 1, 1);
    const grid = new Float32Array(4), gout = new Float32Array(6);
    expect(() => addon.gridSample2d(x, grid, gout, geometry, false, false, false)).not.toThrow();
    expect(() => addon.gridSample2d(x, grid, gout, Int32Array.of(2, 3, 1, 4, 1), false, false, false)).toThrow(/geometry must hold 6 ints/);
    expect(() => addon.gridSample2d(x, new Float32Array(3), gout, geometry, false, false, false)).toThrow(/grid has 3 elements, expected 4/);
    expect(() => addon.gridSample2d(x, new Float64Array(4), gout, geometry, false, false, false)).toThrow(/x is a Float32Array but grid is a Float64Array/);
    expect(() => addon.gridSample2d(x, grid, gout, geometry, 1 as never, false, false)).toThrow(/nearest must be a boolean/);
    expect(() => addon.gridSample2d(x, grid, x.subarray(0, 6), geometry, false, false, false)).toThrow(/out must not share memory with x/);
    expect(() => addon.gridSample2dBackward(gout, x, grid, null, new Float32Array(3), geometry, false, false, false)).toThrow(/gradGrid has 3 elements, expected 4/);
    expect(() => addon.gridSample2dBackward(gout, x, grid, x, null, geometry, false, false, false)).toThrow(/gradX must not share memory with x/);
    expect(() => addon.gridSample2dBackward(gout, x, grid, null, null, geometry, false, false, false)).not.toThrow();
  });
});
