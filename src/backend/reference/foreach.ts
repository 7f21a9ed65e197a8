/**
 * Multi-tensor (foreach) kernels behind clipGradNorm, the definition of correct
 * (native/kernels/optim.cc foreachNorm and foreachScale).
 *
 * foreachNorm: out[i] = (Σ_j |x_i[j]|^p)^(1/p), summed in double; p = Infinity gives
 * max_j |x_i[j]|; a NaN element gives NaN; an empty tensor gives 0.
 * foreachScale: x_i[j] *= scale in place, with scale rounded to the arrays' dtype first (as a
 * scalar operand of mul_ is), so each product is rounded once.
 */
import type { FloatArray } from '../../tensor/dtype';

function normOf(x: FloatArray, p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (let j = 0; j < x.length; j++) {
      const a = Math.abs(x[j]);
      if (Number.isNaN(a)) return NaN;
      if (a > m) m = a;
    }
    return m;
  }
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const a = Math.abs(x[j]);
    s += p === 2 ? a * a : p === 1 ? a : a ** p;
  }
  return p === 1 ? s : p === 2 ? Math.sqrt(s) : s ** (1 / p);
}

export function foreachNorm(arrays: FloatArray[], p: number, out: Float64Array): void {
  arrays.forEach((x, i) => { out[i] = normOf(x, p); });
}

export function foreachScale(arrays: FloatArray[], scale: number): void {
  for (const x of arrays) {
    const s = x instanceof Float32Array ? Math.fround(scale) : scale;
    for (let j = 0; j < x.length; j++) x[j] *= s;
  }
}
