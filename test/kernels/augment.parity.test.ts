import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, onBackend, withIsa } from '../helpers/backends';

const { data } = L;
type DType = 'float32' | 'float64';

interface Case { name: string; shape: number[]; dtype: DType }

const CASES: Case[] = [
  { name: 'mnist-like batch', shape: [4, 1, 28, 28], dtype: 'float32' },
  { name: 'rgb, odd sizes', shape: [3, 3, 7, 9], dtype: 'float32' },
  { name: 'float64, wide', shape: [2, 2, 5, 33], dtype: 'float64' },
  { name: 'one pixel wide', shape: [3, 2, 6, 1], dtype: 'float32' },
  { name: 'one row', shape: [2, 1, 1, 5], dtype: 'float64' },
  { name: 'large (several chunks)', shape: [64, 3, 32, 32], dtype: 'float32' },
  { name: 'empty batch', shape: [0, 3, 8, 8], dtype: 'float32' },
];

function input(c: Case, seed: number): L.Tensor {
  L.manualSeed(seed);
  const x = L.randn(c.shape, { dtype: c.dtype });
  // A NaN must travel the same way on both backends.
  if (x.size > 5) x.values[5] = NaN;
  return x;
}

/** Every augmentation that reaches a kernel, with its own fixed stream. */
function augmentations(x: L.Tensor): L.Tensor[] {
  const [h, w] = [x.shape[2], x.shape[3]];
  const g = (seed: number): L.PhiloxStream => new L.PhiloxStream(seed);
  const out = [
    data.hflip(x),
    data.randomHorizontalFlip(x, { generator: g(1) }),
    data.randomCrop(x, [h, w], { padding: 3, fill: 0.5, generator: g(2) }),
    data.randomCrop(x, [Math.max(1, h - 1), w], { padding: [2, 1, 0, 3], generator: g(3) }),
    data.crop(x, -4, 7, h + 2, w + 5, { fill: -2 }),
    data.randomRotation(x, 180, { fill: 0.25, generator: g(4) }),
    data.randomRotation(x, [-725, 725], { generator: g(5) }),
    data.rotate(x, 90),
    data.randomAffine(x, 40, { translate: [0.2, 0.1], scale: [0.6, 1.4], shear: [-20, 20, -10, 10], generator: g(8) }),
    data.randomAffine(x, [-200, 200], { scale: [0.9, 1.1], shear: 30, interpolation: 'bilinear', fill: 0.75, generator: g(9) }),
    data.affine(x, 45, [1, 2], 1.25, [10, -5], { interpolation: 'bilinear', center: [0, 0], fill: Array(x.shape[1]).fill(0).map((_, i) => i - 1) }),
    data.randomErasing(x, { p: 0.8, value: 3, generator: g(6) }),
    data.erase(x, -2, 1, h, w + 3, { value: -1 }),
  ];
  if (h > 1 && w > 1) {
    const pad = Math.min(h, w) - 1;
    out.push(data.randomCrop(x, [h, w], { padding: pad, paddingMode: 'reflect', generator: g(7) }));
  }
  // Reflection is periodic, so even windows far outside (or 1-pixel lines) have a defined value.
  out.push(data.crop(x, -3 * h, -2 * w, 4 * h, 3 * w, { paddingMode: 'reflect' }));
  return out;
}

function bitsEqual(a: L.Tensor, b: L.Tensor): boolean {
  if (a.dtype !== b.dtype || a.size !== b.size || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) return false;
  const [u, v] = [a.values, b.values];
  for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) return false;
  return true;
}

