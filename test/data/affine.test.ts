/**
 * affine / randomAffine / inverseAffineMatrix: the matrices of torchvision's
 * _get_inverse_affine_matrix worked out by hand, whole-pixel warps whose result is known,
 * identity parameters, torchvision's F.affine tensor path (fixture: test/fixtures/generators/
 * affine_torchvision.py), seeded repeatability, torchvision's parameter sampling, and errors.
 * (Native vs reference equality: test/kernels/augment.parity.test.ts and the registry.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const { data } = L;

function expectMatrix(got: number[], want: number[]): void {
  expect(got).toHaveLength(6);
  got.forEach((v, i) => expect(v, `m[${i}]`).toBeCloseTo(want[i], 12));
}

/** A [1, 1, h, w] image whose pixel (y, x) holds 10 y + x + 1 (so 0 is never a pixel). */
function ramp(h: number, w: number, dtype: 'float32' | 'float64' = 'float64'): L.Tensor {
  return L.tensor(Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => 10 * y + x + 1)), { dtype }).reshape([1, 1, h, w]);
}

const grid = (t: L.Tensor): number[][] => {
  const [h, w] = t.shape.slice(-2);
  return Array.from({ length: h }, (_, y) => Array.from(t.values.subarray(y * w, (y + 1) * w)));
};

describe('inverseAffineMatrix (torchvision convention, by hand)', () => {
  it('identity, translation, scale', () => {
    expectMatrix(data.inverseAffineMatrix(0, [0, 0], 1, [0, 0]), [1, 0, 0, 0, 1, 0]);
    // The output at p reads the input at p - t: content moves by +t.
    expectMatrix(data.inverseAffineMatrix(0, [3, -2], 1, [0, 0]), [1, 0, -3, 0, 1, 2]);
    expectMatrix(data.inverseAffineMatrix(0, [0, 0], 2, [0, 0]), [0.5, 0, 0, 0, 0.5, 0]);
    // Scale 2 about centre c with translation t: M = S⁻¹, last column S⁻¹(-c - t) + c.
    expectMatrix(data.inverseAffineMatrix(0, [1, 2], 2, [0, 0], [4, -6]), [0.5, 0, 0.5 * (-4 - 1) + 4, 0, 0.5, 0.5 * (6 - 2) - 6]);
  });

  it('rotation is clockwise on screen (rows grow downwards)', () => {
    // a = cos r, b = -sin r, c = sin r, d = cos r; M = [d, -b; -c, a] = [cos, sin; -sin, cos].
    expectMatrix(data.inverseAffineMatrix(90, [0, 0], 1, [0, 0]), [0, 1, 0, -1, 0, 0]);
    const r = Math.PI / 6;
    expectMatrix(data.inverseAffineMatrix(30, [0, 0], 1, [0, 0]), [Math.cos(r), Math.sin(r), 0, -Math.sin(r), Math.cos(r), 0]);
    // Scale divides the whole matrix.
    expectMatrix(data.inverseAffineMatrix(30, [0, 0], 4, [0, 0]), [Math.cos(r) / 4, Math.sin(r) / 4, 0, -Math.sin(r) / 4, Math.cos(r) / 4, 0]);
  });

  it('shear along x and along y', () => {
    // sx = 45°: a = 1, b = -tan 45° = -1, c = 0, d = 1 -> M = [1, 1; 0, 1]: (dx, dy) reads (dx + dy, dy).
    expectMatrix(data.inverseAffineMatrix(0, [0, 0], 1, [45, 0]), [1, 1, 0, 0, 1, 0]);
    // sy = 45°: a = cos(-45°)/cos 45° = 1, b = 0, c = sin(-45°)/cos 45° = -1, d = 1 -> M = [1, 0; 1, 1].
    expectMatrix(data.inverseAffineMatrix(0, [0, 0], 1, [0, 45]), [1, 0, 0, 1, 1, 0]);
    // Both, with a rotation of 30°: the formula of _get_inverse_affine_matrix term by term.
    const [rot, sx, sy] = [30, 20, -10].map((d) => (d * Math.PI) / 180);
    const a = Math.cos(rot - sy) / Math.cos(sy);
    const b = -Math.cos(rot - sy) * Math.tan(sx) / Math.cos(sy) - Math.sin(rot);
    const c = Math.sin(rot - sy) / Math.cos(sy);
    const d = -Math.sin(rot - sy) * Math.tan(sx) / Math.cos(sy) + Math.cos(rot);
    expect(a * d - b * c).toBeCloseTo(1, 12);
    const s = 1.5, t = [2, -1];
    const m = [d / s, -b / s, 0, -c / s, a / s, 0];
    m[2] = m[0] * -t[0] + m[1] * -t[1];
    m[5] = m[3] * -t[0] + m[4] * -t[1];
    expectMatrix(data.inverseAffineMatrix(30, [2, -1], 1.5, [20, -10]), m);
  });
});

