import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const f64 = (shape: number[], seed: number): L.Tensor => {
  L.manualSeed(seed);
  return L.randn(shape, { dtype: 'float64', requiresGrad: true });
};

interface Case { name: string; x: number[]; w: number[]; opts: L.Conv2dOptions }

const CASES: Case[] = [
  { name: 'padding 1', x: [2, 2, 5, 5], w: [3, 2, 3, 3], opts: { padding: 1 } },
  { name: 'stride 2, odd sizes', x: [1, 2, 7, 6], w: [2, 2, 3, 2], opts: { stride: 2, padding: [1, 0] } },
  { name: 'dilation 2', x: [1, 2, 7, 7], w: [2, 2, 2, 3], opts: { dilation: 2, padding: 1 } },
  { name: 'groups 2', x: [2, 4, 4, 4], w: [4, 2, 3, 3], opts: { groups: 2, padding: 1 } },
  { name: 'depthwise', x: [2, 3, 5, 4], w: [6, 1, 3, 3], opts: { groups: 3, padding: 1, stride: [1, 2] } },
  { name: '1x1', x: [2, 3, 3, 4], w: [2, 3, 1, 1], opts: {} },
  { name: "'same', even kernel", x: [1, 2, 5, 4], w: [2, 2, 2, 4], opts: { padding: 'same' } },
];

describe('conv gradients (float64 finite differences)', () => {
  for (const c of CASES) {
    it(`conv2d: ${c.name}`, () => {
      const x = f64(c.x, 1), w = f64(c.w, 2), b = f64([c.w[0]], 3);
      expect(L.gradcheck((x, w, b) => L.conv2d(x, w, b, c.opts), [x, w, b])).toBe(true);
    });
  }

  it('conv2d: second derivatives (gradgradcheck) in x, weight and bias', () => {
    for (const c of [CASES[1], CASES[3], CASES[4]]) {
      const x = f64(c.x, 4), w = f64(c.w, 5), b = f64([c.w[0]], 6);
      expect(L.gradgradcheck((x, w, b) => L.conv2d(x, w, b, c.opts), [x, w, b]), c.name).toBe(true);
    }
  });

  it('conv2d without bias and on unbatched input', () => {
    const x = f64([2, 5, 4], 7), w = f64([3, 2, 2, 2], 8);
    expect(L.gradcheck((x, w) => L.conv2d(x, w, null, { stride: [2, 1] }), [x, w])).toBe(true);
  });

  it('conv1d', () => {
    const x = f64([2, 2, 9], 9), w = f64([4, 1, 3], 10), b = f64([4], 11);
    expect(L.gradcheck((x, w, b) => L.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }), [x, w, b])).toBe(true);
    const w2 = f64([3, 2, 4], 15);
    expect(L.gradgradcheck((x, w) => L.conv1d(x, w, null, { padding: 'same' }), [x, w2])).toBe(true);
  });

  it('convTranspose2d, first and second order', () => {
    const x = f64([2, 4, 3, 3], 12), w = f64([4, 1, 3, 2], 13), b = f64([2], 14);
    const opts: L.ConvTranspose2dOptions = { stride: 2, padding: 1, outputPadding: 1, groups: 2 };
    expect(L.gradcheck((x, w, b) => L.convTranspose2d(x, w, b, opts), [x, w, b])).toBe(true);
    expect(L.gradgradcheck((x, w) => L.convTranspose2d(x, w, null, { dilation: 2 }), [x, w])).toBe(true);
  });
});
