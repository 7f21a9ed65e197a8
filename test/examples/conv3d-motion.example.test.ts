/**
 * The motion example (examples/conv3d-motion.ts). Its clips: every frame holds the whole item (the
 * frame sums agree), and the item's centroid moves by 1 or 2 px per frame in the labelled direction;
 * bad sizes throw ArgumentError. A tiny run (2,048 training clips, 1 epoch, 512 test clips): the
 * figures are well formed (the confusion matrix counts the test clips and its diagonal is the 3-D
 * model's accuracy), the 3-D model beats the 2-D baseline on the time average by a wide margin, the
 * baseline stays near its 50% ceiling, and a second run with the same seed gives the same figures.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, PhiloxStream, data, zeros } from '../../src/index';
import { DIRECTIONS, makeMotionClips, runConv3dMotionExample, type Conv3dMotionResult } from '../../examples/conv3d-motion';

/** Per direction label, the centroid's step (dx, dy) per px of speed. */
const STEP = [[-1, 0], [1, 0], [0, -1], [0, 1]];

/** The sum and the intensity-weighted centroid (x, y) of one frame of side s. */
function frameMoments(pixels: Float32Array, at: number, s: number): { sum: number; x: number; y: number } {
  let sum = 0, x = 0, y = 0;
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) {
      const v = pixels[at + r * s + c];
      sum += v; x += v * c; y += v * r;
    }
  }
  return { sum, x: x / sum, y: y / sum };
}

/** The result without its timings, which differ between runs. */
function withoutSeconds(r: Conv3dMotionResult): unknown {
  return {
    ...r, seconds: 0,
    history: r.history.map((h) => ({ conv3d: { ...h.conv3d, seconds: 0 }, conv2d: { ...h.conv2d, seconds: 0 } })),
  };
}

describe('conv3d motion example', () => {
  const images = data.loadFashionMnist().test.images;

  it('makes clips in which the whole item moves 1 or 2 px per frame in the labelled direction', () => {
    const frames = 6, canvas = 24, n = 64;
    const { clips, labels } = makeMotionClips(images, n, frames, canvas, new PhiloxStream(5));
    expect(clips.shape).toEqual([n, 1, frames, canvas, canvas]);
    expect(labels.shape).toEqual([n]);
    const pixels = clips.values as Float32Array, label = labels.values as Int32Array;
    expect(pixels.every((v) => v >= 0 && v <= 1)).toBe(true);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      seen.add(label[i]);
      const m = Array.from({ length: frames }, (_, t) => frameMoments(pixels, (i * frames + t) * canvas * canvas, canvas));
      const speed = m[1].x - m[0].x + m[1].y - m[0].y;
      expect([1, 2]).toContain(Math.round(Math.abs(speed)));
      for (let t = 1; t < frames; t++) {
        expect(m[t].sum).toBeCloseTo(m[0].sum, 2);
        expect(m[t].x - m[t - 1].x).toBeCloseTo(STEP[label[i]][0] * Math.abs(speed), 3);
        expect(m[t].y - m[t - 1].y).toBeCloseTo(STEP[label[i]][1] * Math.abs(speed), 3);
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    // The same stream position gives the same clips.
    expect(makeMotionClips(images, n, frames, canvas, new PhiloxStream(5)).clips.values).toEqual(pixels);
  });

  it('rejects sizes the item cannot move in, and images that are not [N, 1, 28, 28]', () => {
    const g = new PhiloxStream(0);
    expect(() => makeMotionClips(images, 4, 8, 27, g)).toThrow(ArgumentError);
    expect(() => makeMotionClips(images, 4, 8, 27, g)).toThrow(/canvas 27 is too small.*need at least 28/);
    expect(() => makeMotionClips(images, 4, 1, 32, g)).toThrow(/frames must be an integer >= 2, got 1/);
    expect(() => makeMotionClips(zeros([4, 1, 32, 32]), 4, 8, 32, g)).toThrow(/images must be \[N, 1, 28, 28\]/);
  });

  it('trains: the 3-D model tells the direction, the 2-D model on the time average cannot; reproducible by seed', () => {
    const opts = { epochs: 1, seed: 0, trainClips: 2048, testClips: 512, batch: 32, lr: 3e-3 };
    const r = runConv3dMotionExample(opts);
    expect(r.history).toHaveLength(1);
    const last = r.history[0];
    for (const f of [last.conv3d, last.conv2d]) {
      expect(Number.isFinite(f.trainLoss)).toBe(true);
      expect(f.seconds).toBeGreaterThan(0);
      expect(f.axisAccuracy).toBeGreaterThanOrEqual(f.testAccuracy);
    }
    expect(r.conv3dAccuracy).toBe(last.conv3d.testAccuracy);
    expect(r.conv2dAccuracy).toBe(last.conv2d.testAccuracy);
    expect(r.confusion).toHaveLength(DIRECTIONS.length);
    for (const row of r.confusion) expect(row).toHaveLength(DIRECTIONS.length);
    const total = r.confusion.flat().reduce((a, b) => a + b, 0);
    const diagonal = r.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(total).toBe(opts.testClips);
    expect(diagonal / total).toBe(r.conv3dAccuracy);
    // Same widths: the 3-D kernels have 3x the taps of the 2-D ones.
    expect(r.parameters.conv3d).toBeGreaterThan(2 * r.parameters.conv2d);
    expect(r.conv3dAccuracy).toBeGreaterThan(0.9);
    expect(r.conv3dAccuracy).toBeGreaterThan(r.conv2dAccuracy + 0.3);
    expect(r.conv2dAccuracy).toBeLessThan(0.6);
    expect(withoutSeconds(runConv3dMotionExample(opts))).toEqual(withoutSeconds(r));
  }, 60_000);
});