describe('affine', () => {
  it('identity parameters give the image back exactly (both interpolations, any dtype)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      L.manualSeed(1);
      const x = L.randn([3, 2, 5, 6], { dtype });
      for (const interpolation of ['nearest', 'bilinear'] as const) {
        const y = data.affine(x, 0, [0, 0], 1, [0, 0], { interpolation });
        expect(y.shape).toEqual(x.shape);
        expect(Array.from(y.values)).toEqual(Array.from(x.values));
      }
      const r = data.randomAffine(x, 0, { generator: new L.PhiloxStream(3) });
      expect(Array.from(r.values)).toEqual(Array.from(x.values));
    }
  });

  it('whole-pixel translation moves the content and fills the rest', () => {
    const x = ramp(4, 5);
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      const y = grid(data.affine(x, 0, [2, 1], 1, 0, { interpolation, fill: -1 }));
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 5; c++) expect(y[r][c], `${interpolation} (${r}, ${c})`).toBe(r >= 1 && c >= 2 ? 10 * (r - 1) + (c - 2) + 1 : -1);
      }
    }
  });

  it('90 degrees clockwise, and a 45-degree x shear, move pixels as the matrix says', () => {
    const x = ramp(5, 5);
    const rot = grid(data.affine(x, 90, [0, 0], 1, 0));
    // M = [0, 1; -1, 0]: out(y, x) reads in(cy - (x - cx), cx + (y - cy)) = in(4 - x, y).
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(rot[r][c]).toBe(10 * (4 - c) + r + 1);
    const sheared = grid(data.affine(x, 0, [0, 0], 1, 45, { fill: 0 }));
    // M = [1, 1; 0, 1]: out(y, x) reads in(y, x + (y - 2)).
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 5; c++) {
        const sc = c + r - 2;
        expect(sheared[r][c], `(${r}, ${c})`).toBe(sc >= 0 && sc < 5 ? 10 * r + sc + 1 : 0);
      }
    }
    // y shear 45°: M = [1, 0; 1, 1]: out(y, x) reads in(y + (x - 2), x).
    const shearY = grid(data.affine(x, 0, [0, 0], 1, [0, 45]));
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 5; c++) {
        const sr = r + c - 2;
        expect(shearY[r][c], `(${r}, ${c})`).toBe(sr >= 0 && sr < 5 ? 10 * sr + c + 1 : 0);
      }
    }
  });

  it('bilinear reads between pixels; nearest rounds half to even; per-channel fill', () => {
    const x = ramp(3, 4);
    // Translation by 0.5 px: bilinear averages neighbours, the left column half-reads the fill.
    const y = grid(data.affine(x, 0, [0.5, 0], 1, 0, { interpolation: 'bilinear', fill: 3 }));
    expect(y[1]).toEqual([0.5 * 3 + 0.5 * 11, 11.5, 12.5, 13.5]);
    // Nearest: source x - 0.5 rounds half to even: 0 -> -0.5 -> -0 (pixel 0), 1 -> 0.5 -> 0, 2 -> 1.5 -> 2, 3 -> 2.5 -> 2.
    const n = grid(data.affine(x, 0, [0.5, 0], 1, 0));
    expect(n[0]).toEqual([1, 1, 3, 3]);
    const two = L.cat([x, x.mul(2)], 1);
    const filled = data.affine(two, 0, [0, -10], 1, 0, { fill: [7, 8] });
    expect(Array.from(filled.values)).toEqual([...Array(12).fill(7), ...Array(12).fill(8)]);
  });

  it('center: the fixed point of a scale (torchvision measures it from the pixel grid corner)', () => {
    const x = ramp(5, 5);
    // Scale 2 about torchvision's pixel coordinate (1.5, 1.5), i.e. 1.5 - 5/2 = -1 from the centre:
    // sx = 2 + (x - 2)/2 - 1/2, whose fixed point is pixel 1 (a corner-based coordinate of pixel centre 1 + 0.5).
    const y = grid(data.affine(x, 0, [0, 0], 2, 0, { center: [1.5, 1.5] }));
    expect(y[1][1]).toBe(x.values[1 * 5 + 1]);
    // And the neighbours read half a pixel away: (1, 3) reads (1, 2) rounded from 1 + (3 - 1) / 2 = 2.
    expect(y[1][3]).toBe(x.values[1 * 5 + 2]);
  });
});

