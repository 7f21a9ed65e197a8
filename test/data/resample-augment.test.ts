/**
 * randomResizedCrop and randomZoom: seeded repeatability, the crop found in the image when no
 * resizing happens, torchvision's centre-crop fallback, zoom against gridSample with the
 * explicit affine map, and argument errors.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const { data } = L;

/** Whether `crop` [C, h, w] equals some h x w window of `img` [C, H, W]. */
function isWindowOf(crop: L.Tensor, img: L.Tensor): boolean {
  const [C, h, w] = crop.shape, [, H, W] = img.shape;
  const a = crop.values, b = img.values;
  for (let top = 0; top + h <= H; top++) {
    for (let left = 0; left + w <= W; left++) {
      let same = true;
      for (let c = 0; c < C && same; c++) for (let i = 0; i < h && same; i++) for (let j = 0; j < w && same; j++) same = a[(c * h + i) * w + j] === b[(c * H + top + i) * W + left + j];
      if (same) return true;
    }
  }
  return false;
}

describe('randomResizedCrop', () => {
  it('repeats with a seed and crops a window of the image (area 1/4, square: no resize needed)', () => {
    L.manualSeed(0);
    const x = L.randn([3, 2, 8, 8]);
    const a = data.randomResizedCrop(x, 4, { scale: [0.25, 0.25], ratio: [1, 1], generator: new L.PhiloxStream(5) });
    const b = data.randomResizedCrop(x, 4, { scale: [0.25, 0.25], ratio: [1, 1], generator: new L.PhiloxStream(5) });
    expect(a.shape).toEqual([3, 2, 4, 4]);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    for (let n = 0; n < 3; n++) expect(isWindowOf(a.narrow(0, n, 1).reshape([2, 4, 4]), x.narrow(0, n, 1).reshape([2, 8, 8]))).toBe(true);
    const c = data.randomResizedCrop(x, 4, { scale: [0.25, 0.25], ratio: [1, 1], generator: new L.PhiloxStream(6) });
    expect(Array.from(c.values)).not.toEqual(Array.from(a.values));
  });

  it('falls back to the centre crop when no try fits, then resizes bilinearly', () => {
    const x = L.randn([1, 1, 4, 10], { dtype: 'float64' });
    // Every try asks for a square of area 40 > 4 rows: none fits, so the centre crop of ratio 1 (4x4) is taken.
    const y = data.randomResizedCrop(x, [8, 8], { scale: [1, 1], ratio: [1, 1], generator: new L.PhiloxStream(1) });
    const want = L.interpolate(x.narrow(3, 3, 4), { size: [8, 8], mode: 'bilinear' });
    expect(Array.from(y.values)).toEqual(Array.from(want.values));
    expect(() => data.randomResizedCrop(x, 0)).toThrow(/randomResizedCrop: size must be a positive integer/);
    expect(() => data.randomResizedCrop(x, 4, { scale: [0.5, 0.1] })).toThrow(/scale must be \[min, max\]/);
    expect(() => data.randomResizedCrop(L.randn([4, 4]), 2)).toThrow(/x must be an image batch \[N, C, H, W\]/);
  });
});

describe('randomZoom', () => {
  it('is gridSample with the centred scale map; factor 1 is the identity', () => {
    const x = L.randn([2, 3, 6, 5], { dtype: 'float64' });
    const same = data.randomZoom(x, { scale: [1, 1], generator: new L.PhiloxStream(2) });
    expect(Math.max(...Array.from(same.values, (v, i) => Math.abs(v - x.values[i])))).toBeLessThan(1e-12);
    const y = data.randomZoom(x, { scale: [0.7, 1.4], generator: new L.PhiloxStream(3) });
    const u = new L.PhiloxStream(3).uniform(2, 'float64');
    const theta = L.tensor(Array.from(u).flatMap((r) => { const inv = 1 / (0.7 + 0.7 * r); return [[inv, 0, 0], [0, inv, 0]]; }), { dtype: 'float64' }).reshape([2, 2, 3]);
    const want = L.gridSample(x, L.affineGrid(theta, [2, 3, 6, 5]));
    expect(Array.from(y.values)).toEqual(Array.from(want.values));
    expect(() => data.randomZoom(x, { scale: [0, 1] })).toThrow(/randomZoom: scale must be \[min, max\] with 0 < min <= max/);
  });
});
