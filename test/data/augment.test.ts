import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { sampleBeta } from '../../src/data/augment';

const { data } = L;

/** Images with values in [1, 2) so that 0-valued fill or erasure is recognisable. */
function images(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): L.Tensor {
  L.manualSeed(seed);
  return L.add(L.rand(shape, { dtype }), 1);
}

const values = (t: L.Tensor): number[] => Array.from(t.data() as ArrayLike<number>);

describe('deterministic transforms', () => {
  it('hflip mirrors a known 2x3 image and keeps channels apart', () => {
    const x = L.tensor([[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]]);
    expect(data.hflip(x).toArray()).toEqual([[[[3, 2, 1], [6, 5, 4]], [[9, 8, 7], [12, 11, 10]]]]);
  });

  it('crop with an overhanging window pads with fill or mirrors (reflect)', () => {
    const x = L.tensor([[[[1, 2, 3], [4, 5, 6]]]]);
    expect(data.crop(x, -1, -1, 4, 5, { fill: 9 }).toArray()).toEqual([[[[9, 9, 9, 9, 9], [9, 1, 2, 3, 9], [9, 4, 5, 6, 9], [9, 9, 9, 9, 9]]]]);
    // torch.nn.functional.pad(x, (1, 1, 1, 1), mode='reflect')
    expect(data.crop(x, -1, -1, 4, 5, { paddingMode: 'reflect' }).toArray()).toEqual([[[[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [2, 1, 2, 3, 2]]]]);
    expect(data.crop(x, [0], [1], 2, 2).toArray()).toEqual([[[[2, 3], [5, 6]]]]);
  });

  it('rotate by 90 degrees equals transpose of the mirrored image (torch.rot90), exactly', () => {
    for (const size of [5, 6]) {
      const x = images([2, 3, size, size], size);
      const rot90 = L.transpose(data.hflip(x), -1, -2);
      expect(values(data.rotate(x, 90))).toEqual(values(rot90));
      // 180 is a flip of both axes; -90 is three quarter turns.
      expect(values(data.rotate(x, 180))).toEqual(values(data.hflip(L.transpose(data.hflip(L.transpose(x, -1, -2)), -1, -2))));
      expect(values(data.rotate(x, -90))).toEqual(values(data.rotate(data.rotate(x, 180), 90)));
    }
    const known = L.tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]);
    expect(data.rotate(known, 90).toArray()).toEqual([[[3, 6, 9], [2, 5, 8], [1, 4, 7]]]);
  });

  it('rotate interpolates bilinearly: centre fixed, constants stay constant, outside reads fill', () => {
    const x = images([1, 1, 7, 7], 3, 'float64');
    const r = data.rotate(x, 33);
    expect(r.values[3 * 7 + 3]).toBe(x.values[3 * 7 + 3]);
    const flat = L.full([1, 1, 6, 8], 0.25, { dtype: 'float64' });
    for (const v of values(data.rotate(flat, 17, { fill: 0.25 }))) expect(v).toBeCloseTo(0.25, 14);
    // A 45° turn of a square brings the fill into its corners but keeps the centre region.
    const corners = values(data.rotate(L.ones([1, 1, 9, 9]), 45, { fill: -1 }));
    expect(corners[0]).toBe(-1);
    expect(corners[4 * 9 + 4]).toBe(1);
    // Half-way between two pixels along x: the average (a 1x2 image turned by 180 degrees about its centre swaps them).
    expect(data.rotate(L.tensor([[[[1, 3]]]]), 180).toArray()).toEqual([[[[3, 1]]]]);
  });

  it('erase fills the clipped box with per-channel values', () => {
    const x = L.tensor([[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]]);
    expect(data.erase(x, 1, 1, 5, 5, { value: [0, -1] }).toArray()).toEqual([[[[1, 2, 3], [4, 0, 0]], [[7, 8, 9], [10, -1, -1]]]]);
    expect(values(data.erase(x, 0, 0, 0, 3))).toEqual(values(x));
  });
});