interface Encoded { shape: number[]; values: number[] }
interface TorchvisionCase {
  angle: number; translate: [number, number]; scale: number; shear: [number, number];
  interpolation: 'nearest' | 'bilinear'; fill: number[]; center: [number, number] | null; y: Encoded;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/affine_torchvision.json', import.meta.url), 'utf8')) as { x: Encoded; cases: TorchvisionCase[] };

describe('affine against torchvision (its inverse matrix, normalised grid, grid_sample and fill mask)', () => {
  const x = L.tensor(fixture.x.values, { dtype: 'float64' }).reshape(fixture.x.shape);
  for (const c of fixture.cases) {
    it(`${c.interpolation} angle ${c.angle} translate ${c.translate} scale ${c.scale} shear ${c.shear} center ${c.center}`, () => {
      const opts = { interpolation: c.interpolation, center: c.center ?? undefined };
      const y = data.affine(x, c.angle, c.translate, c.scale, c.shear, { ...opts, fill: c.fill });
      expect(y.shape).toEqual(c.y.shape);
      // Lattice pads with fill: out = s + (1 - m) f, with s the in-image part of the bilinear sum and m
      // its weight. torchvision blends the sample again, s·m + (1 - m) f, so a constant image with the
      // same fill is not constant at its border. Both are checked exactly: m is the warp of an all-ones
      // image with fill 0, s follows from y, and torchvision's value from s and m. Nearest agrees as is.
      let got = Array.from(y.values);
      if (c.interpolation === 'bilinear') {
        const m = data.affine(L.onesLike(x), c.angle, c.translate, c.scale, c.shear, { ...opts, fill: 0 }).values;
        const plane = x.shape[2] * x.shape[3], C = x.shape[1];
        got = got.map((v, i) => {
          const f = c.fill[Math.floor(i / plane) % C], s = v - (1 - m[i]) * f;
          return s * m[i] + (1 - m[i]) * f;
        });
        // Most pixels read wholly inside (m = 1), where the two agree directly.
        expect(Array.from(m).filter((v) => v === 1).length).toBeGreaterThan(y.size / 3);
      }
      let worst = 0;
      got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - c.y.values[i])); });
      expect(worst).toBeLessThan(1e-9);
    });
  }
});

