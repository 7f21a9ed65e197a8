/** Inputs and assertions for the autograd tests: float64 leaves away from kinks, and gradcheck wrappers. */
import { expect } from 'vitest';
import { gradcheck, gradgradcheck, randn, tensor, type GradcheckOptions, type Tensor } from '../../src/index';

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

/** A float64 leaf with standard normal values (requires grad). */
export function leaf(shape: number[]): Tensor {
  return randn(shape, { dtype: 'float64', requiresGrad: true });
}

/** A float64 leaf from plain values (requires grad). */
export function leafOf(values: number[] | number[][] | number[][][]): Tensor {
  return tensor(values, { dtype: 'float64', requiresGrad: true });
}

/**
 * A float64 leaf of normal values moved at least `margin` away from each of
 * `kinks`, so that a central difference of step 1e-6 never straddles one.
 */
export function leafAway(shape: number[], kinks: number[], margin = 0.05, scale = 1): Tensor {
  const x = randn(shape, { dtype: 'float64' });
  const v = x.values as Float64Array;
  for (let i = 0; i < v.length; i++) {
    v[i] *= scale;
    for (const k of kinks) {
      if (Math.abs(v[i] - k) < margin) v[i] = k + (v[i] >= k ? margin : -margin);
    }
  }
  return x.requiresGrad_();
}

/** A float64 leaf with values in [lo, hi) (requires grad). */
export function leafIn(shape: number[], lo: number, hi: number): Tensor {
  const x = randn(shape, { dtype: 'float64' });
  const v = x.values as Float64Array;
  // A normal value mapped through the logistic function: spread over (lo, hi) without hitting the ends.
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * (0.05 + 0.9 / (1 + Math.exp(-v[i])));
  return x.requiresGrad_();
}

export function expectGrad(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): void {
  expect(gradcheck(fn, inputs, opts)).toBe(true);
}

export function expectGradGrad(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): void {
  expect(gradgradcheck(fn, inputs, opts)).toBe(true);
}

/** Both checks. */
export function expectBoth(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): void {
  expectGrad(fn, inputs, opts);
  expectGradGrad(fn, inputs, opts);
}
