import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { maxPool2dRelu } from '../../src/ops/pool';

/** Distinct values spaced well beyond the finite-difference step, so no max is near a tie. */
function spreadInput(shape: number[], seed: number): L.Tensor {
  L.manualSeed(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const r = L.rand([n], { dtype: 'float64' }).values;
  const values = new Float64Array(n);
  Array.from(r.keys()).sort((a, b) => r[a] - r[b]).forEach((p, rank) => { values[p] = rank * 0.01 - n * 0.005; });
  return L.tensor(values, { dtype: 'float64' }).reshape(shape).requiresGrad_();
}

describe('pool gradients (float64 finite differences)', () => {
  it('maxPool2d (stride, padding, dilation, ceil mode) and maxPool1d', () => {
    const x = spreadInput([2, 2, 7, 6], 1);
    expect(L.gradcheck((x) => L.maxPool2d(x, 3, { stride: 2, padding: 1 }), [x])).toBe(true);
    expect(L.gradcheck((x) => L.maxPool2d(x, 2, { dilation: 2, ceilMode: true, stride: 2 }), [x])).toBe(true);
    const y = spreadInput([2, 3, 9], 2);
    expect(L.gradcheck((x) => L.maxPool1d(x, 3, { stride: 2, padding: 1 }), [y])).toBe(true);
  });

  it('maxPool2dRelu (the ReLU inside the 2x2 kernel), first and second order, on every backend', () => {
    // spreadInput is centred on 0: about half the windows have a negative max, where relu's gradient is 0
    // (an odd count of values keeps 0 itself, relu's kink, out of them).
    const x = spreadInput([3, 3, 7, 9], 5);
    expect(L.gradcheck((x) => maxPool2dRelu(x, 2), [x])).toBe(true);
    expect(L.gradgradcheck((x) => maxPool2dRelu(x, 2), [x])).toBe(true);
    expect(L.gradcheck((x) => maxPool2dRelu(x, 3, { stride: 2, padding: 1 }), [x])).toBe(true);  // the unfused path
  });

  it('avgPool2d variants and avgPool1d', () => {
    const x = spreadInput([2, 2, 7, 6], 3);
    expect(L.gradcheck((x) => L.avgPool2d(x, 3, { stride: 2, padding: 1 }), [x])).toBe(true);
    expect(L.gradcheck((x) => L.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x])).toBe(true);
    expect(L.gradcheck((x) => L.avgPool2d(x, [2, 3], { divisorOverride: 4 }), [x])).toBe(true);
    const y = spreadInput([2, 3, 9], 4);
    expect(L.gradcheck((x) => L.avgPool1d(x, 4, { stride: 2, padding: 2 }), [y])).toBe(true);
  });

  it('adaptiveAvgPool2d', () => {
    const x = spreadInput([2, 2, 7, 5], 5);
    expect(L.gradcheck((x) => L.adaptiveAvgPool2d(x, [3, 2]), [x])).toBe(true);
    expect(L.gradcheck((x) => L.adaptiveAvgPool2d(x, [9, 6]), [x])).toBe(true);
  });

  it('second derivatives flow through the backward ops', () => {
    const x = spreadInput([1, 2, 6, 6], 6);
    // Pooling is piecewise linear, so second derivatives of a product with x itself are the interesting check.
    expect(L.gradgradcheck((x) => L.maxPool2d(x, 2).square(), [x])).toBe(true);
    expect(L.gradgradcheck((x) => L.avgPool2d(x, 3, { stride: 1, padding: 1 }).square(), [x])).toBe(true);
    expect(L.gradgradcheck((x) => L.adaptiveAvgPool2d(x, 4).square(), [x])).toBe(true);
  });
});
