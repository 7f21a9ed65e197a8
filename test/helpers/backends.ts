/** Runs the same computation on the reference and native backends, on every ISA this CPU has. */
import { expect } from 'vitest';
import { backendInfo, setIsa } from '../../src/index';
import { nativeAddon, useBackend } from '../../src/backend/index';
import type { Tensor } from '../../src/index';

export const hasNative = (): boolean => nativeAddon() !== null;

/** ISAs the CPU supports, from scalar up to the best one. */
export function availableIsas(): ('scalar' | 'avx2' | 'avx512')[] {
  if (!hasNative()) return [];
  const best = backendInfo().bestIsa;
  const all = ['scalar', 'avx2', 'avx512'] as const;
  return all.slice(0, all.indexOf(best as (typeof all)[number]) + 1);
}

export function onBackend<T>(name: 'native' | 'reference', fn: () => T): T {
  useBackend(name);
  try {
    return fn();
  } finally {
    useBackend(hasNative() ? 'native' : 'reference');
  }
}

export function withIsa<T>(isa: 'scalar' | 'avx2' | 'avx512', fn: () => T): T {
  setIsa(isa);
  try {
    return fn();
  } finally {
    setIsa(backendInfo().bestIsa as 'scalar' | 'avx2' | 'avx512');
  }
}

/** Max |a - b| / (atol + rtol |b|) over elements; <= 1 means close. NaNs must match NaNs. */
export function closeness(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    if (x === y) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    worst = Math.max(worst, Math.abs(x - y) / (atol + rtol * Math.abs(y)));
  }
  return worst;
}

/** Computes fn on both backends and returns [native, reference] results as plain arrays with shapes. */
export function both(fn: () => Tensor): { native: Tensor; reference: Tensor } {
  const reference = onBackend('reference', fn);
  const native = onBackend('native', fn);
  return { native, reference };
}

/**
 * Runs fn on the reference and the native backend and expects the same number of outputs, with equal
 * shapes and dtypes and values within closeness(tol, tol) (NaN matching NaN); returns both lists for
 * any stricter check the caller adds (exact bits, the sign of zero). The parity tests' one comparison.
 */
export function expectBackendsAgree(name: string, fn: () => Tensor | Tensor[], tol: number): { native: Tensor[]; reference: Tensor[] } {
  const reference = [onBackend('reference', fn)].flat();
  const native = [onBackend('native', fn)].flat();
  expect(native.length, name).toBe(reference.length);
  native.forEach((y, k) => {
    expect(y.shape, `${name} output ${k}`).toEqual(reference[k].shape);
    expect(y.dtype, `${name} output ${k}`).toBe(reference[k].dtype);
    expect(closeness(y.values, reference[k].values, tol, tol), `${name} output ${k}`).toBeLessThanOrEqual(1);
  });
  return { native, reference };
}