describe('randomAffine', () => {
  it('repeats with a seed, differs across seeds and samples, keeps shape and rank', () => {
    L.manualSeed(2);
    const x = L.randn([4, 3, 9, 9]);
    const opts = { translate: [0.2, 0.2] as [number, number], scale: [0.8, 1.2] as [number, number], shear: [-10, 10, -10, 10] as [number, number, number, number] };
    const a = data.randomAffine(x, 30, { ...opts, generator: new L.PhiloxStream(11) });
    const b = data.randomAffine(x, 30, { ...opts, generator: new L.PhiloxStream(11) });
    const c = data.randomAffine(x, 30, { ...opts, generator: new L.PhiloxStream(12) });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
    // The same image in every slot still comes out differently per sample.
    const same = L.cat([x.narrow(0, 0, 1), x.narrow(0, 0, 1)], 0);
    const d = data.randomAffine(same, 30, { generator: new L.PhiloxStream(13) });
    expect(Array.from(d.narrow(0, 0, 1).values)).not.toEqual(Array.from(d.narrow(0, 1, 1).values));
    const one = data.randomAffine(x.narrow(0, 0, 1).reshape([3, 9, 9]), 10, { generator: new L.PhiloxStream(1) });
    expect(one.shape).toEqual([3, 9, 9]);
    // The global generator is used by default and advances.
    L.manualSeed(5);
    const g1 = data.randomAffine(x, 30);
    L.manualSeed(5);
    expect(Array.from(data.randomAffine(x, 30).values)).toEqual(Array.from(g1.values));
  });

  it('samples torchvision\'s parameters from 6 uniforms per image', () => {
    // One sample: the same draws through affine() with the parameters worked out by hand.
    const x = ramp(7, 8);
    const u = new L.PhiloxStream(21).uniform(6, 'float64');
    const angle = -30 + 60 * u[0];
    const roundEven = (v: number): number => { const r = Math.round(v); return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r; };
    const tx = roundEven(-0.25 * 8 + 0.5 * 8 * u[1]), ty = roundEven(-0.5 * 7 + 7 * u[2]);
    const scale = 0.7 + (1.3 - 0.7) * u[3], sx = -5 + 15 * u[4], sy = 2 + 2 * u[5];
    const got = data.randomAffine(x, 30, { translate: [0.25, 0.5], scale: [0.7, 1.3], shear: [-5, 10, 2, 4], interpolation: 'bilinear', generator: new L.PhiloxStream(21) });
    const want = data.affine(x, angle, [tx, ty], scale, [sx, sy], { interpolation: 'bilinear' });
    expect(Array.from(got.values)).toEqual(Array.from(want.values));
    // A second image draws the next 6.
    const g = new L.PhiloxStream(4);
    const pair = data.randomAffine(L.cat([x, x], 0), [10, 20], { generator: g });
    const g2 = new L.PhiloxStream(4);
    g2.uniform(6, 'float64');
    const second = data.randomAffine(x, [10, 20], { generator: g2 });
    expect(Array.from(pair.narrow(0, 1, 1).values)).toEqual(Array.from(second.values));
  });

  it('rejects bad arguments with the op and argument named', () => {
    const x = L.randn([2, 1, 4, 4]);
    expect(() => data.randomAffine(x, -1)).toThrow(/randomAffine: degrees must be a finite number >= 0/);
    expect(() => data.randomAffine(x, [10, -10])).toThrow(/randomAffine: degrees must be \[min, max\] with min <= max/);
    expect(() => data.randomAffine(x, 0, { translate: [1.5, 0] })).toThrow(/randomAffine: translate values must be in \[0, 1\]/);
    expect(() => data.randomAffine(x, 0, { scale: [0, 1] })).toThrow(/randomAffine: scale must be \[min, max\] with 0 < min <= max/);
    expect(() => data.randomAffine(x, 0, { shear: [1, 2, 3] as never })).toThrow(/randomAffine: shear must be a number >= 0, \[min, max\] or \[xmin, xmax, ymin, ymax\]/);
    expect(() => data.randomAffine(x, 0, { interpolation: 'bicubic' as never })).toThrow(/randomAffine: interpolation must be 'nearest' or 'bilinear'/);
    expect(() => data.randomAffine(x, 0, { fill: [1, 2] })).toThrow(/randomAffine: fill has 2 values for 1 channels/);
    expect(() => data.randomAffine(L.randn([4, 4]), 0)).toThrow(/randomAffine: x must be an image batch/);
    expect(() => data.randomAffine(L.tensor([[[[1]]]], { dtype: 'int32' }), 0)).toThrow(/randomAffine: x must be float32 or float64/);
    expect(() => data.affine(x, 0, [0, 0], 0, 0)).toThrow(/affine: scale must be a finite number > 0/);
    expect(() => data.affine(x, NaN, [0, 0], 1, 0)).toThrow(/affine: angle must be a finite number/);
    expect(() => data.affine(x, 0, [0] as never, 1, 0)).toThrow(/affine: translate must be a pair of finite numbers/);
    expect(() => data.affine(x, 0, [0, 0], 1, 0, { center: [1, Infinity] })).toThrow(/affine: center must be a pair of finite numbers/);
    expect(() => data.affine(x, 0, [0, 0], 1, 0, { fill: NaN })).toThrow(/affine: fill must be a finite number/);
  });
});