describe.skipIf(!nativeAddon())('augmentation kernels: native vs reference', () => {
  for (const c of CASES) {
    it(`${c.name} ${JSON.stringify(c.shape)} ${c.dtype}: bit-identical on every ISA`, () => {
      const x = input(c, 17);
      const reference = onBackend('reference', () => augmentations(x));
      for (const isa of availableIsas()) {
        const native = withIsa(isa, () => onBackend('native', () => augmentations(x)));
        expect(native.length).toBe(reference.length);
        native.forEach((t, i) => expect(bitsEqual(t, reference[i]), `${isa} transform ${i}`).toBe(true));
      }
    });
  }

  it('results do not depend on the thread count', () => {
    const x = input(CASES[5], 3);
    const before = L.getNumThreads();
    try {
      L.setNumThreads(1);
      const one = augmentations(x);
      L.setNumThreads(Math.max(2, before));
      const many = augmentations(x);
      one.forEach((t, i) => expect(bitsEqual(t, many[i])).toBe(true));
    } finally {
      L.setNumThreads(before);
    }
  });

  it('the raw bindings reject bad arguments with JS errors', () => {
    const addon = nativeAddon()!;
    const x = new Float32Array(2 * 3 * 4), out = new Float32Array(2 * 3 * 4);
    const geometry = Int32Array.of(2, 1, 3, 4, 3, 4);
    const zeros = new Int32Array(2);
    expect(() => addon.cropFlip2d(x, out, Int32Array.of(2, 1, 3, 4), zeros, zeros, null, false, 0)).toThrow(/geometry must hold 6 ints/);
    expect(() => addon.cropFlip2d(x, new Float32Array(5), geometry, zeros, zeros, null, false, 0)).toThrow(/out has 5 elements/);
    expect(() => addon.cropFlip2d(x, new Float64Array(24), geometry, zeros, zeros, null, false, 0)).toThrow(/x is a Float32Array but out is a Float64Array/);
    expect(() => addon.cropFlip2d(x, out, geometry, new Int32Array(1), zeros, null, false, 0)).toThrow(/top has 1 elements/);
    expect(() => addon.cropFlip2d(x, out, geometry, zeros, zeros, new Uint8Array(3), false, 0)).toThrow(/flip has 3 elements/);
    expect(() => addon.cropFlip2d(x, x, geometry, zeros, zeros, null, false, 0)).toThrow(/must not share memory/);
    expect(() => addon.cropFlip2d(new Float32Array(0), out, Int32Array.of(2, 1, 0, 4, 3, 4), zeros, zeros, null, true, 0)).toThrow(/empty image/);
    const fill = new Float64Array(1);
    expect(() => addon.affine2d(x, out, 2, 1, 3, 4, new Float64Array(11), false, fill)).toThrow(/matrices has 11 elements/);
    expect(() => addon.affine2d(x, out, 2, 1, 3, 4, new Float32Array(12), false, fill)).toThrow(/matrices must be a Float64Array/);
    expect(() => addon.affine2d(x, out, 2, 1, 3, 4, new Float64Array(12), false, new Float64Array(2))).toThrow(/fill has 2 elements/);
    expect(() => addon.affine2d(x, out, -1, 1, 3, 4, new Float64Array(12), true, fill)).toThrow(/n must be an integer/);
    expect(() => addon.erase2d(x, out, 2, 1, 3, 4, Int32Array.of(0, 0, -1, 2, 0, 0, 1, 1), Float64Array.of(0))).toThrow(/box 0 has a negative size/);
    expect(() => addon.erase2d(x, out, 2, 1, 3, 4, new Int32Array(8), new Float64Array(2))).toThrow(/values has 2 elements/);
    expect(() => addon.erase2d(new Int32Array(24), out, 2, 1, 3, 4, new Int32Array(8), new Float64Array(1))).toThrow(/x must be a Float32Array or Float64Array/);
    // Out-of-image boxes and far offsets are clipped / filled, never read out of bounds.
    addon.erase2d(x, out, 2, 1, 3, 4, Int32Array.of(-100, -100, 1000, 1000, -5, -7, 1000, 1000), Float64Array.of(7));
    expect(Array.from(out).every((v) => v === 7)).toBe(true);
    addon.cropFlip2d(x, out, geometry, Int32Array.of(-1e9, 1e9), Int32Array.of(1e9, -1e9), Uint8Array.of(1, 0), false, 4);
    expect(Array.from(out).every((v) => v === 4)).toBe(true);
    for (const nearest of [false, true]) {
      out.fill(0);
      addon.affine2d(x, out, 2, 1, 3, 4, Float64Array.of(NaN, 0, 0, 0, 1, 0, 1e300, 0, 0, 0, 1e300, -1e300), nearest, Float64Array.of(5));
      expect(Array.from(out).every((v) => v === 5)).toBe(true);
    }
  });
});
