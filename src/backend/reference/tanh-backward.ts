/**
 * The fused tanh gradients, the definition of correct (native/kernels/tanh_backward.cc):
 *   c null:  out = a (1 - b²)    tanh's backward, a the output gradient and b = tanh(x)
 *   else:    out = -2 a b c      the derivative of that in b, times an upstream gradient
 * On float32 arrays every intermediate is rounded to float32, as the native float loop.
 */
import type { FloatArray } from '../../tensor/dtype';

export function tanhBackward(a: FloatArray, b: FloatArray, c: FloatArray | null, out: FloatArray): void {
  const r = a instanceof Float32Array ? Math.fround : (x: number): number => x;
  if (c === null) {
    for (let i = 0; i < out.length; i++) out[i] = a[i] * r(1 - r(b[i] * b[i]));
  } else {
    for (let i = 0; i < out.length; i++) out[i] = r(r(-2 * a[i]) * b[i]) * c[i];
  }
}
