/**
 * Comparing tensors with PyTorch fixtures: a tolerance per dtype, scaled by the tensor's largest
 * value, and the worst errors seen, logged after the suite (the figures the notes quote).
 */
import { afterAll, expect } from 'vitest';
import type * as L from '../../src/index';
import { closeness } from './backends';

/** A tensor as the fixture generators write it. */
export interface Enc { shape: number[]; values: number[] }
export type Dt = 'float32' | 'float64';

/**
 * An `expectClose(actual, expected, dtype, what)` that asserts elementwise
 * |a - b| <= tol · max(1, max |b|) + tol · |b|, and records the worst absolute (scaled) and relative
 * (where |b| >= 1e-3) errors per dtype; call inside a describe to log them after it.
 */
export function torchFixtureChecker(tol: Record<Dt, number>): (actual: L.Tensor, expected: Enc, dtype: Dt, what: string) => void {
  const worst: Record<Dt, { abs: number; rel: number; where: string }> = { float64: { abs: 0, rel: 0, where: '' }, float32: { abs: 0, rel: 0, where: '' } };
  afterAll(() => {
    for (const dt of ['float64', 'float32'] as const) {
      console.log(`worst ${dt} error vs PyTorch: abs (scaled) ${worst[dt].abs.toExponential(2)}, rel ${worst[dt].rel.toExponential(2)} (${worst[dt].where})`);
    }
  });
  return (actual, expected, dtype, what) => {
    expect(actual.shape, `${what} shape`).toEqual(expected.shape);
    expect(actual.dtype, `${what} dtype`).toBe(dtype);
    const a = Array.from(actual.values);
    const scale = Math.max(1, ...expected.values.map(Math.abs));
    expect(closeness(a, expected.values, tol[dtype] * scale, tol[dtype]), what).toBeLessThanOrEqual(1);
    for (let i = 0; i < a.length; i++) {
      const b = expected.values[i], d = Math.abs(a[i] - b);
      worst[dtype].abs = Math.max(worst[dtype].abs, d / scale);
      if (Math.abs(b) >= 1e-3 && d / Math.abs(b) > worst[dtype].rel) { worst[dtype].rel = d / Math.abs(b); worst[dtype].where = `${what}[${i}]`; }
    }
  };
}