describe('random augmentations', () => {
  it('are the identity at zero strength and never modify the input', () => {
    const x = images([5, 3, 6, 7], 1);
    const before = values(x);
    const identities = [
      data.randomHorizontalFlip(x, { p: 0 }),
      data.randomCrop(x, [6, 7]),
      data.randomRotation(x, 0),
      data.colorJitter(x, { brightness: 0, contrast: 0, saturation: 0 }),
      data.colorJitter(x),
      data.randomErasing(x, { p: 0 }),
      data.mixup(x, L.tensor(Int32Array.of(0, 1, 2, 0, 1)), { alpha: 0, numClasses: 3 }).x,
    ];
    for (const y of identities) {
      expect(y).not.toBe(x);
      expect(y.shape).toEqual(x.shape);
      expect(values(y)).toEqual(before);
    }
    // Values outside [0, 1] are not clamped when the jitter is off.
    expect(values(data.colorJitter(L.tensor([[[[-3, 7]]]]), { brightness: 0 }))).toEqual([-3, 7]);
    expect(values(x)).toEqual(before);
  });

  it('are reproducible under a seed, differ across seeds, and draw a fixed amount from the stream', () => {
    const x = images([8, 1, 10, 10], 2);
    const run = (seed: number): number[][] => {
      const gen = new L.PhiloxStream(seed);
      return [
        values(data.randomHorizontalFlip(x, { generator: gen })),
        values(data.randomCrop(x, 8, { padding: 2, generator: gen })),
        values(data.randomRotation(x, 30, { generator: gen })),
        values(data.colorJitter(x, { brightness: 0.5, contrast: 0.5, generator: gen })),
        values(data.randomErasing(x, { generator: gen })),
      ];
    };
    expect(run(7)).toEqual(run(7));
    const [a, b] = [run(7), run(8)];
    a.forEach((v, i) => expect(v).not.toEqual(b[i]));
    const gen = new L.PhiloxStream(1);
    data.randomRotation(x, 10, { generator: gen }); // 8 float64 uniforms = 16 words = 4 blocks
    expect(gen.offset).toBe(4);
    data.randomCrop(x, 8, { padding: 2, generator: gen }); // 16 words
    expect(gen.offset).toBe(8);
    // The global generator is the default.
    L.manualSeed(5);
    const viaGlobal = values(data.randomRotation(x, 30));
    expect(viaGlobal).toEqual(values(data.randomRotation(x, 30, { generator: new L.PhiloxStream(5) })));
  });

  it('randomHorizontalFlip flips each sample with probability p', () => {
    const x = images([200, 1, 1, 2], 4);
    const out = data.randomHorizontalFlip(x, { p: 0.5, generator: new L.PhiloxStream(3) });
    const xv = values(x), ov = values(out);
    let flipped = 0;
    for (let i = 0; i < 200; i++) {
      const same = ov[2 * i] === xv[2 * i] && ov[2 * i + 1] === xv[2 * i + 1];
      const mirrored = ov[2 * i] === xv[2 * i + 1] && ov[2 * i + 1] === xv[2 * i];
      expect(same || mirrored).toBe(true);
      if (mirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
    expect(values(data.randomHorizontalFlip(x, { p: 1 }))).toEqual(values(data.hflip(x)));
  });

  it('randomCrop takes per-sample windows of the padded image', () => {
    const x = images([40, 2, 5, 6], 5);
    const pad = 2;
    const out = data.randomCrop(x, [4, 5], { padding: pad, fill: 0, generator: new L.PhiloxStream(11) });
    expect(out.shape).toEqual([40, 2, 4, 5]);
    const padded = data.crop(x, -pad, -pad, 5 + 2 * pad, 6 + 2 * pad);
    const offsets = new Set<string>();
    for (let b = 0; b < 40; b++) {
      const sample = values(L.narrow(out, 0, b, 1));
      let found: string | null = null;
      for (let i = 0; i <= 5 + 2 * pad - 4 && !found; i++) {
        for (let j = 0; j <= 6 + 2 * pad - 5 && !found; j++) {
          if (JSON.stringify(values(data.crop(L.narrow(padded, 0, b, 1), i, j, 4, 5))) === JSON.stringify(sample)) found = `${i},${j}`;
        }
      }
      expect(found).not.toBeNull();
      offsets.add(found!);
    }
    expect(offsets.size).toBeGreaterThan(10);
    // With the padded size the only window is the whole padded image (known values).
    const known = L.tensor([[[[1, 2], [3, 4]]]]);
    expect(data.randomCrop(known, [4, 2], { padding: [0, 1], fill: 5 }).toArray()).toEqual([[[[5, 5], [1, 2], [3, 4], [5, 5]]]]);
  });

  it('randomRotation draws angles in [-degrees, degrees] and a fixed pair gives that rotation', () => {
    const x = images([3, 2, 6, 6], 6);
    expect(values(data.randomRotation(x, [90, 90]))).toEqual(values(data.rotate(x, 90)));
    const gen = new L.PhiloxStream(9);
    const u = new L.PhiloxStream(9).uniform(3, 'float64');
    const angles = Array.from(u, (v) => -20 + 40 * v);
    angles.forEach((a) => expect(Math.abs(a)).toBeLessThanOrEqual(20));
    expect(values(data.randomRotation(x, 20, { generator: gen }))).toEqual(values(data.rotate(x, angles)));
  });

  it('colorJitter follows torchvision: brightness scales, contrast blends with the gray mean, saturation with gray', () => {
    L.manualSeed(12);
    const rgb = L.rand([3, 3, 4, 5]);
    const half = data.colorJitter(rgb, { brightness: [0.5, 0.5] });
    values(half).forEach((v, i) => expect(v).toBeCloseTo(0.5 * values(rgb)[i], 6));
    // Contrast 0: every pixel becomes the mean of the grayscale image.
    const flat = values(data.colorJitter(rgb, { contrast: [0, 0] }));
    const xv = values(rgb);
    for (let b = 0; b < 3; b++) {
      let mean = 0;
      for (let k = 0; k < 20; k++) mean += 0.2989 * xv[b * 60 + k] + 0.587 * xv[b * 60 + 20 + k] + 0.114 * xv[b * 60 + 40 + k];
      mean /= 20;
      for (let k = 0; k < 60; k++) expect(flat[b * 60 + k]).toBeCloseTo(mean, 6);
    }
    // Saturation 0: all three channels equal the pixel's grayscale.
    const gray = values(data.colorJitter(rgb, { saturation: [0, 0] }));
    for (let k = 0; k < 20; k++) {
      const g = 0.2989 * xv[k] + 0.587 * xv[20 + k] + 0.114 * xv[40 + k];
      for (let c = 0; c < 3; c++) expect(gray[c * 20 + k]).toBeCloseTo(g, 6);
    }
    // Random strengths keep values in [0, 1] and give each sample its own factors.
    const jittered = data.colorJitter(rgb, { brightness: 0.8, contrast: 0.8, saturation: 0.8, generator: new L.PhiloxStream(2) });
    for (const v of values(jittered)) expect(v >= 0 && v <= 1).toBe(true);
    const gray1 = data.colorJitter(L.rand([4, 1, 3, 3]), { brightness: 0.3, contrast: 0.3 });
    expect(gray1.shape).toEqual([4, 1, 3, 3]);
  });

  it('randomErasing erases one rectangle of the right area per chosen sample', () => {
    const x = images([60, 2, 32, 32], 8);
    const out = data.randomErasing(x, { p: 1, value: 0, generator: new L.PhiloxStream(4) });
    const ov = values(out), xv = values(x);
    const hw = 32 * 32;
    const areas: number[] = [];
    let mismatches = 0;
    for (let b = 0; b < 60; b++) {
      let count = 0, y0 = 99, y1 = -1, x0 = 99, x1 = -1;
      for (let k = 0; k < hw; k++) {
        const a = ov[b * 2 * hw + k], second = ov[b * 2 * hw + hw + k];
        if (a === 0) {
          if (second !== 0) mismatches++;
          count++;
          const [yy, xx] = [Math.floor(k / 32), k % 32];
          [y0, y1, x0, x1] = [Math.min(y0, yy), Math.max(y1, yy), Math.min(x0, xx), Math.max(x1, xx)];
        } else if (a !== xv[b * 2 * hw + k] || second !== xv[b * 2 * hw + hw + k]) {
          mismatches++;
        }
      }
      // The erased pixels form exactly their bounding box.
      if (count > 0) expect(count).toBe((y1 - y0 + 1) * (x1 - x0 + 1));
      areas.push(count);
    }
    // Both channels are erased together; every other pixel is untouched.
    expect(mismatches).toBe(0);
    // h = round(sqrt(a r)), w = round(sqrt(a / r)) with a in [0.02, 0.33] * 1024, r in [0.3, 3.3]:
    // h w lies within a ± (sqrt(a r) + sqrt(a / r)) / 2 + 1/4.
    const slack = (a: number): number => 0.5 * Math.sqrt(a) * (Math.sqrt(3.3) + 1 / Math.sqrt(0.3)) + 0.25;
    for (const a of areas) {
      expect(a).toBeGreaterThanOrEqual(0.02 * hw - slack(0.02 * hw));
      expect(a).toBeLessThanOrEqual(0.33 * hw + slack(0.33 * hw));
    }
    expect(Math.max(...areas) - Math.min(...areas)).toBeGreaterThan(50);
    // A fixed scale and square ratio give an exact 8x8 box; per-channel values.
    const fixed = data.randomErasing(L.ones([3, 3, 16, 16]), { p: 1, scale: [0.25, 0.25], ratio: [1, 1], value: [2, 3, 4] });
    const fv = values(fixed);
    for (let c = 0; c < 3; c++) expect(fv.slice(c * 256, (c + 1) * 256).filter((v) => v === c + 2).length).toBe(64);
    // p = 0.5: some samples untouched, some erased.
    const halfOut = values(data.randomErasing(x, { p: 0.5, generator: new L.PhiloxStream(1) }));
    const erased = Array.from({ length: 60 }, (_, b) => halfOut.slice(b * 2 * hw, (b + 1) * 2 * hw).some((v) => v === 0)).filter(Boolean).length;
    expect(erased).toBeGreaterThan(15);
    expect(erased).toBeLessThan(45);
  });

  it('mixup rows are convex combinations with lambda ~ Beta(alpha, alpha) and a permutation pairing', () => {
    const x = images([16, 1, 4, 4], 9);
    const labels = Int32Array.from({ length: 16 }, (_, i) => i % 5);
    const { x: xm, y: ym, lambda, permutation } = data.mixup(x, L.tensor(labels), { alpha: 0.4, numClasses: 5, generator: new L.PhiloxStream(3) });
    expect(lambda).toBeGreaterThanOrEqual(0);
    expect(lambda).toBeLessThanOrEqual(1);
    expect([...permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(ym.shape).toEqual([16, 5]);
    const xv = values(x), mv = values(xm), yv = values(ym);
    for (let i = 0; i < 16; i++) {
      const j = permutation[i];
      for (let k = 0; k < 16; k++) expect(mv[i * 16 + k]).toBeCloseTo(lambda * xv[i * 16 + k] + (1 - lambda) * xv[j * 16 + k], 6);
      const row = yv.slice(i * 5, i * 5 + 5);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const want = [0, 0, 0, 0, 0];
      want[labels[i]] += lambda;
      want[labels[j]] += 1 - lambda;
      row.forEach((v, c) => expect(v).toBeCloseTo(want[c], 6));
    }
    // Soft targets in, soft targets out; same seed, same result.
    const soft = L.softmax(L.randn([16, 5]), 1);
    const a = data.mixup(x, soft, { alpha: 1, generator: new L.PhiloxStream(5) });
    const b = data.mixup(x, soft, { alpha: 1, generator: new L.PhiloxStream(5) });
    expect(values(a.y)).toEqual(values(b.y));
    expect(a.lambda).toBe(b.lambda);
  });

  it('samples Beta by Marsaglia–Tsang gammas with the right moments', () => {
    const gen = new L.PhiloxStream(21);
    const stats = (a: number, b: number): [number, number] => {
      const s = Array.from({ length: 4000 }, () => sampleBeta(a, b, gen));
      s.forEach((v) => expect(v >= 0 && v <= 1).toBe(true));
      const mean = s.reduce((p, v) => p + v, 0) / s.length;
      return [mean, s.reduce((p, v) => p + (v - mean) ** 2, 0) / s.length];
    };
    for (const [a, b] of [[2, 5], [0.2, 0.2], [1, 1], [30, 10]]) {
      const [mean, variance] = stats(a, b);
      expect(mean).toBeCloseTo(a / (a + b), 1);
      expect(Math.abs(variance - (a * b) / ((a + b) ** 2 * (a + b + 1)))).toBeLessThan(0.012);
    }
  });

  it('Compose and augment chain transforms like calling them in order', () => {
    const x = images([6, 1, 8, 8], 10);
    const st = new data.Standardize().fit(x);
    const pipeline = new data.Compose([
      (t: L.Tensor) => data.randomCrop(t, 8, { padding: 1, generator: new L.PhiloxStream(1) }),
      (t: L.Tensor) => data.randomHorizontalFlip(t, { generator: new L.PhiloxStream(2) }),
      st,
    ]);
    const manual = st.apply(data.randomHorizontalFlip(data.randomCrop(x, 8, { padding: 1, generator: new L.PhiloxStream(1) }), { generator: new L.PhiloxStream(2) }));
    expect(values(pipeline.apply(x))).toEqual(values(manual));
    expect(values(data.augment(x, []))).toEqual(values(x));
    expect(x.isDisposed).toBe(false);
    expect(() => data.augment(x, [42 as never])).toThrow(/augment: transforms\[0\]/);
  });

  it('accepts one image [C, H, W] and float64 batches', () => {
    const one = images([3, 5, 5], 11);
    expect(data.randomRotation(one, 10).shape).toEqual([3, 5, 5]);
    expect(data.randomCrop(one, 4, { padding: 1 }).shape).toEqual([3, 4, 4]);
    const x64 = images([2, 1, 5, 5], 12, 'float64');
    const out = data.randomErasing(x64, { p: 1 });
    expect(out.dtype).toBe('float64');
  });

  it('names the transform, the argument and the shapes in errors', () => {
    const x = images([2, 1, 5, 5], 13);
    expect(() => data.randomCrop(x, 6)).toThrow(L.ShapeError);
    expect(() => data.randomCrop(x, 6)).toThrow(/randomCrop: crop size \[6,6\] is larger than the padded image \[5,5\]/);
    expect(() => data.randomCrop(x, 4, { padding: 5, paddingMode: 'reflect' })).toThrow(/randomCrop: reflect padding/);
    expect(() => data.randomHorizontalFlip(x, { p: 2 })).toThrow(/randomHorizontalFlip: p must be a probability/);
    expect(() => data.randomRotation(L.zeros([5, 5]), 3)).toThrow(/randomRotation: x must be an image batch/);
    expect(() => data.randomRotation(L.zeros([1, 1, 2, 2], { dtype: 'int32' }), 3)).toThrow(L.DTypeError);
    expect(() => data.randomErasing(x, { scale: [0.5, 0.1] })).toThrow(/randomErasing: scale/);
    expect(() => data.colorJitter(L.rand([1, 2, 3, 3]), { contrast: 0.5 })).toThrow(/colorJitter: contrast and saturation need 1 or 3 channels/);
    expect(() => data.mixup(x, L.tensor(Int32Array.of(0, 3)), { numClasses: 3 })).toThrow(/mixup: y\[1\] = 3/);
    expect(() => data.mixup(x, L.tensor(Int32Array.of(0)), { numClasses: 3 })).toThrow(L.ShapeError);
    expect(() => data.rotate(x, [1, 2, 3])).toThrow(/rotate: angle/);
    expect(() => data.erase(x, 0, 0, -1, 2)).toThrow(/erase: box 0 has a negative size/);
  });
});
